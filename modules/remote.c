/*
 * remote.c - queries that name a server ("VERSION b.test", "WHOIS bob bob")
 * travel to it, and its numerics come back to the asker (proto/link.c).
 */
#include "modules/modules.h"
#include "proto/link.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/server.h"

int
route_query(struct client *c, const char *cmd, const char *target, const char *arg)
{
	struct client *u = client_find(target);
	struct server *s = u != NULL && u->registered ? u->server : server_find(target);
	struct link *l;

	if (s == NULL) {
		reply(c, ERR_NOSUCHSERVER, "%s :No such server", param_word(target));
		return 1;
	}
	if (s == &me || (l = link_of_server(s)) == NULL)
		return 0;
	/* Never back where the query came from: a loop answers nobody. */
	if (l == link_of_client(c))
		return 1;
	if (arg != NULL)
		link_send(l, ":%s %s %s :%s", c->uid, cmd, u != NULL ? u->uid : s->sid, arg);
	else
		link_send(l, ":%s %s :%s", c->uid, cmd, s->sid);
	return 1;
}
