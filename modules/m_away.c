/* m_away.c - AWAY: set or clear an away message. */
#include <stdlib.h>

#include "proto/cap.h"
#include "state/client.h"
#include "base/conf.h"
#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/send.h"

/* away-notify: channel neighbours with the capability learn of it. */
static void
away_notify(struct client *c)
{
	struct outmsg *om = c->away ? msg_from(c, "AWAY :%s", c->away) : msg_from(c, "AWAY");

	send_common_ext(c, om, 0, CAP_AWAY_NOTIFY);
	msg_release(om);
}

HANDLER(m_away)
{
	int was_away = c->away != NULL;

	free(c->away);
	c->away = NULL;
	if (m->argc < 1 || m->argv[0][0] == '\0') {
		reply(c, RPL_UNAWAY, ":You are no longer marked as being away");
		if (was_away)
			away_notify(c);
		return IRC_OK;
	}
	c->away = xstrdup(m->argv[0]);
	str_truncate_utf8(c->away, conf->limits.awaylen);
	reply(c, RPL_NOWAWAY, ":You have been marked as being away");
	away_notify(c);
	return IRC_OK;
}
