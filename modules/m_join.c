/* m_join.c - JOIN: channel lists with keys, JOIN 0, every entry check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/stats.h"
#include "modules/modules.h"
#include "proto/cap.h"
#include "proto/history_record.h"
#include "proto/link.h"
#include "proto/metasync.h"
#include "proto/netsplit.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"

/* The checks of an existing channel, in the order users expect. */
static int
join_allowed(struct client *c, struct channel *ch, const char *key)
{
	int invited = invite_exists(ch, c);

	if ((ch->modes & CMODE_OPERONLY) && !(c->umodes & UMODE_OPER)) {
		reply(c, ERR_OPERONLYCHAN, "%s :Cannot join channel (+O)", ch->name);
		return 0;
	}
	if (ch->key != NULL && (key == NULL || strcmp(key, ch->key) != 0) && !invited) {
		reply(c, ERR_BADCHANNELKEY, "%s :Cannot join channel (+k)", ch->name);
		return 0;
	}
	if ((ch->modes & CMODE_INVITE) && !invited &&
	    !channel_list_match(ch, BAN_LIST_INVEX, c)) {
		reply(c, ERR_INVITEONLYCHAN, "%s :Cannot join channel (+i)", ch->name);
		return 0;
	}
	if (!invited && channel_is_banned(ch, c, NULL)) {
		reply(c, ERR_BANNEDFROMCHAN, "%s :Cannot join channel (+b)", ch->name);
		return 0;
	}
	if (ch->limit != 0 && ch->nmembers >= ch->limit && !invited) {
		reply(c, ERR_CHANNELISFULL, "%s :Cannot join channel (+l)", ch->name);
		return 0;
	}
	return 1;
}

/* check: may c join name (ch, or NULL when it does not exist yet)?  Silent when already in. */
static int
join_check(struct client *c, struct channel *ch, const char *name, const char *key)
{
	if (ch != NULL && channel_member(ch, c) != NULL)
		return 0;
	if (c->nchannels >= conf->limits.max_channels) {
		reply(c, ERR_TOOMANYCHANNELS, "%s :You have joined too many channels", name);
		return 0;
	}
	return ch == NULL || join_allowed(c, ch, key);
}

/* JOIN as each member's capabilities want it, then away-notify. */
static void
join_proceed_announce(struct client *c, struct channel *ch)
{
	struct outmsg *plain = msg_from(c, "JOIN %s", ch->name);
	struct outmsg *ext =
	    msg_from(c, "JOIN %s %s :%s", ch->name, c->account ? c->account : "*",
	             c->realname ? c->realname : "");

	/* A user back from a netsplit joins inside the relink's netjoin batch. */
	if (!netjoin_announce(c, ch, plain, ext)) {
		send_channel_filtered(ch, NULL, plain, 0, 0, CAP_EXTENDED_JOIN);
		send_channel_filtered(ch, NULL, ext, 0, CAP_EXTENDED_JOIN, 0);
	}
	history_record_channel(ch, c, "JOIN", plain);
	msg_release(plain);
	msg_release(ext);
	if (c->away != NULL) {
		struct outmsg *away = msg_from(c, "AWAY :%s", c->away);
		send_channel_filtered(ch, c, away, 0, CAP_AWAY_NOTIFY, 0);
		msg_release(away);
	}
}

void
join_proceed(struct client *c, struct channel *ch, unsigned flags)
{
	channel_add(ch, c, (uint8_t)flags);
	stats.joins++;
	join_proceed_announce(c, ch);
}

/* What only the local joiner gets: topic, NAMES, metadata, its read marker. */
static void
join_welcome(struct client *c, struct channel *ch)
{
	topic_send(c, ch);
	/* draft/read-marker: after the JOIN, before the end of NAMES. */
	markread_on_join(c, ch->name);
	if (!client_has_cap(c, CAP_NO_IMPLICIT_NAMES))
		names_send(c, ch);
	if (metadata_aware(c))
		metasync_channel(c, ch, METASYNC_AUTO);
}

static void
join_one(struct client *c, const char *name, const char *key)
{
	struct channel *ch = channel_find(name);
	unsigned flags = 0;

	if (!join_check(c, ch, name, key))
		return;
	/* A local JOIN makes a missing channel +nt, its creator op. */
	if (ch == NULL) {
		ch = channel_create(name);
		ch->modes = CMODE_NOEXTERNAL | CMODE_TOPICLOCK;
		flags = MEMBER_OP;
	}
	join_proceed(c, ch, flags);
	link_relay_join(c, ch, flags == MEMBER_OP);
	join_welcome(c, ch);
}

static void
join_zero(struct client *c)
{
	while (!LIST_EMPTY(&c->channels))
		part_proceed(c, LIST_FIRST(&c->channels)->channel, NULL);
}

HANDLER(m_join)
{
	char *names = m->argv[0];
	char *keys = m->argc > 1 ? m->argv[1] : NULL;
	char *name;

	if (strcmp(names, "0") == 0) {
		join_zero(c);
		return IRC_OK;
	}
	while ((name = list_next(&names)) != NULL) {
		char *key = list_next(&keys);
		if (*name == '\0')
			continue;
		if (name[0] != '#') {
			reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel", param_word(name));
			continue;
		}
		if (!channel_name_valid(name, conf->limits.channellen)) {
			reply(c, ERR_BADCHANMASK, "%s :Bad Channel Mask", param_word(name));
			continue;
		}
		join_one(c, name, key);
	}
	return IRC_OK;
}

/* ":<UID> JOIN <ts> <#chan> +" (or "JOIN 0") from a link: channel TS rules apply. */
HANDLER(mr_join)
{
	struct channel *ch;
	time_t ts;

	if (m->argc == 1 && strcmp(m->argv[0], "0") == 0) {
		join_zero(c);
		return IRC_OK;
	}
	if (m->argc < 2 || !channel_name_valid(m->argv[1], CHANNELLEN_MAX) ||
	    (ts = link_ts(m->argv[0])) < 0)
		return IRC_OK;
	ch = channel_find(m->argv[1]);
	if (ch == NULL) {
		ch = channel_create(m->argv[1]);
		ch->ts = ts;
	} else if (ts < ch->ts) {
		struct source src = {ORIGIN_REMOTE, c, c->server, c->server->via};
		channel_ts_lower(&src, ch, ts);
	}
	if (channel_member(ch, c) == NULL) {
		join_proceed(c, ch, 0);
		link_relay_join(c, ch, 0);
	}
	return IRC_OK;
}
