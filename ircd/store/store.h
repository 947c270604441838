/* store.h - persistent state in sqlite3 (WAL): what outlives a restart. */
#ifndef EVIRCD_STORE_H
#define EVIRCD_STORE_H

/* Open (creating the file, its folder and the schema) and load state. */
int store_open(const char *path);
void store_close(void);
/* Save the LUSERS record counts if they changed (cheap to call often). */
void store_save_counts(void);

/*
 * 32 random bytes kept in the database (made at its first start): the key
 * of SCRAM's fake salts for unknown accounts, the same across restarts.
 */
const unsigned char *store_scram_secret(void);

/*
 * No write runs on the loop: each is a job of the store lane (LANE_STORE),
 * run in the order queued on the lane's connection (store_wdb).  A client
 * that must hear "done" only once a write is committed waits for a job of
 * that lane (proto/clientjob.h): it runs after every write queued before.
 * store_write runs work(arg) there and frees arg.
 */
typedef void (*store_work_fn)(void *arg);
void store_write(store_work_fn work, void *arg);
/*
 * One statement for the store lane: sql a string literal, types one
 * letter per parameter ('t' a const char * or NULL, 'i' a long long);
 * the values are copied now.
 */
void store_queue(const char *sql, const char *types, ...);

/* Server bans (xline.c): one row per kind and mask, written on the store lane. */
typedef void (*store_xline_cb)(char kind, const char *mask, const char *reason,
                               const char *setter, long long set_at, long long expires);
void store_xline_load(store_xline_cb cb);
void store_xline_save(char kind, const char *mask, const char *reason, const char *setter,
                      long long set_at, long long expires);
void store_xline_delete(char kind, const char *mask);

/*
 * A prepared statement for sql (a string literal: it is cached by its
 * address), reset and ready to bind; reset it after use, never finalize.
 */
struct sqlite3_stmt;
struct sqlite3_stmt *store_stmt(const char *sql);
/* The loop's handle: read-only, never waits (SQLITE_BUSY instead). */
struct sqlite3;
struct sqlite3 *store_db(void);
/* The store lane's handle: for work running on LANE_STORE only. */
struct sqlite3 *store_wdb(void);

#endif
