/* account.c - the accounts table and what logging in changes. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/casemap.h"
#include "base/log.h"
#include "base/passwd.h"
#include "base/util.h"
#include "state/client.h"
#include "store/account.h"
#include "store/store.h"

size_t
b64_encode(const unsigned char *in, size_t len, char *out, size_t size)
{
	if (size < 4 * ((len + 2) / 3) + 1)
		return 0;
	return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

long
b64_decode(const char *in, unsigned char *out, size_t size)
{
	size_t len = strlen(in);
	int n, pad = 0;

	if (len % 4 != 0 || size < len / 4 * 3 + 1)
		return -1;
	if (len == 0)
		return 0;
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	if (n < 0)
		return -1;
	if (in[len - 1] == '=')
		pad++;
	if (in[len - 2] == '=')
		pad++;
	return n - pad;
}

/* The key: the casemapped name, so "Alice" and "alice" are one account. */
#define account_key(name, key, size) irc_strlower((key), (size), (name))

int
credentials_make(const char *password, struct credentials *cr)
{
	unsigned char salt[16], salted[32], client_key[32], stored[32], server[32];
	unsigned int len = 0;

	if (passwd_hash(password, cr->password, sizeof(cr->password)) != 0 ||
	    RAND_bytes(salt, sizeof(salt)) != 1 ||
	    PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sizeof(salt),
	                      SCRAM_ITERATIONS, EVP_sha256(), sizeof(salted), salted) != 1)
		return -1;
	HMAC(EVP_sha256(), salted, sizeof(salted), (const unsigned char *)"Client Key", 10,
	     client_key, &len);
	SHA256(client_key, sizeof(client_key), stored);
	HMAC(EVP_sha256(), salted, sizeof(salted), (const unsigned char *)"Server Key", 10,
	     server, &len);
	b64_encode(salt, sizeof(salt), cr->scram_salt, sizeof(cr->scram_salt));
	b64_encode(stored, sizeof(stored), cr->scram_stored, sizeof(cr->scram_stored));
	b64_encode(server, sizeof(server), cr->scram_server, sizeof(cr->scram_server));
	OPENSSL_cleanse(salted, sizeof(salted));
	return 0;
}

/* Writes use the store lane's connection (they run on that lane), reads the loop's. */
static sqlite3_stmt *
prepare_on(sqlite3 *conn, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (conn == NULL || sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK) {
		log_error("database: %s: %s", sql, conn ? sqlite3_errmsg(conn) : "closed");
		return NULL;
	}
	return st;
}

#define prepare(sql) prepare_on(store_wdb(), (sql))

static int
step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_error("database: write failed: %s", sqlite3_errmsg(store_wdb()));
		return -1;
	}
	return sqlite3_changes(store_wdb()) > 0 ? 0 : -1;
}

static void
column_copy(sqlite3_stmt *st, int col, char *out, size_t size)
{
	const unsigned char *v = sqlite3_column_text(st, col);
	str_copy(out, v ? (const char *)v : "", size);
}

int
account_find(const char *name, struct account *a)
{
	static const char sql[] = "SELECT name, password, scram_salt, scram_iter, scram_stored,"
	                          " scram_server, email, verified, verify_code"
	                          " FROM accounts WHERE key = ?";
	char key[ACCOUNT_NAME_MAX + 1];
	sqlite3_stmt *st = store_stmt(sql);
	int found;

	if (st == NULL)
		return -1;
	account_key(name, key, sizeof(key));
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		column_copy(st, 0, a->name, sizeof(a->name));
		column_copy(st, 1, a->password, sizeof(a->password));
		column_copy(st, 2, a->scram_salt, sizeof(a->scram_salt));
		a->scram_iter = sqlite3_column_int(st, 3);
		column_copy(st, 4, a->scram_stored, sizeof(a->scram_stored));
		column_copy(st, 5, a->scram_server, sizeof(a->scram_server));
		column_copy(st, 6, a->email, sizeof(a->email));
		a->verified = sqlite3_column_int(st, 7);
		column_copy(st, 8, a->verify_code, sizeof(a->verify_code));
	}
	sqlite3_reset(st);
	return found ? 0 : -1;
}

int
account_create(const char *name, const char *email, const struct credentials *cr, int verified,
               const char *verify_code)
{
	char key[ACCOUNT_NAME_MAX + 1];
	sqlite3_stmt *st = prepare("INSERT INTO accounts (key, name, password, scram_salt,"
	                           " scram_iter, scram_stored, scram_server, email, created,"
	                           " verified, verify_code) VALUES (?,?,?,?,?,?,?,?,?,?,?)");

	if (st == NULL)
		return -1;
	account_key(name, key, sizeof(key));
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, cr->password, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, cr->scram_salt, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 5, SCRAM_ITERATIONS);
	sqlite3_bind_text(st, 6, cr->scram_stored, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, cr->scram_server, -1, SQLITE_TRANSIENT);
	if (email != NULL)
		sqlite3_bind_text(st, 8, email, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 9, now);
	sqlite3_bind_int(st, 10, verified);
	if (verify_code != NULL)
		sqlite3_bind_text(st, 11, verify_code, -1, SQLITE_TRANSIENT);
	return step_done(st);
}

int
account_set_credentials(const char *name, const struct credentials *cr)
{
	char key[ACCOUNT_NAME_MAX + 1];
	sqlite3_stmt *st = prepare("UPDATE accounts SET password = ?, scram_salt = ?,"
	                           " scram_iter = ?, scram_stored = ?, scram_server = ?"
	                           " WHERE key = ?");

	if (st == NULL)
		return -1;
	account_key(name, key, sizeof(key));
	sqlite3_bind_text(st, 1, cr->password, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, cr->scram_salt, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, SCRAM_ITERATIONS);
	sqlite3_bind_text(st, 4, cr->scram_stored, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, cr->scram_server, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, key, -1, SQLITE_TRANSIENT);
	return step_done(st);
}

static int
update_by_key(const char *sql, const char *name)
{
	char key[ACCOUNT_NAME_MAX + 1];
	sqlite3_stmt *st = prepare(sql);

	if (st == NULL)
		return -1;
	account_key(name, key, sizeof(key));
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	return step_done(st);
}

int
account_set_verified(const char *name)
{
	return update_by_key(
	    "UPDATE accounts SET verified = 1, verify_code = NULL WHERE key = ?", name);
}

int
account_drop(const char *name)
{
	return update_by_key("DELETE FROM accounts WHERE key = ?", name);
}

int
account_cert_add(const char *name, const char *certfp)
{
	char key[ACCOUNT_NAME_MAX + 1];
	sqlite3_stmt *st =
	    prepare("INSERT OR REPLACE INTO account_certs (fp, key) VALUES (?, ?)");

	if (st == NULL)
		return -1;
	account_key(name, key, sizeof(key));
	sqlite3_bind_text(st, 1, certfp, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	return step_done(st);
}

int
account_cert_del(const char *name, const char *certfp)
{
	char key[ACCOUNT_NAME_MAX + 1];
	sqlite3_stmt *st = prepare("DELETE FROM account_certs WHERE fp = ? AND key = ?");

	if (st == NULL)
		return -1;
	account_key(name, key, sizeof(key));
	sqlite3_bind_text(st, 1, certfp, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	return step_done(st);
}

int
account_by_cert(const char *certfp, char *name, size_t size)
{
	sqlite3_stmt *st =
	    prepare_on(store_db(), "SELECT a.name FROM account_certs c JOIN accounts a"
	                           " ON a.key = c.key WHERE c.fp = ?");
	int found;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, certfp, -1, SQLITE_TRANSIENT);
	found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		column_copy(st, 0, name, size);
	sqlite3_finalize(st);
	return found ? 0 : -1;
}
