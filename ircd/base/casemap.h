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
/* Hash of the casemapped string (FNV-1a): equal names hash equally. */
uint32_t irc_strhash(const char *s);

#endif
