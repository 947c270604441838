/* oper.c - operator status: modes, privileges, snomask, notices. */
#include <stdlib.h>
#include <strings.h>

#include "base/conf.h"
#include "net/conn.h"
#include "proto/numeric.h"
#include "proto/link.h"
#include "proto/oper.h"
#include "proto/parse.h"
#include "proto/send.h"
#include "proto/snomask.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"

void
oper_up(struct client *c, const struct conf_oper *o)
{
	char privs[128];

	client_set_umode(c, UMODE_OPER, 1);
	client_set_umode(c, UMODE_SNOTICE, 1);
	/* Operators are exempt from fake lag and the spam limits. */
	if (c->local != NULL)
		c->local->conn->flags |= CONN_FLOOD_EXEMPT;
	c->privileges = o->privileges;
	free(c->oper_name);
	c->oper_name = xstrdup(o->name);
	snomask_set(c, snomask_parse(o->snomask, 0));
	send_line(c, ":%s!%s@%s MODE %s :+os", c->nick, c->user, c->host, c->nick);
	links_send(NULL, ":%s MODE %s :+o", c->uid, c->uid);
	config_privileges_string(o->privileges, privs, sizeof(privs));
	reply(c, RPL_YOUREOPER, ":You are now an IRC operator (%s)", privs);
	snomask_send(SNO_OPER, "%s (%s@%s) is now an operator (%s)", c->nick, c->user, c->host,
	             o->name);
}

void
oper_down(struct client *c)
{
	client_set_umode(c, UMODE_OPER, 0);
	client_set_umode(c, UMODE_SNOTICE, 0);
	if (c->local != NULL)
		c->local->conn->flags &= ~CONN_FLOOD_EXEMPT;
	c->privileges = 0;
	free(c->oper_name);
	c->oper_name = NULL;
	snomask_set(c, 0);
}

int
oper_require(struct client *c, uint32_t privs)
{
	if ((c->umodes & UMODE_OPER) && (c->privileges & privs) == privs)
		return 1;
	if (!(c->umodes & UMODE_OPER))
		reply(c, ERR_NOPRIVILEGES, ":Permission Denied - You're not an IRC operator");
	else
		reply(c, ERR_NOPRIVILEGES,
		      ":Permission Denied - You lack the needed privilege");
	return 0;
}

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
