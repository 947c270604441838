/* m_names.c - NAMES: the members of a channel, packed into 353 lines. */
#include <string.h>

#include <stdio.h>

#include "channel.h"
#include "client.h"
#include "conn.h"
#include "modules.h"
#include "numeric.h"
#include "send.h"
#include "server.h"

static char
channel_symbol(const struct channel *ch)
{
	if (ch->modes & CMODE_SECRET)
		return '@';
	if (ch->modes & CMODE_PRIVATE)
		return '*';
	return '=';
}

void
names_send(struct client *c, struct channel *ch)
{
	int multi = (c->conn->caps & CAP_MULTI_PREFIX) != 0;
	int uhnames = (c->conn->caps & CAP_USERHOST_IN_NAMES) != 0;
	int on_channel = channel_member(ch, c) != NULL;
	char prefix[128], buf[OUT_LINE_MAX];
	size_t plen, len;

	if (!channel_visible(ch, c)) {
		reply(c, RPL_ENDOFNAMES, "%s :End of /NAMES list", ch->name);
		return;
	}
	/* Room for ":server 353 nick = #chan :" and CRLF. */
	plen = (size_t)snprintf(prefix, sizeof(prefix), ":%s 353 %s %c %s :", me.name,
	                        client_name(c), channel_symbol(ch), ch->name);
	len = 0;
	for (uint32_t i = 0; i < ch->nmembers; i++) {
		struct membership *m = ch->members[i];
		struct client *u = m->client;
		char entry[NICKLEN_MAX + USERLEN + HOSTLEN + 8];
		size_t elen;

		if (!on_channel && (u->umodes & UMODE_INVISIBLE))
			continue;
		if (uhnames)
			elen = (size_t)snprintf(entry, sizeof(entry), "%s%s!%s@%s",
			                        member_prefix(m, multi), u->nick, u->user,
			                        u->host);
		else
			elen = (size_t)snprintf(entry, sizeof(entry), "%s%s",
			                        member_prefix(m, multi), u->nick);
		if (len > 0 && plen + len + 1 + elen + 2 > OUT_LINE_MAX) {
			send_line(c, "%s%.*s", prefix, (int)len, buf);
			len = 0;
		}
		if (len > 0)
			buf[len++] = ' ';
		memcpy(buf + len, entry, elen);
		len += elen;
	}
	if (len > 0)
		send_line(c, "%s%.*s", prefix, (int)len, buf);
	reply(c, RPL_ENDOFNAMES, "%s :End of /NAMES list", ch->name);
}

HANDLER(m_names)
{
	char *names = m->argc > 0 ? m->argv[0] : NULL, *name;

	if (names == NULL || *names == '\0') {
		reply(c, RPL_ENDOFNAMES, "* :End of /NAMES list");
		return IRC_OK;
	}
	/* TARGMAX NAMES:1 - only the first channel is answered. */
	name = list_next(&names);
	{
		struct channel *ch = channel_find(name);
		if (ch != NULL)
			names_send(c, ch);
		else
			reply(c, RPL_ENDOFNAMES, "%s :End of /NAMES list", param_word(name));
	}
	return IRC_OK;
}
