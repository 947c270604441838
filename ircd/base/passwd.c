/* passwd.c - scrypt (RFC 7914) through OpenSSL; slow on purpose. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "base/passwd.h"

#define SALT_LEN 16
#define KEY_LEN 32
#define DEFAULT_LOG_N 14 /* N = 16384: ~50 ms here, 16 MiB of memory */
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

static void
to_hex(const unsigned char *in, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		sprintf(out + i * 2, "%02x", in[i]);
}

static int
from_hex(const char *in, unsigned char *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned v;
		if (sscanf(in + i * 2, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return in[len * 2] == '\0' || in[len * 2] == '$' ? 0 : -1;
}

static int
derive(const char *password, const unsigned char *salt, unsigned log_n, unsigned r, unsigned p,
       unsigned char *key)
{
	uint64_t n = 1ULL << log_n;

	return EVP_PBE_scrypt(password, strlen(password), salt, SALT_LEN, n, r, p, 64ULL << 20,
	                      key, KEY_LEN) == 1
	           ? 0
	           : -1;
}

int
passwd_hash(const char *password, char *out, size_t size)
{
	unsigned char salt[SALT_LEN], key[KEY_LEN];
	char salt_hex[SALT_LEN * 2 + 1], key_hex[KEY_LEN * 2 + 1];

	if (RAND_bytes(salt, sizeof(salt)) != 1 ||
	    derive(password, salt, DEFAULT_LOG_N, 8, 1, key) != 0)
		return -1;
	to_hex(salt, SALT_LEN, salt_hex);
	to_hex(key, KEY_LEN, key_hex);
	return snprintf(out, size, "$scrypt$ln=%d,r=8,p=1$%s$%s", DEFAULT_LOG_N, salt_hex,
	                key_hex) < (int)size
	           ? 0
	           : -1;
}

static int
parse(const char *stored, unsigned *log_n, unsigned *r, unsigned *p, unsigned char *salt,
      unsigned char *key)
{
	const char *s;

	if (sscanf(stored, "$scrypt$ln=%u,r=%u,p=%u$", log_n, r, p) != 3)
		return -1;
	if (*log_n < 1 || *log_n > 20 || *r < 1 || *r > 32 || *p < 1 || *p > 16)
		return -1;
	s = strchr(stored + 8, '$');
	if (s == NULL || from_hex(s + 1, salt, SALT_LEN) != 0)
		return -1;
	s = strchr(s + 1, '$');
	if (s == NULL || from_hex(s + 1, key, KEY_LEN) != 0)
		return -1;
	return 0;
}

const char *
passwd_dummy_hash(void)
{
	/* Random salt and key, fixed: no preimage of the key is known. */
	return "$scrypt$ln=" STRINGIFY(
	    DEFAULT_LOG_N) ",r=8,p=1$9c1e53a0d47b2f86e0c4a9715b3d28f6"
	                   "$4f0b9d6e27c8a1532e7f90bd46a8c3f1d25e08b7a94c61f3e5d2b07a8c194e6d";
}

int
passwd_is_hash(const char *s)
{
	unsigned log_n, r, p;
	unsigned char salt[SALT_LEN], key[KEY_LEN];

	return parse(s, &log_n, &r, &p, salt, key) == 0;
}

int
passwd_verify(const char *password, const char *stored)
{
	unsigned log_n, r, p;
	unsigned char salt[SALT_LEN], want[KEY_LEN], got[KEY_LEN];

	if (parse(stored, &log_n, &r, &p, salt, want) != 0)
		return 0;
	if (derive(password, salt, log_n, r, p, got) != 0)
		return 0;
	return CRYPTO_memcmp(want, got, KEY_LEN) == 0;
}
