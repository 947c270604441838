/* history_replay.c - history rows to a client: batches, lines, tags by capability. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/casemap.h"
#include "base/util.h"
#include "proto/batch.h"
#include "proto/cap.h"
#include "proto/clientjob.h"
#include "proto/history_replay.h"
#include "proto/outmsg.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"
#include "store/history.h"

/* A CHATHISTORY request waiting for its rows. */
struct replay {
	struct client_wait *wait; /* the client's input waits for the answer */
	enum history_query_kind kind;
	char target[CHANNELLEN_MAX + 1]; /* as the client named it */
	int limit;
	char label[LABEL_MAX + 1];
};

static void
format_time(int64_t ms, char *out, size_t size)
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;
	char base[24];

	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%.19s.%03dZ", base, (int)(ms % 1000));
}

/* Is mine (casemapped) the first account of private key "@a,b" (comma at ',')? */
static int
first_party(const char *key, const char *comma, const char *mine)
{
	size_t len = (size_t)(comma - key - 1);

	return strncmp(key + 1, mine, len) == 0 && strlen(mine) == len;
}

/* Can c read this target key now? Checked again when the answer arrives. */
static int
target_visible(struct client *c, const char *key)
{
	struct channel *ch;
	char mine[NICKLEN_MAX + 1];
	const char *comma = strchr(key, ',');

	if (key[0] != '@') {
		ch = channel_find(key);
		return ch != NULL && channel_member(ch, c) != NULL;
	}
	if (c->account == NULL || comma == NULL)
		return 0;
	irc_strlower(mine, sizeof(mine), c->account);
	return first_party(key, comma, mine) || strcmp(comma + 1, mine) == 0;
}

/* The name a client knows a target key by: the channel, or the other account. */
static const char *
target_name(struct client *c, const char *key, char *buf, size_t size)
{
	char mine[NICKLEN_MAX + 1];
	const char *comma = strchr(key, ',');
	struct channel *ch;

	if (key[0] != '@' || comma == NULL) {
		ch = channel_find(key);
		return ch ? ch->name : key;
	}
	irc_strlower(mine, sizeof(mine), c->account ? c->account : "");
	if (first_party(key, comma, mine))
		str_copy(buf, comma + 1, size);
	else
		snprintf(buf, size, "%.*s", (int)(comma - key - 1), key + 1);
	return buf;
}

static void
send_targets(struct client *c, int limit, const struct history_row *rows, size_t nrows)
{
	char stamp[32], name[NICKLEN_MAX + 1];
	int shown = 0;

	for (size_t i = 0; i < nrows && shown < limit; i++) {
		if (!target_visible(c, rows[i].target))
			continue;
		shown++;
		format_time(rows[i].time_ms, stamp, sizeof(stamp));
		send_line(c, ":%s CHATHISTORY TARGETS %s %s", me.name,
		          target_name(c, rows[i].target, name, sizeof(name)), stamp);
	}
}

/* One stored line, whole, with the tags c's capabilities ask for. */
static void
send_row(struct client *c, const struct history_row *r)
{
	struct outmsg *om =
	    outmsg_replayed(r->body ? r->body : "", r->time_ms, r->msgid, r->account, r->bot);

	msg_set_client_tags(om, r->tags);
	send_msg(c, om);
	msg_release(om);
}

static void
send_rows(struct client *c, struct replay *r, const struct history_row *rows, size_t nrows)
{
	const char *label = r->label[0] != '\0' ? r->label : NULL;

	if (r->kind == HQ_TARGETS) {
		batch_open(c, label, "draft/chathistory-targets", NULL);
		send_targets(c, r->limit, rows, nrows);
	} else {
		batch_open(c, label, "chathistory", r->target);
		for (size_t i = 0; i < nrows; i++)
			send_row(c, &rows[i]);
	}
	batch_close(c);
}

static void
replay_answer(void *arg, const struct history_row *rows, size_t nrows, int failed)
{
	struct replay *r = arg;
	struct client *c = client_wait_end(r->wait);

	if (c != NULL) {
		if (failed)
			send_fail(c, "CHATHISTORY", "MESSAGE_ERROR", r->target,
			          "History could not be read");
		else
			send_rows(c, r, rows, nrows);
	}
	free(r);
}

void
history_replay(struct client *c, enum history_query_kind kind, const char *target,
               const struct history_ref *a, const struct history_ref *b, int limit)
{
	struct replay *r = xcalloc(1, sizeof(*r));
	struct history_request rq;

	memset(&rq, 0, sizeof(rq));
	r->kind = kind;
	str_copy(r->target, target, sizeof(r->target));
	r->limit = limit;
	rq.kind = kind;
	if (kind != HQ_TARGETS)
		history_target_key(c, target, rq.key, sizeof(rq.key));
	if (a != NULL)
		rq.a = *a;
	if (b != NULL)
		rq.b = *b;
	rq.limit = limit;
	rq.events = client_has_cap(c, CAP_EVENT_PLAYBACK);
	/*
	 * Answered later, on the loop, after this command: it carries the
	 * label itself, no ACK now.  r is not touched by the lane meanwhile.
	 */
	r->wait = client_wait_begin(c);
	if (!history_query(&rq, replay_answer, r))
		label_take(c, r->label, sizeof(r->label));
}
