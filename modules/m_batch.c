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
#include "proto/link.h"
#include "proto/multiline.h"
#include "proto/numeric.h"
#include "proto/parse.h"
#include "proto/ratelimit.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"

/* The lines as plain messages, for those without draft/multiline. */
struct fallback {
	struct outmsg *lines[MULTILINE_MAX_LINES];
	const char *text[MULTILINE_MAX_LINES];
	int n;
};

/* Everyone who should see it, by whether they speak multiline. */
static void
deliver_to(struct client *to, struct outmsg **framed, int nframed, const struct fallback *plain)
{
	if (to->local == NULL)
		return;
	if (to->local->caps & CAP_MULTILINE)
		for (int i = 0; i < nframed; i++)
			send_msg(to, framed[i]);
	else
		for (int i = 0; i < plain->n; i++)
			send_msg(to, plain->lines[i]);
}

/* The sender's echo: with a label, the echoed batch is the answer and carries it. */
static void
echo_to_sender(struct client *c, struct outmsg **framed, int nframed,
               const struct fallback *plain)
{
	if (!(c->local->caps & CAP_ECHO_MESSAGE))
		return;
	if (!(c->local->caps & CAP_MULTILINE)) {
		deliver_to(c, framed, nframed, plain);
		return;
	}
	label_send_opening(c, framed[0]);
	for (int i = 1; i < nframed; i++)
		send_msg(c, framed[i]);
}

/*
 * Blank lines are left out of the fallback (those clients cannot show
 * them), and what the batch carries (its msgid, client tags) goes on the
 * first line; the others show no msgid.  History keeps the lines under
 * the batch's msgid, "msgid/2" and so on, so REDACT of it takes them all.
 */
static void
fallback_build(struct client *c, struct multiline *ml, const char *msgid,
               struct fallback *plain)
{
	char part[32];

	plain->n = 0;
	for (int i = 0; i < ml->nlines; i++) {
		struct outmsg *om;
		if (ml->lines[i].text[0] == '\0')
			continue;
		om = msg_from(c, "%s %s :%s", ml->cmd, ml->target, ml->lines[i].text);
		if (plain->n == 0) {
			msg_set_client_tags(om, ml->client_tags);
			outmsg_adopt(om, NULL, msgid);
		} else {
			snprintf(part, sizeof(part), "%s/%d", msgid, plain->n + 1);
			outmsg_part_of(om, part);
		}
		plain->text[plain->n] = ml->lines[i].text;
		plain->lines[plain->n++] = om;
	}
}

/* Servers behind links get the lines as separate messages (TS6 has no batches). */
static void
relay_to_links(struct client *c, const char *cmd, struct channel *ch, struct client *to,
               const struct fallback *plain)
{
	struct link *via = to != NULL ? link_of_client(to) : NULL;

	for (int i = 0; i < plain->n; i++) {
		if (ch != NULL)
			links_send_channel_msg(link_of_client(c), ch, plain->lines[i],
			                       ":%s %s %s :%s", c->uid, cmd, ch->name,
			                       plain->text[i]);
		else if (via != NULL)
			link_send_msg(via, plain->lines[i], ":%s %s %s :%s", c->uid, cmd,
			              to->uid, plain->text[i]);
	}
}

/* check: the target, as PRIVMSG checks it; 0 (and the reply sent) when refused. */
static int
multiline_check(struct client *c, struct multiline *ml, struct channel **ch, struct client **to)
{
	*ch = NULL;
	*to = NULL;
	if (ml->target[0] == '#') {
		const char *why;
		*ch = channel_find(param_word(ml->target));
		if (*ch == NULL) {
			send_fail(c, "BATCH", "MULTILINE_INVALID_TARGET",
			          param_word(ml->target), "No such channel");
			return 0;
		}
		if ((why = channel_cannot_send(c, *ch)) != NULL) {
			reply(c, ERR_CANNOTSENDTOCHAN, "%s :Cannot send to channel (%s)",
			      (*ch)->name, why);
			return 0;
		}
	} else if ((*to = client_find_nick(ml->target)) == NULL || !(*to)->registered) {
		reply(c, ERR_NOSUCHNICK, "%s :No such nick/channel", param_word(ml->target));
		return 0;
	}
	/* The same rules as PRIVMSG: target changes, away replies, idle time. */
	if (!ratelimit_target(c, ml->target)) {
		reply(c, ERR_TARGCHANGE, "%s :Targets changing too fast, message dropped",
		      param_word(ml->target));
		return 0;
	}
	if (*to != NULL && (*to)->away != NULL && strcmp(ml->cmd, "PRIVMSG") == 0)
		reply(c, RPL_AWAY, "%s :%s", (*to)->nick, (*to)->away);
	return 1;
}

static void
multiline_deliver(struct client *c, struct multiline *ml)
{
	struct outmsg *framed[MULTILINE_MAX_LINES + 2];
	struct fallback plain;
	struct channel *ch;
	struct client *to;
	char id[16];
	int n = 0;

	if (!multiline_check(c, ml, &ch, &to))
		return;
	c->local->last_message = now;
	batch_ref_new(id, sizeof(id));
	framed[n] = batch_shared_open(c, id, "draft/multiline", param_word(ml->target));
	msg_set_client_tags(framed[n++], ml->client_tags);
	for (int i = 0; i < ml->nlines; i++) {
		framed[n] = msg_from(c, "%s %s :%s", ml->cmd, ml->target, ml->lines[i].text);
		msg_set_client_tags(framed[n],
		                    ml->lines[i].concat ? "draft/multiline-concat" : NULL);
		outmsg_set_batch(framed[n], id);
		/* The message's msgid is the batch's: its lines show none. */
		outmsg_part_of(framed[n], outmsg_msgid(framed[0]));
		n++;
	}
	framed[n++] = batch_shared_close(c, id);
	fallback_build(c, ml, outmsg_msgid(framed[0]), &plain);
	if (ch != NULL) {
		for (uint32_t i = 0; i < ch->nmembers; i++)
			if (ch->members[i]->client != c)
				deliver_to(ch->members[i]->client, framed, n, &plain);
		for (int i = 0; i < plain.n; i++)
			history_record_channel(ch, c, ml->cmd, plain.lines[i]);
	} else {
		if (to != c)
			deliver_to(to, framed, n, &plain);
		for (int i = 0; i < plain.n; i++)
			history_record_private(c, to, ml->cmd, plain.lines[i]);
	}
	relay_to_links(c, ml->cmd, ch, to, &plain);
	echo_to_sender(c, framed, n, &plain);
	/* To oneself: the echo (which may carry the label) first, then the copy received. */
	if (to == c)
		deliver_to(c, framed, n, &plain);
	for (int i = 0; i < n; i++)
		msg_release(framed[i]);
	for (int i = 0; i < plain.n; i++)
		msg_release(plain.lines[i]);
}

/* A batch of blank lines only is no message (the spec forbids clients to send one). */
static int
all_blank(const struct multiline *ml)
{
	for (int i = 0; i < ml->nlines; i++)
		if (ml->lines[i].text[0] != '\0')
			return 0;
	return 1;
}

/* BATCH -ID: deliver, or tell the first thing wrong; answered under the opening's label. */
static void
multiline_close(struct client *c, struct multiline *ml)
{
	int labeled = label_resume(c, ml->label);

	if (!ml->failed && ml->nlines > 0 && all_blank(ml))
		multiline_fail(ml, "MULTILINE_INVALID", NULL, "The message is blank");
	if (ml->failed)
		send_fail(c, "BATCH", ml->fail_code,
		          ml->fail_context[0] ? ml->fail_context : NULL, "%s", ml->fail_text);
	else if (ml->nlines > 0)
		multiline_deliver(c, ml);
	if (labeled)
		label_end(c);
}

HANDLER(m_batch)
{
	const char *ref = m->argv[0];
	struct local *cn = c->local;
	char tags[IRC_CLIENT_TAGS_MAX + 1];

	if (ref[0] == '+') {
		if (m->argc < 3 || strcmp(m->argv[1], "draft/multiline") != 0 ||
		    !(cn->caps & CAP_MULTILINE)) {
			send_fail(c, "BATCH", "INVALID_PARAMS", NULL,
			          "Only draft/multiline batches "
			          "may be sent, by clients with that capability");
			return IRC_OK;
		}
		tags_client_only(m->tags, tags, sizeof(tags));
		multiline_open(c, ref + 1, m->argv[2], tags);
		/* The answer (echo, ACK or FAIL) comes at BATCH -ID. */
		label_take(c, cn->multiline->label, sizeof(cn->multiline->label));
		return IRC_OK;
	}
	if (ref[0] != '-' || cn->multiline == NULL || strcmp(cn->multiline->id, ref + 1) != 0) {
		send_fail(c, "BATCH", "INVALID_PARAMS", NULL, "No such batch open");
		return IRC_OK;
	}
	multiline_close(c, cn->multiline);
	multiline_free(c);
	return IRC_OK;
}
