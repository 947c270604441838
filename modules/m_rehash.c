/* m_rehash.c - REHASH: reload the configuration, TLS and MOTD. */
#include "client.h"
#include "conf.h"
#include "lifecycle.h"
#include "modules.h"
#include "numeric.h"
#include "oper.h"
#include "send.h"
#include "snomask.h"

HANDLER(m_rehash)
{
	char err[300];
	const char *path;

	if (!oper_require(c, PRIV_REHASH))
		return IRC_OK;
	path = conf->path;
	reply(c, RPL_REHASHING, "%s :Rehashing", path);
	snomask_send(SNO_OPER, "%s is rehashing the server configuration", c->nick);
	if (ircd_rehash(err, sizeof(err)) != 0) {
		send_notice(c, "*** Rehash failed, configuration unchanged: %s", err);
		snomask_send(SNO_OPER, "Rehash failed: %s", err);
	}
	return IRC_OK;
}
