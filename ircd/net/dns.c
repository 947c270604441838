/* dns.c - c-ares driven by libev watchers, and an LRU cache of answers. */
#include <arpa/inet.h>
#include <ares.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "base/conf.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/util.h"
#include "net/dns.h"
#include "net/reactor.h"

#define MAX_SOCKETS 16
#define NEGATIVE_TTL 300 /* seconds a "no name" answer is remembered */

struct dns_request {
	char ip[64];
	int family;
	unsigned char addr[16];
	char host[256];
	dns_cb cb;
	void *arg;
	int cancelled;
};

struct cache_entry {
	char ip[64]; /* the key */
	enum dns_result result;
	char *host;
	time_t expires;
	TAILQ_ENTRY(cache_entry) lru; /* most recently used first */
};

struct dns_socket {
	struct rio io;
	int fd;
};

static ares_channel channel;
static int channel_ok;
static struct dns_socket sockets[MAX_SOCKETS];
static struct rtimer timer;
static int timer_running;
static struct strmap cache;
static TAILQ_HEAD(cache_lru_head, cache_entry) cache_lru = TAILQ_HEAD_INITIALIZER(cache_lru);
static size_t cache_max;
static unsigned cache_ttl;
static unsigned long hits, misses;

static void reschedule(void);

static void
on_socket_io(struct rio *io, int events)
{
	struct dns_socket *s = container_of(io, struct dns_socket, io);

	ares_process_fd(channel, (events & RIO_READ) ? s->fd : ARES_SOCKET_BAD,
	                (events & RIO_WRITE) ? s->fd : ARES_SOCKET_BAD);
	reschedule();
}

/* c-ares tells us which sockets it wants watched, and for what. */
static void
on_socket_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns_socket *free_slot = NULL;

	for (int i = 0; i < MAX_SOCKETS; i++) {
		struct dns_socket *s = &sockets[i];
		if (s->fd == fd && rio_events(&s->io) != 0) {
			rio_set(&s->io, (readable ? RIO_READ : 0) | (writable ? RIO_WRITE : 0));
			if (!readable && !writable)
				s->fd = -1;
			return;
		}
		if (free_slot == NULL && rio_events(&s->io) == 0)
			free_slot = s;
	}
	if ((!readable && !writable) || free_slot == NULL)
		return;
	free_slot->fd = fd;
	rio_init(&free_slot->io, fd, on_socket_io);
	rio_set(&free_slot->io, (readable ? RIO_READ : 0) | (writable ? RIO_WRITE : 0));
}

static void
on_timer(struct rtimer *t)
{
	timer_running = 0;
	ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	reschedule();
}

static void
reschedule(void)
{
	struct timeval tvbuf, *tv;

	if (timer_running) {
		rtimer_stop(&timer);
		timer_running = 0;
	}
	if (!channel_ok)
		return;
	tv = ares_timeout(channel, NULL, &tvbuf);
	if (tv == NULL)
		return;
	rtimer_start(&timer, (double)tv->tv_sec + tv->tv_usec / 1e6 + 0.001, 0, on_timer);
	timer_running = 1;
}

static void
cache_evict(struct cache_entry *e)
{
	strmap_del(&cache, e->ip);
	TAILQ_REMOVE(&cache_lru, e, lru);
	free(e->host);
	free(e);
}

static void
cache_put(const char *ip, enum dns_result result, const char *host, int ttl)
{
	struct cache_entry *e;

	if (cache_max == 0 || result == DNS_TIMEOUT)
		return;
	if ((e = strmap_get(&cache, ip)) != NULL)
		cache_evict(e);
	while (cache.count >= cache_max)
		cache_evict(TAILQ_LAST(&cache_lru, cache_lru_head));
	e = xcalloc(1, sizeof(*e));
	str_copy(e->ip, ip, sizeof(e->ip));
	e->result = result;
	e->host = host ? xstrdup(host) : NULL;
	if (result != DNS_FOUND)
		ttl = NEGATIVE_TTL;
	else if (ttl <= 0 || (unsigned)ttl > cache_ttl)
		ttl = (int)cache_ttl;
	e->expires = now + ttl;
	strmap_put(&cache, e->ip, e);
	TAILQ_INSERT_HEAD(&cache_lru, e, lru);
}

static struct cache_entry *
cache_get(const char *ip)
{
	struct cache_entry *e = strmap_get(&cache, ip);

	if (e == NULL)
		return NULL;
	if (e->expires <= now) {
		cache_evict(e);
		return NULL;
	}
	TAILQ_REMOVE(&cache_lru, e, lru);
	TAILQ_INSERT_HEAD(&cache_lru, e, lru);
	return e;
}

/* c-ares may answer inside the call that asks (the hosts file). */
static struct dns_request *starting;
static int started_done;

static void
finish(struct dns_request *r, enum dns_result result, int ttl)
{
	const char *host = result == DNS_FOUND ? r->host : NULL;

	if (r == starting)
		started_done = 1;
	cache_put(r->ip, result, host, ttl);
	if (!r->cancelled)
		r->cb(r->arg, result, host);
	free(r);
}

/* A name we would show as a host: letters, digits, '-', '.', bounded. */
static int
host_usable(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len <= 63 && name[0] != '-' && name[0] != '.' &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                    "0123456789-.") == len;
}

static void
on_forward(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct dns_request *r = arg;
	enum dns_result result = status == ARES_ETIMEOUT ? DNS_TIMEOUT : DNS_MISMATCH;
	int ttl = 0;

	if (status == ARES_SUCCESS) {
		for (struct ares_addrinfo_node *n = res->nodes; n != NULL; n = n->ai_next) {
			const void *a =
			    n->ai_family == AF_INET
			        ? (const void *)&((struct sockaddr_in *)(void *)n->ai_addr)
			              ->sin_addr
			        : (const void *)&((struct sockaddr_in6 *)(void *)n->ai_addr)
			              ->sin6_addr;
			size_t len = n->ai_family == AF_INET ? 4 : 16;
			if (n->ai_family == r->family && memcmp(a, r->addr, len) == 0) {
				result = DNS_FOUND;
				ttl = n->ai_ttl;
				break;
			}
		}
	}
	if (res != NULL)
		ares_freeaddrinfo(res);
	finish(r, result, ttl);
}

static void
on_reverse(void *arg, int status, int timeouts, struct hostent *he)
{
	struct dns_request *r = arg;
	struct ares_addrinfo_hints hints;

	if (status != ARES_SUCCESS || he == NULL || he->h_name == NULL ||
	    !host_usable(he->h_name) || r->cancelled || !channel_ok) {
		finish(r,
		       status == ARES_ETIMEOUT || status == ARES_EDESTRUCTION ||
		               status == ARES_ECANCELLED
		           ? DNS_TIMEOUT
		           : DNS_NOT_FOUND,
		       0);
		return;
	}
	str_copy(r->host, he->h_name, sizeof(r->host));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = r->family;
	ares_getaddrinfo(channel, r->host, NULL, &hints, on_forward, r);
}

struct dns_request *
dns_lookup(const char *ip, dns_cb cb, void *arg)
{
	struct cache_entry *e = cache_get(ip);
	struct dns_request *r;

	if (e != NULL) {
		hits++;
		cb(arg, e->result, e->host);
		return NULL;
	}
	misses++;
	r = xcalloc(1, sizeof(*r));
	str_copy(r->ip, ip, sizeof(r->ip));
	r->cb = cb;
	r->arg = arg;
	if (inet_pton(AF_INET, ip, r->addr) == 1)
		r->family = AF_INET;
	else if (inet_pton(AF_INET6, ip, r->addr) == 1)
		r->family = AF_INET6;
	if (!channel_ok || r->family == 0) {
		free(r);
		cb(arg, DNS_NOT_FOUND, NULL);
		return NULL;
	}
	starting = r;
	started_done = 0;
	ares_gethostbyaddr(channel, r->addr, r->family == AF_INET ? 4 : 16, r->family,
	                   on_reverse, r);
	starting = NULL;
	reschedule();
	return started_done ? NULL : r;
}

void
dns_cancel(struct dns_request *r)
{
	if (r != NULL)
		r->cancelled = 1;
}

static void
channel_destroy(void)
{
	if (!channel_ok)
		return;
	channel_ok = 0;
	ares_destroy(channel); /* pending callbacks run with ARES_EDESTRUCTION */
	reschedule();
}

int
dns_configure(const struct config *c)
{
	struct ares_options opts;
	int optmask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
	int r;

	if (cache.slots == NULL) {
		strmap_init(&cache, 256);
		for (int i = 0; i < MAX_SOCKETS; i++)
			sockets[i].fd = -1;
		ares_library_init(ARES_LIB_INIT_ALL);
	}
	channel_destroy();
	cache_max = c->dns.cache_size;
	cache_ttl = c->dns.cache_ttl;
	while (cache.count > cache_max)
		cache_evict(TAILQ_LAST(&cache_lru, cache_lru_head));
	if (!c->dns.enabled)
		return 0;
	memset(&opts, 0, sizeof(opts));
	opts.sock_state_cb = on_socket_state;
	opts.timeout = (int)(c->dns.timeout * 1000 / 2);
	opts.tries = 2;
	if (c->dns.servers != NULL) {
		/* Named servers are the whole answer: skip the hosts file. */
		opts.lookups = (char *)"b";
		optmask |= ARES_OPT_LOOKUPS;
	}
	if ((r = ares_init_options(&channel, &opts, optmask)) != ARES_SUCCESS) {
		log_error("DNS: %s", ares_strerror(r));
		return -1;
	}
	if (c->dns.servers != NULL &&
	    (r = ares_set_servers_ports_csv(channel, c->dns.servers)) != ARES_SUCCESS) {
		log_error("DNS: servers '%s': %s", c->dns.servers, ares_strerror(r));
		ares_destroy(channel);
		return -1;
	}
	channel_ok = 1;
	return 0;
}

int
dns_enabled(void)
{
	return channel_ok;
}

void
dns_shutdown(void)
{
	struct cache_entry *e;

	channel_destroy();
	while ((e = TAILQ_FIRST(&cache_lru)) != NULL)
		cache_evict(e);
	strmap_free(&cache);
	ares_library_cleanup();
}

void
dns_cache_stats(unsigned long *h, unsigned long *m, size_t *entries)
{
	*h = hits;
	*m = misses;
	*entries = cache.count;
}
