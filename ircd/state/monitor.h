/* monitor.h - MONITOR: who is watching which nick, and the notifications. */
#ifndef EVIRCD_MONITOR_H
#define EVIRCD_MONITOR_H

#include <stdint.h>

#define MONITOR_MAX 100 /* nicks per client (ISUPPORT MONITOR) */

struct client;
struct outmsg;

/* Add nick to c's list; 0 on success, -1 when the list is full. */
int monitor_add(struct client *c, const char *nick);
void monitor_del(struct client *c, const char *nick);
void monitor_clear(struct client *c);
unsigned monitor_count(const struct client *c);
/* Visit the nicks c monitors. */
void monitor_list(const struct client *c, void (*visit)(const char *nick, void *arg),
                  void *arg);
/* c is now known by its nick (registration, nick change) / no longer. */
void monitor_signon(struct client *c);
void monitor_signoff(struct client *c, const char *old_nick);
/* Visit every client watching c's nick. */
void monitor_each_watcher(struct client *c, void (*visit)(struct client *watcher, void *arg),
                          void *arg);
/*
 * extended-monitor: queue om to watchers of c having every cap in caps
 * and extended-monitor, skipping those already marked with serial.
 */
void monitor_notify(struct client *c, struct outmsg *om, uint32_t caps, uint32_t serial);

#endif
