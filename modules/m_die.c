/* m_die.c - DIE: stop the server (operator, confirmed by the server name). */
#include <stdio.h>
#include <strings.h>

#include "state/client.h"
#include "base/conf.h"
#include "ops/lifecycle.h"
#include "modules/modules.h"
#include "proto/oper.h"
#include "proto/send.h"
#include "state/server.h"

/* Both DIE and RESTART want the server's name, so a typo stops nothing. */
int
confirm_server_name(struct client *c, struct irc_msg *m, const char *cmd)
{
	if (m->argc < 1 || strcasecmp(m->argv[0], me.name) != 0) {
		send_notice(c, "*** %s needs the server name to confirm: %s %s", cmd, cmd,
		            me.name);
		return 0;
	}
	return 1;
}

HANDLER(m_die)
{
	char reason[128];

	if (!oper_require(c, PRIV_DIE) || !confirm_server_name(c, m, "DIE"))
		return IRC_OK;
	snprintf(reason, sizeof(reason), "Server terminated by %s", c->nick);
	ircd_shutdown_soon(reason, 0);
	return IRC_OK;
}
