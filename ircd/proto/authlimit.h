/*
 * authlimit.h - how often one address may try a password: REGISTER,
 * VERIFY and SASL each cost scrypt time (or guess a code), so each
 * IPv4 address, or IPv6 /64, gets [accounts] auth_rate attempts a minute
 * (a token bucket as deep as the rate).
 */
#ifndef EVIRCD_AUTHLIMIT_H
#define EVIRCD_AUTHLIMIT_H

struct client;

/* 1 when c may make one more attempt now (and it is counted), else 0. */
int authlimit_take(const struct client *c);
/* Forget addresses whose bucket is full again (the minutely sweep). */
void authlimit_sweep(void);
unsigned authlimit_tracked(void);
/* Apply [accounts] crypto_queue to the password lanes (start-up and rehash). */
void authlimit_configure(void);

#endif
