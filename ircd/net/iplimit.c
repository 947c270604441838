/* iplimit.c - live connections and recent connects per address group. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/hash.h"
#include "base/util.h"
#include "net/iplimit.h"

struct ip_entry {
	char ip[IPGROUP_MAX]; /* the key: the group */
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

/* Clear every bit of addr[0..len) after the first bits. */
static void
mask_bits(unsigned char *addr, size_t len, unsigned bits)
{
	for (size_t i = 0; i < len; i++) {
		unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * i : 0;
		addr[i] &= (unsigned char)(0xff00u >> keep);
	}
}

void
iplimit_group(const char *ip, const struct conf_class *cl, char *out, size_t size)
{
	unsigned char addr[16];
	char text[INET6_ADDRSTRLEN];
	int family = strchr(ip, ':') != NULL ? AF_INET6 : AF_INET;
	unsigned bits = family == AF_INET6 ? cl->ipv6_prefix : cl->ipv4_prefix;

	if (inet_pton(family, ip, addr) != 1) {
		str_copy(out, ip, size);
		return;
	}
	mask_bits(addr, family == AF_INET6 ? 16 : 4, bits);
	inet_ntop(family, addr, text, sizeof(text));
	snprintf(out, size, "%s/%u", text, bits);
}

const char *
iplimit_admit(const char *ip, const struct conf_class *cl, char *group)
{
	struct ip_entry *e;

	iplimit_group(ip, cl, group, IPGROUP_MAX);
	e = entry_get(group);
	if (cl->throttle_window > 0 && now - e->window_start >= (time_t)cl->throttle_window) {
		e->window_start = now;
		e->recent = 0;
	}
	if (cl->max_per_ip > 0 && e->live >= cl->max_per_ip) {
		group[0] = '\0';
		return "Too many connections from your IP address";
	}
	if (cl->throttle_count > 0 && e->recent >= cl->throttle_count) {
		group[0] = '\0';
		return "Reconnecting too fast, throttled: try again later";
	}
	e->live++;
	e->recent++;
	return NULL;
}

void
iplimit_release(const char *group)
{
	struct ip_entry *e = ips.slots && group[0] != '\0' ? strmap_get(&ips, group) : NULL;

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
