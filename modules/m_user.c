/* m_user.c - USER: username and realname at registration. */
#include <stdlib.h>
#include <string.h>

#include "modules/modules.h"
#include "net/conn.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/local.h"

/* Keep the characters a username may hold; '~' marks it unverified. */
static void
user_sanitize(const char *in, char *out, size_t size)
{
	size_t n = 0;

	out[n++] = '~';
	for (; *in != '\0' && n < size - 1; in++) {
		unsigned char ch = (unsigned char)*in;
		if (ch > 32 && ch < 127 && ch != '@' && ch != '!' && ch != ':' && ch != '*' &&
		    ch != '?')
			out[n++] = (char)ch;
	}
	out[n] = '\0';
	if (n == 1)
		str_copy(out, "~user", size);
}

HANDLER(m_user)
{
	if (c->registered || (c->local->flags & LOCAL_GOT_USER)) {
		reply(c, ERR_ALREADYREGISTERED, ":You may not reregister");
		return IRC_OK;
	}
	if (m->argv[3][0] == '\0' || m->argv[0][0] == '\0') {
		reply(c, ERR_NEEDMOREPARAMS, "USER :Not enough parameters");
		return IRC_OK;
	}
	user_sanitize(m->argv[0], c->user, sizeof(c->user));
	free(c->realname);
	c->realname = xstrndup(m->argv[3], MIN(strlen(m->argv[3]), REALLEN));
	c->local->flags |= LOCAL_GOT_USER;
	return register_try(c);
}
