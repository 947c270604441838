/*
 * authlimit.h - how often one address may try a password: REGISTER,
 * VERIFY and SASL each cost scrypt time (or guess a code), so each
 * IPv4 address, or IPv6 /64, gets [accounts] auth_rate attempts a minute
 * (a token bucket as deep as the rate).
 */
#ifndef EVIRCD_AUTHLIMIT_H
#define EVIRCD_AUTHLIMIT_H

#include <stddef.h>

struct client;

/* 1 when c may make one more attempt now (and it is counted), else 0. */
int authlimit_take(const struct client *c);
/* Forget addresses whose bucket is full again (the minutely sweep). */
void authlimit_sweep(void);
unsigned authlimit_tracked(void);
/*
 * Places one address may hold at once in a password lane's queue: a flood
 * from one address (or /64) cannot fill a lane that others wait on.
 */
#define AUTHLIMIT_PLACES 4
#define AUTHLIMIT_KEY_MAX 48
/* The key c's attempts count under: its IPv4 address, or its IPv6 /64. */
void authlimit_key(const struct client *c, char *key, size_t size);
/* Take one of key's places (1), or 0 when it holds them all; give it back after. */
int authlimit_place_take(const char *key);
void authlimit_place_give(const char *key);
/* Apply [accounts] crypto_queue to the password lanes (start-up and rehash). */
void authlimit_configure(void);

#endif
