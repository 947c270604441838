/* m_kick.c - KICK: a channel operator removes members. */
#include "base/conf.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/server.h"
#include <stdio.h>
#include <string.h>

#include "base/stats.h"
#include "modules/modules.h"
#include "proto/link.h"
#include "proto/numeric.h"
#include "proto/send.h"

void
kick_proceed(const struct source *src, struct channel *ch, struct client *victim,
             const char *reason)
{
	struct membership *vm = channel_member(ch, victim);
	struct outmsg *mb;

	if (vm == NULL)
		return; /* already gone (a peer's KICK crossing a PART) */
	mb = source_msg(src, "KICK %s %s :%.*s", ch->name, victim->nick,
	                (int)conf->limits.kicklen, reason);
	send_channel(ch, NULL, mb, 0);
	source_history(ch, src, "KICK", mb);
	msg_release(mb);
	links_send(source_link(src), ":%s KICK %s %s :%.*s", source_id(src), ch->name,
	           victim->uid, (int)conf->limits.kicklen, reason);
	channel_remove(vm);
	stats.parts++;
}

/* check: may c kick in the channel named?  NULL, after the error reply, when not. */
static struct channel *
kick_check_channel(struct client *c, const char *name)
{
	struct channel *ch = channel_find(name);
	struct membership *mem;

	if (ch == NULL || channel_hidden(ch, c)) {
		reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel", param_word(name));
		return NULL;
	}
	mem = channel_member(ch, c);
	if (mem == NULL) {
		reply(c, ERR_NOTONCHANNEL, "%s :You're not on that channel", ch->name);
		return NULL;
	}
	if (!(mem->flags & MEMBER_OP)) {
		reply(c, ERR_CHANOPRIVSNEEDED, "%s :You're not channel operator", ch->name);
		return NULL;
	}
	return ch;
}

/* check: is nick a member of ch?  NULL, after the error reply, when not. */
static struct client *
kick_check_victim(struct client *c, struct channel *ch, const char *nick)
{
	struct client *victim = client_find_nick(nick);

	if (victim == NULL || !victim->registered) {
		reply(c, ERR_NOSUCHNICK, "%s :No such nick/channel", param_word(nick));
		return NULL;
	}
	if (channel_member(ch, victim) == NULL) {
		reply(c, ERR_USERNOTINCHANNEL, "%s %s :They aren't on that channel",
		      victim->nick, ch->name);
		return NULL;
	}
	return victim;
}

/* One channel, one user: check and kick (the channel may vanish on a self-kick). */
static void
kick_one(struct client *c, const char *chan, const char *nick, const char *reason)
{
	struct source src = {.origin = ORIGIN_LOCAL, .client = c};
	struct channel *ch = kick_check_channel(c, chan);
	struct client *victim;

	if (ch == NULL)
		return;
	victim = kick_check_victim(c, ch, nick);
	if (victim != NULL)
		kick_proceed(&src, ch, victim, reason);
}

/*
 * RFC 2812: "KICK #a u1,u2" (one channel, several users) or "KICK #a,#b
 * u1,u2" (pairs).  Each kick goes out as its own KICK with one channel and
 * one user; TARGMAX KICK bounds the users.
 */
static unsigned
list_count(const char *list)
{
	unsigned n = 1;

	for (; *list; list++)
		n += *list == ',';
	return n;
}

HANDLER(m_kick)
{
	char *chans = m->argv[0], *nicks = m->argv[1], *chan, *nick;
	const char *reason = m->argc > 2 && m->argv[2][0] ? m->argv[2] : c->nick;
	unsigned nchans = list_count(chans), n = 0;

	/* Pairs must pair up: as many channels as users. */
	if (nchans > 1 && nchans != list_count(nicks)) {
		reply(c, ERR_NEEDMOREPARAMS, "KICK :Not enough parameters");
		return IRC_OK;
	}
	chan = list_next(&chans);
	while ((nick = list_next(&nicks)) != NULL) {
		if (++n > conf->limits.max_targets) {
			reply(c, ERR_TOOMANYTARGETS, "%s :Too many targets", param_word(nick));
			break;
		}
		if (nchans > 1 && n > 1)
			chan = list_next(&chans);
		if (*chan != '\0' && *nick != '\0')
			kick_one(c, chan, nick, reason);
	}
	return IRC_OK;
}

static irc_result_t
kick_remote(struct source *src, struct irc_msg *m)
{
	struct channel *ch;
	struct client *victim;

	if (m->argc < 2 || (ch = channel_find(m->argv[0])) == NULL ||
	    (victim = client_find(m->argv[1])) == NULL)
		return IRC_OK;
	kick_proceed(src, ch, victim, m->argc > 2 ? m->argv[2] : "");
	return IRC_OK;
}

/* ":<UID> KICK <#chan> <UID> :reason" from a link. */
HANDLER(mr_kick)
{
	struct source src = {ORIGIN_REMOTE, c, c->server, c->server->via};

	return kick_remote(&src, m);
}

/* ":<SID> KICK <#chan> <UID> :reason": a server's (services') kick. */
SERVER_HANDLER(ms_kick)
{
	return kick_remote(src, m);
}
