/* history.c - batched writes and queries on the history worker lane. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/cap.h"
#include "base/casemap.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "base/conf.h"
#include "net/conn.h"
#include "store/history.h"
#include "base/log.h"
#include "proto/outmsg.h"
#include "net/reactor.h"
#include "proto/batch.h"
#include "proto/send.h"
#include "state/server.h"
#include "base/util.h"
#include "net/worker.h"

struct entry {
	char target[CHANNELLEN_MAX + 2 * NICKLEN_MAX + 4]; /* casemapped key */
	char recipient[CHANNELLEN_MAX + 1];                /* as the line named it */
	char msgid[24];
	int64_t time_ms;
	char cmd[8];
	char uid[UIDLEN + 1]; /* the sender's session, for redaction */
	char *source;
	char *account;
	char *text;
	char *tags;
};

struct batch {
	struct entry *e;
	size_t n, cap;
	int64_t max_age_ms;
	unsigned max_per_target;
	int prune; /* apply retention in this batch's transaction */
};

/*
 * The recent past of the busiest targets, kept in memory (LRU): a client
 * catching up with CHATHISTORY LATEST is answered without sqlite.
 */
#define WINDOW_SIZE 64
#define WINDOWS_MAX 256

struct window {
	char key[CHANNELLEN_MAX + 2 * NICKLEN_MAX + 4];
	struct entry ring[WINDOW_SIZE];
	unsigned head, count; /* ring[head] is the oldest */
	TAILQ_ENTRY(window) lru;
};

static struct strmap windows;
static TAILQ_HEAD(window_lru, window) window_lru = TAILQ_HEAD_INITIALIZER(window_lru);
static uint64_t window_hits, window_misses;
static int keeping_channels; /* shutting down: channels end, their history stays */

static sqlite3 *hdb; /* used only on the history lane */

/* Messages are PRIVMSG/NOTICE/TAGMSG; anything else is a channel event. */
static int
is_event(const char *cmd)
{
	return strcmp(cmd, "PRIVMSG") != 0 && strcmp(cmd, "NOTICE") != 0 &&
	       strcmp(cmd, "TAGMSG") != 0;
}
static struct batch *pending;
static struct rtimer flush_timer;
static int enabled, timer_on;
static unsigned flush_ms, max_per_target;
static int64_t max_age_ms;
static uint64_t written;
static time_t last_prune;

/*
 * Private history lives under "@a,b": the two account names, casemapped
 * and sorted.  Accounts, not nicks: whoever takes a nick later must not
 * read what its previous owner was sent.
 */
static void
private_key(const char *a, const char *b, char *out, size_t size)
{
	char la[NICKLEN_MAX + 1], lb[NICKLEN_MAX + 1];

	irc_strlower(la, sizeof(la), a);
	irc_strlower(lb, sizeof(lb), b);
	if (strcmp(la, lb) > 0)
		snprintf(out, size, "@%s,%s", lb, la);
	else
		snprintf(out, size, "@%s,%s", la, lb);
}

/* The account a private target means: the nick's, if it is online and logged in. */
static const char *
account_of(const char *target)
{
	const struct client *u = client_find_nick(target);

	return u != NULL && u->account != NULL ? u->account : target;
}

static void
entry_free(struct entry *e)
{
	free(e->source);
	free(e->account);
	free(e->text);
	free(e->tags);
}

static void
entry_copy(struct entry *dst, const struct entry *src)
{
	*dst = *src;
	dst->source = src->source ? xstrdup(src->source) : NULL;
	dst->account = src->account ? xstrdup(src->account) : NULL;
	dst->text = src->text ? xstrdup(src->text) : NULL;
	dst->tags = src->tags ? xstrdup(src->tags) : NULL;
}

static void
window_free(struct window *w)
{
	for (unsigned i = 0; i < w->count; i++)
		entry_free(&w->ring[(w->head + i) % WINDOW_SIZE]);
	strmap_del(&windows, w->key);
	TAILQ_REMOVE(&window_lru, w, lru);
	free(w);
}

static void
window_push(const struct entry *e)
{
	struct window *w;

	if (windows.slots == NULL)
		strmap_init(&windows, WINDOWS_MAX);
	w = strmap_get(&windows, e->target);
	if (w == NULL) {
		if (windows.count >= WINDOWS_MAX)
			window_free(TAILQ_LAST(&window_lru, window_lru));
		w = xcalloc(1, sizeof(*w));
		str_copy(w->key, e->target, sizeof(w->key));
		strmap_put(&windows, w->key, w);
		TAILQ_INSERT_HEAD(&window_lru, w, lru);
	} else {
		TAILQ_REMOVE(&window_lru, w, lru);
		TAILQ_INSERT_HEAD(&window_lru, w, lru);
	}
	if (w->count == WINDOW_SIZE) {
		entry_free(&w->ring[w->head]);
		w->head = (w->head + 1) % WINDOW_SIZE;
		w->count--;
	}
	entry_copy(&w->ring[(w->head + w->count) % WINDOW_SIZE], e);
	w->count++;
}

static void
window_forget(const char *key, const char *msgid)
{
	struct window *w = windows.count ? strmap_get(&windows, key) : NULL;

	if (w == NULL)
		return;
	for (unsigned i = 0; i < w->count; i++) {
		struct entry *e = &w->ring[(w->head + i) % WINDOW_SIZE];
		if (strcmp(e->msgid, msgid) == 0) {
			/* Simplest correct answer: this window no longer vouches for anything.
			 */
			window_free(w);
			return;
		}
	}
}

static void
batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		entry_free(&b->e[i]);
	free(b->e);
	free(b);
}

static int
exec_sql(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(hdb, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_error("history: %s: %s", sql, err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* On the lane: one transaction per batch, then retention for its targets. */
static void
write_work(void *arg)
{
	struct batch *b = arg;
	sqlite3_stmt *ins = NULL, *trim = NULL;

	if (exec_sql("BEGIN") != 0)
		return;
	sqlite3_prepare_v2(hdb,
	                   "INSERT INTO history (target, msgid, time_ms, command, source,"
	                   " account, text, tags, recipient, uid)"
	                   " VALUES (?,?,?,?,?,?,?,?,?,?)",
	                   -1, &ins, NULL);
	sqlite3_prepare_v2(hdb,
	                   "DELETE FROM history WHERE target = ?1 AND id <= (SELECT id FROM"
	                   " history WHERE target = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
	                   -1, &trim, NULL);
	for (size_t i = 0; ins != NULL && i < b->n; i++) {
		struct entry *e = &b->e[i];
		sqlite3_bind_text(ins, 1, e->target, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, e->msgid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, e->time_ms);
		sqlite3_bind_text(ins, 4, e->cmd, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, e->source, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, e->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 7, e->text, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 8, e->tags, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 9, e->recipient, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 10, e->uid, -1, SQLITE_STATIC);
		sqlite3_step(ins);
		sqlite3_reset(ins);
		/* Retention runs about once a minute, on the targets of that batch. */
		if (b->prune && trim != NULL &&
		    (i + 1 == b->n || strcmp(b->e[i + 1].target, e->target) != 0)) {
			sqlite3_bind_text(trim, 1, e->target, -1, SQLITE_STATIC);
			sqlite3_bind_int(trim, 2, (int)b->max_per_target);
			sqlite3_step(trim);
			sqlite3_reset(trim);
		}
	}
	if (b->prune && b->max_age_ms > 0) {
		char sql[128];
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(sql, sizeof(sql), "DELETE FROM history WHERE time_ms < %lld",
		         (long long)(ts.tv_sec * 1000LL - b->max_age_ms));
		exec_sql(sql);
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(trim);
	exec_sql("COMMIT");
}

static void
write_done(void *arg)
{
	struct batch *b = arg;

	written += b->n;
	batch_free(b);
}

static void
flush(struct rtimer *t)
{
	struct batch *b = pending;

	if (b == NULL || b->n == 0)
		return;
	pending = NULL;
	/* Trimming scans per target: once a minute, not in every batch. */
	if (now - last_prune >= 60) {
		b->prune = 1;
		last_prune = now;
	}
	worker_submit_to(LANE_HISTORY, write_work, write_done, b);
}

static void
add(const char *key, const char *recipient, const struct client *from, const char *cmd,
    struct outmsg *om, const char *text, const char *client_tags)
{
	char mask[NICKLEN_MAX + USERLEN + HOSTLEN + 3];
	struct entry *e;

	if (!enabled)
		return;
	if (pending == NULL) {
		pending = xcalloc(1, sizeof(*pending));
		pending->max_age_ms = max_age_ms;
		pending->max_per_target = max_per_target;
	}
	if (pending->n == pending->cap) {
		pending->cap = pending->cap ? pending->cap * 2 : 64;
		pending->e = xrealloc(pending->e, pending->cap * sizeof(*pending->e));
	}
	e = &pending->e[pending->n++];
	memset(e, 0, sizeof(*e));
	str_copy(e->target, key, sizeof(e->target));
	str_copy(e->recipient, recipient, sizeof(e->recipient));
	str_copy(e->msgid, outmsg_msgid(om), sizeof(e->msgid));
	e->time_ms = (int64_t)om->when.tv_sec * 1000 + om->when.tv_nsec / 1000000;
	str_copy(e->cmd, cmd, sizeof(e->cmd));
	str_copy(e->uid, from->uid, sizeof(e->uid));
	e->source = xstrdup(client_mask(from, mask, sizeof(mask)));
	e->account = from->account ? xstrdup(from->account) : NULL;
	e->text = text ? xstrdup(text) : NULL;
	e->tags = client_tags ? xstrdup(client_tags) : NULL;
	window_push(e);
	/* A big batch goes now; otherwise the timer sends it within flush_ms. */
	if (pending->n >= 4096)
		flush(NULL);
}

void
history_add_channel(const struct channel *ch, const struct client *from, const char *cmd,
                    struct outmsg *om, const char *text, const char *client_tags)
{
	char key[CHANNELLEN_MAX + 1];

	irc_strlower(key, sizeof(key), ch->name);
	add(key, ch->name, from, cmd, om, text, client_tags);
}

void
history_add_event(const struct channel *ch, const struct client *from, const char *cmd,
                  struct outmsg *om, const char *params)
{
	char key[CHANNELLEN_MAX + 1];

	irc_strlower(key, sizeof(key), ch->name);
	/* An event's text is its parameters after the channel, as sent. */
	add(key, ch->name, from, cmd, om, params, NULL);
}

void
history_add_private(const struct client *from, const struct client *to, const char *cmd,
                    struct outmsg *om, const char *text, const char *client_tags)
{
	char key[2 * NICKLEN_MAX + 4];

	if (from->account == NULL || to->account == NULL)
		return; /* only between logged-in users */
	private_key(from->account, to->account, key, sizeof(key));
	add(key, to->nick, from, cmd, om, text, client_tags);
}

int
history_open(const struct config *c)
{
	enabled = c->history.enabled;
	flush_ms = c->history.flush_interval;
	max_per_target = c->history.max_per_target;
	max_age_ms = (int64_t)c->history.max_age * 1000;
	if (!enabled || hdb != NULL)
		goto timer;
	if (sqlite3_open_v2(c->database_path, &hdb,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		log_error("history: %s: %s", c->database_path, sqlite3_errmsg(hdb));
		sqlite3_close(hdb);
		hdb = NULL;
		enabled = 0;
		return -1;
	}
	sqlite3_busy_timeout(hdb, 5000);
	exec_sql("PRAGMA synchronous = NORMAL");
timer:
	if (timer_on)
		rtimer_stop(&flush_timer);
	timer_on = 0;
	if (enabled) {
		rtimer_start(&flush_timer, flush_ms / 1000.0, flush_ms / 1000.0, flush);
		timer_on = 1;
	}
	return 0;
}

int
history_enabled(void)
{
	return enabled;
}

void
history_flush(void)
{
	flush(NULL);
}

/* After worker_stop(): the lane has written everything it was given. */
void
history_close(void)
{
	if (timer_on)
		rtimer_stop(&flush_timer);
	timer_on = 0;
	if (hdb != NULL)
		sqlite3_close(hdb);
	hdb = NULL;
	while (!TAILQ_EMPTY(&window_lru))
		window_free(TAILQ_FIRST(&window_lru));
	strmap_free(&windows);
}

uint64_t
history_written(void)
{
	return written;
}

/* "2019-01-04T14:33:26.123Z" -> ms since the epoch; -1 if malformed. */
static int64_t
parse_timestamp(const char *s)
{
	struct tm tm;
	int ms = 0;
	const char *rest;

	memset(&tm, 0, sizeof(tm));
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest == NULL)
		return -1;
	if (*rest == '.') {
		if (sscanf(rest + 1, "%3d", &ms) != 1)
			return -1;
		rest += 1 + strspn(rest + 1, "0123456789");
	}
	if (*rest != 'Z' && *rest != '\0')
		return -1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

int
history_ref_parse(const char *s, struct history_ref *ref)
{
	memset(ref, 0, sizeof(*ref));
	if (strcmp(s, "*") == 0)
		return 0;
	if (strncmp(s, "msgid=", 6) == 0 && strlen(s + 6) > 0 &&
	    strlen(s + 6) < sizeof(ref->msgid)) {
		ref->kind = 1;
		str_copy(ref->msgid, s + 6, sizeof(ref->msgid));
		return 0;
	}
	if (strncmp(s, "timestamp=", 10) == 0 &&
	    (ref->time_ms = parse_timestamp(s + 10)) >= 0) {
		ref->kind = 2;
		return 0;
	}
	return -1;
}

/* A query on its way to the lane and back. */
struct query {
	char uid[UIDLEN + 1];
	enum history_query_kind kind;
	char key[CHANNELLEN_MAX + 2 * NICKLEN_MAX + 4];
	char target[CHANNELLEN_MAX + 1]; /* as the client named it */
	char me_key[NICKLEN_MAX + 3];    /* "@nick," prefix for TARGETS */
	struct history_ref a, b;
	int limit;
	char label[65];
	int events;        /* draft/event-playback: joins, parts, ... too */
	int64_t oldest_ms; /* retention by age: older rows wait for the pruner, unseen */
	struct entry *rows;
	size_t nrows;
	int failed;
};

/* The time of a reference (resolving a msgid); -1 when unknown. */
static int64_t
ref_time(const struct query *q, const struct history_ref *r)
{
	sqlite3_stmt *st;
	int64_t t = -1;

	if (r->kind == 2)
		return r->time_ms;
	if (r->kind != 1)
		return -1;
	if (sqlite3_prepare_v2(hdb,
	                       "SELECT time_ms FROM history WHERE target = ? AND msgid = ?", -1,
	                       &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, q->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->msgid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return t;
}

static char *
column_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);
	return v ? xstrdup((const char *)v) : NULL;
}

/* Run one SELECT with (key, t1, t2, limit); rows appended to q. */
static void
select_rows(struct query *q, const char *where_order, int64_t t1, int64_t t2, int limit)
{
	char sql[400];
	sqlite3_stmt *st;

	snprintf(sql, sizeof(sql),
	         "SELECT msgid, time_ms, command, source, account, text, tags,"
	         " recipient FROM history WHERE target = ?1 AND time_ms >= ?5 %s AND %s"
	         " LIMIT ?4",
	         q->events ? "" : "AND command IN ('PRIVMSG', 'NOTICE', 'TAGMSG')",
	         where_order);
	if (sqlite3_prepare_v2(hdb, sql, -1, &st, NULL) != SQLITE_OK) {
		q->failed = 1;
		return;
	}
	sqlite3_bind_text(st, 1, q->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t1);
	sqlite3_bind_int64(st, 3, t2);
	sqlite3_bind_int(st, 4, limit);
	sqlite3_bind_int64(st, 5, q->oldest_ms);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct entry *e;
		q->rows = xrealloc(q->rows, (q->nrows + 1) * sizeof(*q->rows));
		e = &q->rows[q->nrows++];
		memset(e, 0, sizeof(*e));
		str_copy(e->msgid, (const char *)sqlite3_column_text(st, 0), sizeof(e->msgid));
		e->time_ms = sqlite3_column_int64(st, 1);
		str_copy(e->cmd, (const char *)sqlite3_column_text(st, 2), sizeof(e->cmd));
		e->source = column_dup(st, 3);
		e->account = column_dup(st, 4);
		e->text = column_dup(st, 5);
		e->tags = column_dup(st, 6);
		str_copy(e->recipient, (const char *)sqlite3_column_text(st, 7),
		         sizeof(e->recipient));
	}
	sqlite3_finalize(st);
}

static void
reverse_rows(struct query *q, size_t from)
{
	for (size_t i = from, j = q->nrows; i + 1 < j; i++, j--) {
		struct entry tmp = q->rows[i];
		q->rows[i] = q->rows[j - 1];
		q->rows[j - 1] = tmp;
	}
}

#define NEWEST_FIRST "time_ms %s ?2 ORDER BY time_ms DESC, id DESC"
static void
query_messages(struct query *q)
{
	int64_t t1 = ref_time(q, &q->a), t2 = ref_time(q, &q->b);
	int64_t lo, hi;

	if ((q->a.kind != 0 && t1 < 0) || (q->kind == HQ_BETWEEN && t2 < 0)) {
		q->failed = q->a.kind == 1 || q->b.kind == 1 ? 0 : 1;
		return; /* an unknown msgid yields an empty batch */
	}
	switch (q->kind) {
	case HQ_LATEST:
		if (q->a.kind == 0)
			select_rows(q, "?2 = ?2 ORDER BY time_ms DESC, id DESC", 0, 0,
			            q->limit);
		else
			select_rows(q, "time_ms > ?2 ORDER BY time_ms DESC, id DESC", t1, 0,
			            q->limit);
		reverse_rows(q, 0);
		break;
	case HQ_BEFORE:
		select_rows(q, "time_ms < ?2 ORDER BY time_ms DESC, id DESC", t1, 0, q->limit);
		reverse_rows(q, 0);
		break;
	case HQ_AFTER:
		select_rows(q, "time_ms > ?2 ORDER BY time_ms ASC, id ASC", t1, 0, q->limit);
		break;
	case HQ_AROUND:
		select_rows(q, "time_ms < ?2 ORDER BY time_ms DESC, id DESC", t1, 0,
		            q->limit / 2);
		reverse_rows(q, 0);
		select_rows(q, "time_ms >= ?2 ORDER BY time_ms ASC, id ASC", t1, 0,
		            q->limit - (int)q->nrows);
		break;
	case HQ_BETWEEN:
		lo = MIN(t1, t2);
		hi = MAX(t1, t2);
		if (t1 <= t2) {
			select_rows(
			    q, "time_ms > ?2 AND time_ms < ?3 ORDER BY time_ms ASC, id ASC", lo,
			    hi, q->limit);
		} else {
			select_rows(
			    q, "time_ms > ?2 AND time_ms < ?3 ORDER BY time_ms DESC, id DESC",
			    lo, hi, q->limit);
			reverse_rows(q, 0);
		}
		break;
	default: break;
	}
}

/* TARGETS: channel keys the asker may read and its private pairs, newest last. */
static void
query_targets(struct query *q)
{
	sqlite3_stmt *st;
	int64_t lo = MIN(q->a.time_ms, q->b.time_ms), hi = MAX(q->a.time_ms, q->b.time_ms);

	/* Events count as activity only for clients that replay them. */
	if (sqlite3_prepare_v2(hdb,
	                       q->events ? "SELECT target, MAX(time_ms) AS t FROM history WHERE"
	                                   " time_ms > ?1 AND time_ms < ?2 GROUP BY target"
	                                   " ORDER BY t ASC"
	                                 : "SELECT target, MAX(time_ms) AS t FROM history WHERE"
	                                   " time_ms > ?1 AND time_ms < ?2 AND command IN"
	                                   " ('PRIVMSG', 'NOTICE', 'TAGMSG') GROUP BY target"
	                                   " ORDER BY t ASC",
	                       -1, &st, NULL) != SQLITE_OK) {
		q->failed = 1;
		return;
	}
	sqlite3_bind_int64(st, 1, MAX(lo, q->oldest_ms - 1));
	sqlite3_bind_int64(st, 2, hi);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct entry *e;
		q->rows = xrealloc(q->rows, (q->nrows + 1) * sizeof(*q->rows));
		e = &q->rows[q->nrows++];
		memset(e, 0, sizeof(*e));
		str_copy(e->target, (const char *)sqlite3_column_text(st, 0),
		         sizeof(e->target));
		e->time_ms = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
}

static void
query_work(void *arg)
{
	struct query *q = arg;

	if (hdb == NULL) {
		q->failed = 1;
		return;
	}
	if (q->kind == HQ_TARGETS)
		query_targets(q);
	else
		query_messages(q);
}

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

/* Can c read this target key now? Checked again when the answer arrives. */
static int
target_visible(struct client *c, const char *key)
{
	struct channel *ch;
	char mine[NICKLEN_MAX + 3], *comma;

	if (key[0] != '@') {
		ch = channel_find(key);
		return ch != NULL && channel_member(ch, c) != NULL;
	}
	if (c->account == NULL)
		return 0;
	irc_strlower(mine, sizeof(mine), c->account);
	comma = strchr(key, ',');
	return comma != NULL && (strncmp(key + 1, mine, (size_t)(comma - key - 1)) == 0
	                             ? strlen(mine) == (size_t)(comma - key - 1)
	                             : strcmp(comma + 1, mine) == 0);
}

/* The name a client knows a target key by: the channel, or the other nick. */
static const char *
target_name(struct client *c, const char *key, char *buf, size_t size)
{
	char mine[NICKLEN_MAX + 1];
	const char *comma = strchr(key, ',');
	struct channel *ch;

	if (key[0] != '@') {
		ch = channel_find(key);
		return ch ? ch->name : key;
	}
	irc_strlower(mine, sizeof(mine), c->account ? c->account : "");
	if (strncmp(key + 1, mine, (size_t)(comma - key - 1)) == 0 &&
	    strlen(mine) == (size_t)(comma - key - 1))
		str_copy(buf, comma + 1, size);
	else
		snprintf(buf, size, "%.*s", (int)(comma - key - 1), key + 1);
	return buf;
}

static void
send_rows(struct client *c, struct query *q)
{
	static unsigned serial;
	char id[16], stamp[32], name[NICKLEN_MAX + 1];
	int unscoped;

	snprintf(id, sizeof(id), "H%u", ++serial);
	if (q->kind == HQ_TARGETS)
		send_line(c, "%s%s%s:%s BATCH +%s draft/chathistory-targets",
		          q->label[0] ? "@label=" : "", q->label, q->label[0] ? " " : "",
		          me.name, id);
	else
		send_line(c, "%s%s%s:%s BATCH +%s chathistory %s", q->label[0] ? "@label=" : "",
		          q->label, q->label[0] ? " " : "", me.name, id, q->target);
	for (size_t i = 0, shown = 0; i < q->nrows; i++) {
		struct entry *e = &q->rows[i];
		format_time(e->time_ms, stamp, sizeof(stamp));
		if (q->kind == HQ_TARGETS) {
			if (!target_visible(c, e->target) || (int)shown >= q->limit)
				continue;
			shown++;
			send_line(c, "@batch=%s :%s CHATHISTORY TARGETS %s %s", id, me.name,
			          target_name(c, e->target, name, sizeof(name)), stamp);
			continue;
		}
		if (is_event(e->cmd) && !q->events)
			continue;
		/* QUIT and NICK name no channel: the channel is only where they were seen. */
		unscoped = strcmp(e->cmd, "QUIT") == 0 || strcmp(e->cmd, "NICK") == 0;
		send_line(c, "@batch=%s;time=%s;msgid=%s%s%s%s%s :%s %s %s%s%s", id, stamp,
		          e->msgid, e->account ? ";account=" : "", e->account ? e->account : "",
		          e->tags ? ";" : "", e->tags ? e->tags : "", e->source, e->cmd,
		          unscoped ? "" : e->recipient,
		          !e->text           ? ""
		          : unscoped         ? ""
		          : is_event(e->cmd) ? " "
		                             : " :",
		          e->text ? e->text : "");
	}
	send_line(c, ":%s BATCH -%s", me.name, id);
}

static void
query_done(void *arg)
{
	struct query *q = arg;
	struct client *c = strmap_get(&clients_by_uid, q->uid);

	if (c != NULL && c->local != NULL) {
		if (q->failed)
			send_fail(c, "CHATHISTORY", "MESSAGE_ERROR", q->target,
			          "History could not be read");
		else
			send_rows(c, q);
	}
	for (size_t i = 0; i < q->nrows; i++)
		entry_free(&q->rows[i]);
	free(q->rows);
	free(q);
}

/* LATEST * within the window: answered now, from memory. */
static int
window_answer(struct client *c, struct query *q)
{
	struct window *w = windows.count ? strmap_get(&windows, q->key) : NULL;
	if (w == NULL || q->kind != HQ_LATEST || q->a.kind != 0 || (int)w->count < q->limit)
		return 0;
	/* Without event-playback, events in the window would not count: ask sqlite. */
	if (!q->events)
		for (unsigned i = w->count - (unsigned)q->limit; i < w->count; i++)
			if (is_event(w->ring[(w->head + i) % WINDOW_SIZE].cmd))
				return 0;
	q->rows = xcalloc((size_t)q->limit, sizeof(*q->rows));
	for (unsigned i = w->count - (unsigned)q->limit; i < w->count; i++) {
		const struct entry *e = &w->ring[(w->head + i) % WINDOW_SIZE];
		if (e->time_ms >= q->oldest_ms)
			entry_copy(&q->rows[q->nrows++], e);
	}
	window_hits++;
	send_rows(c, q);
	for (size_t i = 0; i < q->nrows; i++)
		entry_free(&q->rows[i]);
	free(q->rows);
	free(q);
	return 1;
}

void
history_window_stats(uint64_t *hits, uint64_t *misses, size_t *targets)
{
	*hits = window_hits;
	*misses = window_misses;
	*targets = windows.count;
}

/* The age limit, as the earliest time_ms a query may return (0: no limit). */
static int64_t
oldest_kept_ms(void)
{
	struct timespec ts;

	if (max_age_ms <= 0)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - max_age_ms;
}

void
history_query(struct client *c, enum history_query_kind kind, const char *target,
              const struct history_ref *a, const struct history_ref *b, int limit)
{
	struct query *q = xcalloc(1, sizeof(*q));

	str_copy(q->uid, c->uid, sizeof(q->uid));
	q->kind = kind;
	str_copy(q->target, target, sizeof(q->target));
	if (target[0] == '#')
		irc_strlower(q->key, sizeof(q->key), target);
	else
		private_key(c->account ? c->account : "", account_of(target), q->key,
		            sizeof(q->key));
	if (a != NULL)
		q->a = *a;
	if (b != NULL)
		q->b = *b;
	q->limit = limit;
	q->events = (c->local->caps & CAP_EVENT_PLAYBACK) != 0;
	q->oldest_ms = oldest_kept_ms();
	if (window_answer(c, q))
		return;
	window_misses++;
	/* The answer comes later: it carries the label itself, no ACK now. */
	label_take(c, q->label, sizeof(q->label));
	/* What was sent before this query is written before it runs. */
	flush(NULL);
	worker_submit_to(LANE_HISTORY, query_work, query_done, q);
}

/* A REDACT on its way to the lane and back. */
struct redaction {
	char uid[UIDLEN + 1];
	char key[CHANNELLEN_MAX + 2 * NICKLEN_MAX + 4];
	char target[CHANNELLEN_MAX + 1];
	char msgid[32];
	char requester_uid[UIDLEN + 1];
	char account[NICKLEN_MAX + 1];
	char *reason;
	int is_op;
	int found, allowed;
};

static void
redact_work(void *arg)
{
	struct redaction *r = arg;
	sqlite3_stmt *st;
	char author_uid[UIDLEN + 1] = "", account[NICKLEN_MAX + 1] = "";

	if (hdb == NULL || sqlite3_prepare_v2(hdb,
	                                      "SELECT uid, account FROM history"
	                                      " WHERE target = ? AND msgid = ?",
	                                      -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, r->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->msgid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *uid = (const char *)sqlite3_column_text(st, 0);
		const char *acc = (const char *)sqlite3_column_text(st, 1);
		r->found = 1;
		if (uid != NULL)
			str_copy(author_uid, uid, sizeof(author_uid));
		if (acc != NULL)
			str_copy(account, acc, sizeof(account));
	}
	sqlite3_finalize(st);
	if (!r->found)
		return;
	/* The author (its account, or else the very session that sent it) or an op. */
	r->allowed = r->is_op || (account[0] ? irc_strcmp(account, r->account) == 0
	                                     : strcmp(author_uid, r->requester_uid) == 0);
	if (!r->allowed)
		return;
	if (sqlite3_prepare_v2(hdb, "DELETE FROM history WHERE target = ? AND msgid = ?", -1,
	                       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, r->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->msgid, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
}

static void
redact_done(void *arg)
{
	struct redaction *r = arg;
	struct client *c = strmap_get(&clients_by_uid, r->uid);
	struct outmsg *om;

	if (c == NULL)
		goto out;
	if (!r->found) {
		char context[CHANNELLEN_MAX + 40];
		snprintf(context, sizeof(context), "%s %s", r->target, r->msgid);
		send_fail(c, "REDACT", "UNKNOWN_MSGID", context, "No such message");
		goto out;
	}
	if (!r->allowed) {
		send_fail(c, "REDACT", "REDACT_FORBIDDEN", r->target,
		          "You may only redact your own messages");
		goto out;
	}
	window_forget(r->key, r->msgid);
	om = r->reason ? msg_from(c, "REDACT %s %s :%s", r->target, r->msgid, r->reason)
	               : msg_from(c, "REDACT %s %s", r->target, r->msgid);
	if (r->target[0] == '#') {
		struct channel *ch = channel_find(r->target);
		if (ch != NULL)
			send_channel_filtered(ch, NULL, om, 0, CAP_MESSAGE_REDACTION, 0);
	} else {
		struct client *other = client_find_nick(r->target);
		if (other != NULL && other->local != NULL &&
		    (other->local->caps & CAP_MESSAGE_REDACTION))
			send_msg(other, om);
		if (c->local->caps & CAP_MESSAGE_REDACTION)
			send_msg(c, om);
	}
	msg_release(om);
out:
	free(r->reason);
	free(r);
}

void
history_redact(struct client *c, const char *target, const char *msgid, const char *reason,
               int is_op)
{
	struct redaction *r = xcalloc(1, sizeof(*r));

	str_copy(r->uid, c->uid, sizeof(r->uid));
	str_copy(r->target, target, sizeof(r->target));
	if (target[0] == '#')
		irc_strlower(r->key, sizeof(r->key), target);
	else
		private_key(c->account ? c->account : "", account_of(target), r->key,
		            sizeof(r->key));
	str_copy(r->msgid, msgid, sizeof(r->msgid));
	str_copy(r->requester_uid, c->uid, sizeof(r->requester_uid));
	str_copy(r->account, c->account ? c->account : "", sizeof(r->account));
	r->reason = reason ? xstrdup(reason) : NULL;
	r->is_op = is_op;
	flush(NULL);
	worker_submit_to(LANE_HISTORY, redact_work, redact_done, r);
}

static void
forget_work(void *arg)
{
	char *pattern = arg;
	sqlite3_stmt *st;

	if (hdb == NULL || sqlite3_prepare_v2(hdb,
	                                      "DELETE FROM history WHERE target LIKE ?1"
	                                      " ESCAPE '\\' OR target LIKE ?2 ESCAPE '\\'",
	                                      -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, pattern, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pattern + strlen(pattern) + 1, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static void
forget_done(void *arg)
{
	free(arg);
}

/* Escape LIKE's wildcards so an account name matches only itself. */
static size_t
like_escape(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in != '\0' && n + 2 < size; in++) {
		if (*in == '%' || *in == '_' || *in == '\\')
			out[n++] = '\\';
		out[n++] = *in;
	}
	out[n] = '\0';
	return n;
}

static void
forget_channel_work(void *arg)
{
	sqlite3_stmt *st;

	if (hdb == NULL || sqlite3_prepare_v2(hdb, "DELETE FROM history WHERE target = ?1", -1,
	                                      &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

void
history_keep_channels(void)
{
	keeping_channels = 1;
}

void
history_channel_ended(const char *name)
{
	char *key;
	struct window *w;

	if (!enabled || keeping_channels)
		return;
	key = xmalloc(CHANNELLEN_MAX + 1);
	irc_strlower(key, CHANNELLEN_MAX + 1, name);
	if (windows.count && (w = strmap_get(&windows, key)) != NULL)
		window_free(w);
	flush(NULL); /* its last lines are deleted too, not written after */
	worker_submit_to(LANE_HISTORY, forget_channel_work, forget_done, key);
}

void
history_forget_account(const char *account)
{
	char key[NICKLEN_MAX + 1], esc[2 * NICKLEN_MAX + 2];
	char *patterns = xmalloc(2 * sizeof(esc) + 8);
	size_t n;

	irc_strlower(key, sizeof(key), account);
	like_escape(key, esc, sizeof(esc));
	/* "@acct,%" and "@%,acct": both sides of every pair it was in. */
	n = (size_t)sprintf(patterns, "@%s,%%", esc);
	sprintf(patterns + n + 1, "@%%,%s", esc);
	flush(NULL);
	worker_submit_to(LANE_HISTORY, forget_work, forget_done, patterns);
}
