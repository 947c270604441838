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

/* Server bans (xline.c): saved synchronously, one row per kind and mask. */
typedef void (*store_xline_cb)(char kind, const char *mask, const char *reason,
                               const char *setter, long long set_at, long long expires);
void store_xline_load(store_xline_cb cb);
int store_xline_save(char kind, const char *mask, const char *reason, const char *setter,
                     long long set_at, long long expires);
void store_xline_delete(char kind, const char *mask);

/*
 * A prepared statement for sql (a string literal: it is cached by its
 * address), reset and ready to bind; reset it after use, never finalize.
 */
struct sqlite3_stmt;
struct sqlite3_stmt *store_stmt(const char *sql);
/* The handle, for the other persistent tables (accounts.c). */
struct sqlite3;
struct sqlite3 *store_db(void);

#endif
