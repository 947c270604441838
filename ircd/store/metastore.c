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

/* An upsert keeps a changed key's place (rowid) in the stored order. */
static void
row_save(const char *account, const char *key, const char *value)
{
	static const char sql[] =
	    "INSERT INTO account_metadata (account, key, value) VALUES (?, ?, ?)"
	    " ON CONFLICT (account, key) DO UPDATE SET value = excluded.value";

	store_queue(sql, "ttt", account, key, value);
}

static void
row_delete(const char *account, const char *key)
{
	static const char sql[] = "DELETE FROM account_metadata WHERE account = ? AND key = ?";

	store_queue(sql, "tt", account, key);
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
	store_queue("BEGIN", "");
	TAILQ_FOREACH (md, &c->metadata.head, link)
		row_save(account, md->key, md->value);
	store_queue("COMMIT", "");
}

int
metastore_set(const struct client *c, const char *key, const char *value)
{
	char account[ACCOUNT_NAME_MAX + 1];

	if (c->account == NULL || store_db() == NULL)
		return 0;
	account_key_of(c, account, sizeof(account));
	if (value != NULL)
		row_save(account, key, value);
	else
		row_delete(account, key);
	return 1;
}

int
metastore_clear(const struct client *c)
{
	char account[ACCOUNT_NAME_MAX + 1];

	if (c->account == NULL || store_db() == NULL)
		return 0;
	account_key_of(c, account, sizeof(account));
	store_queue("DELETE FROM account_metadata WHERE account = ?", "t", account);
	return 1;
}
