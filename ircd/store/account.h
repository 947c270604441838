/* account.h - user accounts in sqlite3: credentials, certificates, login. */
#ifndef EVIRCD_ACCOUNT_H
#define EVIRCD_ACCOUNT_H

#include <stddef.h>
#include <time.h>

#include "base/bounds.h"

#define ACCOUNT_NAME_MAX NICKLEN_MAX
#define SCRAM_ITERATIONS 4096

struct client;

/* A VERIFY code: 128 random bits in hex. */
#define VERIFY_CODE_LEN 32

/*
 * One account row; the password is an scrypt hash, SCRAM keys base64.
 * id is random and never given to another account: a session holds it,
 * so a name dropped and registered again is not the session's account.
 */
struct account {
	long long id;
	char name[ACCOUNT_NAME_MAX + 1];
	char password[200];
	char scram_salt[64];
	int scram_iter;
	char scram_stored[64];
	char scram_server[64];
	char email[128];
	int verified;
	char verify_code[80]; /* SHA-256 of the code, hex; "" when void */
	int verify_attempts;
};

/* Credentials derived from a password: slow, so made on the worker. */
struct credentials {
	char password[200];
	char scram_salt[64];
	char scram_stored[64];
	char scram_server[64];
};
int credentials_make(const char *password, struct credentials *out);

/*
 * 0 when found (name compared with the casemapping).  An account that was
 * never verified within [accounts] verify_expire is not found: it has expired.
 */
int account_find(const char *name, struct account *out);
/* Unverified accounts created before this (now - verify_expire) have expired. */
long long account_verify_cutoff(void);
/* The same by id; 0 when found. */
int account_find_id(long long id, struct account *out);
/* 1 while the account with this id exists (a logged-in session is still valid). */
int account_id_exists(long long id);
/*
 * Writes: run them on the store lane (store.h), and confirm to the user
 * in the job's done: an account is never lost once confirmed.
 * account_create: *id is the new id; account_expire first gives back a name
 * whose registration expired (created before before, never verified).
 */
void account_expire(const char *name, long long before);
/* Once a minute: registrations never verified in time are deleted (queued on the store lane).
 */
void account_purge_expired(void);
int account_create(const char *name, const char *email, const struct credentials *cr,
                   int verified, const char *verify_code, long long *id);
int account_set_credentials(long long id, const struct credentials *cr);
int account_set_verified(long long id);
int account_drop(long long id);
/* 1 when code is a's VERIFY code (compared in constant time). */
int account_verify_code_matches(const struct account *a, const char *code);
/*
 * A wrong code for unverified a: counted; at limit ([accounts]
 * verify_attempts) the registration is deleted (its name is free again).
 * 1 when it was.
 */
int account_verify_failed(const struct account *a, unsigned limit);
int account_cert_add(const char *name, const char *certfp);
int account_cert_del(const char *name, const char *certfp);
/* The account a certificate fingerprint is bound to (name, id); 0 when found. */
int account_by_cert(const char *certfp, char *name, size_t size, long long *id);

/* base64 (RFC 4648) helpers shared with SASL. */
size_t b64_encode(const unsigned char *in, size_t len, char *out, size_t size);
/* Returns the decoded length, or -1 on bad input. */
long b64_decode(const char *in, unsigned char *out, size_t size);

#endif
