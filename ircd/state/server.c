/* server.c - the server table; this server is its first entry. */
#include <stdlib.h>
#include <string.h>

#include "state/server.h"
#include "base/util.h"

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

unsigned
server_count(void)
{
	return (unsigned)servers_by_name.count;
}
