/* monitor_notify.h - telling MONITOR watchers (state/monitor.h keeps who watches). */
#ifndef EVIRCD_MONITOR_NOTIFY_H
#define EVIRCD_MONITOR_NOTIFY_H

#include <stdint.h>

struct client;
struct outmsg;

/* c is now known by its nick (registration, nick change): 730 to watchers. */
void monitor_signon(struct client *c);
/* c is no longer known as old_nick (quit, nick change): 731. */
void monitor_signoff(struct client *c, const char *old_nick);
/* A registered client changed nick from old: 731 for old, 730 for the new one. */
void monitor_nick_changed(struct client *c, const char *old);
/*
 * extended-monitor: queue om to watchers of c having every cap in caps
 * and extended-monitor, skipping those already marked with serial.
 */
void monitor_notify(struct client *c, struct outmsg *om, uint32_t caps, uint32_t serial);

#endif
