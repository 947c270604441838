/* m_nick.c - NICK: choose a nick at registration, or change it. */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>

#include "base/casemap.h"
#include "base/conf.h"
#include "base/log.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/exit.h"
#include "proto/history_record.h"
#include "proto/link.h"
#include "proto/monitor_notify.h"
#include "proto/netsplit.h"
#include "proto/numeric.h"
#include "proto/ratelimit.h"
#include "proto/sasl.h"
#include "proto/send.h"
#include "proto/snomask.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"
#include "state/whowas.h"
#include "store/account.h"

/* check: a nick anyone may take: given, valid, and free (or c's own). */
static int
nick_check(struct client *c, const char *nick)
{
	struct client *holder;

	if (*nick == '\0') {
		reply(c, ERR_NONICKNAMEGIVEN, ":No nickname given");
		return 0;
	}
	if (!nick_valid(nick, conf->limits.nicklen)) {
		reply(c, ERR_ERRONEUSNICKNAME, "%s :Erroneous nickname", param_word(nick));
		return 0;
	}
	holder = client_find_nick(nick);
	if (holder != NULL && holder != c) {
		reply(c, ERR_NICKNAMEINUSE, "%s :Nickname is already in use", param_word(nick));
		return 0;
	}
	/* A user split away may come back to it (hybrid and solanum answer so too). */
	if (holder == NULL && netsplit_nick_held(nick)) {
		reply(c, ERR_UNAVAILRESOURCE, "%s :Nick/channel is temporarily unavailable",
		      param_word(nick));
		return 0;
	}
	return 1;
}

/* Like hybrid: no nick change while banned or silenced (+m, +q) on a channel. */
static int
nick_change_blocked(struct client *c)
{
	struct membership *m;

	LIST_FOREACH (m, &c->channels, client_link) {
		if (m->flags & (MEMBER_OP | MEMBER_VOICE))
			continue;
		if ((m->channel->modes & CMODE_MODERATED) ||
		    channel_is_banned(m->channel, c, m) || channel_is_quieted(m->channel, c)) {
			reply(c, ERR_UNAVAILRESOURCE,
			      "%s :Cannot change nickname while "
			      "banned or moderated on channel",
			      m->channel->name);
			return 1;
		}
	}
	return 0;
}

/* check: may registered local c change to nick now?  Replies and 0 when not. */
static int
nick_check_change(struct client *c, const char *nick)
{
	unsigned wait = 0;

	/* A change of case only is no new identity: channels cannot refuse it. */
	if (client_find_nick(nick) != c && nick_change_blocked(c))
		return 0;
	if (!ratelimit_nick_change(c, &wait)) {
		reply(c, ERR_NICKTOOFAST, "%s %s :Nick change too fast. Please wait %u seconds",
		      c->nick, nick, wait);
		return 0;
	}
	return 1;
}

/* The change as this server's users see it: NICK, history, whowas, MONITOR. */
static void
nick_change_here(struct client *c, const char *nick, time_t ts)
{
	struct outmsg *mb = msg_from(c, "NICK :%s", nick);
	struct membership *m;
	char old[NICKLEN_MAX + 1];

	/* Everyone sharing a channel sees it once; so does the user. */
	send_common(c, mb, 1);
	LIST_FOREACH (m, &c->channels, client_link)
		history_record_channel(m->channel, c, "NICK", mb);
	msg_release(mb);
	whowas_add(c); /* the old nick is history too */
	str_copy(old, c->nick, sizeof(old));
	/* +r says identified to this nick: a new nick (not a new case) is not. */
	if (irc_strcmp(old, nick) != 0)
		client_set_umode(c, UMODE_REGNICK, 0);
	client_set_nick(c, nick, ts);
	monitor_nick_changed(c, old);
}

void
nick_proceed(struct client *c, const char *nick, time_t ts)
{
	links_send(link_of_client(c), ":%s NICK %s :%lld", c->uid, nick, (long long)ts);
	nick_change_here(c, nick, ts);
}

/* A collision's loser, known to every server: a KILL goes to all links. */
static void
nick_kill(struct client *c, const char *why)
{
	if (c->registered)
		links_send(NULL, ":%s KILL %s :%s (%s)", me.sid, c->uid, me.name, why);
	c->killed = 1;
	client_release_nick(c);
	client_end(c, why);
}

void
nick_save(struct client *c, struct link *skip, const char *src_id)
{
	struct link *l;

	if (strcmp(c->nick, c->uid) == 0)
		return;            /* saved already */
	if (!client_can_save(c)) { /* its server would not understand: as charybdis, a KILL */
		nick_kill(c, "Nick collision (no SAVE support)");
		return;
	}
	LIST_FOREACH (l, &links, entry) {
		if (l == skip || l->server == NULL)
			continue;
		if (link_can_save(l))
			link_send(l, ":%s SAVE %s %lld", src_id, c->uid, (long long)c->nick_ts);
		else
			link_send(l, ":%s NICK %s :%d", c->uid, c->uid, SAVE_NICKTS);
	}
	if (c->local != NULL)
		reply(c, RPL_SAVENICK,
		      "%s :Nick collision, forcing nick change to your unique ID", c->uid);
	nick_change_here(c, c->uid, SAVE_NICKTS);
}

/* :<src> SAVE <UID> <nickTS>: that user's nick becomes its UID, if the TS still matches. */
SERVER_HANDLER(ms_save)
{
	struct client *c = m->argc > 1 ? client_find_uid(m->argv[0]) : NULL;

	if (c == NULL || !c->registered || strcmp(c->nick, c->uid) == 0)
		return IRC_OK;
	if (link_ts(m->argv[1]) != c->nick_ts) { /* a nick change crossed it: not this nick */
		log_debug("link %s: SAVE of %s with TS %s, not %lld, ignored", src->link->name,
		          c->nick, m->argv[1], (long long)c->nick_ts);
		return IRC_OK;
	}
	snomask_send(SNO_KILL, "Received SAVE message for %s from %s", c->nick,
	             src->server->name);
	nick_save(c, src->link->link, source_id(src));
	return IRC_OK;
}

/* A local user's change: the nick's TS is now, and a registered nick wants its login. */
static void
nick_change_local(struct client *c, const char *nick)
{
	nick_proceed(c, nick, now);
	nick_protect_check(c);
}

void
nick_protect_check(struct client *c)
{
	struct account a;

	c->local->nick_deadline = 0;
	/*
	 * With services keeping accounts, NickServ protects nicks, not we; an
	 * account still awaiting VERIFY reserves nothing (it may never be).
	 */
	if (conf->accounts.nick_protection == NICKPROT_OFF || sasl_relaying() ||
	    account_find(c->nick, &a) != 0 || !a.verified)
		return;
	if (c->account != NULL && irc_strcmp(c->account, a.name) == 0)
		return;
	if (conf->accounts.nick_protection == NICKPROT_WARN) {
		send_notice(c,
		            "*** The nickname %s is registered: please log in to its account",
		            c->nick);
		return;
	}
	send_notice(c,
	            "*** The nickname %s is registered: log in to its account within %u "
	            "seconds or you will be renamed",
	            c->nick, conf->accounts.nick_grace);
	c->local->nick_deadline = now + conf->accounts.nick_grace;
}

/* A free nick no one can be made to hold on purpose: 1 when found. */
static int
guest_nick_free(const char *nick)
{
	return client_find_nick(nick) == NULL && !netsplit_nick_held(nick);
}

#define GUEST_TRIES 10

/*
 * The guest nick for c: Guest and its UID's digits, unless someone took
 * it (it is predictable), then Guest and random digits; 0 when none was free.
 */
static int
guest_nick_pick(const struct client *c, char *guest, size_t size)
{
	unsigned digits = conf->limits.nicklen - 5 < 6 ? conf->limits.nicklen - 5 : 6;
	uint32_t range = 1;
	unsigned char raw[4];

	for (unsigned i = 0; i < digits; i++)
		range *= 10;
	snprintf(guest, size, "Guest%s", c->uid + 3);
	if (strlen(guest) <= conf->limits.nicklen && guest_nick_free(guest))
		return 1;
	for (int i = 0; i < GUEST_TRIES; i++) {
		uint32_t v;
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			return 0;
		v = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 |
		    raw[3];
		snprintf(guest, size, "Guest%0*u", (int)digits, (unsigned)(v % range));
		if (guest_nick_free(guest))
			return 1;
	}
	return 0;
}

void
nick_protect_expire(struct client *c)
{
	char guest[NICKLEN_MAX + 1];
	struct account a;

	c->local->nick_deadline = 0;
	if (account_find(c->nick, &a) != 0 || !a.verified ||
	    (c->account != NULL && irc_strcmp(c->account, a.name) == 0))
		return;
	if (!guest_nick_pick(c, guest, sizeof(guest))) {
		/* Never left on the nick: out, rather than a bypass. */
		client_end(c, "Nickname is registered to another account");
		return;
	}
	send_notice(c, "*** You did not log in to %s: you are now %s", c->nick, guest);
	nick_change_local(c, guest);
}

HANDLER(m_nick)
{
	const char *nick = m->argc > 0 ? m->argv[0] : "";

	if (!nick_check(c, nick))
		return IRC_OK;
	if (strcmp(c->nick, nick) == 0)
		return IRC_OK; /* no change at all */
	if (!c->registered) {
		client_set_nick(c, nick, now);
		c->local->flags |= LOCAL_GOT_NICK;
		return register_try(c);
	}
	if (nick_check_change(c, nick))
		nick_change_local(c, nick);
	return IRC_OK;
}

/*
 * A NICK from a link that collides: SAVE (both sides charybdis with SAVE)
 * turns the loser's nick into its UID; else KILLs.  1 when c takes nick.
 */
static int
nick_change_collides(struct client *c, struct client *holder, time_t ts)
{
	struct link *l = link_of_client(c);
	enum collide who = l != NULL && l->dialect == DIALECT_HYBRID
	                       ? client_collide_ip(holder, ts, c->user, c->ip)
	                       : client_collide(holder, ts, c->user, c->host);

	snomask_send(SNO_KILL, "Nick change collision from %s to %s (%s <- %s)", c->nick,
	             holder->nick, holder->server->name, c->server->name);
	if (link_can_save(l) && holder->registered && client_can_save(holder)) {
		if (who != COLLIDE_KEEP_EXISTING)
			nick_save(holder, NULL, me.sid);
		if (who == COLLIDE_KEEP_INCOMING)
			return 1;
		/* Its server made the change; the others have not: SAVE back, NICK on. */
		link_send(l, ":%s SAVE %s %lld", me.sid, c->uid, (long long)ts);
		if (strcmp(c->nick, c->uid) != 0)
			nick_proceed(c, c->uid, now);
		return 0;
	}
	if (who != COLLIDE_KEEP_INCOMING)
		nick_kill(c, "Nick collision (new)");
	if (who != COLLIDE_KEEP_EXISTING)
		nick_kill(holder, "Nick collision (old)");
	return who == COLLIDE_KEEP_INCOMING;
}

/* ":<UID> NICK <newnick> :<ts>" from a link (collisions: see ms_uid's rules). */
HANDLER(mr_nick)
{
	struct client *holder;
	time_t ts;

	if (m->argc < 2 || (ts = link_ts(m->argv[1])) < 0)
		return IRC_OK;
	/* a nick that is its UID: a server without SAVE telling of a save */
	if (!nick_valid(m->argv[0], NICKLEN_MAX) && strcmp(m->argv[0], c->uid) != 0)
		return IRC_OK;
	holder = client_find_nick(m->argv[0]);
	if (holder != NULL && holder != c && !nick_change_collides(c, holder, ts))
		return IRC_OK;
	nick_proceed(c, m->argv[0], ts);
	return IRC_OK;
}
