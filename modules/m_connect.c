/* m_connect.c - CONNECT: an operator dials a [link] block now. */
#include <stdlib.h>

#include "base/conf.h"
#include "base/log.h"
#include "modules/modules.h"
#include "proto/link.h"
#include "proto/numeric.h"
#include "proto/oper.h"
#include "proto/parse.h"
#include "proto/send.h"
#include "proto/snomask.h"
#include "state/client.h"
#include "state/server.h"

/* check: the block to dial and its port, or NULL once c has been told why not. */
static const struct conf_link *
connect_check(struct client *c, struct irc_msg *m, int *port)
{
	const struct conf_link *cl;
	const struct server *s;
	char *end;
	long p;

	if (!oper_require(c, PRIV_CONNECT))
		return NULL;
	if ((cl = config_find_link(conf, m->argv[0])) == NULL) {
		send_notice(c, "*** CONNECT: no [link] block for %s", param_word(m->argv[0]));
		return NULL;
	}
	if ((s = server_find(cl->name)) != NULL) {
		send_notice(c, "*** CONNECT: %s is already linked (through %s)", s->name,
		            s->via != NULL ? s->via->name : me.name);
		return NULL;
	}
	*port = cl->port;
	if (m->argc > 1) {
		p = strtol(m->argv[1], &end, 10);
		if (*end != '\0' || end == m->argv[1] || p < 1 || p > 65535) {
			send_notice(c, "*** CONNECT: %s is not a port", param_word(m->argv[1]));
			return NULL;
		}
		*port = (int)p;
	}
	return cl;
}

/* CONNECT <server> [<port>] */
HANDLER(m_connect)
{
	int port;
	const struct conf_link *cl = connect_check(c, m, &port);
	struct conf_link dial;
	const char *err = NULL;

	if (cl == NULL)
		return IRC_OK;
	dial = *cl; /* link_connect copies what it keeps */
	dial.port = port;
	if (link_connect(&dial, &err) != 0) {
		send_notice(c, "*** CONNECT: cannot dial %s: %s", cl->name, err);
		return IRC_OK;
	}
	send_notice(c, "*** Connecting to %s[%s] port %d", cl->name, cl->host, port);
	snomask_send(SNO_LINK, "CONNECT %s %d from %s", cl->name, port, c->nick);
	log_info("link: CONNECT %s port %d from %s", cl->name, port, c->nick);
	return IRC_OK;
}
