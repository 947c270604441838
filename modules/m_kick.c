/* m_kick.c - KICK: a channel operator removes members. */
#include "state/channel.h"
#include "state/client.h"
#include "base/conf.h"
#include <stdio.h>

#include "proto/history_record.h"
#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "base/stats.h"

static void
kick_one(struct client *c, struct channel *ch, const char *nick, const char *reason)
{
	struct client *victim = client_find_nick(nick);
	struct membership *vm;
	struct outmsg *mb;

	if (victim == NULL || !victim->registered) {
		reply(c, ERR_NOSUCHNICK, "%s :No such nick/channel", param_word(nick));
		return;
	}
	vm = channel_member(ch, victim);
	if (vm == NULL) {
		reply(c, ERR_USERNOTINCHANNEL, "%s %s :They aren't on that channel",
		      victim->nick, ch->name);
		return;
	}
	mb = msg_from(c, "KICK %s %s :%.*s", ch->name, victim->nick, (int)conf->limits.kicklen,
	              reason);
	send_channel(ch, NULL, mb, 0);
	history_record_channel(ch, c, "KICK", mb);
	msg_release(mb);
	channel_remove(vm);
	stats.parts++;
}

HANDLER(m_kick)
{
	struct channel *ch = channel_find(m->argv[0]);
	struct membership *me_m;
	char *nicks = m->argv[1], *nick;
	const char *reason = m->argc > 2 && m->argv[2][0] ? m->argv[2] : c->nick;
	unsigned n = 0;

	if (ch == NULL) {
		reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel", param_word(m->argv[0]));
		return IRC_OK;
	}
	me_m = channel_member(ch, c);
	if (me_m == NULL) {
		reply(c, ERR_NOTONCHANNEL, "%s :You're not on that channel", ch->name);
		return IRC_OK;
	}
	if (!(me_m->flags & MEMBER_OP)) {
		reply(c, ERR_CHANOPRIVSNEEDED, "%s :You're not channel operator", ch->name);
		return IRC_OK;
	}
	while ((nick = list_next(&nicks)) != NULL) {
		if (++n > conf->limits.max_targets) {
			reply(c, ERR_TOOMANYTARGETS, "%s :Too many targets", nick);
			break;
		}
		/* The channel may vanish if the kicker kicks themselves last. */
		if (channel_find(m->argv[0]) != ch)
			break;
		kick_one(c, ch, nick, reason);
	}
	return IRC_OK;
}
