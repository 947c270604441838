/* monitor.h - MONITOR: who is watching which nick (proto/watch.c tells them). */
#ifndef EVIRCD_MONITOR_H
#define EVIRCD_MONITOR_H

#include <stdint.h>

#define MONITOR_MAX 100 /* nicks per client (ISUPPORT MONITOR) */

struct client;

/* Add nick to c's list; 0 on success, -1 when the list is full. */
int monitor_add(struct client *c, const char *nick);
void monitor_del(struct client *c, const char *nick);
void monitor_clear(struct client *c);
unsigned monitor_count(const struct client *c);
/* Visit the nicks c monitors. */
void monitor_list(const struct client *c, void (*visit)(const char *nick, void *arg),
                  void *arg);
/* Visit every client watching c's nick / the nick given. */
void monitor_each_watcher(struct client *c, void (*visit)(struct client *watcher, void *arg),
                          void *arg);
void monitor_each_watcher_of(const char *nick,
                             void (*visit)(struct client *watcher, void *arg), void *arg);

#endif
