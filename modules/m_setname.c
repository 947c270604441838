/* m_setname.c - SETNAME: change the realname (IRCv3 setname). */
#include <stdlib.h>
#include <string.h>

#include "modules/modules.h"
#include "proto/cap.h"
#include "proto/link.h"
#include "proto/send.h"
#include "state/client.h"

/* check: a realname local c may take; FAIL and 0 when not. */
static int
setname_check(struct client *c, const char *name)
{
	if (*name == '\0' || strlen(name) > REALLEN) {
		send_fail(c, "SETNAME", "INVALID_REALNAME", NULL, "Realname is not valid");
		return 0;
	}
	return 1;
}

void
setname_proceed(struct client *c, const char *name)
{
	struct outmsg *om;

	free(c->realname);
	c->realname = xstrdup(name);
	/* The user's own copy too: only a local user gets it, others' servers echo theirs. */
	om = msg_from(c, "SETNAME :%s", name);
	send_common_ext(c, om, 1, CAP_SETNAME);
	msg_release(om);
}

HANDLER(m_setname)
{
	if (!setname_check(c, m->argv[0]))
		return IRC_OK;
	setname_proceed(c, m->argv[0]);
	/* As charybdis-family servers carry it (hybrid passes it on unread). */
	links_send(NULL, ":%s ENCAP * SETNAME :%s", c->uid, m->argv[0]);
	return IRC_OK;
}
