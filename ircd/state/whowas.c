/* whowas.c - a ring of the most recent departures (oldest overwritten). */
#include <stdlib.h>
#include <string.h>

#include "base/casemap.h"
#include "base/util.h"
#include "state/client.h"
#include "state/server.h"
#include "state/whowas.h"

static struct whowas *ring;
static unsigned ring_size, ring_next, ring_used;

void
whowas_init(unsigned size)
{
	for (unsigned i = 0; i < ring_used; i++)
		free(ring[i].realname);
	free(ring);
	ring = size ? xcalloc(size, sizeof(*ring)) : NULL;
	ring_size = size;
	ring_next = 0;
	ring_used = 0;
}

void
whowas_add(const struct client *c)
{
	struct whowas *w;

	if (ring_size == 0)
		return;
	w = &ring[ring_next];
	if (ring_used == ring_size)
		free(w->realname);
	else
		ring_used++;
	ring_next = (ring_next + 1) % ring_size;
	str_copy(w->nick, c->nick, sizeof(w->nick));
	str_copy(w->user, c->user, sizeof(w->user));
	str_copy(w->host, c->host, sizeof(w->host));
	str_copy(w->server, c->server->name, sizeof(w->server));
	w->realname = xstrdup(c->realname ? c->realname : "");
	w->when = now;
	w->hash = irc_strhash(c->nick);
}

unsigned
whowas_find(const char *nick, unsigned max, void (*visit)(const struct whowas *w, void *arg),
            void *arg)
{
	unsigned hash = irc_strhash(nick), found = 0;

	for (unsigned i = 0; i < ring_used; i++) {
		unsigned idx = (ring_next + ring_size - 1 - i) % ring_size;
		const struct whowas *w = &ring[idx];
		if (w->hash != hash || irc_strcmp(w->nick, nick) != 0)
			continue;
		visit(w, arg);
		if (++found == max)
			break;
	}
	return found;
}

unsigned
whowas_count(void)
{
	return ring_used;
}
