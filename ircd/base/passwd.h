/* passwd.h - salted, deliberately slow password hashes (scrypt). */
#ifndef EVIRCD_PASSWD_H
#define EVIRCD_PASSWD_H

#include <stddef.h>

#define PASSWD_HASH_MAX 200

/* "$scrypt$ln=14,r=8,p=1$<salt hex>$<key hex>" into out; 0 on success. */
int passwd_hash(const char *password, char *out, size_t size);
/* 1 when password matches the stored hash (constant-time compare). */
int passwd_verify(const char *password, const char *stored);
/*
 * A hash no password is known to match, made like passwd_hash's: checking
 * a password against it costs what checking a real one does (so a login
 * to an unknown account takes as long as a wrong password).
 */
const char *passwd_dummy_hash(void);
/* 1 when s looks like a hash this build can verify. */
int passwd_is_hash(const char *s);

#endif
