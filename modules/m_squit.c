/*
 * m_squit.c - SQUIT from an operator, here or behind a link: a directly
 * linked server is dropped (link_exit tells the rest of the network), one
 * further away is asked for by a SQUIT sent towards it.  SQUIT from a server
 * is m_server.c's ms_squit.
 */
#include <strings.h>
#include <sys/queue.h>

#include "base/conf.h"
#include "base/log.h"
#include "modules/modules.h"
#include "proto/link.h"
#include "proto/numeric.h"
#include "proto/oper.h"
#include "proto/parse.h"
#include "proto/send.h"
#include "proto/snomask.h"
#include "state/client.h"
#include "state/server.h"

/*
 * from (an operator, here or behind the link `came`, NULL for here) ends s:
 * the link to s goes, or the SQUIT travels on towards s.
 */
static void
squit_proceed(struct client *from, struct server *came, struct server *s, const char *reason)
{
	if (s->link != NULL) {
		snomask_send(SNO_LINK, "%sSQUIT %s from %s (%s)", came ? "Remote " : "",
		             s->name, from->nick, reason);
		log_info("link: SQUIT %s from %s: %s", s->name, from->nick, reason);
		/* As hybrid does: the peer hears that we leave it, then the ERROR. */
		if (s != came)
			link_send(s->link, ":%s SQUIT %s :%s", from->uid, me.sid, reason);
		link_drop(s->link, reason);
		return;
	}
	if (s->via != NULL && s->via != came && s->via->link != NULL)
		link_send(s->via->link, ":%s SQUIT %s :%s", from->uid, s->sid, reason);
}

/* SQUIT <server> [:<reason>] */
HANDLER(m_squit)
{
	const char *reason = m->argc > 1 && m->argv[1][0] ? m->argv[1] : c->nick;
	struct server *s;

	if (!oper_require(c, PRIV_CONNECT))
		return IRC_OK;
	if ((s = server_find(m->argv[0])) == NULL) {
		struct link *l;
		LIST_FOREACH (l, &links, entry) /* a CONNECT not answered yet: abort it */
			if (l->server == NULL && strcasecmp(l->name, m->argv[0]) == 0) {
				send_notice(c, "*** SQUIT: link to %s dropped in its handshake",
				            l->name);
				link_drop(l, reason);
				return IRC_OK;
			}
		reply(c, ERR_NOSUCHSERVER, "%s :No such server", param_word(m->argv[0]));
		return IRC_OK;
	}
	if (s == &me) {
		send_notice(c, "*** SQUIT: %s is this server", me.name);
		return IRC_OK;
	}
	squit_proceed(c, NULL, s, reason);
	if (s->link == NULL)
		send_notice(c, "*** SQUIT %s sent towards %s", s->name, s->via->name);
	return IRC_OK;
}

/* :<uid> SQUIT <server> :<reason> — an operator elsewhere; naming us: the link it came over. */
HANDLER(mr_squit)
{
	struct server *came = c->server->via, *s;
	const char *reason = m->argc > 1 && m->argv[1][0] ? m->argv[1] : c->nick;

	if (m->argc < 1 || (s = server_find(m->argv[0])) == NULL)
		return IRC_OK;
	if (!(c->umodes & UMODE_OPER)) {
		log_warn("link: SQUIT %s from %s, not an operator: ignored", s->name, c->nick);
		return IRC_OK;
	}
	squit_proceed(c, came, s == &me ? came : s, reason);
	return IRC_OK;
}
