/* m_ping.c - PING and PONG: liveness in both directions. */
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/server.h"

HANDLER(m_ping)
{
	if (m->argc < 1 || m->argv[0][0] == '\0') {
		reply(c, ERR_NOORIGIN, ":No origin specified");
		return IRC_OK;
	}
	send_line(c, ":%s PONG %s :%s", me.name, me.name, m->argv[0]);
	return IRC_OK;
}

/* Any input resets the ping timer (conn.c); a PONG needs nothing more. */
HANDLER(m_pong)
{
	if (m->argc < 1 && c->registered)
		reply(c, ERR_NOORIGIN, ":No origin specified");
	return IRC_OK;
}
