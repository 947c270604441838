/* m_privmsg.c - PRIVMSG and NOTICE to users, channels and @#channels. */
#include <string.h>

#include "channel.h"
#include "client.h"
#include "conf.h"
#include "conn.h"
#include "modules.h"
#include "numeric.h"
#include "send.h"

/* 0 when c may speak in ch; else the reason, for 404. */
static const char *
cannot_send(struct client *c, struct channel *ch)
{
	struct membership *mem = channel_member(ch, c);

	if (mem != NULL && (mem->flags & (MEMBER_OP | MEMBER_VOICE)))
		return NULL;
	if (mem == NULL && (ch->modes & CMODE_NOEXTERNAL))
		return "no external messages (+n)";
	if (ch->modes & CMODE_MODERATED)
		return "channel is moderated (+m)";
	if (channel_is_banned(ch, c, mem))
		return "you are banned (+b)";
	return NULL;
}

static unsigned
status_prefix(const char **target)
{
	unsigned status = 0;

	for (;; (*target)++) {
		if (**target == '@')
			status |= MEMBER_OP;
		else if (**target == '+')
			status |= MEMBER_VOICE;
		else
			return status;
	}
}

static void
message_channel(struct client *c, const char *cmd, const char *target,
                const char *text, int notice)
{
	const char *name = target;
	unsigned status = status_prefix(&name);
	struct channel *ch = channel_find(name);
	const char *why;
	struct msgbuf *mb;

	if (ch == NULL) {
		if (!notice)
			reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel", target);
		return;
	}
	why = cannot_send(c, ch);
	if (why != NULL) {
		if (!notice)
			reply(c, ERR_CANNOTSENDTOCHAN, "%s :Cannot send to channel (%s)",
			      ch->name, why);
		return;
	}
	/* @ includes ops only; + includes voiced and ops. */
	if (status & MEMBER_VOICE)
		status |= MEMBER_OP;
	mb = msg_from(c, "%s %s :%s", cmd, target, text);
	send_channel(ch, c, mb, status);
	msg_release(mb);
}

static void
message_user(struct client *c, const char *cmd, const char *target, const char *text,
             int notice)
{
	struct client *to = client_find_nick(target);
	struct msgbuf *mb;

	if (to == NULL || !to->registered) {
		if (!notice)
			reply(c, ERR_NOSUCHNICK, "%s :No such nick/channel", target);
		return;
	}
	if (!notice && to->away != NULL)
		reply(c, RPL_AWAY, "%s :%s", to->nick, to->away);
	mb = msg_from(c, "%s %s :%s", cmd, to->nick, text);
	send_msg(to, mb);
	msg_release(mb);
}

static irc_result_t
message(struct client *c, struct irc_msg *m, const char *cmd, int notice)
{
	char *targets, *target;
	const char *text;
	unsigned n = 0;

	if (m->argc < 1 || m->argv[0][0] == '\0') {
		if (!notice)
			reply(c, ERR_NORECIPIENT, ":No recipient given (%s)", cmd);
		return IRC_OK;
	}
	if (m->argc < 2 || m->argv[1][0] == '\0') {
		if (!notice)
			reply(c, ERR_NOTEXTTOSEND, ":No text to send");
		return IRC_OK;
	}
	targets = m->argv[0];
	text = m->argv[1];
	c->conn->last_message = now;
	while ((target = list_next(&targets)) != NULL) {
		if (*target == '\0')
			continue;
		if (++n > conf->limits.max_targets) {
			if (!notice)
				reply(c, ERR_TOOMANYTARGETS, "%s :Too many recipients", target);
			break;
		}
		if (target[0] == '#' || ((target[0] == '@' || target[0] == '+') &&
		                         strchr(target, '#') != NULL))
			message_channel(c, cmd, target, text, notice);
		else
			message_user(c, cmd, target, text, notice);
	}
	return IRC_OK;
}

HANDLER(m_privmsg)
{
	return message(c, m, "PRIVMSG", 0);
}

HANDLER(m_notice)
{
	return message(c, m, "NOTICE", 1);
}
