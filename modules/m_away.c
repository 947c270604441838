/* m_away.c - AWAY: set or clear an away message. */
#include <stdlib.h>

#include "client.h"
#include "conf.h"
#include "modules.h"
#include "numeric.h"
#include "send.h"

HANDLER(m_away)
{
	free(c->away);
	c->away = NULL;
	if (m->argc < 1 || m->argv[0][0] == '\0') {
		reply(c, RPL_UNAWAY, ":You are no longer marked as being away");
		return IRC_OK;
	}
	c->away = xstrdup(m->argv[0]);
	str_truncate_utf8(c->away, conf->limits.awaylen);
	reply(c, RPL_NOWAWAY, ":You have been marked as being away");
	return IRC_OK;
}
