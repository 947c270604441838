/* dns.h - reverse lookups with forward confirmation, c-ares on the loop. */
#ifndef EVIRCD_DNS_H
#define EVIRCD_DNS_H

#include <stddef.h>

struct config;

enum dns_result {
	DNS_FOUND,     /* the PTR name resolves back to the address */
	DNS_NOT_FOUND, /* no PTR record, or an unusable name */
	DNS_MISMATCH,  /* the PTR name does not resolve back */
	DNS_TIMEOUT,   /* no answer in time (or the resolver was replaced) */
};

/* host is the confirmed name for DNS_FOUND, else NULL. */
typedef void (*dns_cb)(void *arg, enum dns_result result, const char *host);

struct dns_request;

/* (Re)build the resolver from [dns]; 0 on success. */
int dns_configure(const struct config *c);
int dns_enabled(void);
/*
 * Look up ip.  A cached answer calls cb at once and returns NULL; else the
 * returned request calls cb later unless cancelled first.
 */
struct dns_request *dns_lookup(const char *ip, dns_cb cb, void *arg);
void dns_cancel(struct dns_request *r);
void dns_shutdown(void);
void dns_cache_stats(unsigned long *hits, unsigned long *misses, size_t *entries);

#endif
