/* m_batch.c - client BATCH: draft/multiline messages, gathered then relayed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/cap.h"
#include "base/casemap.h"
#include "state/channel.h"
#include "state/client.h"
#include "net/conn.h"
#include "proto/history_record.h"
#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/server.h"

#define MULTILINE_MAX_BYTES 4096
#define MULTILINE_MAX_LINES 32

struct ml_line {
	char *text;
	int concat; /* draft/multiline-concat: joins the previous line */
};

/* An open multiline batch: one per connection at a time. */
struct multiline {
	char id[32];
	char target[CHANNELLEN_MAX + 1];
	char cmd[8]; /* PRIVMSG or NOTICE, fixed by the first line */
	struct ml_line lines[MULTILINE_MAX_LINES];
	int nlines;
	size_t bytes;
	int failed;
};

static void
multiline_free(struct conn *cn)
{
	struct multiline *ml = cn->multiline;

	if (ml == NULL)
		return;
	for (int i = 0; i < ml->nlines; i++)
		free(ml->lines[i].text);
	free(ml);
	cn->multiline = NULL;
}

void
multiline_conn_gone(struct conn *cn)
{
	multiline_free(cn);
}

static void
ml_fail(struct client *c, struct multiline *ml, const char *code, const char *text)
{
	if (!ml->failed)
		send_fail(c, "BATCH", code, NULL, "%s", text);
	ml->failed = 1;
}

/* A line of an open batch (tag batch=<id>); 1 when it was one. */
int
multiline_take(struct client *c, struct irc_msg *m, const char *batch_id)
{
	struct multiline *ml = c->conn->multiline;
	size_t len;

	if (ml == NULL || strcmp(ml->id, batch_id) != 0)
		return 0;
	if ((strcasecmp(m->command, "PRIVMSG") != 0 && strcasecmp(m->command, "NOTICE") != 0) ||
	    m->argc < 2 || irc_strcmp(m->argv[0], ml->target) != 0 ||
	    (ml->cmd[0] != '\0' && strcasecmp(ml->cmd, m->command) != 0)) {
		ml_fail(c, ml, "MULTILINE_INVALID",
		        "Lines must be PRIVMSG or NOTICE to the target");
		return 1;
	}
	len = strlen(m->argv[1]);
	if (ml->nlines == MULTILINE_MAX_LINES) {
		ml_fail(c, ml, "MULTILINE_MAX_LINES", "Too many lines in the batch");
		return 1;
	}
	if (ml->bytes + len > MULTILINE_MAX_BYTES) {
		ml_fail(c, ml, "MULTILINE_MAX_BYTES", "Too many bytes in the batch");
		return 1;
	}
	snprintf(ml->cmd, sizeof(ml->cmd), "%s",
	         strcasecmp(m->command, "NOTICE") ? "PRIVMSG" : "NOTICE");
	ml->lines[ml->nlines].text = xstrdup(m->argv[1]);
	ml->lines[ml->nlines].concat =
	    m->tags != NULL && strstr(m->tags, "draft/multiline-concat") != NULL;
	ml->nlines++;
	ml->bytes += len;
	return 1;
}

/* Everyone who should see it, by whether they speak multiline. */
static void
deliver_to(struct client *to, struct client *from, struct outmsg **framed, int nframed,
           struct outmsg **plain, int nplain)
{
	if (to->conn == NULL)
		return;
	if (to->conn->caps & CAP_MULTILINE)
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
	static unsigned serial;
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
	if (conn_target_ok(c->conn, ml->target) != 0) {
		reply(c, ERR_TARGCHANGE, "%s :Targets changing too fast, message dropped",
		      param_word(ml->target));
		return;
	}
	if (to != NULL && to->away != NULL && strcmp(ml->cmd, "PRIVMSG") == 0)
		reply(c, RPL_AWAY, "%s :%s", to->nick, to->away);
	c->conn->last_message = now;
	snprintf(id, sizeof(id), "M%u", ++serial);
	framed[n++] = msg_from(c, "BATCH +%s draft/multiline %s", id, param_word(ml->target));
	for (int i = 0; i < ml->nlines; i++) {
		framed[n] = msg_from(c, "%s %s :%s", ml->cmd, ml->target, ml->lines[i].text);
		msg_set_client_tags(framed[n],
		                    ml->lines[i].concat ? "draft/multiline-concat" : NULL);
		outmsg_set_batch(framed[n], id);
		n++;
		plain[i] = msg_from(c, "%s %s :%s", ml->cmd, ml->target, ml->lines[i].text);
	}
	framed[n++] = msg_build(":%s!%s@%s BATCH -%s", c->nick, c->user, c->host, id);
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
	if (c->conn->caps & CAP_ECHO_MESSAGE)
		deliver_to(c, c, framed, n, plain, ml->nlines);
	for (int i = 0; i < n; i++)
		msg_release(framed[i]);
	for (int i = 0; i < ml->nlines; i++)
		msg_release(plain[i]);
}

HANDLER(m_batch)
{
	const char *ref = m->argv[0];
	struct conn *cn = c->conn;

	if (ref[0] == '+') {
		if (m->argc < 3 || strcmp(m->argv[1], "draft/multiline") != 0 ||
		    !(cn->caps & CAP_MULTILINE)) {
			send_fail(c, "BATCH", "INVALID_PARAMS", NULL,
			          "Only draft/multiline batches "
			          "may be sent, by clients with that capability");
			return IRC_OK;
		}
		multiline_free(cn);
		cn->multiline = xcalloc(1, sizeof(struct multiline));
		snprintf(cn->multiline->id, sizeof(cn->multiline->id), "%s", ref + 1);
		snprintf(cn->multiline->target, sizeof(cn->multiline->target), "%s",
		         m->argv[2]);
		return IRC_OK;
	}
	if (ref[0] != '-' || cn->multiline == NULL || strcmp(cn->multiline->id, ref + 1) != 0) {
		send_fail(c, "BATCH", "INVALID_PARAMS", NULL, "No such batch open");
		return IRC_OK;
	}
	if (!cn->multiline->failed && cn->multiline->nlines > 0)
		multiline_deliver(c, cn->multiline);
	multiline_free(cn);
	return IRC_OK;
}
