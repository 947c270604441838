/* history.c - what the history keeps: batched writes, forgetting, redaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/casemap.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/util.h"
#include "net/reactor.h"
#include "net/worker.h"
#include "state/channel.h"
#include "state/client.h"
#include "store/history.h"
#include "store/history_db.h"
#include "store/history_row.h"
#include "store/history_window.h"

/* A big batch goes at once; otherwise the timer sends it within flush_ms. */
#define BATCH_ROWS_MAX 4096

static struct history_batch *pending;
static struct rtimer flush_timer;
static int enabled, timer_on;
static int keeping_channels; /* shutting down: channels end, their history stays */
static unsigned flush_ms, max_per_target;
static int64_t max_age_ms;
static uint64_t written, unwritten;
static size_t with_writer, backlog_max; /* lines handed to the lane, not yet committed */
static time_t last_prune, last_behind_log;

static void
batch_free(struct history_batch *b)
{
	history_rows_free(b->rows, b->n);
	free(b);
}

static void
write_work(void *arg)
{
	struct history_batch *b = arg;

	b->failed = history_db_write(b) != 0;
}

static void
write_done(void *arg)
{
	struct history_batch *b = arg;

	if (b->failed)
		unwritten += b->n;
	else
		written += b->n;
	with_writer -= b->n;
	batch_free(b);
}

/*
 * More lines a second than sqlite can take (a flood, a database locked by
 * a backup) would queue batches for the writer without end: past
 * write_backlog lines, a batch stays in the in-memory windows only.
 */
static int
writer_behind(struct history_batch *b)
{
	if (with_writer + b->n <= backlog_max)
		return 0;
	unwritten += b->n;
	if (now - last_behind_log >= 60) {
		log_warn("history: the database writer is %zu lines behind; lines are kept in "
		         "memory only until it catches up (STATS z counts them)",
		         with_writer);
		last_behind_log = now;
	}
	batch_free(b);
	return 1;
}

/* The timer's and a full batch's flush; force (shutdown) waits for the writer. */
static void
submit(int force)
{
	struct history_batch *b = pending;

	if (b == NULL || b->n == 0)
		return;
	pending = NULL;
	if (!force && writer_behind(b))
		return;
	with_writer += b->n;
	/* Trimming scans per target: once a minute, not in every batch. */
	if (now - last_prune >= 60) {
		b->prune = 1;
		last_prune = now;
	}
	worker_submit_to(LANE_HISTORY, write_work, write_done, b);
}

static struct history_row *
pending_row(void)
{
	if (pending == NULL) {
		pending = xcalloc(1, sizeof(*pending));
		pending->max_age_ms = max_age_ms;
		pending->max_per_target = max_per_target;
	}
	if (pending->n == pending->cap) {
		pending->cap = pending->cap ? pending->cap * 2 : 64;
		pending->rows = xrealloc(pending->rows, pending->cap * sizeof(*pending->rows));
	}
	return memset(&pending->rows[pending->n++], 0, sizeof(*pending->rows));
}

static size_t
trimmed_body_len(const struct history_line *l)
{
	size_t len = l->body_len;

	while (len > 0 && (l->body[len - 1] == '\n' || l->body[len - 1] == '\r'))
		len--;
	return len;
}

static void
add(const char *key, const struct client *from, const struct history_line *l)
{
	struct history_row *r;

	if (!enabled)
		return;
	r = pending_row();
	str_copy(r->target, key, sizeof(r->target));
	str_copy(r->msgid, l->msgid, sizeof(r->msgid));
	r->time_ms = l->time_ms;
	str_copy(r->cmd, l->cmd, sizeof(r->cmd));
	str_copy(r->uid, from->uid, sizeof(r->uid));
	r->bot = l->bot;
	history_row_set_text(r, l->account, l->client_tags, l->body, trimmed_body_len(l));
	history_window_push(r);
	if (pending->n >= BATCH_ROWS_MAX)
		submit(0);
}

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

void
history_target_key(const struct client *asker, const char *target, char *out, size_t size)
{
	if (target[0] == '#')
		irc_strlower(out, size, target);
	else
		private_key(asker->account ? asker->account : "", account_of(target), out,
		            size);
}

void
history_add_channel(const struct channel *ch, const struct client *from,
                    const struct history_line *l)
{
	char key[CHANNELLEN_MAX + 1];

	irc_strlower(key, sizeof(key), ch->name);
	add(key, from, l);
}

void
history_add_private(const struct client *from, const struct client *to,
                    const struct history_line *l)
{
	char key[2 * NICKLEN_MAX + 4];

	if (from->account == NULL || to->account == NULL)
		return; /* only between logged-in users */
	private_key(from->account, to->account, key, sizeof(key));
	add(key, from, l);
}

static void
on_flush_timer(struct rtimer *t)
{
	(void)t;
	submit(0);
}

static void
restart_timer(void)
{
	if (timer_on)
		rtimer_stop(&flush_timer);
	timer_on = 0;
	if (enabled) {
		rtimer_start(&flush_timer, flush_ms / 1000.0, flush_ms / 1000.0,
		             on_flush_timer);
		timer_on = 1;
	}
}

int
history_open(const struct config *c)
{
	enabled = c->history.enabled;
	flush_ms = c->history.flush_interval;
	max_per_target = c->history.max_per_target;
	max_age_ms = (int64_t)c->history.max_age * 1000;
	backlog_max = c->history.write_backlog;
	if (enabled && history_db_open(c->database_path) != 0) {
		enabled = 0;
		return -1;
	}
	restart_timer();
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
	submit(0);
}

void
history_flush_at_exit(void)
{
	submit(1);
}

void
history_close(void)
{
	if (timer_on)
		rtimer_stop(&flush_timer);
	timer_on = 0;
	history_db_close();
	history_window_clear();
}

uint64_t
history_written(void)
{
	return written;
}

uint64_t
history_unwritten(void)
{
	return unwritten;
}

size_t
history_writer_backlog(void)
{
	return with_writer;
}

int64_t
history_oldest_ms(void)
{
	struct timespec ts;

	if (max_age_ms <= 0)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - max_age_ms;
}

/* Removals go behind the pending writes, so what they remove is there. */
static void
submit_removal(worker_fn work, worker_fn done, void *arg)
{
	submit(0);
	worker_submit_to(LANE_HISTORY, work, done, arg);
}

static void
forget_target_work(void *arg)
{
	history_db_delete_target(arg);
}

static void
forget_done(void *arg)
{
	free(arg);
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

	if (!enabled || keeping_channels)
		return;
	key = xmalloc(CHANNELLEN_MAX + 1);
	irc_strlower(key, CHANNELLEN_MAX + 1, name);
	history_window_drop(key);
	submit_removal(forget_target_work, forget_done, key); /* its last lines too */
}

static void
rename_target_work(void *arg)
{
	const char *keys = arg;

	history_db_rename_target(keys, keys + strlen(keys) + 1);
}

void
history_channel_renamed(const char *old_name, const char *new_name)
{
	char *keys;
	size_t n;

	if (!enabled)
		return;
	keys = xmalloc(2 * (CHANNELLEN_MAX + 1));
	irc_strlower(keys, CHANNELLEN_MAX + 1, old_name);
	n = strlen(keys) + 1;
	irc_strlower(keys + n, CHANNELLEN_MAX + 1, new_name);
	if (strcmp(keys, keys + n) == 0) { /* only the case changed: the key is the same */
		free(keys);
		return;
	}
	/* The windows go: queries ask sqlite, where the lane renames in order. */
	history_window_drop(keys);
	history_window_drop(keys + n);
	submit_removal(rename_target_work, forget_done, keys);
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
forget_account_work(void *arg)
{
	const char *patterns = arg;

	history_db_delete_matching(patterns, patterns + strlen(patterns) + 1);
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
	submit_removal(forget_account_work, forget_done, patterns);
}

/* A REDACT on its way to the lane and back. */
struct redaction {
	char key[HISTORY_KEY_MAX];
	char msgid[32];
	char requester_uid[UIDLEN + 1];
	char account[NICKLEN_MAX + 1];
	int is_op;
	int found, allowed;
	history_redacted_fn *done;
	void *arg;
};

/* The author (its account, or else the very session that sent it) or an op. */
static int
redact_allowed(const struct redaction *r, const char *author_uid, const char *account)
{
	return r->is_op || (account[0] ? irc_strcmp(account, r->account) == 0
	                               : strcmp(author_uid, r->requester_uid) == 0);
}

static void
redact_work(void *arg)
{
	struct redaction *r = arg;
	char author_uid[UIDLEN + 1], account[NICKLEN_MAX + 1];

	r->found = history_db_author(r->key, r->msgid, author_uid, sizeof(author_uid), account,
	                             sizeof(account));
	if (!r->found)
		return;
	r->allowed = redact_allowed(r, author_uid, account);
	if (r->allowed)
		history_db_delete(r->key, r->msgid);
}

static void
redact_done(void *arg)
{
	struct redaction *r = arg;

	if (r->found && r->allowed)
		history_window_forget(r->key, r->msgid);
	r->done(r->arg, r->found, r->allowed);
	free(r);
}

static void
delete_work(void *arg)
{
	struct redaction *r = arg;

	history_db_delete(r->key, r->msgid);
}

/*
 * A line still in the window (the newest of its target, maybe not yet
 * written): decided on the loop at once; the row goes from the database
 * behind the pending writes, before any later query on the lane.
 */
static int
redact_from_window(struct redaction *r)
{
	const struct history_row *row = history_window_find(r->key, r->msgid);

	if (row == NULL)
		return 0;
	r->found = 1;
	r->allowed = redact_allowed(r, row->uid, row->account ? row->account : "");
	if (r->allowed)
		history_window_forget(r->key, r->msgid); /* row goes with it */
	r->done(r->arg, r->found, r->allowed);
	if (r->allowed)
		submit_removal(delete_work, forget_done, r);
	else
		free(r);
	return 1;
}

int
history_redact(const struct client *c, const char *target, const char *msgid, int is_op,
               history_redacted_fn *done, void *arg)
{
	struct redaction *r = xcalloc(1, sizeof(*r));

	history_target_key(c, target, r->key, sizeof(r->key));
	str_copy(r->msgid, msgid, sizeof(r->msgid));
	str_copy(r->requester_uid, c->uid, sizeof(r->requester_uid));
	str_copy(r->account, c->account ? c->account : "", sizeof(r->account));
	r->is_op = is_op;
	r->done = done;
	r->arg = arg;
	if (redact_from_window(r))
		return 1;
	submit_removal(redact_work, redact_done, r);
	return 0;
}
