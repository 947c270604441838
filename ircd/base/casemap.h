/* casemap.h - rfc1459 case mapping (ISUPPORT CASEMAPPING=rfc1459). */
#ifndef EVIRCD_CASEMAP_H
#define EVIRCD_CASEMAP_H

#include <stddef.h>
#include <stdint.h>

/* A-Z map to a-z and []\~ to {}|^ : the four pairs RFC 1459 calls equal. */
extern const unsigned char casemap_lower[256];

#define irc_tolower(c) (casemap_lower[(unsigned char)(c)])

int irc_strcmp(const char *a, const char *b);
int irc_strncmp(const char *a, const char *b, size_t n);
/* Copy in, casemapped to lower case, into out (bounded, NUL-terminated). */
void irc_strlower(char *out, size_t size, const char *in);
/*
 * Keyed hash (SipHash-2-4) of the casemapped string: equal names hash
 * equally.  The key is random per start (irc_strhash_seed, before any table
 * is filled); irc_strhash_key sets a given one (tests).
 */
uint32_t irc_strhash(const char *s);
int irc_strhash_seed(void);
void irc_strhash_key(const unsigned char key[16]);

#endif
