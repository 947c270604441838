/*
 * m_rename.c - RENAME (IRCv3 draft/channel-rename): a channel takes a new
 * name and keeps everything else (members, modes, lists, topic, history).
 */
#include <stdio.h>
#include <string.h>

#include "base/casemap.h"
#include "base/conf.h"
#include "modules/modules.h"
#include "proto/cap.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"
#include "store/history.h"

/* Each rename re-announces the channel to members without the capability: not at will. */
#define RENAME_COOLDOWN 60

static int
rename_refuse(struct client *c, const char *code, const char *old, const char *name,
              const char *why)
{
	char context[2 * CHANNELLEN_MAX + 2];

	snprintf(context, sizeof(context), "%s %s", param_word(old), param_word(name));
	send_fail(c, "RENAME", code, context, "%s", why);
	return 0;
}

/* check: may c rename the channel named old to name?  Replies when not. */
static int
rename_check(struct client *c, const char *old, const char *name, struct channel **out)
{
	struct channel *ch = channel_find(old), *taken;
	struct membership *mem;

	if (ch == NULL || channel_hidden(ch, c)) {
		reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel", param_word(old));
		return 0;
	}
	mem = channel_member(ch, c);
	if (mem == NULL) {
		reply(c, ERR_NOTONCHANNEL, "%s :You're not on that channel", ch->name);
		return 0;
	}
	if (!(mem->flags & MEMBER_OP)) {
		reply(c, ERR_CHANOPRIVSNEEDED, "%s :You're not channel operator", ch->name);
		return 0;
	}
	if (!channel_name_valid(name, conf->limits.channellen))
		return rename_refuse(c, "CANNOT_RENAME", old, name, "Invalid channel name");
	taken = channel_find(name);
	if (taken != NULL && taken != ch)
		return rename_refuse(c, "CHANNEL_NAME_IN_USE", old, name,
		                     "The channel name is already taken");
	if (strcmp(ch->name, name) == 0)
		return rename_refuse(c, "CANNOT_RENAME", old, name,
		                     "That is the channel's name");
	/* TS6 has no RENAME: the other servers would keep the old name. */
	if (!LIST_EMPTY(&me.children))
		return rename_refuse(c, "CANNOT_RENAME", old, name,
		                     "Channels cannot be renamed while this server is linked");
	if (ch->renamed != 0 && now - ch->renamed < RENAME_COOLDOWN)
		return rename_refuse(c, "CANNOT_RENAME", old, name,
		                     "This channel has been renamed recently");
	*out = ch;
	return 1;
}

/* Without the capability: PART the old name, JOIN the new one with its topic and NAMES. */
static void
rename_fallback(struct client *u, struct channel *ch, const char *old, const char *reason)
{
	if (*reason != '\0')
		send_line(u, ":%s!%s@%s PART %s :%s", u->nick, u->user, u->host, old, reason);
	else
		send_line(u, ":%s!%s@%s PART %s", u->nick, u->user, u->host, old);
	if (client_has_cap(u, CAP_EXTENDED_JOIN))
		send_line(u, ":%s!%s@%s JOIN %s %s :%s", u->nick, u->user, u->host, ch->name,
		          u->account ? u->account : "*", u->realname ? u->realname : "");
	else
		send_line(u, ":%s!%s@%s JOIN %s", u->nick, u->user, u->host, ch->name);
	topic_send(u, ch);
	if (!client_has_cap(u, CAP_NO_IMPLICIT_NAMES))
		names_send(u, ch);
}

void
rename_proceed(const struct client *by, struct channel *ch, const char *name,
               const char *reason)
{
	char old[CHANNELLEN_MAX + 1];
	struct outmsg *om;
	int case_only;

	str_copy(old, ch->name, sizeof(old));
	case_only = irc_strcmp(old, name) == 0;
	channel_rename(ch, name);
	om = msg_from(by, "RENAME %s %s :%s", old, ch->name, reason);
	send_channel_filtered(ch, NULL, om, 0, CAP_CHANNEL_RENAME, 0);
	msg_release(om);
	/* A change of case only is not worth a PART and JOIN (the spec says so). */
	for (uint32_t i = 0; i < ch->nmembers && !case_only; i++) {
		struct client *u = ch->members[i]->client;
		if (u->server == &me && !client_has_cap(u, CAP_CHANNEL_RENAME))
			rename_fallback(u, ch, old, reason);
	}
	history_channel_renamed(old, ch->name);
}

HANDLER(m_rename)
{
	const char *reason = m->argc > 2 ? m->argv[2] : "";
	struct channel *ch = NULL;

	if (!rename_check(c, m->argv[0], m->argv[1], &ch))
		return IRC_OK;
	rename_proceed(c, ch, m->argv[1], reason);
	return IRC_OK;
}
