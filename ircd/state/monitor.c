/* monitor.c - watched nicks; each watch is linked from both sides. */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "base/casemap.h"
#include "base/hash.h"
#include "base/util.h"
#include "state/client.h"
#include "state/monitor.h"

struct watched;

/* One client watching one nick. */
struct watch {
	struct client *watcher;
	struct watched *target;
	LIST_ENTRY(watch) by_watcher;
	LIST_ENTRY(watch) by_target;
};

/* A nick somebody watches; gone when nobody does. */
struct watched {
	LIST_HEAD(, watch) watchers;
	char nick[NICKLEN_MAX + 1];
};

static struct strmap watched_nicks;

static struct watch *
find_watch(const struct client *c, const char *nick)
{
	struct watch *w;

	LIST_FOREACH (w, &c->monitors, by_watcher)
		if (irc_strcmp(w->target->nick, nick) == 0)
			return w;
	return NULL;
}

int
monitor_add(struct client *c, const char *nick)
{
	struct watched *t;
	struct watch *w;

	if (find_watch(c, nick) != NULL)
		return 0;
	if (c->nmonitors >= MONITOR_MAX)
		return -1;
	if (watched_nicks.slots == NULL)
		strmap_init(&watched_nicks, 256);
	t = strmap_get(&watched_nicks, nick);
	if (t == NULL) {
		t = xcalloc(1, sizeof(*t));
		str_copy(t->nick, nick, sizeof(t->nick));
		LIST_INIT(&t->watchers);
		strmap_put(&watched_nicks, t->nick, t);
	}
	w = xcalloc(1, sizeof(*w));
	w->watcher = c;
	w->target = t;
	LIST_INSERT_HEAD(&c->monitors, w, by_watcher);
	LIST_INSERT_HEAD(&t->watchers, w, by_target);
	c->nmonitors++;
	return 0;
}

static void
watch_free(struct watch *w)
{
	struct watched *t = w->target;

	LIST_REMOVE(w, by_watcher);
	LIST_REMOVE(w, by_target);
	w->watcher->nmonitors--;
	free(w);
	if (LIST_EMPTY(&t->watchers)) {
		strmap_del(&watched_nicks, t->nick);
		free(t);
	}
}

void
monitor_del(struct client *c, const char *nick)
{
	struct watch *w = find_watch(c, nick);

	if (w != NULL)
		watch_free(w);
}

void
monitor_clear(struct client *c)
{
	while (!LIST_EMPTY(&c->monitors))
		watch_free(LIST_FIRST(&c->monitors));
}

unsigned
monitor_count(const struct client *c)
{
	return c->nmonitors;
}

void
monitor_list(const struct client *c, void (*visit)(const char *nick, void *arg), void *arg)
{
	struct watch *w;

	LIST_FOREACH (w, &c->monitors, by_watcher)
		visit(w->target->nick, arg);
}

void
monitor_each_watcher(struct client *c, void (*visit)(struct client *watcher, void *arg),
                     void *arg)
{
	monitor_each_watcher_of(c->nick, visit, arg);
}

void
monitor_each_watcher_of(const char *nick, void (*visit)(struct client *watcher, void *arg),
                        void *arg)
{
	struct watched *t = watched_nicks.count ? strmap_get(&watched_nicks, nick) : NULL;
	struct watch *w;

	if (t == NULL)
		return;
	LIST_FOREACH (w, &t->watchers, by_target)
		visit(w->watcher, arg);
}
