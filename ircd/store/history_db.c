/* history_db.c - schema-level reads, writes and deletes of the history table. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/util.h"
#include "store/history_db.h"
#include "store/history_row.h"

static sqlite3 *hdb;

#define MESSAGES_ONLY "command IN ('PRIVMSG', 'NOTICE', 'TAGMSG')"

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

int
history_db_open(const char *path)
{
	if (hdb != NULL)
		return 0;
	if (sqlite3_open_v2(path, &hdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
	    SQLITE_OK) {
		log_error("history: %s: %s", path, sqlite3_errmsg(hdb));
		sqlite3_close(hdb);
		hdb = NULL;
		return -1;
	}
	sqlite3_busy_timeout(hdb, 5000);
	exec_sql("PRAGMA synchronous = NORMAL");
	return 0;
}

void
history_db_close(void)
{
	if (hdb != NULL)
		sqlite3_close(hdb);
	hdb = NULL;
}

int
history_db_is_open(void)
{
	return hdb != NULL;
}

static void
insert_row(sqlite3_stmt *ins, const struct history_row *r)
{
	sqlite3_bind_text(ins, 1, r->target, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 2, r->msgid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 3, r->time_ms);
	sqlite3_bind_text(ins, 4, r->cmd, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 5, r->uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 6, r->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 7, r->tags, -1, SQLITE_STATIC);
	sqlite3_bind_int(ins, 8, r->bot);
	sqlite3_bind_text(ins, 9, r->body, -1, SQLITE_STATIC);
	sqlite3_step(ins);
	sqlite3_reset(ins);
}

/* Keep the newest max lines of key. */
static void
trim_target(sqlite3_stmt *trim, const char *key, unsigned max)
{
	sqlite3_bind_text(trim, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int(trim, 2, (int)max);
	sqlite3_step(trim);
	sqlite3_reset(trim);
}

static void
delete_older_than(int64_t max_age_ms)
{
	char sql[128];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(sql, sizeof(sql), "DELETE FROM history WHERE time_ms < %lld",
	         (long long)(ts.tv_sec * 1000LL - max_age_ms));
	exec_sql(sql);
}

/* One transaction per batch, then retention for its targets. */
int
history_db_write(const struct history_batch *b)
{
	sqlite3_stmt *ins = NULL, *trim = NULL;

	/* IMMEDIATE: a database locked by another process costs one busy
	 * timeout a batch, not one an insert. */
	if (hdb == NULL || exec_sql("BEGIN IMMEDIATE") != 0)
		return -1;
	sqlite3_prepare_v2(hdb,
	                   "INSERT INTO history (target, msgid, time_ms, command, uid, account,"
	                   " tags, bot, body) VALUES (?,?,?,?,?,?,?,?,?)",
	                   -1, &ins, NULL);
	sqlite3_prepare_v2(hdb,
	                   "DELETE FROM history WHERE target = ?1 AND id <= (SELECT id FROM"
	                   " history WHERE target = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
	                   -1, &trim, NULL);
	for (size_t i = 0; ins != NULL && i < b->n; i++) {
		insert_row(ins, &b->rows[i]);
		/* Retention runs about once a minute, on the targets of that batch. */
		if (b->prune && trim != NULL &&
		    (i + 1 == b->n || strcmp(b->rows[i + 1].target, b->rows[i].target) != 0))
			trim_target(trim, b->rows[i].target, b->max_per_target);
	}
	if (b->prune && b->max_age_ms > 0)
		delete_older_than(b->max_age_ms);
	sqlite3_finalize(ins);
	sqlite3_finalize(trim);
	if (exec_sql("COMMIT") != 0) {
		exec_sql("ROLLBACK");
		return -1;
	}
	return 0;
}

static const char *
column_or_empty(sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);
	return v ? (const char *)v : "";
}

static void
column_copy(sqlite3_stmt *st, int col, char *out, size_t size)
{
	const unsigned char *v = sqlite3_column_text(st, col);
	str_copy(out, v ? (const char *)v : "", size);
}

static void
read_row(sqlite3_stmt *st, struct history_row *r)
{
	const char *body;

	memset(r, 0, sizeof(*r));
	column_copy(st, 0, r->msgid, sizeof(r->msgid));
	r->time_ms = sqlite3_column_int64(st, 1);
	column_copy(st, 2, r->cmd, sizeof(r->cmd));
	r->bot = sqlite3_column_int(st, 5);
	body = column_or_empty(st, 6);
	history_row_set_text(r, (const char *)sqlite3_column_text(st, 3),
	                     (const char *)sqlite3_column_text(st, 4), body, strlen(body));
	column_copy(st, 7, r->target, sizeof(r->target));
}

static void
reverse_rows(struct history_row *rows, size_t n)
{
	for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
		struct history_row tmp = rows[i];
		rows[i] = rows[j - 1];
		rows[j - 1] = tmp;
	}
}

int
history_db_range(const struct history_range *r, struct history_row **rows, size_t *nrows)
{
	char sql[400];
	sqlite3_stmt *st;
	size_t first = *nrows;

	if (hdb == NULL)
		return -1;
	if (r->limit <= 0)
		return 0;
	snprintf(sql, sizeof(sql),
	         "SELECT msgid, time_ms, command, account, tags, bot, body, target"
	         " FROM history WHERE target = ?1 AND time_ms > ?2 AND time_ms < ?3 %s"
	         " ORDER BY time_ms %s, id %s LIMIT ?4",
	         r->events ? "" : "AND " MESSAGES_ONLY, r->newest ? "DESC" : "ASC",
	         r->newest ? "DESC" : "ASC");
	if (sqlite3_prepare_v2(hdb, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, r->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->after);
	sqlite3_bind_int64(st, 3, r->before);
	sqlite3_bind_int(st, 4, r->limit);
	*rows = xrealloc(*rows, (first + (size_t)r->limit) * sizeof(**rows));
	while (*nrows < first + (size_t)r->limit && sqlite3_step(st) == SQLITE_ROW)
		read_row(st, &(*rows)[(*nrows)++]);
	sqlite3_finalize(st);
	if (r->newest)
		reverse_rows(*rows + first, *nrows - first);
	return 0;
}

int64_t
history_db_time_of(const char *key, const char *msgid)
{
	sqlite3_stmt *st;
	int64_t t = -1;

	if (hdb == NULL ||
	    sqlite3_prepare_v2(hdb,
	                       "SELECT time_ms FROM history WHERE target = ? AND msgid = ?", -1,
	                       &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, msgid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return t;
}

int
history_db_targets(int64_t after, int64_t before, int events, struct history_row **rows,
                   size_t *nrows)
{
	char sql[256];
	sqlite3_stmt *st;

	if (hdb == NULL)
		return -1;
	/* Events count as activity only for clients that replay them. */
	snprintf(sql, sizeof(sql),
	         "SELECT target, MAX(time_ms) AS t FROM history WHERE time_ms > ?1"
	         " AND time_ms < ?2 %s GROUP BY target ORDER BY t ASC",
	         events ? "" : "AND " MESSAGES_ONLY);
	if (sqlite3_prepare_v2(hdb, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, before);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct history_row *r;
		*rows = xrealloc(*rows, (*nrows + 1) * sizeof(**rows));
		r = &(*rows)[(*nrows)++];
		memset(r, 0, sizeof(*r));
		column_copy(st, 0, r->target, sizeof(r->target));
		r->time_ms = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return 0;
}

int
history_db_author(const char *key, const char *msgid, char *uid, size_t uid_size, char *account,
                  size_t account_size)
{
	sqlite3_stmt *st;
	int found = 0;

	if (hdb == NULL || sqlite3_prepare_v2(hdb,
	                                      "SELECT uid, account FROM history"
	                                      " WHERE target = ? AND msgid = ?",
	                                      -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, msgid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		found = 1;
		column_copy(st, 0, uid, uid_size);
		column_copy(st, 1, account, account_size);
	}
	sqlite3_finalize(st);
	return found;
}

/* Run a DELETE with up to two text parameters (NULL: not bound). */
static void
delete_where(const char *sql, const char *p1, const char *p2)
{
	sqlite3_stmt *st;

	if (hdb == NULL || sqlite3_prepare_v2(hdb, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, p1, -1, SQLITE_STATIC);
	if (p2 != NULL)
		sqlite3_bind_text(st, 2, p2, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

void
history_db_delete(const char *key, const char *msgid)
{
	/* "ID/2", "ID/3"...: the further lines of a draft/multiline message ID. */
	delete_where("DELETE FROM history WHERE target = ?1 AND (msgid = ?2"
	             " OR (msgid >= ?2 || '/' AND msgid < ?2 || '0'))",
	             key, msgid);
}

void
history_db_rename_target(const char *old_key, const char *new_key)
{
	sqlite3_stmt *st;

	if (hdb == NULL ||
	    sqlite3_prepare_v2(hdb, "UPDATE history SET target = ?2 WHERE target = ?1", -1, &st,
	                       NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, old_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, new_key, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

void
history_db_delete_target(const char *key)
{
	delete_where("DELETE FROM history WHERE target = ?1", key, NULL);
}

void
history_db_delete_matching(const char *pattern1, const char *pattern2)
{
	delete_where("DELETE FROM history WHERE target LIKE ?1 ESCAPE '\\'"
	             " OR target LIKE ?2 ESCAPE '\\'",
	             pattern1, pattern2);
}
