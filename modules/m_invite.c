/* m_invite.c - INVITE: let a user past +i (and +k, +l, +b) once. */
#include "proto/cap.h"
#include <stdlib.h>

#include "modules/modules.h"
#include "proto/link.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"

/* check: may c invite target (from argv[0]) into ch (argv[1])?  Replies when not. */
static int
invite_check(struct client *c, struct irc_msg *m, struct client *target, struct channel *ch)
{
	struct membership *mem;

	if (target == NULL || !target->registered) {
		reply(c, ERR_NOSUCHNICK, "%s :No such nick/channel", param_word(m->argv[0]));
		return 0;
	}
	if (ch == NULL || channel_hidden(ch, c)) {
		reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel", param_word(m->argv[1]));
		return 0;
	}
	mem = channel_member(ch, c);
	if (mem == NULL) {
		reply(c, ERR_NOTONCHANNEL, "%s :You're not on that channel", ch->name);
		return 0;
	}
	if (channel_member(ch, target) != NULL) {
		reply(c, ERR_USERONCHANNEL, "%s %s :is already on channel", target->nick,
		      ch->name);
		return 0;
	}
	if ((ch->modes & CMODE_INVITE) && !(mem->flags & MEMBER_OP)) {
		reply(c, ERR_CHANOPRIVSNEEDED, "%s :You're not channel operator", ch->name);
		return 0;
	}
	return 1;
}

void
invite_proceed(struct client *from, struct client *target, struct channel *ch)
{
	struct outmsg *mb = msg_from(from, "INVITE %s :%s", target->nick, ch->name);

	invite_add(ch, target);
	send_msg(target, mb);
	/* A target behind a link hears it from its own server (never back the way it came). */
	if (link_of_client(target) != NULL && link_of_client(target) != link_of_client(from))
		link_send(link_of_client(target), ":%s INVITE %s %s %lld", from->uid,
		          target->uid, ch->name, (long long)ch->ts);
	/* invite-notify: the channel's operators see who was let in. */
	send_channel_filtered(ch, from, mb, MEMBER_OP, CAP_INVITE_NOTIFY, 0);
	msg_release(mb);
}

/* INVITE alone: the channels c is invited to (modern ircdocs 336/337). */
static void
invite_list(struct client *c)
{
	struct invite *inv;

	LIST_FOREACH (inv, &c->invites, client_link)
		reply(c, RPL_INVITEDLIST, "%s", inv->channel->name);
	reply(c, RPL_ENDOFINVITEDLIST, ":End of /INVITE list");
}

HANDLER(m_invite)
{
	struct client *target;
	struct channel *ch;

	if (m->argc == 0) {
		invite_list(c);
		return IRC_OK;
	}
	if (m->argc < 2) {
		reply(c, ERR_NEEDMOREPARAMS, "INVITE :Not enough parameters");
		return IRC_OK;
	}
	target = client_find_nick(m->argv[0]);
	ch = channel_find(m->argv[1]);

	if (!invite_check(c, m, target, ch))
		return IRC_OK;
	invite_proceed(c, target, ch);
	reply(c, RPL_INVITING, "%s %s", target->nick, ch->name);
	if (target->away != NULL)
		reply(c, RPL_AWAY, "%s :%s", target->nick, target->away);
	return IRC_OK;
}

/* ":<UID> INVITE <UID> <#chan> <chanTS>" from a link, on its way to its target. */
HANDLER(mr_invite)
{
	struct client *target;
	struct channel *ch;

	if (m->argc < 2 || (target = client_find(m->argv[0])) == NULL ||
	    (ch = channel_find(m->argv[1])) == NULL)
		return IRC_OK;
	if (m->argc > 2 && link_ts(m->argv[2]) > ch->ts)
		return IRC_OK; /* for a newer channel of that name: not ours */
	invite_proceed(c, target, ch);
	return IRC_OK;
}
