/* exit.h - a user leaving: QUIT to shared channels, history, free. */
#ifndef EVIRCD_EXIT_H
#define EVIRCD_EXIT_H

struct client;
struct outmsg;

/* The end of a record: QUIT to those sharing a channel, whowas, history; c is freed. */
void client_exit(struct client *c, const char *reason);
/*
 * The same when the QUIT (quit, its message) was already sent to those
 * sharing a channel, as a netsplit sends it: the rest of client_exit.
 */
void client_exit_sent(struct client *c, const char *reason, struct outmsg *quit);
/*
 * c is to go (QUIT, KILL, a link's word): a local client's connection
 * closes, and its session calls client_exit at the end of the tick; a
 * client behind a link exits now, so c may be freed on return.
 */
void client_end(struct client *c, const char *reason);

#endif
