/*
 * m_markread.c - MARKREAD (IRCv3 draft/read-marker): kept per account in
 * the database, or for the connection while it is not logged in.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/casemap.h"
#include "base/conf.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/cap.h"
#include "proto/clientjob.h"
#include "proto/login.h"
#include "proto/parse.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"
#include "store/history_query.h"
#include "store/store.h"

#define MARKERS_SESSION_MAX 64  /* per connection not logged in */
#define MARKERS_ACCOUNT_MAX 512 /* per account, in the database */

/* The stored marker in ms, or -1. */
static int64_t
marker_get(const char *account, const char *target)
{
	char key[CHANNELLEN_MAX + 1];
	sqlite3_stmt *st;
	int64_t t = -1;

	if (store_db() == NULL || sqlite3_prepare_v2(store_db(),
	                                             "SELECT time_ms FROM read_markers"
	                                             " WHERE account = ? AND target = ?",
	                                             -1, &st, NULL) != SQLITE_OK)
		return -1;
	irc_strlower(key, sizeof(key), target);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return t;
}

/* Queued for the store lane: the answer waits for it (client_after_writes). */
static void
marker_set(const char *account, const char *target, int64_t ms)
{
	char key[CHANNELLEN_MAX + 1];

	irc_strlower(key, sizeof(key), target);
	store_queue("INSERT OR REPLACE INTO read_markers (account, target, time_ms)"
	            " VALUES (?, ?, ?)",
	            "tti", account, key, (long long)ms);
}

/* Drop the account's markers beyond the bound: those pointing furthest back go. */
static void
marker_trim(const char *account)
{
	store_queue("DELETE FROM read_markers WHERE account = ?1 AND target NOT IN"
	            " (SELECT target FROM read_markers WHERE account = ?1"
	            " ORDER BY time_ms DESC LIMIT ?2)",
	            "ti", account, (long long)MARKERS_ACCOUNT_MAX);
}

/* The markers of a connection not logged in: its nick's, for the session. */
struct read_markers {
	unsigned n;
	struct {
		char target[CHANNELLEN_MAX + 1]; /* casemapped */
		int64_t ms;
	} m[MARKERS_SESSION_MAX];
};

static int
session_find(const struct read_markers *rm, const char *key)
{
	for (unsigned i = 0; rm != NULL && i < rm->n; i++)
		if (strcmp(rm->m[i].target, key) == 0)
			return (int)i;
	return -1;
}

/* A new target when full takes the place of the marker pointing furthest back. */
static void
session_set(struct client *c, const char *key, int64_t ms)
{
	struct read_markers *rm = c->local->read_markers;
	int i = session_find(rm, key);

	if (rm == NULL)
		rm = c->local->read_markers = xcalloc(1, sizeof(*rm));
	if (i < 0 && rm->n < MARKERS_SESSION_MAX)
		i = (int)rm->n++;
	if (i < 0) {
		i = 0;
		for (unsigned j = 1; j < rm->n; j++)
			if (rm->m[j].ms < rm->m[i].ms)
				i = (int)j;
	}
	str_copy(rm->m[i].target, key, sizeof(rm->m[i].target));
	rm->m[i].ms = ms;
}

/* Logged in since: the session's markers join the account's (the newer wins). */
static void
session_persist(struct client *c)
{
	struct read_markers *rm = c->local->read_markers;

	if (rm == NULL || c->account == NULL)
		return;
	for (unsigned i = 0; i < rm->n; i++)
		if (rm->m[i].ms > marker_get(c->account, rm->m[i].target))
			marker_set(c->account, rm->m[i].target, rm->m[i].ms);
	marker_trim(c->account);
	free(rm);
	c->local->read_markers = NULL;
}

static int64_t
marker_value(struct client *c, const char *key)
{
	int i = session_find(c->local->read_markers, key);
	int64_t session = i < 0 ? -1 : c->local->read_markers->m[i].ms;

	/* A session whose account is gone (dropped) is logged out here: its own markers. */
	if (c->account == NULL || !account_session_valid(c))
		return session;
	/* Logged in some other way since (services): its rows may still be queued. */
	session_persist(c);
	return MAX(session, marker_get(c->account, key));
}

static void
marker_store(struct client *c, const char *key, int64_t ms, int is_new)
{
	if (c->account == NULL) {
		session_set(c, key, ms);
		return;
	}
	marker_set(c->account, key, ms);
	if (is_new)
		marker_trim(c->account);
}

static void
marker_format(int64_t ms, char *out, size_t size)
{
	char base[24];
	time_t sec;
	struct tm tm;

	if (ms < 0) {
		str_copy(out, "*", size);
		return;
	}
	sec = (time_t)(ms / 1000);
	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "timestamp=%.19s.%03dZ", base, (int)(ms % 1000));
}

static void
marker_send(struct client *c, const char *target, int64_t ms)
{
	char stamp[48];

	marker_format(ms, stamp, sizeof(stamp));
	send_line(c, ":%s MARKREAD %s %s", me.name, target, stamp);
}

/* The spec's SHOULD: the account's other connections with the capability hear of it. */
static void
marker_tell_others(struct client *c, const char *target, int64_t ms)
{
	for (size_t i = 0; c->account != NULL && i <= clients_by_uid.mask; i++) {
		struct client *o = clients_by_uid.slots[i].value;
		if (clients_by_uid.slots[i].key == NULL || o == c || o->local == NULL ||
		    !o->registered || o->account == NULL ||
		    !client_has_cap(o, CAP_READ_MARKER) ||
		    irc_strcmp(o->account, c->account) != 0)
			continue;
		marker_send(o, target, ms);
	}
}

static void
markers_moved(struct client *c UNUSED, void *arg UNUSED)
{
}

/* The moved markers are read back by c's next command: it waits for the writes. */
void
markread_logged_in(struct client *c)
{
	if (c->local->read_markers == NULL)
		return;
	session_persist(c);
	client_after_writes(c, markers_moved, NULL);
}

void
markread_client_gone(struct client *c)
{
	session_persist(c);
	free(c->local->read_markers);
	c->local->read_markers = NULL;
}

void
markread_forget_account(const char *account)
{
	store_queue("DELETE FROM read_markers WHERE account = ?", "t", account);
}

void
markread_on_join(struct client *c, const char *channel)
{
	char key[CHANNELLEN_MAX + 1];

	if (!client_has_cap(c, CAP_READ_MARKER))
		return;
	irc_strlower(key, sizeof(key), channel);
	marker_send(c, channel, marker_value(c, key));
}

struct marker_answer {
	char target[CHANNELLEN_MAX + 1];
	int64_t ms;
};

static void
marker_stored(struct client *c, void *arg)
{
	struct marker_answer *a = arg;

	if (c != NULL)
		marker_send(c, a->target, a->ms);
	free(a);
}

/* The wall clock in ms: a marker never points into the future. */
static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

HANDLER(m_markread)
{
	const char *target = m->argv[0];
	char key[CHANNELLEN_MAX + 1];
	struct history_ref ref;
	struct marker_answer *a;
	int64_t stored;

	if (!channel_name_valid(target, conf->limits.channellen) &&
	    !nick_valid(target, conf->limits.nicklen)) {
		send_fail(c, "MARKREAD", "INVALID_PARAMS", param_word(target),
		          "Not a channel or a nick");
		return IRC_OK;
	}
	irc_strlower(key, sizeof(key), target);
	stored = marker_value(c, key);
	/* No timestamp, or "*" (what the server sends for none): a get. */
	if (m->argc < 2 || strcmp(m->argv[1], "*") == 0) {
		marker_send(c, target, stored);
		return IRC_OK;
	}
	if (history_ref_parse(m->argv[1], &ref) != 0 || ref.kind != 2) {
		send_fail(c, "MARKREAD", "INVALID_PARAMS", target, "Expected timestamp=...");
		return IRC_OK;
	}
	/* Markers only move forward, and never past now. */
	ref.time_ms = MIN(ref.time_ms, wall_ms());
	if (ref.time_ms <= stored) {
		marker_send(c, target, stored);
		return IRC_OK;
	}
	marker_store(c, key, ref.time_ms, stored < 0);
	marker_tell_others(c, target, ref.time_ms);
	if (c->account == NULL) {
		marker_send(c, target, ref.time_ms);
		return IRC_OK;
	}
	/* Answered once stored: the next MARKREAD reads what this one wrote. */
	a = xcalloc(1, sizeof(*a));
	str_copy(a->target, target, sizeof(a->target));
	a->ms = ref.time_ms;
	client_after_writes(c, marker_stored, a);
	return IRC_OK;
}
