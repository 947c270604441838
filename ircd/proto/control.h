/* control.h - what operators' commands ask of the daemon (ops/lifecycle.c answers). */
#ifndef EVIRCD_CONTROL_H
#define EVIRCD_CONTROL_H

#include <stddef.h>

struct daemon_control {
	/* Reload the config, TLS and MOTD; on failure nothing changes and err says why. */
	int (*rehash)(char *err, size_t size);
	/* Shut down (or restart) once the current event is done. */
	void (*shutdown_soon)(const char *reason, int restart);
};

/* The daemon installs its answers at start-up. */
void control_install(const struct daemon_control *dc);
int control_rehash(char *err, size_t size);
void control_shutdown_soon(const char *reason, int restart);

#endif
