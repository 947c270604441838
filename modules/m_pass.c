/* m_pass.c - PASS: the connection password, checked at registration. */
#include <stdlib.h>

#include "client.h"
#include "conn.h"
#include "modules.h"
#include "numeric.h"
#include "send.h"

HANDLER(m_pass)
{
	if (c->registered) {
		reply(c, ERR_ALREADYREGISTERED, ":You may not reregister");
		return IRC_OK;
	}
	free(c->conn->password);
	c->conn->password = xstrndup(m->argv[0], 128);
	return IRC_OK;
}
