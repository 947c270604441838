/* m_topic.c - TOPIC: show or set a channel topic (+t: ops only). */
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/server.h"
#include <stdio.h>

#include "modules/modules.h"
#include "proto/link.h"
#include "proto/numeric.h"
#include "proto/send.h"

void
topic_send(struct client *c, struct channel *ch)
{
	if (ch->topic == NULL)
		return;
	reply(c, RPL_TOPIC, "%s :%s", ch->name, ch->topic);
	reply(c, RPL_TOPICWHOTIME, "%s %s %lld", ch->name, ch->topic_setter,
	      (long long)ch->topic_time);
}

void
topic_proceed(const struct source *src, struct channel *ch, const char *text,
              const char *setter, time_t when)
{
	struct outmsg *mb;

	free(ch->topic);
	free(ch->topic_setter);
	ch->topic = NULL;
	ch->topic_setter = NULL;
	if (*text != '\0') {
		ch->topic = xstrdup(text);
		str_truncate_utf8(ch->topic, conf->limits.topiclen);
		ch->topic_setter = xstrdup(setter);
		ch->topic_time = when;
	}
	mb = source_msg(src, "TOPIC %s :%s", ch->name, ch->topic ? ch->topic : "");
	send_channel(ch, NULL, mb, 0);
	source_history(ch, src, "TOPIC", mb);
	msg_release(mb);
	/* A server's topic (TB, TBURST) is passed on by its handler, in each dialect. */
	if (src->client != NULL)
		links_send(source_link(src), ":%s TOPIC %s :%s", src->client->uid, ch->name,
		           ch->topic ? ch->topic : "");
}

/*
 * check: may c see (query) or set the topic of the channel named?  NULL,
 * after the error reply, when not.
 */
static struct channel *
topic_check(struct client *c, const char *name, int setting)
{
	struct channel *ch = channel_find(name);
	struct membership *mem;

	if (ch == NULL || (!channel_visible(ch, c) && !setting) || channel_hidden(ch, c)) {
		reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel", param_word(name));
		return NULL;
	}
	if (!setting)
		return ch;
	mem = channel_member(ch, c);
	if (mem == NULL) {
		reply(c, ERR_NOTONCHANNEL, "%s :You're not on that channel", ch->name);
		return NULL;
	}
	if ((ch->modes & CMODE_TOPICLOCK) && !(mem->flags & MEMBER_OP)) {
		reply(c, ERR_CHANOPRIVSNEEDED, "%s :You're not channel operator", ch->name);
		return NULL;
	}
	return ch;
}

HANDLER(m_topic)
{
	struct source src = {.origin = ORIGIN_LOCAL, .client = c};
	char setter[NICKLEN_MAX + USERLEN + HOSTLEN + 3];
	struct channel *ch = topic_check(c, m->argv[0], m->argc >= 2);

	if (ch == NULL)
		return IRC_OK;
	if (m->argc < 2) {
		if (ch->topic == NULL)
			reply(c, RPL_NOTOPIC, "%s :No topic is set", ch->name);
		else
			topic_send(c, ch);
		return IRC_OK;
	}
	topic_proceed(&src, ch, m->argv[1], client_mask(c, setter, sizeof(setter)), now);
	return IRC_OK;
}

/* ":<UID> TOPIC <#chan> :text" from a link. */
HANDLER(mr_topic)
{
	struct source src = {ORIGIN_REMOTE, c, c->server, c->server->via};
	char setter[NICKLEN_MAX + USERLEN + HOSTLEN + 3];
	struct channel *ch;

	if (m->argc < 2 || (ch = channel_find(m->argv[0])) == NULL)
		return IRC_OK;
	topic_proceed(&src, ch, m->argv[1], client_mask(c, setter, sizeof(setter)), now);
	return IRC_OK;
}

/*
 * hybrid's rule: a burst's topic wins when its channel is older, or newer
 * when the channel TSes are equal.  What wins goes on to the other links.
 */
static void
topic_burst(struct source *src, struct channel *ch, time_t chan_ts, time_t topic_ts,
            const char *setter, const char *text)
{
	if (chan_ts > ch->ts)
		return;
	if (chan_ts == ch->ts && ch->topic != NULL && topic_ts <= ch->topic_time)
		return;
	if (ch->topic != NULL && strcmp(ch->topic, text) == 0)
		return;
	topic_proceed(src, ch, text, setter, topic_ts);
	link_relay_topic(src->link->link, ch);
}

/* hybrid: :<SID> TBURST <chanTS> <#chan> <topicTS> <setter> :<topic> */
SERVER_HANDLER(ms_tburst)
{
	struct channel *ch;

	if (m->argc < 5 || (ch = channel_find(m->argv[1])) == NULL || link_ts(m->argv[0]) < 0 ||
	    link_ts(m->argv[2]) < 0)
		return IRC_OK;
	topic_burst(src, ch, link_ts(m->argv[0]), link_ts(m->argv[2]), m->argv[3], m->argv[4]);
	return IRC_OK;
}

/*
 * charybdis: :<SID> TB <#chan> <topicTS> [<setter>] :<topic>.  Its rule:
 * a topic is taken where there is none or where ours is newer (the oldest
 * topic wins everywhere); an empty one changes nothing.
 */
SERVER_HANDLER(ms_tb)
{
	const char *text = m->argv[m->argc > 0 ? m->argc - 1 : 0];
	struct channel *ch;
	time_t ts;

	if (m->argc < 3 || (ch = channel_find(m->argv[0])) == NULL ||
	    (ts = link_ts(m->argv[1])) < 0 || text[0] == '\0')
		return IRC_OK;
	if (ch->topic != NULL && (ch->topic_time <= ts || strcmp(ch->topic, text) == 0))
		return IRC_OK;
	topic_proceed(src, ch, text, m->argc > 3 ? m->argv[2] : src->server->name, ts);
	link_relay_topic(src->link->link, ch);
	return IRC_OK;
}
