/* xline_cmd.c - what KLINE and DLINE share: duration and reason parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/clientjob.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "proto/snomask.h"
#include "state/client.h"
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
 * "[minutes] mask [:reason]": an optional leading whole number is the
 * duration in minutes (0 or none: permanent).
 */
int
xline_command(struct client *c, struct irc_msg *m, enum xline_kind kind,
              const char *(*mask_of)(struct client *c, const char *arg, char *buf, size_t size))
{
	long minutes = 0;
	int i = 0;
	const char *mask, *reason;
	char buf[128], err[200], setter[NICKLEN_MAX + 32], note[512], sno[512];
	const struct xline *x;
	unsigned hit;

	if (m->argc > 1 && str_to_long(m->argv[0], 0, 525600L * 10, &minutes) == 0)
		i = 1;
	if (i >= m->argc) {
		reply(c, ERR_NEEDMOREPARAMS, "%cLINE :Not enough parameters", kind);
		return -1;
	}
	mask = mask_of(c, m->argv[i], buf, sizeof(buf));
	if (mask == NULL)
		return -1;
	reason = i + 1 < m->argc && m->argv[i + 1][0] ? m->argv[i + 1] : "No reason";
	snprintf(setter, sizeof(setter), "%s{%s}", c->nick, c->oper_name ? c->oper_name : "?");
	x = xline_add(kind, mask, reason, setter, minutes * 60, err, sizeof(err));
	if (x == NULL) {
		send_notice(c, "*** %c-line not added: %s", kind, err);
		return -1;
	}
	hit = xline_apply(x);
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
unxline_command(struct client *c, const char *mask, enum xline_kind kind)
{
	char note[300], sno[300];

	if (xline_del(kind, mask) != 0) {
		send_notice(c, "*** No %c-line for [%s]", kind, mask);
		return -1;
	}
	snprintf(note, sizeof(note), "*** %c-line for [%s] is removed", kind, mask);
	snprintf(sno, sizeof(sno), "%s removed the %c-line for [%s]", c->nick, kind, mask);
	notice_when_stored(c, note, sno);
	return 0;
}
