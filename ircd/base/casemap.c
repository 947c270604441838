/* casemap.c - rfc1459 case mapping. */
#include <endian.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

#include "base/casemap.h"

#define ROW(b)                                                                                 \
	(b) + 0, (b) + 1, (b) + 2, (b) + 3, (b) + 4, (b) + 5, (b) + 6, (b) + 7, (b) + 8,       \
	    (b) + 9, (b) + 10, (b) + 11, (b) + 12, (b) + 13, (b) + 14, (b) + 15

/* Identity except A-Z [ \ ] (0x41..0x5D) which map 0x20 higher, and ~ to ^. */
const unsigned char casemap_lower[256] = {
    ROW(0x00), ROW(0x10), ROW(0x20), ROW(0x30), 0x40,      0x61,      0x62,      0x63,
    0x64,      0x65,      0x66,      0x67,      0x68,      0x69,      0x6a,      0x6b,
    0x6c,      0x6d,      0x6e,      0x6f,      0x70,      0x71,      0x72,      0x73,
    0x74,      0x75,      0x76,      0x77,      0x78,      0x79,      0x7a,      0x7b,
    0x7c,      0x7d,      0x5e,      0x5f,      ROW(0x60), 0x70,      0x71,      0x72,
    0x73,      0x74,      0x75,      0x76,      0x77,      0x78,      0x79,      0x7a,
    0x7b,      0x7c,      0x7d,      0x5e,      0x7f,      ROW(0x80), ROW(0x90), ROW(0xa0),
    ROW(0xb0), ROW(0xc0), ROW(0xd0), ROW(0xe0), ROW(0xf0),
};

int
irc_strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (casemap_lower[*x] == casemap_lower[*y]) {
		if (*x == '\0')
			return 0;
		x++;
		y++;
	}
	return casemap_lower[*x] - casemap_lower[*y];
}

int
irc_strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n > 0; n--, x++, y++) {
		if (casemap_lower[*x] != casemap_lower[*y])
			return casemap_lower[*x] - casemap_lower[*y];
		if (*x == '\0')
			return 0;
	}
	return 0;
}

/*
 * SipHash-1-3 (Aumasson and Bernstein; the variant Python and Rust hash
 * their tables with) over the casemapped bytes, keyed per start: names
 * that collide cannot be computed offline, so nobody can line up nicks or
 * channels in one probe sequence of a table. Names are short, so the
 * fixed rounds are most of the cost: 1-3 does five for a 10-byte name
 * where 2-4 did eight.
 */
static uint64_t sip_k0, sip_k1;

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                               \
	do {                                                                                   \
		v0 += v1;                                                                      \
		v1 = ROTL(v1, 13);                                                             \
		v1 ^= v0;                                                                      \
		v0 = ROTL(v0, 32);                                                             \
		v2 += v3;                                                                      \
		v3 = ROTL(v3, 16);                                                             \
		v3 ^= v2;                                                                      \
		v0 += v3;                                                                      \
		v3 = ROTL(v3, 21);                                                             \
		v3 ^= v0;                                                                      \
		v2 += v1;                                                                      \
		v1 = ROTL(v1, 17);                                                             \
		v1 ^= v2;                                                                      \
		v2 = ROTL(v2, 32);                                                             \
	} while (0)

void
irc_strhash_key(const unsigned char key[16])
{
	sip_k0 = sip_k1 = 0;
	for (int i = 0; i < 8; i++) {
		sip_k0 |= (uint64_t)key[i] << (8 * i);
		sip_k1 |= (uint64_t)key[8 + i] << (8 * i);
	}
}

int
irc_strhash_seed(void)
{
	unsigned char key[16];

	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
		return -1;
	irc_strhash_key(key);
	return 0;
}

#define BYTES(b) (0x0101010101010101ULL * (b))

/*
 * casemap_lower on eight bytes at once: 0x41..0x5D gain 0x20, 0x7E loses
 * it, everything else (0x80 and up included) stays. No byte carries into
 * the next: each sum stays below 0x100.
 */
static uint64_t
fold8(uint64_t w)
{
	uint64_t high = w & BYTES(0x80), low = w & BYTES(0x7f);
	uint64_t upper = (low + BYTES(0x3f)) & ~(low + BYTES(0x22)) & BYTES(0x80);
	uint64_t t = low ^ BYTES(0x7e); /* a zero byte where it was '~' */
	uint64_t tilde = ~((t + BYTES(0x7f)) | t) & BYTES(0x80);

	upper &= ~high;
	tilde &= ~high;
	return w + (upper >> 2) - (tilde >> 2);
}

/* Bytes in the order SipHash reads them, whatever the machine's order. */
static uint64_t
load_le(const unsigned char *p, size_t n)
{
	uint64_t w = 0;

	for (size_t i = 0; i < n; i++)
		w |= (uint64_t)p[i] << (8 * i);
	return w;
}

uint32_t
irc_strhash(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	uint64_t v0 = sip_k0 ^ 0x736f6d6570736575ULL, v1 = sip_k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = sip_k0 ^ 0x6c7967656e657261ULL, v3 = sip_k1 ^ 0x7465646279746573ULL;
	size_t len = strlen(str), i;
	uint64_t m;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, s + i, 8);
		m = fold8(le64toh(m));
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	m = fold8(load_le(s + i, len - i)) | (uint64_t)len << 56;
	v3 ^= m;
	SIPROUND;
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return (uint32_t)(v0 ^ v1 ^ v2 ^ v3);
}

void
irc_strlower(char *out, size_t size, const char *in)
{
	size_t i;

	if (size == 0)
		return;
	for (i = 0; in[i] != '\0' && i + 1 < size; i++)
		out[i] = (char)casemap_lower[(unsigned char)in[i]];
	out[i] = '\0';
}
