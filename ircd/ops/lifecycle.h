/* lifecycle.h - rehash, shutdown and restart, for signals and commands. */
#ifndef EVIRCD_LIFECYCLE_H
#define EVIRCD_LIFECYCLE_H

#include <stddef.h>

/* Reload the config, TLS and MOTD; on failure nothing changes and err says why. */
int ircd_rehash(char *err, size_t size);
/* ERROR to every client, flush, checkpoint the database, leave the loop. */
void ircd_shutdown(const char *reason);
/* As shutdown, then exec the same binary with the same arguments. */
void ircd_restart(const char *reason);
int ircd_restart_requested(void);
/* Shut down (or restart) once the current event is done: safe from handlers. */
void ircd_shutdown_soon(const char *reason, int restart);
/* The answers REHASH, DIE and RESTART get (proto/control.h). */
extern const struct daemon_control lifecycle_control;
/* -d was given: a rehash keeps debug logging. */
extern int debug_logging;

#endif
