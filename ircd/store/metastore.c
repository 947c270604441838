/* metastore.c - the account_metadata table: a user's own metadata, per account. */
#include <sqlite3.h>
#include <string.h>

#include "base/casemap.h"
#include "base/log.h"
#include "state/client.h"
#include "state/metadata.h"
#include "store/account.h"
#include "store/metastore.h"
#include "store/store.h"

/* Rows are keyed by the casemapped account name, as the accounts table is. */
static void
account_key_of(const struct client *c, char *key, size_t size)
{
	irc_strlower(key, size, c->account);
}

static void
step_reset(sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		log_warn("database: metadata: %s", sqlite3_errmsg(store_db()));
	sqlite3_reset(st);
}

/* UPDATE first, so a changed key keeps its place (rowid) in the stored order. */
static void
row_save(const char *account, const char *key, const char *value)
{
	static const char update[] =
	    "UPDATE account_metadata SET value = ? WHERE account = ? AND key = ?";
	static const char insert[] =
	    "INSERT INTO account_metadata (account, key, value) VALUES (?, ?, ?)";
	sqlite3_stmt *st = store_stmt(update);

	if (st == NULL)
		return;
	sqlite3_bind_text(st, 1, value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, key, -1, SQLITE_TRANSIENT);
	step_reset(st);
	if (sqlite3_changes(store_db()) > 0 || (st = store_stmt(insert)) == NULL)
		return;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_TRANSIENT);
	step_reset(st);
}

static void
row_delete(const char *account, const char *key)
{
	static const char sql[] = "DELETE FROM account_metadata WHERE account = ? AND key = ?";
	sqlite3_stmt *st = store_stmt(sql);

	if (st == NULL)
		return;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	step_reset(st);
}

/* Stored keys c does not have yet; told to subscribers once c is a user. */
static void
load(struct client *c, const char *account, metastore_loaded_fn loaded)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(store_db(),
	                       "SELECT key, value FROM account_metadata WHERE account = ?"
	                       " ORDER BY rowid",
	                       -1, &st, NULL) != SQLITE_OK) {
		log_warn("database: metadata: %s", sqlite3_errmsg(store_db()));
		return;
	}
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		const char *value = (const char *)sqlite3_column_text(st, 1);
		if (key == NULL || value == NULL || !metadata_key_valid(key) ||
		    !metadata_value_valid(value) || metadata_get(&c->metadata, key) != NULL)
			continue;
		if (metadata_set(&c->metadata, key, value) != 0)
			break;
		if (loaded != NULL)
			loaded(c, key, value);
	}
	sqlite3_finalize(st);
}

void
metastore_login(struct client *c, metastore_loaded_fn loaded)
{
	char account[ACCOUNT_NAME_MAX + 1];
	struct metadata *md;

	if (c->account == NULL || store_db() == NULL)
		return;
	account_key_of(c, account, sizeof(account));
	load(c, account, loaded);
	sqlite3_exec(store_db(), "BEGIN", NULL, NULL, NULL);
	TAILQ_FOREACH (md, &c->metadata.head, link)
		row_save(account, md->key, md->value);
	sqlite3_exec(store_db(), "COMMIT", NULL, NULL, NULL);
}

void
metastore_set(const struct client *c, const char *key, const char *value)
{
	char account[ACCOUNT_NAME_MAX + 1];

	if (c->account == NULL || store_db() == NULL)
		return;
	account_key_of(c, account, sizeof(account));
	if (value != NULL)
		row_save(account, key, value);
	else
		row_delete(account, key);
}

void
metastore_clear(const struct client *c)
{
	char account[ACCOUNT_NAME_MAX + 1];
	sqlite3_stmt *st = NULL;

	if (c->account == NULL || store_db() == NULL)
		return;
	account_key_of(c, account, sizeof(account));
	if (sqlite3_prepare_v2(store_db(), "DELETE FROM account_metadata WHERE account = ?", -1,
	                       &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		log_warn("database: metadata: %s", sqlite3_errmsg(store_db()));
	sqlite3_finalize(st);
}
