/* exit.h - a user leaving: QUIT to shared channels, history, free. */
#ifndef EVIRCD_EXIT_H
#define EVIRCD_EXIT_H

struct client;

void client_exit(struct client *c, const char *reason);

#endif
