/* iplimit.h - per-address connection limits and a reconnect throttle. */
#ifndef EVIRCD_IPLIMIT_H
#define EVIRCD_IPLIMIT_H

#include <stddef.h>

struct conf_class;

/* "ADDRESS/BITS" of the widest group, and its NUL. */
#define IPGROUP_MAX 50

/*
 * The group ip counts in: its network of the class's ipv4_prefix or
 * ipv6_prefix bits ("192.0.2.0/24", "2001:db8:1:2::/64"), so that one
 * host with a whole IPv6 /64 is still one host.  An address that does not
 * parse is its own group.
 */
void iplimit_group(const char *ip, const struct conf_class *cl, char *out, size_t size);
/*
 * Count a new connection from ip against its class; NULL when allowed
 * (group, IPGROUP_MAX bytes, then names what iplimit_release must be
 * given), else the refusal reason (the caller sends it as ERROR and closes).
 */
const char *iplimit_admit(const char *ip, const struct conf_class *cl, char *group);
/* A connection counted in group has closed ("" : it was never counted). */
void iplimit_release(const char *group);
/* Forget idle entries whose throttle window has passed. */
void iplimit_sweep(void);
unsigned iplimit_tracked(void);

#endif
