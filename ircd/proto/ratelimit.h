/* ratelimit.h - spam limits on local clients (as Solanum has them). */
#ifndef EVIRCD_RATELIMIT_H
#define EVIRCD_RATELIMIT_H

struct client;

/*
 * Predicates, 1 when c may go ahead now.  Operators, classes without fake
 * lag and remote users are never limited here.
 */
/*
 * 0 when c changes message targets too fast to add this one: 8 new targets
 * at once, then one more every 10 s.  Channels c is on, targets among its
 * last 8, and people who messaged c lately cost nothing.
 */
int ratelimit_target(struct client *c, const char *target);
/* from messaged the local user to: to may answer from without a new target. */
void ratelimit_note_sender(struct client *to, const struct client *from);
/* 1 when c may toggle +x now (2 changes per 30 s), else 0 and *wait. */
int ratelimit_cloak_change(struct client *c, unsigned *wait);
/* 1 when c may change nick now, else 0 and *wait (seconds). */
int ratelimit_nick_change(struct client *c, unsigned *wait);
/* 1 when c may change metadata now (20 changes per 10 s), else 0 and *wait. */
int ratelimit_metadata_change(struct client *c, unsigned *wait);

#endif
