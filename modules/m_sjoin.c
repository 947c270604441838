/*
 * m_sjoin.c - SJOIN from a link, and the channel TS rules it and JOIN
 * share: the lower TS wins and wipes the other side's modes and statuses,
 * equal TSes merge, a higher TS keeps ours and joins their members plain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/util.h"
#include "modules/modules.h"
#include "proto/link.h"
#include "proto/send.h"
#include "proto/snomask.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/server.h"

#define SJOIN_MEMBERS_MAX 128 /* a 512-byte line holds fewer UIDs than this */

static const struct source me_source = {ORIGIN_SERVER, NULL, &me, NULL};

/* Every mode, status and the topic of ch taken back, shown as this server's MODE and TOPIC. */
static void
channel_strip(struct channel *ch)
{
	static const char flags[] = "COimnpst", lists[] = "beIq";
	struct mode_line line = {0};

	for (uint32_t i = 0; i < ch->nmembers; i++) {
		struct membership *m = ch->members[i];
		struct mode_change o = {'-', 'o', NULL, 0, m->client};
		struct mode_change v = {'-', 'v', NULL, 0, m->client};
		mode_proceed_change(&me_source, ch, &o, &line);
		mode_proceed_change(&me_source, ch, &v, &line);
	}
	for (int l = 0; l < BAN_LISTS; l++) {
		struct ban *b;
		while ((b = TAILQ_FIRST(&ch->bans[l])) != NULL) {
			struct mode_change mc = {'-', lists[l], b->mask, 0, NULL};
			if (!mode_proceed_change(&me_source, ch, &mc, &line))
				break;
		}
	}
	for (const char *f = flags; *f != '\0'; f++) {
		struct mode_change mc = {'-', *f, NULL, 0, NULL};
		mode_proceed_change(&me_source, ch, &mc, &line);
	}
	if (ch->key != NULL) {
		struct mode_change mc = {'-', 'k', "*", 0, NULL};
		mode_proceed_change(&me_source, ch, &mc, &line);
	}
	if (ch->limit != 0) {
		struct mode_change mc = {'-', 'l', NULL, 0, NULL};
		mode_proceed_change(&me_source, ch, &mc, &line);
	}
	mode_proceed_channel(&me_source, ch, &line);
	if (ch->topic != NULL) /* the winner's topic, if any, comes in its burst */
		topic_proceed(&me_source, ch, "", me.name, 0);
}

void
channel_ts_lower(const struct source *src, struct channel *ch, time_t ts)
{
	struct outmsg *om =
	    msg_build(":%s NOTICE %s :*** Notice -- TS for %s changed from %lld to %lld",
	              me.name, ch->name, ch->name, (long long)ch->ts, (long long)ts);

	(void)src;
	send_channel(ch, NULL, om, 0);
	msg_release(om);
	snomask_send(SNO_LINK, "TS for %s changed from %lld to %lld", ch->name,
	             (long long)ch->ts, (long long)ts);
	channel_strip(ch);
	free(ch->mlock); /* the older channel's services set their own */
	ch->mlock = NULL;
	ch->ts = ts;
}

struct sjoin_member {
	struct client *client;
	unsigned flags;
};

/* "@+1AAAAAAAA +1AAAAAAAB ..." -> members behind the link it came from. */
static int
members_parse(struct source *src, char *list, struct sjoin_member *out)
{
	char *tok;
	int n = 0;

	while ((tok = strsep(&list, " ")) != NULL && n < SJOIN_MEMBERS_MAX) {
		unsigned flags = 0;
		struct client *c;
		for (; *tok != '\0' && strchr("@%+~&", *tok) != NULL; tok++)
			flags |= *tok == '+' ? MEMBER_VOICE : MEMBER_OP;
		c = *tok != '\0' ? client_find_uid(tok) : NULL;
		if (c == NULL || !c->registered || c->server->via != src->link)
			continue;
		out[n].client = c;
		out[n].flags = flags;
		n++;
	}
	return n;
}

/* Join the members; their statuses only when their side's modes count. */
static void
members_join(struct source *src, struct channel *ch, const struct sjoin_member *mem, int n,
             int statuses, struct mode_line *line, char *relay, size_t size)
{
	size_t len = 0;

	relay[0] = '\0';
	for (int i = 0; i < n; i++) {
		struct client *c = mem[i].client;
		unsigned flags = statuses ? mem[i].flags : 0;
		if (channel_member(ch, c) != NULL)
			continue;
		join_proceed(c, ch, 0);
		if (flags & MEMBER_OP) {
			struct mode_change mc = {'+', 'o', NULL, 0, c};
			mode_proceed_change(src, ch, &mc, line);
		}
		if (flags & MEMBER_VOICE) {
			struct mode_change mc = {'+', 'v', NULL, 0, c};
			mode_proceed_change(src, ch, &mc, line);
		}
		len += (size_t)snprintf(relay + len, size - len, "%s%s%s%s", len ? " " : "",
		                        flags & MEMBER_OP ? "@" : "",
		                        flags & MEMBER_VOICE ? "+" : "", c->uid);
		if (len >= size)
			len = size - 1;
	}
}

/* The members joined, on to the other links in as many SJOINs as fit 510 bytes. */
static void
sjoin_relay(const struct source *src, const struct channel *ch, const char *modes,
            char *members)
{
	char head[OUT_LINE_MAX];
	int hlen = snprintf(head, sizeof(head), ":%s SJOIN %lld %s %s :", src->server->sid,
	                    (long long)ch->ts, ch->name, modes);
	size_t room = hlen > 0 && hlen < 510 - UIDLEN - 2 ? 510 - (size_t)hlen : UIDLEN + 2;
	char *p = members;

	do {
		size_t len = strlen(p), cut = len;
		if (len > room) { /* cut at the last space that fits */
			cut = room;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0) /* no space in reach (members are short): never stall */
				cut = len;
		}
		links_send(src->link->link, "%s%.*s", head, (int)cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	} while (*p != '\0');
}

/* :<sid> SJOIN <ts> <#chan> <+modes> [<key>] [<limit>] :<members> */
SERVER_HANDLER(ms_sjoin)
{
	struct sjoin_member mem[SJOIN_MEMBERS_MAX];
	struct mode_line line = {0};
	char relay[SJOIN_MEMBERS_MAX * (UIDLEN + 3)], modes[128];
	struct channel *ch;
	time_t ts;
	int n, theirs = 1, lowered = 0, created = 0;

	if (m->argc < 4 || !channel_name_valid(m->argv[1], CHANNELLEN_MAX) ||
	    (ts = link_ts(m->argv[0])) < 0)
		return IRC_OK;
	n = members_parse(src, m->argv[m->argc - 1], mem);
	ch = channel_find(m->argv[1]);
	if (ch == NULL) {
		if (n == 0)
			return IRC_OK; /* an empty SJOIN makes nothing here */
		ch = channel_create(m->argv[1]);
		ch->ts = ts;
		created = 1;
	} else if (ts < ch->ts) {
		channel_ts_lower(src, ch, ts);
		lowered = 1;
	} else if (ts > ch->ts) {
		theirs = 0; /* ours is older: their modes and statuses do not count */
	}
	if (theirs && (lowered || created))
		mode_proceed_ts6(src, ch, m->argv[2], m->argv + 3, m->argc - 4, &line);
	else if (theirs)
		mode_merge_ts6(src, ch, m->argv[2], m->argv + 3, m->argc - 4, &line);
	members_join(src, ch, mem, n, theirs, &line, relay, sizeof(relay));
	mode_proceed_channel(src, ch, &line);
	channel_mode_string(ch, 1, modes, sizeof(modes));
	/* An SJOIN of no one new still carries a lower TS on (services send those). */
	if (relay[0] != '\0' || lowered)
		sjoin_relay(src, ch, modes, relay);
	return IRC_OK;
}
