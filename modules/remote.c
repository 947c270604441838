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

/*
 * Where target (a server, or a user on one) is: NULL when it is here or
 * nowhere (402 sent then, *sent set), else the link towards it and its ID.
 */
static struct link *
route_to(struct client *c, const char *target, const char **id, int *sent)
{
	struct client *u = client_find(target);
	struct server *s = u != NULL && u->registered ? u->server : server_find(target);
	struct link *l;

	*sent = 0;
	if (s == NULL) {
		reply(c, ERR_NOSUCHSERVER, "%s :No such server", param_word(target));
		*sent = 1;
		return NULL;
	}
	if (s == &me || (l = link_of_server(s)) == NULL)
		return NULL;
	*sent = 1;
	/* Never back where the query came from: a loop answers nobody. */
	if (l == link_of_client(c))
		return NULL;
	*id = u != NULL && u->registered ? u->uid : s->sid;
	return l;
}

int
route_query(struct client *c, const char *cmd, const char *target, const char *arg)
{
	const char *id = NULL;
	int sent;
	struct link *l = route_to(c, target, &id, &sent);

	if (l == NULL)
		return sent;
	if (arg != NULL)
		link_send(l, ":%s %s %s :%s", c->uid, cmd, id, arg);
	else
		link_send(l, ":%s %s :%s", c->uid, cmd, id);
	return 1;
}

int
route_query_last(struct client *c, const char *cmd, const char *first, const char *target)
{
	const char *id = NULL;
	int sent;
	struct link *l = route_to(c, target, &id, &sent);

	if (l != NULL)
		link_send(l, ":%s %s %s :%s", c->uid, cmd, first, id);
	return sent;
}
