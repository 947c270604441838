/* send.c - building lines and fanning them out by reference. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bounds.h"
#include "base/stats.h"
#include "net/conn.h"
#include "net/line.h"
#include "proto/batch.h"
#include "proto/cap.h"
#include "proto/monitor_notify.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"

static const struct link_ops *links;

void
send_set_link_ops(const struct link_ops *ops)
{
	links = ops;
}

/* Every line to one local client passes here: framed while a label or batch is open. */
static void
out_bytes(struct client *to, const char *line, size_t len)
{
	struct conn *cn = to->local->conn;

	if (cn->flags & CONN_OUTPUT_HOOK)
		batch_filter(to, line, len);
	else
		conn_send_bytes(cn, line, len);
}

static void
out_buf(struct client *to, struct msgbuf *mb)
{
	struct conn *cn = to->local->conn;

	if (cn->flags & CONN_OUTPUT_HOOK)
		batch_filter(to, mb->data, mb->len);
	else
		conn_send_buf(cn, mb);
}

static void
send_vline(struct client *to, const char *prefix, const char *fmt, va_list ap)
{
	char line[OUT_LINE_MAX + 1];
	size_t n;

	if (to->local == NULL) {
		/* A user behind a link: the link module routes it, once it exists. */
		if (links != NULL && links->line != NULL) {
			n = line_vformat(line, prefix, fmt, ap);
			links->line(to, line, n);
		}
		return;
	}
	n = line_vformat(line, prefix, fmt, ap);
	out_bytes(to, line, n);
}

void
send_line(struct client *to, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send_vline(to, NULL, fmt, ap);
	va_end(ap);
}

void
reply(struct client *to, int numeric, const char *fmt, ...)
{
	char prefix[SERVLEN + NICKLEN_MAX + 16];
	va_list ap;
	size_t n = 0;

	/* ":server NNN nick ", by hand: every reply starts so. */
	prefix[n++] = ':';
	n += str_copy(prefix + n, me.name, SERVLEN + 1);
	prefix[n++] = ' ';
	prefix[n++] = (char)('0' + numeric / 100 % 10);
	prefix[n++] = (char)('0' + numeric / 10 % 10);
	prefix[n++] = (char)('0' + numeric % 10);
	prefix[n++] = ' ';
	n += str_copy(prefix + n, client_name(to), NICKLEN_MAX + 1);
	prefix[n++] = ' ';
	prefix[n] = '\0';
	va_start(ap, fmt);
	send_vline(to, prefix, fmt, ap);
	va_end(ap);
}

void
send_notice(struct client *to, const char *fmt, ...)
{
	char prefix[SERVLEN + NICKLEN_MAX + 16];
	va_list ap;

	snprintf(prefix, sizeof(prefix), ":%s NOTICE %s :", me.name, client_name(to));
	va_start(ap, fmt);
	send_vline(to, prefix, fmt, ap);
	va_end(ap);
}

static void
send_standard(struct client *to, const char *kind, const char *cmd, const char *code,
              const char *context, const char *fmt, va_list ap)
{
	char prefix[OUT_LINE_MAX];

	snprintf(prefix, sizeof(prefix), ":%s %s %s %s%s%s :", me.name, kind, cmd, code,
	         context ? " " : "", context ? context : "");
	send_vline(to, prefix, fmt, ap);
}

#define STANDARD_REPLY(fn, kind)                                                               \
	void fn(struct client *to, const char *cmd, const char *code, const char *context,     \
	        const char *fmt, ...)                                                          \
	{                                                                                      \
		va_list ap;                                                                    \
		va_start(ap, fmt);                                                             \
		send_standard(to, kind, cmd, code, context, fmt, ap);                          \
		va_end(ap);                                                                    \
	}

STANDARD_REPLY(send_fail, "FAIL")
STANDARD_REPLY(send_warn, "WARN")
STANDARD_REPLY(send_note, "NOTE")

static struct outmsg *
msg_vbuild(const char *prefix, const char *fmt, va_list ap)
{
	struct outmsg *om = outmsg_new();

	om->body_len = (uint32_t)line_vformat(om->body, prefix, fmt, ap);
	return om;
}

struct outmsg *
msg_build(const char *fmt, ...)
{
	struct outmsg *om;
	va_list ap;

	va_start(ap, fmt);
	om = msg_vbuild(NULL, fmt, ap);
	va_end(ap);
	outmsg_stamp(om);
	return om;
}

struct outmsg *
msg_from(const struct client *from, const char *fmt, ...)
{
	char prefix[NICKLEN_MAX + USERLEN + HOSTLEN + 8];
	struct outmsg *om;
	va_list ap;
	size_t n = 0;

	/* Every relayed line starts so: no printf for it. */
	prefix[n++] = ':';
	n += str_copy(prefix + n, from->nick, NICKLEN_MAX + 1);
	prefix[n++] = '!';
	n += str_copy(prefix + n, from->user, USERLEN + 1);
	prefix[n++] = '@';
	n += str_copy(prefix + n, from->host, HOSTLEN + 1);
	prefix[n++] = ' ';
	prefix[n] = '\0';
	va_start(ap, fmt);
	om = msg_vbuild(prefix, fmt, ap);
	va_end(ap);
	outmsg_stamp(om);
	if (from->account != NULL) {
		om->account = xstrdup(from->account);
		om->available |= TAG_ACCOUNT;
	}
	if (from->umodes & UMODE_BOT)
		om->available |= TAG_BOT;
	return om;
}

void
msg_set_client_tags(struct outmsg *om, const char *tags)
{
	if (tags == NULL || *tags == '\0')
		return;
	free(om->client_tags);
	om->client_tags = xstrdup(tags);
	om->available |= TAG_CLIENT;
}

void
msg_release(struct outmsg *om)
{
	outmsg_free(om);
}

unsigned
client_wanted_tags(const struct client *c)
{
	uint32_t caps = c->local != NULL ? c->local->caps : 0;
	unsigned tags = 0;

	if (caps & CAP_SERVER_TIME)
		tags |= TAG_TIME;
	if (caps & CAP_MESSAGE_TAGS)
		tags |= TAG_MSGID | TAG_CLIENT | TAG_BOT;
	if (caps & CAP_ACCOUNT_TAG)
		tags |= TAG_ACCOUNT;
	return tags;
}

void
send_msg(struct client *to, struct outmsg *om)
{
	if (to->local != NULL)
		out_buf(to, outmsg_flavour(om, to->local->tags_wanted));
}

void
send_channel_filtered(struct channel *ch, struct client *skip, struct outmsg *om,
                      unsigned status, uint32_t caps, uint32_t without_caps)
{
	for (uint32_t i = 0; i < ch->nmembers; i++) {
		struct membership *m = ch->members[i];
		struct local *l = m->client->local;
		if (m->client == skip || l == NULL)
			continue;
		if (status != 0 && !(m->flags & status))
			continue;
		if ((l->caps & caps) != caps || (l->caps & without_caps) != 0)
			continue;
		out_buf(m->client, outmsg_flavour(om, l->tags_wanted));
	}
	stats_fanout(ch->nmembers);
}

void
send_channel(struct channel *ch, struct client *skip, struct outmsg *om, unsigned status)
{
	send_channel_filtered(ch, skip, om, status, 0, 0);
}

static uint32_t common_serial;

uint32_t
send_serial(void)
{
	if (++common_serial == 0)
		common_serial = 1;
	return common_serial;
}

void
send_common_cap(struct client *c, struct outmsg *om, int include_self, uint32_t caps,
                uint32_t without_caps)
{
	uint32_t serial = send_serial();
	struct membership *cm;

	c->mark = serial;
	if (include_self && c->local != NULL && (c->local->caps & caps) == caps &&
	    (c->local->caps & without_caps) == 0)
		send_msg(c, om);
	LIST_FOREACH (cm, &c->channels, client_link) {
		struct channel *ch = cm->channel;
		for (uint32_t i = 0; i < ch->nmembers; i++) {
			struct client *to = ch->members[i]->client;
			if (to->mark == serial)
				continue;
			to->mark = serial;
			if (to->local == NULL || (to->local->caps & caps) != caps ||
			    (to->local->caps & without_caps) != 0)
				continue;
			send_msg(to, om);
		}
	}
}

void
send_common_ext(struct client *c, struct outmsg *om, int include_self, uint32_t cap)
{
	send_common_cap(c, om, include_self, cap, 0);
	monitor_notify(c, om, cap, common_serial);
}

void
send_common(struct client *c, struct outmsg *om, int include_self)
{
	send_common_cap(c, om, include_self, 0, 0);
}
