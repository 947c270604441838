/* m_ison.c - ISON: which of these nicks are online. */
#include <string.h>

#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"

HANDLER(m_ison)
{
	char buf[OUT_LINE_MAX];
	size_t len = 0;

	buf[0] = '\0';
	/* Nicks may come as several params or one space-separated trailing. */
	for (int i = 0; i < m->argc; i++) {
		char *cursor = m->argv[i], *nick;
		while ((nick = strsep(&cursor, " ")) != NULL) {
			struct client *u = *nick ? client_find_nick(nick) : NULL;
			size_t n;
			if (u == NULL || !u->registered)
				continue;
			n = strlen(u->nick);
			if (len + n + 2 > 400)
				break;
			if (len > 0)
				buf[len++] = ' ';
			memcpy(buf + len, u->nick, n + 1);
			len += n;
		}
	}
	reply(c, RPL_ISON, ":%s", buf);
	return IRC_OK;
}
