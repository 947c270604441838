/* history_record.c - sent lines, as history lines: the body and its tags apart. */
#include <stddef.h>

#include "proto/history_record.h"
#include "proto/outmsg.h"
#include "store/history.h"

static void
line_of(const char *cmd, struct outmsg *om, struct history_line *l)
{
	l->cmd = cmd;
	l->body = om->body;
	l->body_len = om->body_len;
	l->msgid = outmsg_msgid(om);
	l->time_ms = (int64_t)om->when.tv_sec * 1000 + om->when.tv_nsec / 1000000;
	l->account = (om->available & TAG_ACCOUNT) ? om->account : NULL;
	l->client_tags = (om->available & TAG_CLIENT) ? om->client_tags : NULL;
	l->bot = (om->available & TAG_BOT) != 0;
}

void
history_record_channel(const struct channel *ch, const struct client *from, const char *cmd,
                       struct outmsg *om)
{
	struct history_line l;

	if (!history_enabled())
		return;
	line_of(cmd, om, &l);
	history_add_channel(ch, from, &l);
}

void
history_record_private(const struct client *from, const struct client *to, const char *cmd,
                       struct outmsg *om)
{
	struct history_line l;

	if (!history_enabled())
		return;
	line_of(cmd, om, &l);
	history_add_private(from, to, &l);
}
