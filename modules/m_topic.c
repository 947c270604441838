/* m_topic.c - TOPIC: show or set a channel topic (+t: ops only). */
#include <stdlib.h>
#include <string.h>

#include "state/channel.h"
#include "state/client.h"
#include "base/conf.h"
#include <stdio.h>

#include "proto/history_record.h"
#include "modules/modules.h"
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

static void
topic_set(struct client *c, struct channel *ch, const char *text)
{
	char setter[NICKLEN_MAX + USERLEN + HOSTLEN + 3];
	struct outmsg *mb;

	free(ch->topic);
	free(ch->topic_setter);
	ch->topic = NULL;
	ch->topic_setter = NULL;
	if (*text != '\0') {
		ch->topic = xstrdup(text);
		str_truncate_utf8(ch->topic, conf->limits.topiclen);
		ch->topic_setter = xstrdup(client_mask(c, setter, sizeof(setter)));
		ch->topic_time = now;
	}
	mb = msg_from(c, "TOPIC %s :%s", ch->name, ch->topic ? ch->topic : "");
	send_channel(ch, NULL, mb, 0);
	history_record_channel(ch, c, "TOPIC", mb);
	msg_release(mb);
}

HANDLER(m_topic)
{
	struct channel *ch = channel_find(m->argv[0]);
	struct membership *mem;

	if (ch == NULL || (!channel_visible(ch, c) && m->argc < 2)) {
		reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel", param_word(m->argv[0]));
		return IRC_OK;
	}
	mem = channel_member(ch, c);
	if (m->argc < 2) {
		if (ch->topic == NULL)
			reply(c, RPL_NOTOPIC, "%s :No topic is set", ch->name);
		else
			topic_send(c, ch);
		return IRC_OK;
	}
	if (mem == NULL) {
		reply(c, ERR_NOTONCHANNEL, "%s :You're not on that channel", ch->name);
		return IRC_OK;
	}
	if ((ch->modes & CMODE_TOPICLOCK) && !(mem->flags & MEMBER_OP)) {
		reply(c, ERR_CHANOPRIVSNEEDED, "%s :You're not channel operator", ch->name);
		return IRC_OK;
	}
	topic_set(c, ch, m->argv[1]);
	return IRC_OK;
}
