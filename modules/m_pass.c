/* m_pass.c - PASS: the connection password, checked at registration. */
#include <stdlib.h>

#include "modules/modules.h"
#include "net/conn.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/local.h"

HANDLER(m_pass)
{
	if (c->registered) {
		reply(c, ERR_ALREADYREGISTERED, ":You may not reregister");
		return IRC_OK;
	}
	free(c->local->password);
	c->local->password = xstrndup(m->argv[0], 128);
	return IRC_OK;
}
