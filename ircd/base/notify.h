/* notify.h - tell a service manager (systemd, Type=notify) how the server is. */
#ifndef EVIRCD_NOTIFY_H
#define EVIRCD_NOTIFY_H

/*
 * Sends STATE ("READY=1", "STOPPING=1") to $NOTIFY_SOCKET, as sd_notify(3)
 * does; without that variable (not started by systemd) it does nothing.
 */
void service_notify(const char *state);

#endif
