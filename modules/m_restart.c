/* m_restart.c - RESTART: re-exec the server (operator, confirmed). */
#include <stdio.h>

#include "client.h"
#include "conf.h"
#include "lifecycle.h"
#include "modules.h"
#include "oper.h"

HANDLER(m_restart)
{
	char reason[128];

	if (!oper_require(c, PRIV_RESTART) || !confirm_server_name(c, m, "RESTART"))
		return IRC_OK;
	snprintf(reason, sizeof(reason), "Server restarting by %s", c->nick);
	ircd_shutdown_soon(reason, 1);
	return IRC_OK;
}
