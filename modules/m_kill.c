/* m_kill.c - KILL: an operator disconnects a user. */
#include <stdio.h>

#include "state/client.h"
#include "state/local.h"
#include "base/conf.h"
#include "net/conn.h"
#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/oper.h"
#include "proto/send.h"
#include "state/server.h"
#include "proto/snomask.h"

HANDLER(m_kill)
{
	struct client *victim;
	const char *reason = m->argc > 1 && m->argv[1][0] ? m->argv[1] : c->nick;
	char why[300];
	struct outmsg *mb;

	if (!oper_require(c, PRIV_KILL))
		return IRC_OK;
	victim = client_find_nick(m->argv[0]);
	if (victim == NULL || !victim->registered) {
		if (server_find(m->argv[0]) != NULL)
			reply(c, ERR_CANTKILLSERVER, ":You can't kill a server!");
		else
			reply(c, ERR_NOSUCHNICK, "%s :No such nick/channel",
			      param_word(m->argv[0]));
		return IRC_OK;
	}
	snomask_send(SNO_KILL, "Received KILL message for %s!%s@%s. From %s (%.*s)",
	             victim->nick, victim->user, victim->host, c->nick,
	             (int)conf->limits.kicklen, reason);
	mb = msg_from(c, "KILL %s :%.*s", victim->nick, (int)conf->limits.kicklen, reason);
	send_msg(victim, mb);
	msg_release(mb);
	snprintf(why, sizeof(why), "Killed (%s (%.*s))", c->nick, (int)conf->limits.kicklen,
	         reason);
	if (victim->local != NULL)
		conn_close(victim->local->conn, why);
	return victim == c ? IRC_CLOSED : IRC_OK;
}
