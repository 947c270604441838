/* m_wallops.c - WALLOPS: an operator's message to every +w user. */
#include "base/conf.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/oper.h"
#include "proto/send.h"
#include "state/client.h"

HANDLER(m_wallops)
{
	struct outmsg *mb;
	struct conn *cn;

	if (!oper_require(c, PRIV_WALLOPS))
		return IRC_OK;
	mb = msg_from(c, "WALLOPS :%s", m->argv[0]);
	/* Rare and operator-only: a walk over local connections is fine. */
	TAILQ_FOREACH (cn, &conns, link) {
		struct client *u = cn->client;
		if (u != NULL && u->registered && (u->umodes & UMODE_WALLOPS))
			send_msg(u, mb);
	}
	msg_release(mb);
	return IRC_OK;
}
