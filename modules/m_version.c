/* m_version.c - VERSION: the software and its ISUPPORT tokens. */
#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/server.h"

HANDLER(m_version)
{
	if (m->argc > 0 && route_query(c, "VERSION", m->argv[0], NULL))
		return IRC_OK;
	reply(c, RPL_VERSION, "evircd-%s. %s :libev, OpenSSL, c-ares, sqlite3, inih",
	      PACKAGE_VERSION, me.name);
	isupport_send(c);
	return IRC_OK;
}
