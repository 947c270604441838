/* m_markread.c - MARKREAD (IRCv3 draft/read-marker), kept per account. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/casemap.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/cap.h"
#include "proto/clientjob.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"
#include "store/history_query.h"
#include "store/store.h"

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

static void
marker_send(struct client *c, const char *target, int64_t ms)
{
	char stamp[32], base[24];
	time_t sec;
	struct tm tm;

	if (ms < 0) {
		send_line(c, ":%s MARKREAD %s *", me.name, target);
		return;
	}
	sec = (time_t)(ms / 1000);
	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp, sizeof(stamp), "%.19s.%03dZ", base, (int)(ms % 1000));
	send_line(c, ":%s MARKREAD %s timestamp=%s", me.name, target, stamp);
}

void
markread_forget_account(const char *account)
{
	store_queue("DELETE FROM read_markers WHERE account = ?", "t", account);
}

void
markread_on_join(struct client *c, const char *channel)
{
	if (c->account != NULL && (c->local->caps & CAP_READ_MARKER))
		marker_send(c, channel, marker_get(c->account, channel));
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

HANDLER(m_markread)
{
	const char *target = m->argv[0];
	struct history_ref ref;
	struct marker_answer *a;
	int64_t stored;

	if (c->account == NULL) {
		send_fail(c, "MARKREAD", "ACCOUNT_REQUIRED", target,
		          "Log in to keep read markers");
		return IRC_OK;
	}
	stored = marker_get(c->account, target);
	if (m->argc < 2) {
		marker_send(c, target, stored);
		return IRC_OK;
	}
	if (history_ref_parse(m->argv[1], &ref) != 0 || ref.kind != 2) {
		send_fail(c, "MARKREAD", "INVALID_PARAMS", target, "Expected timestamp=...");
		return IRC_OK;
	}
	/* Markers only move forward. */
	if (ref.time_ms <= stored) {
		marker_send(c, target, stored);
		return IRC_OK;
	}
	marker_set(c->account, target, ref.time_ms);
	/* Answered once stored: the next MARKREAD reads what this one wrote. */
	a = xcalloc(1, sizeof(*a));
	str_copy(a->target, target, sizeof(a->target));
	a->ms = ref.time_ms;
	client_after_writes(c, marker_stored, a);
	return IRC_OK;
}
