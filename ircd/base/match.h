/* match.h - IRC glob masks (* and ?), casemapped. */
#ifndef EVIRCD_MATCH_H
#define EVIRCD_MATCH_H

/* 1 when name matches mask under rfc1459 casemapping, else 0. */
int mask_match(const char *mask, const char *name);
/* Fill in a ban-style mask as nick!user@host ("foo" -> "foo!*@*"). */
void mask_normalize(const char *in, char *out, size_t size);

#endif
