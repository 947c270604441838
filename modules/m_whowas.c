/* m_whowas.c - WHOWAS: who used a nick before, newest first. */
#include <string.h>

#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/whowas.h"

static void
whowas_reply(const struct whowas *w, void *arg)
{
	struct client *c = arg;
	char when[64];
	struct tm tm;

	gmtime_r(&w->when, &tm);
	strftime(when, sizeof(when), "%a %b %d %H:%M:%S %Y", &tm);
	reply(c, RPL_WHOWASUSER, "%s %s %s * :%s", w->nick, w->user, w->host, w->realname);
	reply(c, RPL_WHOISSERVER, "%s %s :%s", w->nick, w->server, when);
}

HANDLER(m_whowas)
{
	char nick[NICKLEN_MAX + 1];
	long count = 0;

	if (m->argc < 1 || m->argv[0][0] == '\0') {
		reply(c, ERR_NONICKNAMEGIVEN, ":No nickname given");
		return IRC_OK;
	}
	str_copy(nick, m->argv[0], sizeof(nick));
	nick[strcspn(nick, ",")] = '\0';
	if (m->argc > 1 && str_to_long(m->argv[1], -1000000, 1000000, &count) == 0 && count < 0)
		count = 0;
	if (whowas_find(nick, (unsigned)count, whowas_reply, c) == 0)
		reply(c, ERR_WASNOSUCHNICK, "%s :There was no such nickname", param_word(nick));
	reply(c, RPL_ENDOFWHOWAS, "%s :End of WHOWAS", param_word(nick));
	return IRC_OK;
}
