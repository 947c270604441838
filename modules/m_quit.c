/* m_quit.c - QUIT: leave with a reason, shown as "Quit: reason". */
#include <stdio.h>

#include "base/conf.h"
#include "modules/modules.h"
#include "proto/exit.h"
#include "proto/link.h"
#include "state/client.h"

void
quit_proceed(struct client *c, const char *reason)
{
	client_end(c, reason);
}

HANDLER(m_quit)
{
	char reason[300];

	/* A local user's words are marked as theirs; a link's QUIT arrives so already. */
	if (m->argc > 0 && m->argv[0][0] != '\0')
		snprintf(reason, sizeof(reason), "Quit: %.*s", (int)conf->limits.kicklen,
		         m->argv[0]);
	else
		snprintf(reason, sizeof(reason), "Client Quit");
	quit_proceed(c, reason);
	return IRC_CLOSED;
}

/* ":<UID> QUIT :reason" from a link: passed on, then the user is gone here. */
HANDLER(mr_quit)
{
	const char *reason = m->argc > 0 ? m->argv[0] : "";

	links_send(link_of_client(c), ":%s QUIT :%s", c->uid, reason);
	c->killed = 1; /* the links heard it already: no second QUIT from the exit */
	quit_proceed(c, reason);
	return IRC_OK;
}
