/* m_userhost.c - USERHOST: nick=+user@host for up to five nicks. */
#include <stdio.h>
#include <string.h>

#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"

#define USERHOST_MAX 5

HANDLER(m_userhost)
{
	char buf[OUT_LINE_MAX];
	size_t len = 0;
	int seen = 0;

	buf[0] = '\0';
	for (int i = 0; i < m->argc; i++) {
		char *cursor = m->argv[i], *nick;
		while ((nick = strsep(&cursor, " ")) != NULL && seen < USERHOST_MAX) {
			struct client *u;
			if (*nick == '\0')
				continue;
			seen++;
			u = client_find_nick(nick);
			if (u == NULL || !u->registered)
				continue;
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s%s=%c%s@%s",
			                        len ? " " : "", u->nick,
			                        (u->umodes & UMODE_OPER) ? "*" : "",
			                        u->away ? '-' : '+', u->user, u->host);
			if (len >= sizeof(buf))
				len = sizeof(buf) - 1;
		}
	}
	reply(c, RPL_USERHOST, ":%s", buf);
	return IRC_OK;
}
