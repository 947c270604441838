/* m_rehash.c - REHASH: reload the configuration, TLS and MOTD. */
#include "base/conf.h"
#include "modules/modules.h"
#include "proto/control.h"
#include "proto/numeric.h"
#include "proto/oper.h"
#include "proto/send.h"
#include "proto/snomask.h"
#include "state/client.h"

HANDLER(m_rehash)
{
	char err[300];
	const char *path;

	if (!oper_require(c, PRIV_REHASH))
		return IRC_OK;
	path = conf->path;
	reply(c, RPL_REHASHING, "%s :Rehashing", path);
	snomask_send(SNO_OPER, "%s is rehashing the server configuration", c->nick);
	if (control_rehash(err, sizeof(err)) != 0) {
		send_notice(c, "*** Rehash failed, configuration unchanged: %s", err);
		snomask_send(SNO_OPER, "Rehash failed: %s", err);
	}
	return IRC_OK;
}
