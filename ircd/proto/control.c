/* control.c - REHASH, DIE and RESTART reach the daemon through here. */
#include "proto/control.h"

static const struct daemon_control *control;

void
control_install(const struct daemon_control *dc)
{
	control = dc;
}

int
control_rehash(char *err, size_t size)
{
	return control->rehash(err, size);
}

void
control_shutdown_soon(const char *reason, int restart)
{
	control->shutdown_soon(reason, restart);
}
