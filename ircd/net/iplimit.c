/* iplimit.c - live connections and recent connects per IP address. */
#include <stdlib.h>

#include "base/conf.h"
#include "base/hash.h"
#include "base/util.h"
#include "net/iplimit.h"

struct ip_entry {
	char ip[46]; /* the key */
	unsigned live;
	unsigned recent; /* connects in the current throttle window */
	time_t window_start;
};

static struct strmap ips;

static struct ip_entry *
entry_get(const char *ip)
{
	struct ip_entry *e;

	if (ips.slots == NULL)
		strmap_init(&ips, 1024);
	e = strmap_get(&ips, ip);
	if (e == NULL) {
		e = xcalloc(1, sizeof(*e));
		str_copy(e->ip, ip, sizeof(e->ip));
		e->window_start = now;
		strmap_put(&ips, e->ip, e);
	}
	return e;
}

const char *
iplimit_admit(const char *ip, const struct conf_class *cl)
{
	struct ip_entry *e = entry_get(ip);

	if (cl->throttle_window > 0 && now - e->window_start >= (time_t)cl->throttle_window) {
		e->window_start = now;
		e->recent = 0;
	}
	if (cl->max_per_ip > 0 && e->live >= cl->max_per_ip)
		return "Too many connections from your IP address";
	if (cl->throttle_count > 0 && e->recent >= cl->throttle_count)
		return "Reconnecting too fast, throttled: try again later";
	e->live++;
	e->recent++;
	return NULL;
}

void
iplimit_release(const char *ip)
{
	struct ip_entry *e = ips.slots ? strmap_get(&ips, ip) : NULL;

	if (e != NULL && e->live > 0)
		e->live--;
}

void
iplimit_sweep(void)
{
	struct ip_entry **idle;
	size_t n = 0;

	if (ips.count == 0)
		return;
	/* Collect first: deleting while walking would skip slots. */
	idle = xmalloc(ips.count * sizeof(*idle));
	strmap_foreach (&ips, slot) {
		struct ip_entry *e = slot->value;
		if (e->live == 0 && now - e->window_start >= 3600)
			idle[n++] = e;
	}
	for (size_t i = 0; i < n; i++) {
		strmap_del(&ips, idle[i]->ip);
		free(idle[i]);
	}
	free(idle);
}

unsigned
iplimit_tracked(void)
{
	return (unsigned)ips.count;
}
