/* xline.c - K/D-lines in memory, persisted through store.c. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/casemap.h"
#include "base/cidr.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/match.h"
#include "base/util.h"
#include "state/client.h"
#include "store/store.h"
#include "store/xline.h"

static struct xline_list klines = TAILQ_HEAD_INITIALIZER(klines);
static struct xline_list dlines = TAILQ_HEAD_INITIALIZER(dlines);
static unsigned nklines, ndlines;

/*
 * Stored bans too wide to enforce (set before the [limits] in force now):
 * never matched, kept so that UNKLINE/UNDLINE can still delete their rows.
 */
struct dormant {
	char kind;
	char *mask;
	time_t expires;
	LIST_ENTRY(dormant) next;
};
static LIST_HEAD(, dormant) dormants = LIST_HEAD_INITIALIZER(dormants);

static struct xline_list *
list_of(enum xline_kind kind)
{
	return kind == XLINE_K ? &klines : &dlines;
}

const struct xline_list *
xline_list(enum xline_kind kind)
{
	return list_of(kind);
}

unsigned
xline_count(enum xline_kind kind)
{
	return kind == XLINE_K ? nklines : ndlines;
}

static struct xline *
find(enum xline_kind kind, const char *mask)
{
	struct xline *x;

	TAILQ_FOREACH (x, list_of(kind), link)
		if (irc_strcmp(x->mask, mask) == 0)
			return x;
	return NULL;
}

static void
unlink_free(struct xline *x)
{
	TAILQ_REMOVE(list_of(x->kind), x, link);
	if (x->kind == XLINE_K)
		nklines--;
	else
		ndlines--;
	free(x->mask);
	free(x->reason);
	free(x->setter);
	free(x);
}

static struct xline *
insert(enum xline_kind kind, const char *mask, const char *reason, const char *setter,
       time_t set_at, time_t expires)
{
	struct xline *x = find(kind, mask);

	if (x != NULL)
		unlink_free(x);
	x = xcalloc(1, sizeof(*x));
	x->kind = kind;
	x->mask = xstrdup(mask);
	x->reason = xstrdup(reason);
	x->setter = xstrdup(setter);
	x->set_at = set_at;
	x->expires = expires;
	TAILQ_INSERT_TAIL(list_of(kind), x, link);
	if (kind == XLINE_K)
		nklines++;
	else
		ndlines++;
	return x;
}

/*
 * Masks are equal under the rfc1459 casemapping, which sqlite's NOCASE does
 * not know ("[" is "{"): the database keeps one row per spelling, so drop the
 * stored row of an equal mask before a new spelling replaces it in memory.
 */
static void
forget_other_spelling(enum xline_kind kind, const char *mask)
{
	struct xline *x = find(kind, mask);

	if (x != NULL && strcmp(x->mask, mask) != 0)
		store_xline_delete((char)kind, x->mask);
}

static void
dormant_free(struct dormant *d)
{
	LIST_REMOVE(d, next);
	free(d->mask);
	free(d);
}

static struct dormant *
dormant_find(enum xline_kind kind, const char *mask)
{
	struct dormant *d;

	LIST_FOREACH (d, &dormants, next)
		if (d->kind == (char)kind && irc_strcmp(d->mask, mask) == 0)
			return d;
	return NULL;
}

/* Drop a dormant ban (and its row): the mask was removed, or set again. */
static int
dormant_delete(enum xline_kind kind, const char *mask)
{
	struct dormant *d = dormant_find(kind, mask);

	if (d == NULL)
		return -1;
	store_xline_delete(d->kind, d->mask);
	dormant_free(d);
	return 0;
}

static void
on_loaded(char kind, const char *mask, const char *reason, const char *setter, long long set_at,
          long long expires)
{
	char err[200];
	struct dormant *d;

	if (kind != XLINE_K && kind != XLINE_D)
		return;
	if (xline_valid((enum xline_kind)kind, mask, err, sizeof(err)) != 0) {
		log_warn("database: %c-line [%s] (set by %s) not enforced: %s", kind, mask,
		         setter, err);
		d = xcalloc(1, sizeof(*d));
		d->kind = kind;
		d->mask = xstrdup(mask);
		d->expires = (time_t)expires;
		LIST_INSERT_HEAD(&dormants, d, next);
		return;
	}
	forget_other_spelling((enum xline_kind)kind, mask);
	insert((enum xline_kind)kind, mask, reason, setter, (time_t)set_at, (time_t)expires);
}

/* Characters of s that narrow a K-line (not wildcards nor separators). */
static unsigned
nonwildcard_count(const char *s)
{
	unsigned n = 0;

	for (; *s != '\0'; s++)
		if (strchr("*?.:@", *s) == NULL)
			n++;
	return n;
}

static unsigned
min_prefix(const struct cidr *net, const struct conf_limits *lim)
{
	return net->family == AF_INET ? lim->dline_min_cidr : lim->dline_min_cidr_ipv6;
}

int
xline_check_width(enum xline_kind kind, const char *mask, const struct conf_limits *lim,
                  char *err, size_t size)
{
	const char *at = strchr(mask, '@');
	const char *host = kind == XLINE_D ? mask : at != NULL ? at + 1 : mask;
	struct cidr net;
	int range = cidr_parse(host, &net) == 0;

	if (kind == XLINE_D && !range) {
		snprintf(err, size, "%s is not an IP address or CIDR range", mask);
		return -1;
	}
	if (range && net.bits < min_prefix(&net, lim)) {
		snprintf(err, size,
		         "[%s] is too wide. For safety, bitmasks less than /%u are refused",
		         mask, min_prefix(&net, lim));
		return -1;
	}
	if (kind == XLINE_D || range || strpbrk(host, "*?") == NULL)
		return 0;
	if (nonwildcard_count(mask) < lim->min_nonwildcard) {
		snprintf(err, size,
		         "[%s] is too wide. Please include at least %u non-wildcard characters "
		         "with the mask",
		         mask, lim->min_nonwildcard);
		return -1;
	}
	return 0;
}

int
xline_valid(enum xline_kind kind, const char *mask, char *err, size_t size)
{
	if (kind == XLINE_K && (strchr(mask, '@') == NULL || strchr(mask, ' ') != NULL)) {
		snprintf(err, size, "%s is not a user@host mask", mask);
		return -1;
	}
	return xline_check_width(kind, mask, &conf->limits, err, size);
}

void
xline_load(void)
{
	store_xline_load(on_loaded);
	xline_expire(NULL); /* quietly: nobody is connected yet */
	log_info("loaded %u K-lines and %u D-lines", nklines, ndlines);
}

const struct xline *
xline_add(enum xline_kind kind, const char *mask, const char *reason, const char *setter,
          long duration, char *err, size_t size)
{
	struct xline *x;

	if (xline_valid(kind, mask, err, size) != 0)
		return NULL;
	dormant_delete(kind, mask); /* [limits] were lowered since it was stored */
	forget_other_spelling(kind, mask);
	x = insert(kind, mask, reason, setter, now, duration > 0 ? now + duration : 0);
	store_xline_save((char)x->kind, x->mask, x->reason, x->setter, x->set_at, x->expires);
	return x;
}

int
xline_del(enum xline_kind kind, const char *mask)
{
	struct xline *x = find(kind, mask);

	if (x == NULL)
		return dormant_delete(kind, mask);
	store_xline_delete((char)kind, x->mask);
	unlink_free(x);
	return 0;
}

static int
matches_ip(const char *mask, const char *ip)
{
	struct cidr net, addr;

	return cidr_parse(mask, &net) == 0 && cidr_parse(ip, &addr) == 0 &&
	       cidr_contains(&net, &addr);
}

const struct xline *
xline_match_ip(const char *ip)
{
	const struct xline *x;

	TAILQ_FOREACH (x, &dlines, link)
		if ((x->expires == 0 || x->expires > now) && matches_ip(x->mask, ip))
			return x;
	return NULL;
}

static int
matches_user(const struct xline *x, const char *user, const char *host, const char *ip)
{
	const char *at = strchr(x->mask, '@');
	char umask[64];

	snprintf(umask, sizeof(umask), "%.*s", (int)(at - x->mask), x->mask);
	/* A "~user" is unverified: the ban's user part matches it with or without. */
	if (!mask_match(umask, user) && !(user[0] == '~' && mask_match(umask, user + 1)))
		return 0;
	return mask_match(at + 1, host) || mask_match(at + 1, ip) || matches_ip(at + 1, ip);
}

const struct xline *
xline_match_user(const char *user, const char *host, const char *ip)
{
	const struct xline *x;

	TAILQ_FOREACH (x, &klines, link)
		if ((x->expires == 0 || x->expires > now) && matches_user(x, user, host, ip))
			return x;
	return NULL;
}

int
xline_matches_client(const struct xline *x, const struct client *c)
{
	if (x->kind == XLINE_D)
		return matches_ip(x->mask, c->ip);
	return c->registered && matches_user(x, c->user, c->realhost, c->ip);
}

void
xline_expire(void (*expired)(const struct xline *x))
{
	struct xline_list *lists[] = {&klines, &dlines};
	struct dormant *d, *dnext;

	for (d = LIST_FIRST(&dormants); d != NULL; d = dnext) {
		dnext = LIST_NEXT(d, next);
		if (d->expires != 0 && d->expires <= now) {
			store_xline_delete(d->kind, d->mask);
			dormant_free(d);
		}
	}
	for (size_t i = 0; i < ARRAY_LEN(lists); i++) {
		struct xline *x, *next;
		for (x = TAILQ_FIRST(lists[i]); x != NULL; x = next) {
			next = TAILQ_NEXT(x, link);
			if (x->expires != 0 && x->expires <= now) {
				if (expired != NULL)
					expired(x);
				store_xline_delete((char)x->kind, x->mask);
				unlink_free(x);
			}
		}
	}
}

void
xline_clear(void)
{
	struct xline *x;

	while ((x = TAILQ_FIRST(&klines)) != NULL)
		unlink_free(x);
	while ((x = TAILQ_FIRST(&dlines)) != NULL)
		unlink_free(x);
	while (!LIST_EMPTY(&dormants))
		dormant_free(LIST_FIRST(&dormants));
}
