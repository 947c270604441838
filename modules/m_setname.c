/* m_setname.c - SETNAME: change the realname (IRCv3 setname). */
#include <stdlib.h>
#include <string.h>

#include "proto/cap.h"
#include "state/client.h"
#include "net/conn.h"
#include "modules/modules.h"
#include "proto/send.h"

HANDLER(m_setname)
{
	const char *name = m->argv[0];
	struct outmsg *om;

	if (*name == '\0' || strlen(name) > REALLEN) {
		send_fail(c, "SETNAME", "INVALID_REALNAME", NULL, "Realname is not valid");
		return IRC_OK;
	}
	free(c->realname);
	c->realname = xstrdup(name);
	om = msg_from(c, "SETNAME :%s", name);
	send_common_ext(c, om, 1, CAP_SETNAME);
	msg_release(om);
	return IRC_OK;
}
