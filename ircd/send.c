/* send.c - building lines and fanning them out by reference. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "channel.h"
#include "client.h"
#include "conn.h"
#include "bounds.h"
#include "line.h"
#include "send.h"
#include "server.h"
#include "stats.h"

static void
send_vline(struct client *to, const char *prefix, const char *fmt, va_list ap)
{
	char line[OUT_LINE_MAX + 1];
	size_t n;

	if (to->conn == NULL)
		return;
	n = line_vformat(line, prefix, fmt, ap);
	conn_send_bytes(to->conn, line, n);
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

	snprintf(prefix, sizeof(prefix), ":%s %03d %s ", me.name, numeric,
	         client_name(to));
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

static struct msgbuf *
msg_vbuild(const char *prefix, const char *fmt, va_list ap)
{
	char line[OUT_LINE_MAX + 1];
	size_t n = line_vformat(line, prefix, fmt, ap);
	struct msgbuf *mb = msgbuf_new(n);

	memcpy(mb->data, line, n);
	mb->len = (uint32_t)n;
	return mb;
}

struct msgbuf *
msg_build(const char *fmt, ...)
{
	struct msgbuf *mb;
	va_list ap;

	va_start(ap, fmt);
	mb = msg_vbuild(NULL, fmt, ap);
	va_end(ap);
	return mb;
}

struct msgbuf *
msg_from(const struct client *from, const char *fmt, ...)
{
	char prefix[NICKLEN_MAX + USERLEN + HOSTLEN + 8];
	struct msgbuf *mb;
	va_list ap;

	snprintf(prefix, sizeof(prefix), ":%s!%s@%s ", from->nick, from->user, from->host);
	va_start(ap, fmt);
	mb = msg_vbuild(prefix, fmt, ap);
	va_end(ap);
	return mb;
}

void
msg_release(struct msgbuf *mb)
{
	msgbuf_unref(mb);
}

void
send_msg(struct client *to, struct msgbuf *mb)
{
	if (to->conn != NULL)
		conn_send_buf(to->conn, mb);
}

void
send_channel(struct channel *ch, struct client *skip, struct msgbuf *mb,
             unsigned status)
{
	for (uint32_t i = 0; i < ch->nmembers; i++) {
		struct membership *m = ch->members[i];
		if (m->client == skip || m->client->conn == NULL)
			continue;
		if (status != 0 && !(m->flags & status))
			continue;
		conn_send_buf(m->client->conn, mb);
	}
	stats_fanout(ch->nmembers);
}

void
send_common(struct client *c, struct msgbuf *mb, int include_self)
{
	static uint32_t serial;
	struct membership *cm;

	if (++serial == 0)
		serial = 1;
	c->mark = serial;
	if (include_self)
		send_msg(c, mb);
	LIST_FOREACH(cm, &c->channels, client_link) {
		struct channel *ch = cm->channel;
		for (uint32_t i = 0; i < ch->nmembers; i++) {
			struct client *to = ch->members[i]->client;
			if (to->mark == serial)
				continue;
			to->mark = serial;
			send_msg(to, mb);
		}
	}
}
