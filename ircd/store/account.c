/* account.c - the accounts table and what logging in changes. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/casemap.h"
#include "base/conf.h"
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

/* A VERIFY code is kept as its SHA-256 (hex): the database never holds it. */
static void
code_digest(const char *code, char out[SHA256_DIGEST_LENGTH * 2 + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)code, strlen(code), md);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(out + i * 2, 3, "%02x", md[i]);
}

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

long long
account_verify_cutoff(void)
{
	return (long long)now - (conf != NULL ? conf->accounts.verify_expire : 86400);
}

#define ACCOUNT_COLUMNS                                                                        \
	"SELECT id, name, password, scram_salt, scram_iter, scram_stored, scram_server,"       \
	" email, verified, verify_code, verify_attempts FROM accounts"

static void
row_read(sqlite3_stmt *st, struct account *a)
{
	a->id = sqlite3_column_int64(st, 0);
	column_copy(st, 1, a->name, sizeof(a->name));
	column_copy(st, 2, a->password, sizeof(a->password));
	column_copy(st, 3, a->scram_salt, sizeof(a->scram_salt));
	a->scram_iter = sqlite3_column_int(st, 4);
	column_copy(st, 5, a->scram_stored, sizeof(a->scram_stored));
	column_copy(st, 6, a->scram_server, sizeof(a->scram_server));
	column_copy(st, 7, a->email, sizeof(a->email));
	a->verified = sqlite3_column_int(st, 8);
	column_copy(st, 9, a->verify_code, sizeof(a->verify_code));
	a->verify_attempts = sqlite3_column_int(st, 10);
}

int
account_find(const char *name, struct account *a)
{
	static const char sql[] = ACCOUNT_COLUMNS " WHERE key = ?"
	                                          " AND (verified = 1 OR created >= ?)";
	char key[ACCOUNT_NAME_MAX + 1];
	sqlite3_stmt *st = store_stmt(sql);
	int found;

	if (st == NULL)
		return -1;
	account_key(name, key, sizeof(key));
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, account_verify_cutoff());
	found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		row_read(st, a);
	sqlite3_reset(st);
	return found ? 0 : -1;
}

int
account_find_id(long long id, struct account *a)
{
	static const char sql[] = ACCOUNT_COLUMNS " WHERE id = ?";
	sqlite3_stmt *st = store_stmt(sql);
	int found;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		row_read(st, a);
	sqlite3_reset(st);
	return found ? 0 : -1;
}

int
account_id_exists(long long id)
{
	struct account a;

	return id != 0 && account_find_id(id, &a) == 0;
}

/* A fresh id: random, 62 bits, never 0; the unique index refuses a repeat. */
static long long
id_make(void)
{
	unsigned char raw[8];
	unsigned long long v = 0;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | raw[i];
	return (long long)(v & 0x3fffffffffffffffULL) + 1;
}

void
account_purge_expired(void)
{
	store_queue("DELETE FROM accounts WHERE verified = 0 AND created < ?", "i",
	            account_verify_cutoff());
}

void
account_expire(const char *name, long long before)
{
	char key[ACCOUNT_NAME_MAX + 1];
	sqlite3_stmt *st =
	    prepare("DELETE FROM accounts WHERE key = ? AND verified = 0 AND created < ?");

	if (st == NULL)
		return;
	account_key(name, key, sizeof(key));
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, before);
	step_done(st);
}

int
account_create(const char *name, const char *email, const struct credentials *cr, int verified,
               const char *verify_code, long long *id)
{
	char key[ACCOUNT_NAME_MAX + 1], code_hash[SHA256_DIGEST_LENGTH * 2 + 1];
	sqlite3_stmt *st;

	account_key(name, key, sizeof(key));
	st = prepare("INSERT INTO accounts (key, name, password, scram_salt,"
	             " scram_iter, scram_stored, scram_server, email, created,"
	             " verified, verify_code, id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
	if (st == NULL || (*id = id_make()) == 0) {
		sqlite3_finalize(st);
		return -1;
	}
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
	if (verify_code != NULL) {
		code_digest(verify_code, code_hash);
		sqlite3_bind_text(st, 11, code_hash, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_int64(st, 12, *id);
	return step_done(st);
}

int
account_set_credentials(long long id, const struct credentials *cr)
{
	sqlite3_stmt *st = prepare("UPDATE accounts SET password = ?, scram_salt = ?,"
	                           " scram_iter = ?, scram_stored = ?, scram_server = ?"
	                           " WHERE id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, cr->password, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, cr->scram_salt, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, SCRAM_ITERATIONS);
	sqlite3_bind_text(st, 4, cr->scram_stored, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, cr->scram_server, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, id);
	return step_done(st);
}

static int
update_by_id(const char *sql, long long id)
{
	sqlite3_stmt *st = prepare(sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return step_done(st);
}

int
account_set_verified(long long id)
{
	return update_by_id("UPDATE accounts SET verified = 1, verify_code = NULL,"
	                    " verify_attempts = 0 WHERE id = ?",
	                    id);
}

int
account_drop(long long id)
{
	return update_by_id("DELETE FROM accounts WHERE id = ?", id);
}

int
account_verify_code_matches(const struct account *a, const char *code)
{
	char digest[SHA256_DIGEST_LENGTH * 2 + 1];

	if (strlen(a->verify_code) != SHA256_DIGEST_LENGTH * 2)
		return 0; /* void: too many attempts, or made before codes were hashed */
	code_digest(code, digest);
	return CRYPTO_memcmp(digest, a->verify_code, sizeof(digest) - 1) == 0;
}

int
account_verify_failed(const struct account *a, unsigned limit)
{
	if ((unsigned)a->verify_attempts + 1 >= limit) {
		update_by_id("DELETE FROM accounts WHERE id = ? AND verified = 0", a->id);
		return 1;
	}
	update_by_id("UPDATE accounts SET verify_attempts = verify_attempts + 1 WHERE id = ?",
	             a->id);
	return 0;
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
account_by_cert(const char *certfp, char *name, size_t size, long long *id)
{
	sqlite3_stmt *st =
	    prepare_on(store_db(), "SELECT a.name, a.id FROM account_certs c JOIN accounts a"
	                           " ON a.key = c.key WHERE c.fp = ? AND a.verified = 1");
	int found;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, certfp, -1, SQLITE_TRANSIENT);
	found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		column_copy(st, 0, name, size);
		*id = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return found ? 0 : -1;
}
