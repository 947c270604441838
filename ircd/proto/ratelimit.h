/* ratelimit.h - spam limits on local clients (as Solanum has them). */
#ifndef EVIRCD_RATELIMIT_H
#define EVIRCD_RATELIMIT_H

struct client;

/*
 * Predicates, 1 when c may go ahead now.  Operators, classes without fake
 * lag and remote users are never limited here.
 */
/* 0 when c changes message targets too fast (8 in 60 s) to add this one. */
int ratelimit_target(struct client *c, const char *target);
/* 1 when c may change nick now, else 0 and *wait (seconds). */
int ratelimit_nick_change(struct client *c, unsigned *wait);
/* 1 when c may change metadata now (20 changes per 10 s), else 0 and *wait. */
int ratelimit_metadata_change(struct client *c, unsigned *wait);

#endif
