/* server.c - the server tree and tables; this server is the root. */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "state/client.h"
#include "state/server.h"

struct server me;
struct strmap servers_by_name;
struct strmap servers_by_sid;
time_t server_started;

void
server_init(const char *name, const char *sid, const char *description)
{
	/* A rehash may rename us: the old name must leave the table. */
	if (me.name[0] != '\0' && strmap_get(&servers_by_name, me.name) == &me)
		strmap_del(&servers_by_name, me.name);
	str_copy(me.name, name, sizeof(me.name));
	str_copy(me.sid, sid, sizeof(me.sid));
	free(me.description);
	me.description = xstrdup(description);
	if (servers_by_name.slots == NULL) {
		strmap_init(&servers_by_name, 16);
		strmap_init(&servers_by_sid, 16);
		server_started = time(NULL);
		me.linked_at = server_started;
	}
	strmap_put(&servers_by_name, me.name, &me);
	strmap_put(&servers_by_sid, me.sid, &me);
}

struct server *
server_find(const char *name_or_sid)
{
	struct server *s = strmap_get(&servers_by_name, name_or_sid);
	return s ? s : strmap_get(&servers_by_sid, name_or_sid);
}

struct server *
server_find_sid(const char *sid)
{
	return strmap_get(&servers_by_sid, sid);
}

unsigned
server_count(void)
{
	return (unsigned)servers_by_name.count;
}

/* Name and SID fit their fields, so nothing is truncated into a clash. */
static int
server_names_fit(const char *name, const char *sid)
{
	return strlen(name) <= SERVLEN && strlen(sid) == SIDLEN;
}

enum server_result
server_new_remote(struct server *uplink, const char *name, const char *sid, unsigned hopcount,
                  const char *description, struct server **out)
{
	struct server *s;

	if (!server_names_fit(name, sid))
		return SERVER_INVALID;
	if (strmap_get(&servers_by_name, name) != NULL)
		return SERVER_NAME_IN_USE;
	if (strmap_get(&servers_by_sid, sid) != NULL)
		return SERVER_SID_IN_USE;
	s = xcalloc(1, sizeof(*s));
	str_copy(s->name, name, sizeof(s->name));
	str_copy(s->sid, sid, sizeof(s->sid));
	s->description = xstrdup(description);
	s->uplink = uplink;
	s->via = uplink == &me ? s : uplink->via;
	s->hopcount = hopcount;
	s->linked_at = now;
	LIST_INIT(&s->clients);
	LIST_INIT(&s->children);
	LIST_INSERT_HEAD(&uplink->children, s, sibling);
	strmap_put(&servers_by_name, s->name, s);
	strmap_put(&servers_by_sid, s->sid, s);
	*out = s;
	return SERVER_OK;
}

static void
server_free(struct server *s)
{
	if (strmap_get(&servers_by_name, s->name) == s)
		strmap_del(&servers_by_name, s->name);
	if (strmap_get(&servers_by_sid, s->sid) == s)
		strmap_del(&servers_by_sid, s->sid);
	LIST_REMOVE(s, sibling);
	free(s->description);
	free(s);
}

static void
split_clients(struct server *s, void (*visit)(struct client *c, void *arg), void *arg)
{
	struct client *c, *next;

	/* visit frees c, so step on before it does. */
	for (c = LIST_FIRST(&s->clients); c != NULL; c = next) {
		next = LIST_NEXT(c, server_link);
		if (visit != NULL)
			visit(c, arg);
		else
			client_free(c);
	}
	/* A visitor that kept a client must not leave it pointing at a freed server. */
	while ((c = LIST_FIRST(&s->clients)) != NULL)
		client_free(c);
}

void
server_split(struct server *s, void (*visit)(struct client *c, void *arg), void *arg)
{
	struct server *child;

	if (s == &me)
		return;
	/* Deepest first: a server record goes only after all behind it. */
	while ((child = LIST_FIRST(&s->children)) != NULL)
		server_split(child, visit, arg);
	split_clients(s, visit, arg);
	server_free(s);
}
