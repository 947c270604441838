/* m_restart.c - RESTART: re-exec the server (operator, confirmed). */
#include <stdio.h>

#include "base/conf.h"
#include "modules/modules.h"
#include "proto/control.h"
#include "proto/oper.h"
#include "state/client.h"

HANDLER(m_restart)
{
	char reason[128];

	if (!oper_require(c, PRIV_RESTART) || !confirm_server_name(c, m, "RESTART"))
		return IRC_OK;
	snprintf(reason, sizeof(reason), "Server restarting by %s", c->nick);
	control_shutdown_soon(reason, 1);
	return IRC_OK;
}
