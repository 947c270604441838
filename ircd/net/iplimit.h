/* iplimit.h - per-IP connection limits and a reconnect throttle. */
#ifndef EVIRCD_IPLIMIT_H
#define EVIRCD_IPLIMIT_H

struct conf_class;

/*
 * Count a new connection from ip against its class; NULL when allowed,
 * else the refusal reason (the caller sends it as ERROR and closes).
 */
const char *iplimit_admit(const char *ip, const struct conf_class *cl);
/* A connection from ip has closed. */
void iplimit_release(const char *ip);
/* Forget idle entries whose throttle window has passed. */
void iplimit_sweep(void);
unsigned iplimit_tracked(void);

#endif
