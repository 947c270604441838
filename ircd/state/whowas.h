/* whowas.h - bounded history of nicks that left or changed. */
#ifndef EVIRCD_WHOWAS_H
#define EVIRCD_WHOWAS_H

#include <time.h>

#include "base/bounds.h"

struct client;

struct whowas {
	char nick[NICKLEN_MAX + 1];
	char user[USERLEN + 1];
	char host[HOSTLEN + 1];
	char server[SERVLEN + 1];
	char *realname;
	time_t when;
	unsigned hash;
};

void whowas_init(unsigned size);
void whowas_add(const struct client *c);
/*
 * Visit entries for nick, newest first, at most max (0 = all); returns
 * how many were visited.
 */
unsigned whowas_find(const char *nick, unsigned max,
                     void (*visit)(const struct whowas *w, void *arg), void *arg);
unsigned whowas_count(void);

#endif
