/* m_privmsg.c - PRIVMSG and NOTICE to users, channels and @#channels. */
#include <string.h>

#include "state/channel.h"
#include "state/client.h"
#include "proto/ratelimit.h"
#include "state/local.h"
#include "base/conf.h"
#include "net/conn.h"
#include "proto/history_record.h"
#include "proto/cap.h"
#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/send.h"

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

/* One PRIVMSG, NOTICE or TAGMSG on its way to its targets. Only NOTICE is quiet. */
struct delivery {
	struct client *from;
	const char *cmd;
	const char *text;        /* NULL for TAGMSG */
	const char *client_tags; /* the sender's "+tags", or NULL */
	int quiet;               /* NOTICE and TAGMSG: no error replies */
};

static struct outmsg *
delivery_msg(const struct delivery *d, const char *target)
{
	struct outmsg *om = d->text != NULL
	                        ? msg_from(d->from, "%s %s :%s", d->cmd, target, d->text)
	                        : msg_from(d->from, "%s %s", d->cmd, target);
	msg_set_client_tags(om, d->client_tags);
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

static void
message_channel(const struct delivery *d, const char *target)
{
	struct client *c = d->from;
	const char *name = target;
	unsigned status = status_prefix(&name);
	struct channel *ch = channel_find(name);
	const char *why;
	struct outmsg *om;

	if (ch == NULL) {
		if (!d->quiet)
			reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel", param_word(target));
		return;
	}
	why = channel_cannot_send(c, ch);
	if (why != NULL) {
		if (!d->quiet)
			reply(c, ERR_CANNOTSENDTOCHAN, "%s :Cannot send to channel (%s)",
			      ch->name, why);
		return;
	}
	/* @ includes ops only; + includes voiced and ops. */
	if (status & MEMBER_VOICE)
		status |= MEMBER_OP;
	om = delivery_msg(d, target);
	if (d->text == NULL)
		send_channel_filtered(ch, c, om, status, CAP_MESSAGE_TAGS, 0);
	else
		send_channel(ch, c, om, status);
	/* Status messages (@#chan) are not history: not every member saw them. */
	if (status == 0 && d->text != NULL)
		history_record_channel(ch, c, d->cmd, om);
	delivery_echo(d, om);
	msg_release(om);
}

static void
message_user(const struct delivery *d, const char *target)
{
	struct client *c = d->from;
	struct client *to = client_find_nick(target);
	struct outmsg *om;

	if (to == NULL || !to->registered) {
		if (!d->quiet)
			reply(c, ERR_NOSUCHNICK, "%s :No such nick/channel",
			      param_word(target));
		return;
	}
	if (!d->quiet && to->away != NULL)
		reply(c, RPL_AWAY, "%s :%s", to->nick, to->away);
	om = delivery_msg(d, to->nick);
	if (d->text != NULL || (to->local != NULL && (to->local->caps & CAP_MESSAGE_TAGS)))
		send_msg(to, om);
	if (d->text != NULL)
		history_record_private(c, to, d->cmd, om);
	delivery_echo(d, om);
	msg_release(om);
}

/* The client-only tags ("+name[=value]") of a tag section, as sent. */
static void
client_only_tags(const char *tags, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	while (tags != NULL && *tags != '\0') {
		size_t len = strcspn(tags, ";");
		if (tags[0] == '+' && len > 1 && n + len + 2 < size) {
			if (n > 0)
				out[n++] = ';';
			memcpy(out + n, tags, len);
			n += len;
			out[n] = '\0';
		}
		tags += len;
		if (*tags == ';')
			tags++;
	}
}

static irc_result_t
message(struct client *c, struct irc_msg *m, const char *cmd, int notice, int tagmsg)
{
	char client_tags[IRC_CLIENT_TAGS_MAX + 1];
	struct delivery d = {c, cmd, NULL, NULL, notice};
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
	client_only_tags(m->tags, client_tags, sizeof(client_tags));
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
		if (ratelimit_target(c, target) != 0) {
			if (!d.quiet)
				reply(c, ERR_TARGCHANGE,
				      "%s :Targets changing too fast, message dropped", target);
			continue;
		}
		if (target[0] == '#' ||
		    ((target[0] == '@' || target[0] == '+') && strchr(target, '#') != NULL))
			message_channel(&d, target);
		else
			message_user(&d, target);
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
