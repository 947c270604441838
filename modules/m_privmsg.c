/* m_privmsg.c - PRIVMSG and NOTICE to users, channels and @#channels. */
#include <string.h>

#include "base/conf.h"
#include "base/match.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/batch.h"
#include "proto/cap.h"
#include "proto/history_record.h"
#include "proto/link.h"
#include "proto/numeric.h"
#include "proto/oper.h"
#include "proto/ratelimit.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"

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

static struct outmsg *
delivery_msg(const struct delivery *d, const char *target)
{
	struct outmsg *om = d->text != NULL
	                        ? msg_from(d->from, "%s %s :%s", d->cmd, target, d->text)
	                        : msg_from(d->from, "%s %s", d->cmd, target);
	msg_set_client_tags(om, d->client_tags);
	if (d->time != NULL || d->msgid != NULL)
		outmsg_adopt(om, d->time, d->msgid);
	return om;
}

/* echo-message: the sender sees what was sent, as it was sent. */
static void
delivery_echo(const struct delivery *d, struct outmsg *om)
{
	struct local *cn = d->from->local;

	if ((cn->caps & CAP_ECHO_MESSAGE) && (d->text != NULL || (cn->caps & CAP_MESSAGE_TAGS)))
		send_msg(d->from, om);
}

/* A CTCP other than ACTION: what +C keeps out of a channel. */
static int
is_ctcp_not_action(const char *text)
{
	return text != NULL && text[0] == '\001' && strncmp(text + 1, "ACTION", 6) != 0;
}

/*
 * check: may the local sender d->from speak to channel target?  Replies
 * (unless quiet) and returns NULL when not.
 */
static struct channel *
privmsg_check_channel(const struct delivery *d, const char *target, unsigned *status)
{
	const char *name = target;
	struct channel *ch;
	const char *why;

	*status = status_prefix(&name);
	ch = channel_find(name);
	if (ch == NULL) {
		if (!d->quiet)
			reply(d->from, ERR_NOSUCHCHANNEL, "%s :No such channel",
			      param_word(target));
		return NULL;
	}
	why = channel_cannot_send(d->from, ch);
	if (why == NULL && (ch->modes & CMODE_NOCTCP) && is_ctcp_not_action(d->text))
		why = "CTCPs are not permitted (+C)";
	if (why != NULL && channel_hidden(ch, d->from)) {
		/* A secret channel refusing an outsider does not say it exists. */
		if (!d->quiet)
			reply(d->from, ERR_NOSUCHCHANNEL, "%s :No such channel",
			      param_word(target));
		return NULL;
	}
	if (why != NULL) {
		if (!d->quiet)
			reply(d->from, ERR_CANNOTSENDTOCHAN, "%s :Cannot send to channel (%s)",
			      ch->name, why);
		return NULL;
	}
	/* @ includes ops only; + includes voiced and ops. */
	if (*status & MEMBER_VOICE)
		*status |= MEMBER_OP;
	return ch;
}

struct outmsg *
privmsg_proceed_channel(const struct delivery *d, struct channel *ch, const char *target,
                        unsigned status)
{
	struct outmsg *om = delivery_msg(d, target);

	if (d->text == NULL)
		send_channel_filtered(ch, d->from, om, status, CAP_MESSAGE_TAGS, 0);
	else
		send_channel(ch, d->from, om, status);
	/* Status messages (@#chan) are not history: not every member saw them. */
	if (status == 0 && d->text != NULL)
		history_record_channel(ch, d->from, d->cmd, om);
	/* TS6 has no TAGMSG: links hear only what carries text. */
	if (d->text != NULL)
		links_send_channel_msg(link_of_client(d->from), ch, om, ":%s %s %s :%s",
		                       d->from->uid, d->cmd, target, d->text);
	return om;
}

/* check: does target name a user?  401, and the 301 away reply, go to the sender. */
static struct client *
privmsg_check_user(const struct delivery *d, const char *target)
{
	struct client *to = client_find_nick(target);

	if (to == NULL || !to->registered) {
		if (!d->quiet)
			reply(d->from, ERR_NOSUCHNICK, "%s :No such nick/channel",
			      param_word(target));
		return NULL;
	}
	if (!d->quiet && to->away != NULL)
		reply(d->from, RPL_AWAY, "%s :%s", to->nick, to->away);
	return to;
}

struct outmsg *
privmsg_proceed_user(const struct delivery *d, struct client *to)
{
	struct outmsg *om = delivery_msg(d, to->nick);
	struct link *via = link_of_client(to);

	if (via != NULL && d->text != NULL)
		link_send_msg(via, om, ":%s %s %s :%s", d->from->uid, d->cmd, to->uid, d->text);
	else if (d->text != NULL || client_has_cap(to, CAP_MESSAGE_TAGS))
		send_msg(to, om);
	if (d->text != NULL)
		history_record_private(d->from, to, d->cmd, om);
	return om;
}

/* "$$server.mask" or "$#host.mask": who a mass message reaches. */
static int
mass_matches(const char *target, const struct client *u)
{
	if (target[1] == '$')
		return mask_match(target + 2, u->server->name);
	return target[1] == '#' && mask_match(target + 2, u->host);
}

struct outmsg *
privmsg_proceed_mass(const struct delivery *d, const char *target)
{
	struct outmsg *om = delivery_msg(d, target);
	struct conn *cn;

	TAILQ_FOREACH (cn, &conns, link) {
		struct client *u = cn->client;
		if (u != NULL && u->registered && u != d->from && mass_matches(target, u))
			send_msg(u, om);
	}
	links_send(link_of_client(d->from), ":%s %s %s :%s", d->from->uid, d->cmd, target,
	           d->text);
	return om;
}

/* check: mass messages are for operators, with a server or host mask after $$ or $#. */
static int
privmsg_check_mass(const struct delivery *d, const char *target)
{
	if ((target[1] != '$' && target[1] != '#') || target[2] == '\0' || d->text == NULL) {
		if (!d->quiet)
			reply(d->from, ERR_NOSUCHNICK, "%s :No such nick/channel",
			      param_word(target));
		return 0;
	}
	return oper_require(d->from, PRIV_WALLOPS);
}

/* One target of a local client's message: check, proceed, echo. */
static void
message_target(const struct delivery *d, const char *target)
{
	struct outmsg *om = NULL;
	unsigned status;

	if (target[0] == '$') {
		if (privmsg_check_mass(d, target))
			om = privmsg_proceed_mass(d, target);
	} else if (target[0] == '#' ||
	           ((target[0] == '@' || target[0] == '+') && strchr(target, '#') != NULL)) {
		struct channel *ch = privmsg_check_channel(d, target, &status);
		if (ch != NULL)
			om = privmsg_proceed_channel(d, ch, target, status);
	} else {
		struct client *to = privmsg_check_user(d, target);
		/* To oneself, the delivered copy is a side effect: only the echo answers a
		 * label. */
		label_aside(d->from, to == d->from);
		if (to != NULL) {
			om = privmsg_proceed_user(d, to);
			ratelimit_note_sender(to, d->from);
		}
		label_aside(d->from, 0);
	}
	if (om != NULL) {
		delivery_echo(d, om);
		msg_release(om);
	}
}

static irc_result_t
message(struct client *c, struct irc_msg *m, const char *cmd, int notice, int tagmsg)
{
	char client_tags[IRC_CLIENT_TAGS_MAX + 1];
	struct delivery d = {c, cmd, NULL, NULL, notice, NULL, NULL};
	char *targets, *target;
	unsigned n = 0;

	if (m->argc < 1 || m->argv[0][0] == '\0') {
		if (!d.quiet)
			reply(c, ERR_NORECIPIENT, ":No recipient given (%s)", cmd);
		return IRC_OK;
	}
	if (!tagmsg && (m->argc < 2 || m->argv[1][0] == '\0')) {
		if (!d.quiet)
			reply(c, ERR_NOTEXTTOSEND, ":No text to send");
		return IRC_OK;
	}
	tags_client_only(m->tags, client_tags, sizeof(client_tags));
	d.client_tags = client_tags[0] ? client_tags : NULL;
	d.text = tagmsg ? NULL : m->argv[1];
	targets = m->argv[0];
	if (!tagmsg)
		c->local->last_message = now;
	while ((target = list_next(&targets)) != NULL) {
		if (*target == '\0')
			continue;
		if (++n > conf->limits.max_targets) {
			if (!d.quiet)
				reply(c, ERR_TOOMANYTARGETS, "%s :Too many recipients", target);
			break;
		}
		/* Messaging many targets in a row is how spam looks: slow it down. */
		if (!ratelimit_target(c, target)) {
			if (!d.quiet)
				reply(c, ERR_TARGCHANGE,
				      "%s :Targets changing too fast, message dropped", target);
			continue;
		}
		message_target(&d, target);
	}
	return IRC_OK;
}

HANDLER(m_privmsg)
{
	return message(c, m, "PRIVMSG", 0, 0);
}

HANDLER(m_notice)
{
	return message(c, m, "NOTICE", 1, 0);
}

HANDLER(m_tagmsg)
{
	return message(c, m, "TAGMSG", 0, 1);
}

/*
 * From a user behind a link: ":<UID> PRIVMSG <#chan|@#chan|UID> :text".
 * Its server checked it; we deliver here and pass it on where it leads.
 */
/* An evircd peer's tags: the message's time and msgid, and its client tags. */
static void
link_tags_take(char *tags, struct delivery *d, char *client, size_t size)
{
	char *tag;

	tags_client_only(tags, client, size);
	d->client_tags = client[0] != '\0' ? client : NULL;
	while (tags != NULL && (tag = strsep(&tags, ";")) != NULL) {
		if (strncmp(tag, "time=", 5) == 0)
			d->time = tag + 5;
		else if (strncmp(tag, "msgid=", 6) == 0)
			d->msgid = tag + 6;
	}
}

static irc_result_t
message_remote(struct client *c, struct irc_msg *m, const char *cmd)
{
	char client_tags[IRC_CLIENT_TAGS_MAX + 1];
	struct delivery d = {c, cmd, NULL, NULL, 1, NULL, NULL};
	const char *target, *name;
	struct outmsg *om = NULL;
	struct link *via = link_of_client(c);

	if (m->argc < 2)
		return IRC_OK;
	if (m->tags != NULL && via != NULL && (via->caps & LCAP_EVIRCD))
		link_tags_take(m->tags, &d, client_tags, sizeof(client_tags));
	target = name = m->argv[0];
	d.text = m->argv[1];
	if (target[0] == '$' && (target[1] == '$' || target[1] == '#')) {
		om = privmsg_proceed_mass(&d, target);
	} else if (strchr(target, '#') != NULL) {
		unsigned status = status_prefix(&name);
		struct channel *ch = channel_find(name);
		if (status & MEMBER_VOICE)
			status |= MEMBER_OP;
		if (ch != NULL)
			om = privmsg_proceed_channel(&d, ch, target, status);
	} else {
		struct client *to = client_find(target);
		if (to != NULL && to->registered && link_of_client(to) != link_of_client(c)) {
			om = privmsg_proceed_user(&d, to);
			ratelimit_note_sender(to, c);
		}
	}
	if (om != NULL)
		msg_release(om);
	return IRC_OK;
}

HANDLER(mr_privmsg)
{
	return message_remote(c, m, "PRIVMSG");
}

HANDLER(mr_notice)
{
	return message_remote(c, m, "NOTICE");
}
