/* m_die.c - DIE: stop the server (operator, confirmed by the server name). */
#include <stdio.h>
#include <strings.h>

#include "base/conf.h"
#include "modules/modules.h"
#include "proto/control.h"
#include "proto/oper.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/server.h"

HANDLER(m_die)
{
	char reason[128];

	if (!oper_require(c, PRIV_DIE) || !confirm_server_name(c, m, "DIE"))
		return IRC_OK;
	snprintf(reason, sizeof(reason), "Server terminated by %s", c->nick);
	control_shutdown_soon(reason, 0);
	return IRC_OK;
}
