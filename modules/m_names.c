/* m_names.c - NAMES: the members of a channel, packed into 353 lines. */
#include <string.h>

#include <stdio.h>

#include "base/conf.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/cap.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"

static char
channel_symbol(const struct channel *ch)
{
	if (ch->modes & CMODE_SECRET)
		return '@';
	if (ch->modes & CMODE_PRIVATE)
		return '*';
	return '=';
}

/* "@+nick" or "@+nick!user@host" into entry; its length. */
static size_t
names_entry(const struct membership *m, int multi, int uhnames, char *entry)
{
	const struct client *u = m->client;
	size_t n = str_copy(entry, member_prefix(m, multi), 3);

	n += str_copy(entry + n, u->nick, NICKLEN_MAX + 1);
	if (uhnames) {
		entry[n++] = '!';
		n += str_copy(entry + n, u->user, USERLEN + 1);
		entry[n++] = '@';
		n += str_copy(entry + n, u->host, HOSTLEN + 1);
	}
	return n;
}

void
names_send(struct client *c, struct channel *ch)
{
	int multi = (c->local->caps & CAP_MULTI_PREFIX) != 0;
	int uhnames = (c->local->caps & CAP_USERHOST_IN_NAMES) != 0;
	int on_channel = channel_member(ch, c) != NULL;
	char line[OUT_LINE_MAX + 1];
	size_t plen, len;

	if (!channel_visible(ch, c)) {
		reply(c, RPL_ENDOFNAMES, "%s :End of /NAMES list", ch->name);
		return;
	}
	/* Each line is ":server 353 nick = #chan :" and entries, built by hand. */
	plen = (size_t)snprintf(line, sizeof(line), ":%s 353 %s %c %s :", me.name,
	                        client_name(c), channel_symbol(ch), ch->name);
	if (plen >= sizeof(line) / 2)
		plen = sizeof(line) / 2;
	len = plen;
	for (uint32_t i = 0; i < ch->nmembers; i++) {
		struct membership *m = ch->members[i];
		char entry[NICKLEN_MAX + USERLEN + HOSTLEN + 8];
		size_t elen;

		if (!on_channel && (m->client->umodes & UMODE_INVISIBLE))
			continue;
		elen = names_entry(m, multi, uhnames, entry);
		if (len > plen && len + 1 + elen + 2 > OUT_LINE_MAX) {
			line[len] = '\0';
			send_line(c, "%s", line);
			len = plen;
		}
		if (len > plen)
			line[len++] = ' ';
		memcpy(line + len, entry, elen);
		len += elen;
	}
	if (len > plen) {
		line[len] = '\0';
		send_line(c, "%s", line);
	}
	reply(c, RPL_ENDOFNAMES, "%s :End of /NAMES list", ch->name);
}

/* NAMES #a,#b: each channel's 353s and 366, up to TARGMAX NAMES. */
HANDLER(m_names)
{
	char *names = m->argc > 0 ? m->argv[0] : NULL, *name;
	unsigned n = 0;

	if (names == NULL || *names == '\0') {
		reply(c, RPL_ENDOFNAMES, "* :End of /NAMES list");
		return IRC_OK;
	}
	while ((name = list_next(&names)) != NULL) {
		struct channel *ch;
		if (*name == '\0')
			continue;
		if (++n > conf->limits.max_targets) {
			reply(c, ERR_TOOMANYTARGETS, "%s :Too many targets", param_word(name));
			break;
		}
		ch = channel_find(name);
		if (ch != NULL)
			names_send(c, ch);
		else
			reply(c, RPL_ENDOFNAMES, "%s :End of /NAMES list", param_word(name));
	}
	return IRC_OK;
}
