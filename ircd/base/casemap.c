/* casemap.c - rfc1459 case mapping. */
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

uint32_t
irc_strhash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= casemap_lower[(unsigned char)*s];
		h *= 16777619u;
	}
	return h;
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
