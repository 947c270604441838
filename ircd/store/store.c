/* store.c - the sqlite3 database: schema, migrations, saved counters. */
#include <errno.h>
#include <libgen.h>
#include <openssl/rand.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <stdio.h>

#include "base/log.h"
#include "base/util.h"
#include "net/worker.h"
#include "state/client.h"
#include "store/store.h"

#define SCHEMA_VERSION 8

/*
 * Two connections to one WAL file.  db is the loop's: read-only, and it
 * never waits for a lock (WAL readers do not wait for writers).  wdb is
 * the store lane's: every write of this file but history's goes through
 * it, in the order queued, so a long history transaction delays a write
 * but never the loop.
 */
static sqlite3 *db, *wdb;

/* Prepared once, reused: lookups on the hot path (every registration). */
#define STMT_CACHE 16
static struct {
	const char *sql; /* the caller's string literal, compared by address */
	sqlite3_stmt *st;
} stmt_cache[STMT_CACHE];
static unsigned saved_max_local, saved_max_global;

static const char *const migrations[SCHEMA_VERSION] = {
    /* 1: key/value state that must survive a restart. */
    "CREATE TABLE state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);",
    /* 2: K-lines and D-lines. */
    "CREATE TABLE xlines (kind TEXT NOT NULL, mask TEXT NOT NULL, reason TEXT NOT NULL,"
    " setter TEXT NOT NULL, set_at INTEGER NOT NULL, expires INTEGER NOT NULL,"
    " PRIMARY KEY (kind, mask));",
    /* 3: accounts, their SCRAM credentials and bound certificates. */
    "CREATE TABLE accounts (key TEXT PRIMARY KEY, name TEXT NOT NULL, password TEXT NOT NULL,"
    " scram_salt TEXT NOT NULL, scram_iter INTEGER NOT NULL, scram_stored TEXT NOT NULL,"
    " scram_server TEXT NOT NULL, email TEXT, created INTEGER NOT NULL,"
    " verified INTEGER NOT NULL DEFAULT 1, verify_code TEXT);"
    "CREATE TABLE account_certs (fp TEXT PRIMARY KEY, key TEXT NOT NULL"
    " REFERENCES accounts(key) ON DELETE CASCADE);",
    /* 4: chat history (draft/chathistory). */
    "CREATE TABLE history (id INTEGER PRIMARY KEY, target TEXT NOT NULL,"
    " recipient TEXT NOT NULL, msgid TEXT NOT NULL, time_ms INTEGER NOT NULL,"
    " command TEXT NOT NULL,"
    " source TEXT NOT NULL, uid TEXT, account TEXT, text TEXT, tags TEXT);"
    "CREATE INDEX history_target_time ON history (target, time_ms);"
    "CREATE INDEX history_time ON history (time_ms);",
    /* 5: read markers (draft/read-marker), per account and target. */
    "CREATE TABLE read_markers (account TEXT NOT NULL, target TEXT NOT NULL,"
    " time_ms INTEGER NOT NULL, PRIMARY KEY (account, target));",
    /* 6: a logged-in user's own metadata (draft/metadata-3), gone with the account. */
    "CREATE TABLE account_metadata (account TEXT NOT NULL"
    " REFERENCES accounts(key) ON DELETE CASCADE, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY (account, key));",
    /*
     * 7: history lines kept whole: the body as sent (no tags, no CRLF), its
     * tags apart; the bodies of older lines rebuilt as they were replayed.
     */
    "CREATE TABLE history_v7 (id INTEGER PRIMARY KEY, target TEXT NOT NULL,"
    " msgid TEXT NOT NULL, time_ms INTEGER NOT NULL, command TEXT NOT NULL, uid TEXT,"
    " account TEXT, tags TEXT, bot INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL);"
    "INSERT INTO history_v7 (id, target, msgid, time_ms, command, uid, account, tags, body)"
    " SELECT id, target, msgid, time_ms, command, uid, account, tags,"
    " ':' || source || ' ' || command"
    " || CASE WHEN command IN ('QUIT', 'NICK') THEN '' ELSE ' ' || recipient END"
    " || CASE WHEN text IS NULL THEN ''"
    " WHEN command IN ('PRIVMSG', 'NOTICE', 'TAGMSG') THEN ' :' || text"
    " ELSE ' ' || text END FROM history;"
    "DROP TABLE history;"
    "ALTER TABLE history_v7 RENAME TO history;"
    "CREATE INDEX history_target_time ON history (target, time_ms);"
    "CREATE INDEX history_time ON history (time_ms);",
    /*
     * 8: an account id never given twice (random, 62 bits), so a session
     * holds the account it logged in to, not a name someone may register
     * again; VERIFY attempts; secrets kept across restarts.  Codes stored
     * before (in clear) are void: they are hashed now.
     */
    "ALTER TABLE accounts ADD COLUMN id INTEGER;"
    "UPDATE accounts SET id = (random() & 4611686018427387903) + 1;"
    "CREATE UNIQUE INDEX accounts_id ON accounts (id);"
    "ALTER TABLE accounts ADD COLUMN verify_attempts INTEGER NOT NULL DEFAULT 0;"
    "UPDATE accounts SET verify_code = NULL WHERE verified = 0;"
    "CREATE TABLE secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "INSERT INTO secrets (name, value) VALUES ('scram-fake-salt', randomblob(32));",
};

static int
exec_on(sqlite3 *conn, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(conn, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_error("database: %s: %s", sql, err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

#define exec(sql) exec_on(wdb, (sql))

static int
user_version(void)
{
	sqlite3_stmt *st;
	int v = 0;

	if (sqlite3_prepare_v2(wdb, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int
migrate(void)
{
	int v = user_version();
	char sql[64];

	if (v < 0 || v > SCHEMA_VERSION) {
		log_error("database schema version %d is not one this build knows", v);
		return -1;
	}
	for (; v < SCHEMA_VERSION; v++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (exec("BEGIN") || exec(migrations[v]) || exec(sql) || exec("COMMIT"))
			return -1;
	}
	return 0;
}

static unsigned
state_get(const char *key)
{
	sqlite3_stmt *st;
	unsigned v = 0;

	if (sqlite3_prepare_v2(wdb, "SELECT value FROM state WHERE key = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = (unsigned)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
state_set(const char *key, unsigned value)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(wdb, "INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)",
	                       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, value);
	if (sqlite3_step(st) != SQLITE_DONE)
		log_warn("database: saving %s: %s", key, sqlite3_errmsg(wdb));
	sqlite3_finalize(st);
}

static void
make_parent_dir(const char *path)
{
	if (mkdir_parents(path, 0750) != 0)
		log_warn("database %s: cannot make its folder: %s", path, strerror(errno));
}

static void secret_load(const char *name, unsigned char *out, size_t len);
static unsigned char scram_secret[32]; /* store_scram_secret */

static int
open_conn(const char *path, sqlite3 **out)
{
	if (sqlite3_open(path, out) != SQLITE_OK) {
		log_error("database %s: %s", path,
		          *out ? sqlite3_errmsg(*out) : "out of memory");
		sqlite3_close(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
store_open(const char *path)
{
	make_parent_dir(path);
	if (open_conn(path, &wdb) != 0)
		return -1;
	/* The lane may wait for history's transactions; the loop never does. */
	sqlite3_busy_timeout(wdb, 5000);
	if (exec("PRAGMA journal_mode = WAL") || exec("PRAGMA synchronous = NORMAL") ||
	    exec("PRAGMA foreign_keys = ON") || migrate() != 0 || open_conn(path, &db) != 0 ||
	    exec_on(db, "PRAGMA query_only = 1")) {
		store_close();
		return -1;
	}
	sqlite3_busy_timeout(db, 0);
	secret_load("scram-fake-salt", scram_secret, sizeof(scram_secret));
	saved_max_local = clients_max_local = state_get("max_local_clients");
	saved_max_global = clients_max_global = state_get("max_global_clients");
	log_info("database %s open (schema %d)", path, SCHEMA_VERSION);
	return 0;
}

sqlite3_stmt *
store_stmt(const char *sql)
{
	int free_slot = -1;

	if (db == NULL)
		return NULL;
	for (int i = 0; i < STMT_CACHE; i++) {
		if (stmt_cache[i].sql == sql) {
			sqlite3_reset(stmt_cache[i].st);
			sqlite3_clear_bindings(stmt_cache[i].st);
			return stmt_cache[i].st;
		}
		if (stmt_cache[i].sql == NULL && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return NULL;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	                       &stmt_cache[free_slot].st, NULL) != SQLITE_OK) {
		log_error("database: %s: %s", sql, sqlite3_errmsg(db));
		return NULL;
	}
	stmt_cache[free_slot].sql = sql;
	return stmt_cache[free_slot].st;
}

/* After worker_stop: the lanes are idle, so the loop may write the last counts. */
void
store_close(void)
{
	for (int i = 0; i < STMT_CACHE; i++) {
		if (stmt_cache[i].sql != NULL)
			sqlite3_finalize(stmt_cache[i].st);
		stmt_cache[i].sql = NULL;
	}
	if (db != NULL)
		sqlite3_close(db);
	db = NULL;
	if (wdb == NULL)
		return;
	store_save_counts(); /* the lanes are stopped: written at once */
	exec("PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_close(wdb);
	wdb = NULL;
}

struct counts {
	unsigned max_local, max_global;
};

static void
counts_work(void *arg)
{
	struct counts *n = arg;

	exec("BEGIN");
	state_set("max_local_clients", n->max_local);
	state_set("max_global_clients", n->max_global);
	exec("COMMIT");
}

const unsigned char *
store_scram_secret(void)
{
	return scram_secret;
}

/* A secret the migration made (only read here: the loop's connection writes nothing). */
static void
secret_load(const char *name, unsigned char *out, size_t len)
{
	sqlite3_stmt *st;
	int found = 0;

	if (db != NULL && sqlite3_prepare_v2(db, "SELECT value FROM secrets WHERE name = ?", -1,
	                                     &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    (size_t)sqlite3_column_bytes(st, 0) == len) {
			memcpy(out, sqlite3_column_blob(st, 0), len);
			found = 1;
		}
		sqlite3_finalize(st);
	}
	if (found)
		return;
	/* Deleted by hand: this run's own (the fake salts change, nothing else). */
	log_warn("database: secret %s missing: using a new one until restart", name);
	RAND_bytes(out, (int)len);
}

void
store_save_counts(void)
{
	struct counts *n;

	if (wdb == NULL)
		return;
	if (clients_max_local == saved_max_local && clients_max_global == saved_max_global)
		return;
	n = xmalloc(sizeof(*n));
	n->max_local = saved_max_local = clients_max_local;
	n->max_global = saved_max_global = clients_max_global;
	store_write(counts_work, n);
}

static void
write_done(void *arg)
{
	free(arg);
}

void
store_write(worker_fn work, void *arg)
{
	worker_submit_to(LANE_STORE, work, write_done, arg);
}

void
store_xline_load(store_xline_cb cb)
{
	sqlite3_stmt *st;

	if (db == NULL || sqlite3_prepare_v2(db,
	                                     "SELECT kind, mask, reason, setter, set_at,"
	                                     " expires FROM xlines ORDER BY set_at",
	                                     -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		cb(kind ? kind[0] : '?', (const char *)sqlite3_column_text(st, 1),
		   (const char *)sqlite3_column_text(st, 2),
		   (const char *)sqlite3_column_text(st, 3), sqlite3_column_int64(st, 4),
		   sqlite3_column_int64(st, 5));
	}
	sqlite3_finalize(st);
}

/* One statement for the store lane, with its parameters copied. */
#define QUEUED_PARAMS 4
struct queued {
	const char *sql;
	const char *types; /* 't' text (NULL binds NULL), 'i' integer */
	char *text[QUEUED_PARAMS];
	long long num[QUEUED_PARAMS];
};

static void
queued_work(void *arg)
{
	struct queued *q = arg;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(wdb, q->sql, -1, &st, NULL) != SQLITE_OK) {
		log_warn("database: %s: %s", q->sql, sqlite3_errmsg(wdb));
	} else {
		for (int i = 0; q->types[i] != '\0'; i++) {
			if (q->types[i] == 'i')
				sqlite3_bind_int64(st, i + 1, q->num[i]);
			else if (q->text[i] != NULL)
				sqlite3_bind_text(st, i + 1, q->text[i], -1, SQLITE_STATIC);
		}
		if (sqlite3_step(st) != SQLITE_DONE)
			log_warn("database: %s: %s", q->sql, sqlite3_errmsg(wdb));
		sqlite3_finalize(st);
	}
	for (int i = 0; i < QUEUED_PARAMS; i++)
		free(q->text[i]);
}

void
store_queue(const char *sql, const char *types, ...)
{
	struct queued *q;
	va_list ap;

	if (wdb == NULL)
		return;
	q = xcalloc(1, sizeof(*q));
	q->sql = sql;
	q->types = types;
	va_start(ap, types);
	for (int i = 0; types[i] != '\0' && i < QUEUED_PARAMS; i++) {
		if (types[i] == 'i') {
			q->num[i] = va_arg(ap, long long);
		} else {
			const char *t = va_arg(ap, const char *);
			q->text[i] = t ? xstrdup(t) : NULL;
		}
	}
	va_end(ap);
	store_write(queued_work, q);
}

/* A ban row to write or delete on the store lane. */
struct xline_row {
	char kind[2];
	char *mask, *reason, *setter; /* reason NULL: delete */
	long long set_at, expires;
};

static void
xline_row_free(struct xline_row *r)
{
	free(r->mask);
	free(r->reason);
	free(r->setter);
	free(r);
}

static void
xline_row_work(void *arg)
{
	static const char save[] = "INSERT OR REPLACE INTO xlines (kind, mask, reason, setter,"
	                           " set_at, expires) VALUES (?, ?, ?, ?, ?, ?)";
	static const char del[] = "DELETE FROM xlines WHERE kind = ? AND mask = ?";
	struct xline_row *r = arg;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(wdb, r->reason ? save : del, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, r->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->mask, -1, SQLITE_STATIC);
		if (r->reason != NULL) {
			sqlite3_bind_text(st, 3, r->reason, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, r->setter, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 5, r->set_at);
			sqlite3_bind_int64(st, 6, r->expires);
		}
		if (sqlite3_step(st) != SQLITE_DONE)
			log_warn("database: %c-line %s: %s", r->kind[0], r->mask,
			         sqlite3_errmsg(wdb));
		sqlite3_finalize(st);
	}
}

static void
xline_row_done(void *arg)
{
	xline_row_free(arg);
}

static void
xline_row_queue(char kind, const char *mask, const char *reason, const char *setter,
                long long set_at, long long expires)
{
	struct xline_row *r = xcalloc(1, sizeof(*r));

	r->kind[0] = kind;
	r->mask = xstrdup(mask);
	r->reason = reason ? xstrdup(reason) : NULL;
	r->setter = setter ? xstrdup(setter) : NULL;
	r->set_at = set_at;
	r->expires = expires;
	worker_submit_to(LANE_STORE, xline_row_work, xline_row_done, r);
}

void
store_xline_save(char kind, const char *mask, const char *reason, const char *setter,
                 long long set_at, long long expires)
{
	if (wdb != NULL)
		xline_row_queue(kind, mask, reason, setter, set_at, expires);
}

void
store_xline_delete(char kind, const char *mask)
{
	if (wdb != NULL)
		xline_row_queue(kind, mask, NULL, NULL, 0, 0);
}

sqlite3 *
store_db(void)
{
	return db;
}

sqlite3 *
store_wdb(void)
{
	return wdb;
}
