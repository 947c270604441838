/* m_admin.c - ADMIN: who runs this server, from [admin]. */
#include "base/conf.h"
#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/server.h"

HANDLER(m_admin)
{
	if (m->argc > 0 && route_query(c, "ADMIN", m->argv[0], NULL))
		return IRC_OK;
	if (conf->admin_name == NULL && conf->admin_location == NULL &&
	    conf->admin_email == NULL) {
		reply(c, ERR_NOADMININFO, "%s :No administrative info available", me.name);
		return IRC_OK;
	}
	reply(c, RPL_ADMINME, "%s :Administrative info", me.name);
	reply(c, RPL_ADMINLOC1, ":%s", conf->admin_name ? conf->admin_name : "");
	reply(c, RPL_ADMINLOC2, ":%s", conf->admin_location ? conf->admin_location : "");
	reply(c, RPL_ADMINEMAIL, ":%s", conf->admin_email ? conf->admin_email : "");
	return IRC_OK;
}
