/*
 * m_kline.c - KLINE [minutes] <user@host|nick> [ON <servers>] :<reason>, and
 * UNKLINE; and both from links (xline_cmd.c).
 */
#include <stdio.h>
#include <string.h>

#include "base/conf.h"
#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/oper.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/server.h"
#include "store/xline.h"

/* A nick stands for "*@its host"; a bare host for "*@host". */
static const char *
kline_mask(struct client *c, const char *arg, char *buf, size_t size)
{
	struct client *u;

	if (strchr(arg, '@') != NULL) {
		str_copy(buf, arg, size);
		return buf;
	}
	u = client_find_nick(arg);
	if (u != NULL && u->registered) {
		snprintf(buf, size, "*@%s", u->realhost);
		return buf;
	}
	if (strchr(arg, '.') != NULL || strchr(arg, ':') != NULL) {
		snprintf(buf, size, "*@%s", arg);
		return buf;
	}
	reply(c, ERR_NOSUCHNICK, "%s :No such nick/channel", param_word(arg));
	return NULL;
}

HANDLER(m_kline)
{
	if (oper_require(c, PRIV_KLINE))
		xline_command(c, m, XLINE_K, kline_mask);
	return IRC_OK;
}

HANDLER(m_unkline)
{
	char mask[128];

	if (!oper_require(c, PRIV_KLINE))
		return IRC_OK;
	if (strchr(m->argv[0], '@') == NULL)
		snprintf(mask, sizeof(mask), "*@%s", m->argv[0]);
	else
		str_copy(mask, m->argv[0], sizeof(mask));
	unxline_command(c, m, mask, XLINE_K);
	return IRC_OK;
}

XLINE_LINK_COMMAND(kline, xline_link_kline)
XLINE_LINK_COMMAND(unkline, xline_link_unkline)
