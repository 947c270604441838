/* oper.c - operator status: modes, privileges, snomask, notices. */
#include <stdlib.h>

#include "state/client.h"
#include "base/conf.h"
#include "proto/numeric.h"
#include "proto/oper.h"
#include "proto/send.h"
#include "proto/snomask.h"

void
oper_up(struct client *c, const struct conf_oper *o)
{
	char privs[128];

	client_set_umode(c, UMODE_OPER, 1);
	client_set_umode(c, UMODE_SNOTICE, 1);
	c->privileges = o->privileges;
	free(c->oper_name);
	c->oper_name = xstrdup(o->name);
	snomask_set(c, snomask_parse(o->snomask, 0));
	send_line(c, ":%s!%s@%s MODE %s :+os", c->nick, c->user, c->host, c->nick);
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
