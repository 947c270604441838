/* account.h - user accounts in sqlite3: credentials, certificates, login. */
#ifndef EVIRCD_ACCOUNT_H
#define EVIRCD_ACCOUNT_H

#include <stddef.h>

#include "base/bounds.h"

#define ACCOUNT_NAME_MAX NICKLEN_MAX
#define SCRAM_ITERATIONS 4096

struct client;

/* One account row; the password is an scrypt hash, SCRAM keys base64. */
struct account {
	char name[ACCOUNT_NAME_MAX + 1];
	char password[200];
	char scram_salt[64];
	int scram_iter;
	char scram_stored[64];
	char scram_server[64];
	char email[128];
	int verified;
	char verify_code[32];
};

/* Credentials derived from a password: slow, so made on the worker. */
struct credentials {
	char password[200];
	char scram_salt[64];
	char scram_stored[64];
	char scram_server[64];
};
int credentials_make(const char *password, struct credentials *out);

/* 0 when found (name compared with the casemapping). */
int account_find(const char *name, struct account *out);
/*
 * Writes: run them on the store lane (store.h), and confirm to the user
 * in the job's done: an account is never lost once confirmed.
 */
int account_create(const char *name, const char *email, const struct credentials *cr,
                   int verified, const char *verify_code);
int account_set_credentials(const char *name, const struct credentials *cr);
int account_set_verified(const char *name);
int account_drop(const char *name);
int account_cert_add(const char *name, const char *certfp);
int account_cert_del(const char *name, const char *certfp);
/* The account a certificate fingerprint is bound to; 0 when found. */
int account_by_cert(const char *certfp, char *name, size_t size);

/* base64 (RFC 4648) helpers shared with SASL. */
size_t b64_encode(const unsigned char *in, size_t len, char *out, size_t size);
/* Returns the decoded length, or -1 on bad input. */
long b64_decode(const char *in, unsigned char *out, size_t size);

#endif
