/* m_part.c - PART: leave channels, with an optional reason. */
#include "base/conf.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/server.h"
#include <stdio.h>

#include "base/stats.h"
#include "modules/modules.h"
#include "proto/history_record.h"
#include "proto/link.h"
#include "proto/numeric.h"
#include "proto/send.h"

void
part_proceed(struct client *c, struct channel *ch, const char *reason)
{
	struct membership *m = channel_member(ch, c);
	struct outmsg *mb;

	if (m == NULL)
		return; /* a peer's user that is not on ch here: nothing to undo */
	if (reason != NULL && *reason != '\0')
		mb = msg_from(c, "PART %s :%.*s", ch->name, (int)conf->limits.kicklen, reason);
	else
		mb = msg_from(c, "PART %s", ch->name);
	send_channel(ch, NULL, mb, 0);
	history_record_channel(ch, c, "PART", mb);
	msg_release(mb);
	if (reason != NULL && *reason != '\0')
		links_send(link_of_client(c), ":%s PART %s :%s", c->uid, ch->name, reason);
	else
		links_send(link_of_client(c), ":%s PART %s", c->uid, ch->name);
	channel_remove(m);
	stats.parts++;
}

/* check: is name a channel c is on?  NULL, after the error reply, when not. */
static struct channel *
part_check(struct client *c, const char *name)
{
	struct channel *ch = channel_find(name);

	if (ch == NULL || channel_hidden(ch, c))
		reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel", param_word(name));
	else if (channel_member(ch, c) == NULL)
		reply(c, ERR_NOTONCHANNEL, "%s :You're not on that channel", ch->name);
	else
		return ch;
	return NULL;
}

HANDLER(m_part)
{
	char *names = m->argv[0], *name;
	const char *reason = m->argc > 1 ? m->argv[1] : NULL;

	while ((name = list_next(&names)) != NULL) {
		struct channel *ch = part_check(c, name);
		if (ch != NULL)
			part_proceed(c, ch, reason);
	}
	return IRC_OK;
}

/* ":<UID> PART <#chan>[,...] [:reason]" from a link. */
HANDLER(mr_part)
{
	char *names = m->argv[0], *name;

	if (m->argc < 1)
		return IRC_OK;
	while ((name = list_next(&names)) != NULL) {
		struct channel *ch = channel_find(name);
		if (ch != NULL)
			part_proceed(c, ch, m->argc > 1 ? m->argv[1] : NULL);
	}
	return IRC_OK;
}
