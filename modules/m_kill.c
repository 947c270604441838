/* m_kill.c - KILL: an operator disconnects a user. */
#include <stdio.h>

#include "base/conf.h"
#include "modules/modules.h"
#include "proto/exit.h"
#include "proto/link.h"
#include "proto/numeric.h"
#include "proto/oper.h"
#include "proto/send.h"
#include "proto/snomask.h"
#include "state/client.h"
#include "state/server.h"

/* check: may local c kill target?  The victim, or NULL once c has been told why not. */
static struct client *
kill_check(struct client *c, const char *target)
{
	struct client *victim;

	if (!oper_require(c, PRIV_KILL))
		return NULL;
	victim = client_find_nick(target);
	if (victim == NULL || !victim->registered) {
		if (server_find(target) != NULL)
			reply(c, ERR_CANTKILLSERVER, ":You can't kill a server!");
		else
			reply(c, ERR_NOSUCHNICK, "%s :No such nick/channel",
			      param_word(target));
		return NULL;
	}
	return victim;
}

void
kill_proceed(struct client *killer, struct client *victim, const char *reason)
{
	int len = (int)conf->limits.kicklen;
	struct outmsg *mb;
	char why[300];

	snomask_send(SNO_KILL, "Received KILL message for %s!%s@%s. From %s (%.*s)",
	             victim->nick, victim->user, victim->host, killer->nick, len, reason);
	mb = msg_from(killer, "KILL %s :%.*s", victim->nick, len, reason);
	send_msg(victim, mb);
	msg_release(mb);
	snprintf(why, sizeof(why), "Killed (%s (%.*s))", killer->nick, len, reason);
	/* Every server drops the victim on the KILL alone: no QUIT follows it. */
	links_send(link_of_client(killer), ":%s KILL %s :%s (%.*s)", killer->uid, victim->uid,
	           me.name, len, reason);
	victim->killed = 1;
	client_end(victim, why);
}

HANDLER(m_kill)
{
	const char *reason = m->argc > 1 && m->argv[1][0] ? m->argv[1] : c->nick;
	struct client *victim = kill_check(c, m->argv[0]);
	int self = victim == c;

	if (victim == NULL)
		return IRC_OK;
	kill_proceed(c, victim, reason);
	return self ? IRC_CLOSED : IRC_OK;
}

/* ":<UID> KILL <UID> :<path> (<reason>)" from a link. */
HANDLER(mr_kill)
{
	struct client *victim;

	if (m->argc < 1 || (victim = client_find(m->argv[0])) == NULL || !victim->registered ||
	    victim->killed) /* a second KILL for one on its way out: told already */
		return IRC_OK;
	kill_proceed(c, victim, m->argc > 1 ? m->argv[1] : "");
	return IRC_OK;
}

/* ":<SID> KILL <UID> :<path> (<reason>)": a server's kill (collisions, services). */
SERVER_HANDLER(ms_kill)
{
	struct client *victim;
	char why[300];

	if (m->argc < 1 || (victim = client_find(m->argv[0])) == NULL || !victim->registered ||
	    victim->killed) /* a second KILL for one on its way out: told already */
		return IRC_OK;
	links_send(src->link->link, ":%s KILL %s :%s", src->server->sid, victim->uid,
	           m->argc > 1 ? m->argv[1] : src->server->name);
	snprintf(why, sizeof(why), "Killed (%s (%s))", src->server->name,
	         m->argc > 1 ? m->argv[1] : "");
	victim->killed = 1;
	client_release_nick(victim);
	client_end(victim, why);
	return IRC_OK;
}
