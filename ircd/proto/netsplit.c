/* netsplit.c - netsplit and netjoin batches, and the nicks of split users held. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include "base/bounds.h"
#include "base/conf.h"
#include "base/hash.h"
#include "base/util.h"
#include "net/reactor.h"
#include "proto/batch.h"
#include "proto/cap.h"
#include "proto/exit.h"
#include "proto/netsplit.h"
#include "proto/outmsg.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"

#define HOLDS_MAX 65536 /* held nicks at most; a bigger split holds its newest */
#define REF_MAX 16

/* ---- The nicks of split users, held for the grace period. */

struct hold {
	char nick[NICKLEN_MAX + 1]; /* the table's key */
	char user[USERLEN + 1];
	char host[HOSTLEN + 1];
	time_t until;
	TAILQ_ENTRY(hold) order; /* oldest first */
};

static struct strmap holds;
static TAILQ_HEAD(, hold) hold_order = TAILQ_HEAD_INITIALIZER(hold_order);
static struct rtimer tick_timer;

static void
hold_free(struct hold *h)
{
	strmap_del(&holds, h->nick);
	TAILQ_REMOVE(&hold_order, h, order);
	free(h);
}

/*
 * Oldest first, so the sweep stops at the first one still held (a rehash
 * that shortens the period leaves later ones to the lookups' own check).
 */
static void
holds_expire(void)
{
	struct hold *h;

	while ((h = TAILQ_FIRST(&hold_order)) != NULL && h->until <= now)
		hold_free(h);
}

static void netjoins_expire(void);

static void
netsplit_tick(struct rtimer *t)
{
	(void)t;
	holds_expire();
	netjoins_expire();
}

static void
hold_add(const struct client *c)
{
	unsigned period = conf->netsplit.split_user_grace_period;
	struct hold *h;

	if (period == 0 || !c->registered)
		return;
	if ((h = strmap_get(&holds, c->nick)) != NULL)
		hold_free(h);
	if (holds.count >= HOLDS_MAX)
		hold_free(TAILQ_FIRST(&hold_order));
	h = xcalloc(1, sizeof(*h));
	str_copy(h->nick, c->nick, sizeof(h->nick));
	str_copy(h->user, c->user, sizeof(h->user));
	str_copy(h->host, c->host, sizeof(h->host));
	h->until = now + (time_t)period;
	TAILQ_INSERT_TAIL(&hold_order, h, order);
	strmap_put(&holds, h->nick, h);
}

static struct hold *
hold_find(const char *nick)
{
	struct hold *h = strmap_get(&holds, nick);

	if (h != NULL && h->until <= now) {
		hold_free(h);
		return NULL;
	}
	return h;
}

int
netsplit_nick_held(const char *nick)
{
	return hold_find(nick) != NULL;
}

void
netsplit_init(void)
{
	strmap_init(&holds, 64);
	rtimer_start(&tick_timer, 1.0, 1.0, netsplit_tick);
}

/*
 * ---- netjoin: one batch per joining server (a direct link's peer while it
 * bursts, or a server new behind a link until its EOB), opened to each
 * recipient at its first JOIN from it, closed at the end of that burst.
 */

#define NETJOIN_SECONDS 30   /* a burst with no end (no EOB) is over by then */
#define NETJOIN_LATE_MS 1000 /* a late return's JOINs come with its UID */

struct uid_entry {
	char uid[UIDLEN + 1];
};

struct netjoin {
	struct server *server; /* the server joining */
	time_t started;
	uint64_t started_ms;
	int late; /* users back after their server's burst: closed a second later */
	char ref[REF_MAX];
	struct outmsg *open;  /* "BATCH +ref netjoin near far", built once */
	struct strmap back;   /* the UIDs of the users back in this burst */
	struct strmap opened; /* the UIDs of the local users the batch is open to */
	LIST_ENTRY(netjoin) entry;
};

static LIST_HEAD(, netjoin) netjoins = LIST_HEAD_INITIALIZER(netjoins);

static struct netjoin *
netjoin_of(const struct server *s)
{
	struct netjoin *nj;

	LIST_FOREACH (nj, &netjoins, entry)
		if (nj->server == s)
			return nj;
	return NULL;
}

static struct netjoin *
netjoin_new(struct server *s)
{
	char params[2 * SERVLEN + 2];
	struct netjoin *nj = xcalloc(1, sizeof(*nj));

	nj->server = s;
	nj->started = now;
	nj->started_ms = now_ms;
	batch_ref_new(nj->ref, sizeof(nj->ref));
	snprintf(params, sizeof(params), "%s %s", s->uplink != NULL ? s->uplink->name : me.name,
	         s->name);
	nj->open = batch_shared_open(NULL, nj->ref, "netjoin", params);
	strmap_init(&nj->back, 16);
	strmap_init(&nj->opened, 16);
	LIST_INSERT_HEAD(&netjoins, nj, entry);
	return nj;
}

/*
 * The server whose burst brings c: the one nearest us on c's path that has
 * not ended its burst, if it linked lately; NULL when c is no burst's.
 */
static struct server *
joining_server(const struct client *c)
{
	struct server *top = NULL;

	for (struct server *s = c->server; s != NULL && s != &me; s = s->uplink)
		if (!s->eob && now - s->linked_at <= NETJOIN_SECONDS)
			top = s;
	return top;
}

static void
uid_add(struct strmap *set, const char *uid)
{
	struct uid_entry *e;

	if (strmap_get(set, uid) != NULL)
		return;
	e = xmalloc(sizeof(*e));
	str_copy(e->uid, uid, sizeof(e->uid));
	strmap_put(set, e->uid, e);
}

static void
uid_set_free(struct strmap *set)
{
	strmap_foreach (set, slot)
		free(slot->value);
	strmap_free(set);
}

void
netsplit_user_back(struct client *c)
{
	struct hold *h = hold_find(c->nick);
	struct server *s;
	struct netjoin *nj;
	int same;

	if (h == NULL)
		return;
	same = strcmp(h->user, c->user) == 0 && strcasecmp(h->host, c->host) == 0;
	hold_free(h);
	if (!same)
		return;
	if ((s = joining_server(c)) == NULL) {
		/*
		 * Back after its server's burst ended (reconnected there, or its
		 * burst came late): still a return from the split, in a batch of
		 * its own server's that closes a second later.
		 */
		s = c->server;
		if ((nj = netjoin_of(s)) == NULL) {
			nj = netjoin_new(s);
			nj->late = 1;
		}
	} else if ((nj = netjoin_of(s)) == NULL) {
		nj = netjoin_new(s);
	}
	uid_add(&nj->back, c->uid);
}

int
netjoin_announce(struct client *c, struct channel *ch, struct outmsg *plain, struct outmsg *ext)
{
	struct outmsg *framed[2] = {NULL, NULL};
	struct netjoin *nj;

	LIST_FOREACH (nj, &netjoins, entry)
		if (strmap_get(&nj->back, c->uid) != NULL)
			break;
	if (nj == NULL)
		return 0;
	for (uint32_t i = 0; i < ch->nmembers; i++) {
		struct client *to = ch->members[i]->client;
		int e;
		if (to->local == NULL)
			continue;
		e = (to->local->caps & CAP_EXTENDED_JOIN) != 0;
		if (!(to->local->caps & CAP_BATCH)) {
			send_msg(to, e ? ext : plain);
			continue;
		}
		if (strmap_get(&nj->opened, to->uid) == NULL) {
			uid_add(&nj->opened, to->uid);
			send_msg(to, nj->open);
		}
		if (framed[e] == NULL)
			framed[e] = outmsg_batched(e ? ext : plain, nj->ref);
		send_msg(to, framed[e]);
	}
	for (int i = 0; i < 2; i++)
		if (framed[i] != NULL)
			msg_release(framed[i]);
	return 1;
}

static void
netjoin_close(struct netjoin *nj)
{
	struct outmsg *close = batch_shared_close(NULL, nj->ref);

	strmap_foreach (&nj->opened, slot) {
		struct client *to = client_find_uid(slot->key);
		if (to != NULL && to->local != NULL)
			send_msg(to, close);
	}
	msg_release(close);
	msg_release(nj->open);
	uid_set_free(&nj->back);
	uid_set_free(&nj->opened);
	LIST_REMOVE(nj, entry);
	free(nj);
}

void
netjoin_end(const struct server *s)
{
	struct netjoin *nj = netjoin_of(s);

	if (nj != NULL)
		netjoin_close(nj);
}

/* s, or a server behind it, is leaving: the netjoins of those end first. */
static void
netjoin_end_behind(const struct server *s)
{
	struct netjoin *nj, *next;

	for (nj = LIST_FIRST(&netjoins); nj != NULL; nj = next) {
		next = LIST_NEXT(nj, entry);
		for (const struct server *p = nj->server; p != NULL; p = p->uplink)
			if (p == s) {
				netjoin_close(nj);
				break;
			}
	}
}

/* Bursts that never said they ended (charybdis servers behind a link send no EOB). */
static void
netjoins_expire(void)
{
	struct netjoin *nj, *next;

	for (nj = LIST_FIRST(&netjoins); nj != NULL; nj = next) {
		next = LIST_NEXT(nj, entry);
		if (now - nj->started > NETJOIN_SECONDS ||
		    (nj->late && now_ms - nj->started_ms >= NETJOIN_LATE_MS))
			netjoin_close(nj);
	}
}

/* ---- netsplit: every QUIT queued in one pass, one batch per recipient. */

/* The local members of one channel the split touches: split.locals[start..start+n). */
struct slice {
	uint32_t start, n;
};

struct split {
	const char *quit; /* "near far": the reason and the batch's parameters */
	char ref[REF_MAX];
	struct ptrmap chans; /* channel -> its slice's index + 1 */
	struct slice *slices;
	uint32_t nslices, slices_cap;
	struct client **locals; /* the local members, channel by channel */
	uint32_t nlocals, locals_cap;
	struct client **to; /* every local recipient once */
	uint32_t nto, to_cap;
};

#define PUSH(arr, n, cap, v)                                                                   \
	do {                                                                                   \
		if ((n) == (cap)) {                                                            \
			(cap) = (cap) ? (cap)*2 : 64;                                          \
			(arr) = xrealloc((arr), (cap) * sizeof(*(arr)));                       \
		}                                                                              \
		(arr)[(n)++] = (v);                                                            \
	} while (0)

/* A channel's local members, the first time one of the leaving users is seen on it. */
static void
collect_channel(struct split *sp, struct channel *ch, uint32_t serial)
{
	struct slice sl = {sp->nlocals, 0};

	if (ptrmap_get(&sp->chans, ch) != NULL)
		return;
	for (uint32_t i = 0; i < ch->nmembers; i++) {
		struct client *to = ch->members[i]->client;
		if (to->local == NULL)
			continue;
		PUSH(sp->locals, sp->nlocals, sp->locals_cap, to);
		sl.n++;
		if (to->mark != serial) {
			to->mark = serial;
			PUSH(sp->to, sp->nto, sp->to_cap, to);
		}
	}
	PUSH(sp->slices, sp->nslices, sp->slices_cap, sl);
	ptrmap_put(&sp->chans, ch, (void *)(uintptr_t)sp->nslices);
}

static void
collect_server(struct split *sp, const struct server *s, uint32_t serial)
{
	const struct server *child;
	const struct client *c;
	const struct membership *m;

	LIST_FOREACH (child, &s->children, sibling)
		collect_server(sp, child, serial);
	LIST_FOREACH (c, &s->clients, server_link)
		LIST_FOREACH (m, &c->channels, client_link)
			collect_channel(sp, m->channel, serial);
}

/* The batch's opening or closing line to each recipient with the batch capability. */
static void
frame_all(struct split *sp, struct outmsg *om)
{
	for (uint32_t i = 0; i < sp->nto; i++)
		if (sp->to[i]->local->caps & CAP_BATCH)
			send_msg(sp->to[i], om);
}

/* One user leaves: its QUIT to each local member of its channels, once each. */
static void
split_visit(struct client *c, void *arg)
{
	struct split *sp = arg;
	struct outmsg *plain, *framed = NULL;
	struct membership *m;
	uint32_t serial;

	if (!c->registered) {
		client_exit(c, sp->quit);
		return;
	}
	plain = msg_from(c, "QUIT :%s", sp->quit);
	serial = send_serial();
	LIST_FOREACH (m, &c->channels, client_link) {
		uintptr_t idx = (uintptr_t)ptrmap_get(&sp->chans, m->channel);
		const struct slice *sl;
		if (idx == 0)
			continue;
		sl = &sp->slices[idx - 1];
		for (uint32_t i = sl->start; i < sl->start + sl->n; i++) {
			struct client *to = sp->locals[i];
			if (to->mark == serial)
				continue;
			to->mark = serial;
			if (!(to->local->caps & CAP_BATCH)) {
				send_msg(to, plain);
				continue;
			}
			if (framed == NULL)
				framed = outmsg_batched(plain, sp->ref);
			send_msg(to, framed);
		}
	}
	hold_add(c);
	client_exit_sent(c, sp->quit, plain);
	msg_release(plain);
	if (framed != NULL)
		msg_release(framed);
}

void
netsplit_run(struct server *s, const char *near)
{
	char quit[2 * SERVLEN + 2];
	struct split sp = {.quit = quit};
	struct outmsg *om;

	if (s == &me)
		return;
	snprintf(quit, sizeof(quit), "%s %s", near, s->name);
	netjoin_end_behind(s);
	ptrmap_init(&sp.chans);
	collect_server(&sp, s, send_serial());
	batch_ref_new(sp.ref, sizeof(sp.ref));
	om = batch_shared_open(NULL, sp.ref, "netsplit", quit);
	frame_all(&sp, om);
	msg_release(om);
	server_split(s, split_visit, &sp);
	om = batch_shared_close(NULL, sp.ref);
	frame_all(&sp, om);
	msg_release(om);
	ptrmap_free(&sp.chans);
	free(sp.slices);
	free(sp.locals);
	free(sp.to);
}
