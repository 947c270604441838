/*
 * xline_cmd.c - what KLINE and DLINE share: duration and reason parsing,
 * and bans across links ("ON <server mask>"; hybrid's KLINE/UNKLINE/DLINE/
 * UNDLINE with CAPAB KLN UNKLN DLN UNDLN, charybdis's ENCAP forms).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/match.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/clientjob.h"
#include "proto/link.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "proto/snomask.h"
#include "state/client.h"
#include "state/server.h"
#include "store/xline.h"

/* Disconnect every local user the ban matches; returns how many. */
static unsigned
xline_apply(const struct xline *x)
{
	struct conn *cn;
	unsigned hit = 0;
	char reason[300];

	TAILQ_FOREACH (cn, &conns, link) {
		struct client *c = cn->client;
		if (c == NULL || cn->state == CONN_CLOSING || !xline_matches_client(x, c))
			continue;
		snprintf(reason, sizeof(reason), "%c-lined: %s", x->kind, x->reason);
		snomask_send(SNO_REJECT, "%c-line active for %s (%s@%s): %s", x->kind,
		             client_name(c), c->user, c->realhost, x->reason);
		conn_close(cn, reason);
		hit++;
	}
	return hit;
}

void
xline_expired(const struct xline *x)
{
	snomask_send(SNO_REJECT, "Temporary %c-line for [%s] expired", x->kind, x->mask);
}

struct stored_note {
	char *note; /* to the oper */
	char *sno;  /* to the operators watching bans */
};

static void
stored_notice(struct client *c, void *arg)
{
	struct stored_note *n = arg;

	if (c != NULL)
		send_notice(c, "%s", n->note);
	snomask_send(SNO_REJECT, "%s", n->sno);
	free(n->note);
	free(n->sno);
	free(n);
}

/* The oper (and the others) hear that the ban changed once the database has it. */
static void
notice_when_stored(struct client *c, const char *note, const char *sno)
{
	struct stored_note *n = xmalloc(sizeof(*n));

	n->note = xstrdup(note);
	n->sno = xstrdup(sno);
	client_after_writes(c, stored_notice, n);
}

/*
 * A ban (add) or its removal to the links towards target, a server mask:
 * the link of a named server, every link for a mask with a wildcard; but
 * skip.  A link with the command's CAPAB token gets the plain form
 * (":<src> KLINE <target> <seconds> <user> <host> :<reason>"), the others
 * ENCAP (":<src> ENCAP <target> KLINE <seconds> <user> <host> :<reason>").
 */
static void
xline_send(struct link *skip, const char *src_id, enum xline_kind kind, int add,
           const char *target, long seconds, const char *mask, const char *reason)
{
	int wild = strpbrk(target, "*?") != NULL;
	struct server *named = wild ? NULL : server_find(target);
	const char *at = strchr(mask, '@');
	const char *cmd;
	uint32_t cap;
	char args[OUT_LINE_MAX];
	struct link *l;

	if (kind == XLINE_K && at == NULL)
		return;
	if (kind == XLINE_K && add)
		snprintf(args, sizeof(args), "%ld %.*s %s :%s", seconds, (int)(at - mask), mask,
		         at + 1, reason);
	else if (kind == XLINE_K)
		snprintf(args, sizeof(args), "%.*s %s", (int)(at - mask), mask, at + 1);
	else if (add)
		snprintf(args, sizeof(args), "%ld %s :%s", seconds, mask, reason);
	else
		snprintf(args, sizeof(args), "%s", mask);
	cmd = kind == XLINE_K ? (add ? "KLINE" : "UNKLINE") : (add ? "DLINE" : "UNDLINE");
	cap = kind == XLINE_K ? (add ? LCAP_KLN : LCAP_UNKLN) : (add ? LCAP_DLN : LCAP_UNDLN);
	LIST_FOREACH (l, &links, entry) {
		if (l == skip || l->server == NULL)
			continue;
		if (named != NULL ? link_of_server(named) != l : !wild)
			continue;
		if (l->caps & cap)
			link_send(l, ":%s %s %s %s", src_id, cmd, target, args);
		else
			link_send(l, ":%s ENCAP %s %s %s", src_id, target, cmd, args);
	}
}

/*
 * "ON <server mask>" after the mask at argv[i]: the servers the command is
 * for.  Returns the index after it (after the mask when there is none);
 * *target NULL then.  -1 (402 sent) for a server that does not exist.
 */
static int
xline_target(struct client *c, struct irc_msg *m, int i, const char **target)
{
	*target = NULL;
	if (i + 2 >= m->argc || strcasecmp(m->argv[i + 1], "ON") != 0)
		return i + 1;
	*target = m->argv[i + 2];
	if (strpbrk(*target, "*?") == NULL && server_find(*target) == NULL) {
		reply(c, ERR_NOSUCHSERVER, "%s :No such server", param_word(*target));
		return -1;
	}
	return i + 3;
}

/* Add a ban here (set by setter), disconnect who it covers; NULL with err when refused. */
static const struct xline *
xline_add_here(enum xline_kind kind, const char *mask, const char *reason, const char *setter,
               long seconds, char *err, size_t size, unsigned *hit)
{
	const struct xline *x = xline_add(kind, mask, reason, setter, seconds, err, size);

	if (x != NULL)
		*hit = xline_apply(x);
	return x;
}

/*
 * "[minutes] mask [ON servermask] [:reason]": an optional leading whole
 * number is the duration in minutes (0 or none: permanent).
 */
int
xline_command(struct client *c, struct irc_msg *m, enum xline_kind kind,
              const char *(*mask_of)(struct client *c, const char *arg, char *buf, size_t size))
{
	long minutes = 0;
	int i = 0, r;
	const char *mask, *reason, *target;
	char buf[128], err[200], setter[NICKLEN_MAX + 32], note[512], sno[512];
	const struct xline *x;
	unsigned hit = 0;

	if (m->argc > 1 && str_to_long(m->argv[0], 0, 525600L * 10, &minutes) == 0)
		i = 1;
	if (i >= m->argc) {
		reply(c, ERR_NEEDMOREPARAMS, "%cLINE :Not enough parameters", kind);
		return -1;
	}
	mask = mask_of(c, m->argv[i], buf, sizeof(buf));
	if (mask == NULL || (r = xline_target(c, m, i, &target)) < 0)
		return -1;
	/* Refused before it goes anywhere, this server or others. */
	if (xline_valid(kind, mask, err, sizeof(err)) != 0) {
		send_notice(c, "*** %c-line not added: %s", kind, err);
		return -1;
	}
	reason = r < m->argc && m->argv[r][0] ? m->argv[r] : "No reason";
	if (target != NULL) {
		xline_send(NULL, c->uid, kind, 1, target, minutes * 60, mask, reason);
		snomask_send(SNO_REJECT, "%s sent a %s%c-line for [%s] to %s: %s", c->nick,
		             minutes > 0 ? "temporary " : "", kind, mask, target, reason);
		if (!mask_match(target, me.name)) {
			send_notice(c, "*** %c-line for [%s] sent to %s", kind, mask, target);
			return 0;
		}
	}
	snprintf(setter, sizeof(setter), "%s{%s}", c->nick, c->oper_name ? c->oper_name : "?");
	x = xline_add_here(kind, mask, reason, setter, minutes * 60, err, sizeof(err), &hit);
	if (x == NULL) {
		send_notice(c, "*** %c-line not added: %s", kind, err);
		return -1;
	}
	if (minutes > 0)
		snprintf(note, sizeof(note),
		         "*** Added temporary %ld min. %c-line [%s]: %s (%u user%s)", minutes,
		         kind, mask, reason, hit, hit == 1 ? "" : "s");
	else
		snprintf(note, sizeof(note), "*** Added %c-line [%s]: %s (%u user%s)", kind,
		         mask, reason, hit, hit == 1 ? "" : "s");
	snprintf(sno, sizeof(sno), "%s added %s%c-line for [%s]: %s", c->nick,
	         minutes > 0 ? "temporary " : "", kind, mask, reason);
	notice_when_stored(c, note, sno);
	return 0;
}

int
unxline_command(struct client *c, struct irc_msg *m, const char *mask, enum xline_kind kind)
{
	const char *target;
	char note[300], sno[300];

	if (xline_target(c, m, 0, &target) < 0)
		return -1;
	if (target != NULL) {
		xline_send(NULL, c->uid, kind, 0, target, 0, mask, "");
		snomask_send(SNO_REJECT, "%s sent the removal of the %c-line for [%s] to %s",
		             c->nick, kind, mask, target);
		if (!mask_match(target, me.name)) {
			send_notice(c, "*** Removal of the %c-line for [%s] sent to %s", kind,
			            mask, target);
			return 0;
		}
	}
	if (xline_del(kind, mask) != 0) {
		send_notice(c, "*** No %c-line for [%s]", kind, mask);
		return -1;
	}
	snprintf(note, sizeof(note), "*** %c-line for [%s] is removed", kind, mask);
	snprintf(sno, sizeof(sno), "%s removed the %c-line for [%s]", c->nick, kind, mask);
	notice_when_stored(c, note, sno);
	return 0;
}

/* ---- Bans from links. */

/* An operator (on its server), a server, or services may ban here. */
static int
xline_trusted(const struct source *src, const char *cmd)
{
	if (src->client == NULL || (src->client->umodes & UMODE_OPER) ||
	    config_is_services(conf, src->server->name))
		return 1;
	log_warn("link %s: %s from %s, not an operator, ignored", src->link->name, cmd,
	         src->client->nick);
	return 0;
}

/*
 * A ban from a link that is malformed or too wide for our [limits] (a K-line
 * of *@* would lock everyone out): 1, logged and told to the operators
 * watching bans; the caller drops it, here and towards other servers.
 */
static int
xline_link_refused(const struct source *src, enum xline_kind kind, const char *mask)
{
	char err[200], who[NICKLEN_MAX + SERVLEN + 4];

	if (xline_valid(kind, mask, err, sizeof(err)) == 0)
		return 0;
	if (src->client != NULL)
		snprintf(who, sizeof(who), "%s{%s}", src->client->nick, src->server->name);
	else
		snprintf(who, sizeof(who), "%s", src->server->name);
	log_warn("link %s: %c-line [%s] from %s ignored: %s", src->link->name, kind, mask, who,
	         err);
	snomask_send(SNO_REJECT, "%c-line for [%s] from %s ignored: %s", kind, mask, who, err);
	return 1;
}

/*
 * A ban (add) or removal from a link: on towards target (NULL: routed as
 * ENCAP already), and here when target matches us.
 */
static void
xline_remote(const struct source *src, enum xline_kind kind, int add, const char *target,
             const char *seconds, const char *mask, const char *reason)
{
	const char *cmd =
	    kind == XLINE_K ? (add ? "KLINE" : "UNKLINE") : (add ? "DLINE" : "UNDLINE");
	char setter[NICKLEN_MAX + SERVLEN + 4], err[200];
	long secs = 0;
	unsigned hit = 0;

	if (!xline_trusted(src, cmd) ||
	    (add && str_to_long(seconds, 0, 525600L * 10 * 60, &secs) != 0)) {
		log_debug("link %s: %s of [%s] refused", src->link->name, cmd, mask);
		return;
	}
	if (add && xline_link_refused(src, kind, mask))
		return;
	if (reason == NULL || reason[0] == '\0')
		reason = "No reason";
	if (target != NULL) {
		xline_send(source_link(src), source_id(src), kind, add, target, secs, mask,
		           reason);
		if (!mask_match(target, me.name))
			return;
	}
	if (!add) {
		if (xline_del(kind, mask) == 0)
			snomask_send(SNO_REJECT, "%s removed the %c-line for [%s]",
			             src->client ? src->client->nick : src->server->name, kind,
			             mask);
		return;
	}
	snprintf(setter, sizeof(setter), "%s{%s}",
	         src->client ? src->client->nick : src->server->name, src->server->name);
	if (xline_add_here(kind, mask, reason, setter, secs, err, sizeof(err), &hit) == NULL) {
		log_warn("link %s: %c-line [%s] not added: %s", src->link->name, kind, mask,
		         err);
		return;
	}
	snomask_send(SNO_REJECT, "%s added %s%c-line for [%s]: %s (%u user%s)", setter,
	             secs > 0 ? "temporary " : "", kind, mask, reason, hit,
	             hit == 1 ? "" : "s");
}

/* A K-line's "user host" as one mask; NULL when it is no mask. */
static const char *
kline_mask_of(const char *user, const char *host, char *buf, size_t size)
{
	if (user[0] == '\0' || host[0] == '\0' || strchr(user, '@') || strchr(host, '@'))
		return NULL;
	snprintf(buf, size, "%s@%s", user, host);
	return buf;
}

void
xline_link_kline(const struct source *src, struct irc_msg *m, int encap)
{
	int t = encap ? 0 : 1; /* the plain form names its target first */
	char buf[256];
	const char *mask;

	if (m->argc < 3 + t ||
	    (mask = kline_mask_of(m->argv[t + 1], m->argv[t + 2], buf, sizeof(buf))) == NULL)
		return;
	xline_remote(src, XLINE_K, 1, encap ? NULL : m->argv[0], m->argv[t], mask,
	             m->argc > 3 + t ? m->argv[3 + t] : NULL);
}

int
xline_encap_refused(const struct source *src, struct irc_msg *m, enum xline_kind kind)
{
	char buf[256];
	const char *mask = NULL;

	if (kind == XLINE_K && m->argc >= 3)
		mask = kline_mask_of(m->argv[1], m->argv[2], buf, sizeof(buf));
	else if (kind == XLINE_D && m->argc >= 2)
		mask = m->argv[1];
	return mask != NULL && xline_link_refused(src, kind, mask);
}

void
xline_link_unkline(const struct source *src, struct irc_msg *m, int encap)
{
	int t = encap ? 0 : 1;
	char buf[256];
	const char *mask;

	if (m->argc < 2 + t ||
	    (mask = kline_mask_of(m->argv[t], m->argv[t + 1], buf, sizeof(buf))) == NULL)
		return;
	xline_remote(src, XLINE_K, 0, encap ? NULL : m->argv[0], NULL, mask, NULL);
}

void
xline_link_dline(const struct source *src, struct irc_msg *m, int encap)
{
	int t = encap ? 0 : 1;

	if (m->argc < 2 + t || m->argv[t + 1][0] == '\0')
		return;
	xline_remote(src, XLINE_D, 1, encap ? NULL : m->argv[0], m->argv[t], m->argv[t + 1],
	             m->argc > 2 + t ? m->argv[2 + t] : NULL);
}

void
xline_link_undline(const struct source *src, struct irc_msg *m, int encap)
{
	int t = encap ? 0 : 1;

	if (m->argc < 1 + t || m->argv[t][0] == '\0')
		return;
	xline_remote(src, XLINE_D, 0, encap ? NULL : m->argv[0], NULL, m->argv[t], NULL);
}
