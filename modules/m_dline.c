/*
 * m_dline.c - DLINE [minutes] <ip[/bits]|nick> [ON <servers>] :<reason>, and
 * UNDLINE; and both from links (xline_cmd.c).
 */
#include "base/conf.h"
#include "base/util.h"
#include "modules/modules.h"
#include "proto/oper.h"
#include "state/client.h"
#include "state/server.h"
#include "store/xline.h"

/* A nick stands for its IP address. */
static const char *
dline_mask(struct client *c, const char *arg, char *buf, size_t size)
{
	struct client *u = client_find_nick(arg);

	str_copy(buf, u != NULL && u->registered ? u->ip : arg, size);
	return buf;
}

HANDLER(m_dline)
{
	if (oper_require(c, PRIV_DLINE))
		xline_command(c, m, XLINE_D, dline_mask);
	return IRC_OK;
}

HANDLER(m_undline)
{
	if (oper_require(c, PRIV_DLINE))
		unxline_command(c, m, m->argv[0], XLINE_D);
	return IRC_OK;
}

XLINE_LINK_COMMAND(dline, xline_link_dline)
XLINE_LINK_COMMAND(undline, xline_link_undline)
