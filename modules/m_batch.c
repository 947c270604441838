/* m_batch.c - client BATCH: draft/multiline messages, gathered then relayed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/casemap.h"
#include "modules/modules.h"
#include "proto/batch.h"
#include "proto/cap.h"
#include "proto/history_record.h"
#include "proto/multiline.h"
#include "proto/numeric.h"
#include "proto/ratelimit.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"

/* Everyone who should see it, by whether they speak multiline. */
static void
deliver_to(struct client *to, struct client *from, struct outmsg **framed, int nframed,
           struct outmsg **plain, int nplain)
{
	if (to->local == NULL)
		return;
	if (to->local->caps & CAP_MULTILINE)
		for (int i = 0; i < nframed; i++)
			send_msg(to, framed[i]);
	else
		for (int i = 0; i < nplain; i++)
			send_msg(to, plain[i]);
}

static void
multiline_deliver(struct client *c, struct multiline *ml)
{
	struct outmsg *framed[MULTILINE_MAX_LINES + 2], *plain[MULTILINE_MAX_LINES];
	struct channel *ch = NULL;
	struct client *to = NULL;
	char id[16];
	int n = 0;

	if (ml->target[0] == '#') {
		const char *why;
		ch = channel_find(param_word(ml->target));
		if (ch == NULL) {
			send_fail(c, "BATCH", "MULTILINE_INVALID_TARGET", ml->target,
			          "No such channel");
			return;
		}
		if ((why = channel_cannot_send(c, ch)) != NULL) {
			reply(c, ERR_CANNOTSENDTOCHAN, "%s :Cannot send to channel (%s)",
			      ch->name, why);
			return;
		}
	} else if ((to = client_find_nick(ml->target)) == NULL || !to->registered) {
		reply(c, ERR_NOSUCHNICK, "%s :No such nick/channel", param_word(ml->target));
		return;
	}
	/* The same rules as PRIVMSG: target changes, away replies, idle time. */
	if (!ratelimit_target(c, ml->target)) {
		reply(c, ERR_TARGCHANGE, "%s :Targets changing too fast, message dropped",
		      param_word(ml->target));
		return;
	}
	if (to != NULL && to->away != NULL && strcmp(ml->cmd, "PRIVMSG") == 0)
		reply(c, RPL_AWAY, "%s :%s", to->nick, to->away);
	c->local->last_message = now;
	batch_ref_new(id, sizeof(id));
	framed[n++] = batch_shared_open(c, id, "draft/multiline", param_word(ml->target));
	for (int i = 0; i < ml->nlines; i++) {
		framed[n] = msg_from(c, "%s %s :%s", ml->cmd, ml->target, ml->lines[i].text);
		msg_set_client_tags(framed[n],
		                    ml->lines[i].concat ? "draft/multiline-concat" : NULL);
		outmsg_set_batch(framed[n], id);
		n++;
		plain[i] = msg_from(c, "%s %s :%s", ml->cmd, ml->target, ml->lines[i].text);
	}
	framed[n++] = batch_shared_close(c, id);
	if (ch != NULL) {
		for (uint32_t i = 0; i < ch->nmembers; i++)
			if (ch->members[i]->client != c)
				deliver_to(ch->members[i]->client, c, framed, n, plain,
				           ml->nlines);
		for (int i = 0; i < ml->nlines; i++)
			history_record_channel(ch, c, ml->cmd, plain[i]);
	} else {
		deliver_to(to, c, framed, n, plain, ml->nlines);
		for (int i = 0; i < ml->nlines; i++)
			history_record_private(c, to, ml->cmd, plain[i]);
	}
	if (c->local->caps & CAP_ECHO_MESSAGE)
		deliver_to(c, c, framed, n, plain, ml->nlines);
	for (int i = 0; i < n; i++)
		msg_release(framed[i]);
	for (int i = 0; i < ml->nlines; i++)
		msg_release(plain[i]);
}

HANDLER(m_batch)
{
	const char *ref = m->argv[0];
	struct local *cn = c->local;

	if (ref[0] == '+') {
		if (m->argc < 3 || strcmp(m->argv[1], "draft/multiline") != 0 ||
		    !(cn->caps & CAP_MULTILINE)) {
			send_fail(c, "BATCH", "INVALID_PARAMS", NULL,
			          "Only draft/multiline batches "
			          "may be sent, by clients with that capability");
			return IRC_OK;
		}
		multiline_free(c);
		multiline_open(c, ref + 1, m->argv[2]);
		return IRC_OK;
	}
	if (ref[0] != '-' || cn->multiline == NULL || strcmp(cn->multiline->id, ref + 1) != 0) {
		send_fail(c, "BATCH", "INVALID_PARAMS", NULL, "No such batch open");
		return IRC_OK;
	}
	if (!cn->multiline->failed && cn->multiline->nlines > 0)
		multiline_deliver(c, cn->multiline);
	multiline_free(c);
	return IRC_OK;
}
