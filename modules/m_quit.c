/* m_quit.c - QUIT: leave with a reason, shown as "Quit: reason". */
#include <stdio.h>

#include "state/client.h"
#include "state/local.h"
#include "base/conf.h"
#include "net/conn.h"
#include "modules/modules.h"

HANDLER(m_quit)
{
	char reason[300];

	if (m->argc > 0 && m->argv[0][0] != '\0')
		snprintf(reason, sizeof(reason), "Quit: %.*s", (int)conf->limits.kicklen,
		         m->argv[0]);
	else
		snprintf(reason, sizeof(reason), "Client Quit");
	conn_close(c->local->conn, reason);
	return IRC_CLOSED;
}
