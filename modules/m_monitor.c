/* m_monitor.c - MONITOR + - C L S: online notifications for chosen nicks. */
#include <stdio.h>
#include <string.h>

#include "base/conf.h"
#include "modules/modules.h"
#include "proto/metasync.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/monitor.h"

/* Batches nicks into as few 730/731/732 lines as fit. */
struct nick_batch {
	struct client *c;
	int numeric;
	char buf[400];
	size_t len;
};

static void
batch_flush(struct nick_batch *b)
{
	if (b->len > 0)
		reply(b->c, b->numeric, ":%s", b->buf);
	b->len = 0;
	b->buf[0] = '\0';
}

static void
batch_add(struct nick_batch *b, const char *item)
{
	size_t n = strlen(item);

	if (b->len > 0 && b->len + 1 + n >= sizeof(b->buf))
		batch_flush(b);
	if (n >= sizeof(b->buf))
		return;
	if (b->len > 0)
		b->buf[b->len++] = ',';
	memcpy(b->buf + b->len, item, n + 1);
	b->len += n;
}

/* The 730 and 731 lines of one command, and the users the 730s name. */
struct status {
	struct nick_batch on, off;
	struct client *online[MONITOR_MAX];
	unsigned nonline;
};

/* Sort a nick into the online or offline batch. */
static void
status_of(struct status *s, const char *nick)
{
	struct client *u = client_find_nick(nick);
	char mask[NICKLEN_MAX + USERLEN + HOSTLEN + 3];

	if (u != NULL && u->registered) {
		batch_add(&s->on, client_mask(u, mask, sizeof(mask)));
		if (s->nonline < MONITOR_MAX)
			s->online[s->nonline++] = u;
	} else {
		batch_add(&s->off, nick);
	}
}

/* draft/metadata-3: each user a 730 named comes with its metadata. */
static void
status_flush(struct client *c, struct status *s)
{
	batch_flush(&s->on);
	batch_flush(&s->off);
	if (metadata_aware(c))
		for (unsigned i = 0; i < s->nonline; i++)
			metasync_user(c, s->online[i], METASYNC_AUTO);
}

static void
status_init(struct client *c, struct status *s)
{
	s->on = (struct nick_batch){c, RPL_MONONLINE, "", 0};
	s->off = (struct nick_batch){c, RPL_MONOFFLINE, "", 0};
	s->nonline = 0;
}

static void
monitor_plus(struct client *c, char *targets)
{
	struct status s;
	char *nick;

	status_init(c, &s);
	while ((nick = list_next(&targets)) != NULL) {
		if (*nick == '\0' || !nick_valid(nick, conf->limits.nicklen))
			continue;
		if (monitor_add(c, nick) != 0) {
			reply(c, ERR_MONLISTFULL, "%u %s%s%s :Monitor list is full",
			      MONITOR_MAX, nick, targets ? "," : "", targets ? targets : "");
			break;
		}
		status_of(&s, nick);
	}
	status_flush(c, &s);
}

static void
list_visit(const char *nick, void *arg)
{
	batch_add(arg, nick);
}

static void
status_visit(const char *nick, void *arg)
{
	status_of(arg, nick);
}

HANDLER(m_monitor)
{
	char op = m->argv[0][0];
	char *targets = m->argc > 1 ? m->argv[1] : NULL, *nick;

	switch (op) {
	case '+':
		if (targets == NULL) {
			reply(c, ERR_NEEDMOREPARAMS, "MONITOR :Not enough parameters");
			break;
		}
		monitor_plus(c, targets);
		break;
	case '-':
		while (targets != NULL && (nick = list_next(&targets)) != NULL)
			monitor_del(c, nick);
		break;
	case 'C':
	case 'c': monitor_clear(c); break;
	case 'L':
	case 'l': {
		struct nick_batch b = {c, RPL_MONLIST, "", 0};
		monitor_list(c, list_visit, &b);
		batch_flush(&b);
		reply(c, RPL_ENDOFMONLIST, ":End of MONITOR list");
		break;
	}
	case 'S':
	case 's': {
		struct status s;
		status_init(c, &s);
		monitor_list(c, status_visit, &s);
		status_flush(c, &s);
		break;
	}
	default:
		send_fail(c, "MONITOR", "INVALID_PARAMS", NULL, "Unknown MONITOR operation %c",
		          op);
	}
	return IRC_OK;
}
