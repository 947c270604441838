/* m_away.c - AWAY: set or clear an away message. */
#include <stdlib.h>

#include "base/conf.h"
#include "modules/modules.h"
#include "proto/cap.h"
#include "proto/link.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"

/* away-notify: channel neighbours with the capability learn of it. */
static void
away_notify(struct client *c)
{
	struct outmsg *om = c->away ? msg_from(c, "AWAY :%s", c->away) : msg_from(c, "AWAY");

	send_common_ext(c, om, 0, CAP_AWAY_NOTIFY);
	msg_release(om);
}

void
away_proceed(struct client *c, const char *text)
{
	int was_away = c->away != NULL;

	free(c->away);
	c->away = text != NULL ? xstrdup(text) : NULL;
	if (text != NULL)
		links_send(link_of_client(c), ":%s AWAY :%s", c->uid, text);
	else
		links_send(link_of_client(c), ":%s AWAY", c->uid);
	/* Coming back when not away is no news. */
	if (text != NULL || was_away)
		away_notify(c);
}

HANDLER(m_away)
{
	char *text = m->argc > 0 && m->argv[0][0] != '\0' ? m->argv[0] : NULL;

	/* Our limit binds our users; a link's AWAY was cut by its own server. */
	if (text != NULL)
		str_truncate_utf8(text, conf->limits.awaylen);
	away_proceed(c, text);
	if (text != NULL)
		reply(c, RPL_NOWAWAY, ":You have been marked as being away");
	else
		reply(c, RPL_UNAWAY, ":You are no longer marked as being away");
	return IRC_OK;
}

/* ":<UID> AWAY [:text]" from a link. */
HANDLER(mr_away)
{
	away_proceed(c, m->argc > 0 && m->argv[0][0] != '\0' ? m->argv[0] : NULL);
	return IRC_OK;
}
