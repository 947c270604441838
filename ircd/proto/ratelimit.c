/* ratelimit.c - target changes, nick cycling and metadata churn, per client. */
#include <string.h>

#include "base/casemap.h"
#include "base/util.h"
#include "net/conn.h"
#include "proto/ratelimit.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"

#define TARGET_REFILL 10 /* a new-target slot comes back every this many seconds */
#define NICK_CHANGES 3   /* nick changes... */
#define NICK_WINDOW 30   /* ...per this many seconds */
#define META_CHANGES 20  /* metadata changes... */
#define META_WINDOW 10   /* ...per this many seconds */
#define CLOAK_CHANGES 2  /* +x/-x changes... */
#define CLOAK_WINDOW 30  /* ...per this many seconds */

static int
exempt(const struct client *c)
{
	return c->local == NULL || conn_flood_exempt(c->local->conn);
}

static int
ring_has(const uint32_t *ring, size_t n, uint32_t h)
{
	for (size_t i = 0; i < n; i++)
		if (ring[i] == h)
			return 1;
	return 0;
}

/*
 * A client's place in a replies ring: its UID, which servers assign and
 * users cannot choose, so a plain FNV-1a of it will do (the keyed hash of
 * the name tables costs several times more, on every message).
 */
static uint32_t
uid_fingerprint(const char *uid)
{
	uint32_t h = 2166136261u;

	for (; *uid != '\0'; uid++)
		h = (h ^ (unsigned char)*uid) * 16777619u;
	return h;
}

/* Channels c is on, and people who messaged c lately, cost no new target. */
static int
target_free_of_charge(const struct client *c, const char *target)
{
	const char *name = target + strspn(target, "@+");
	const struct client *to;

	if (name[0] == '#') {
		const struct channel *ch = channel_find(name);
		return ch != NULL && channel_member(ch, c) != NULL;
	}
	to = client_find_nick(target);
	return to != NULL && ring_has(c->local->replies, REPLY_SLOTS, uid_fingerprint(to->uid));
}

/* Slots come back one per TARGET_REFILL seconds, up to TARGET_SLOTS. */
static void
target_refill(struct local *l)
{
	time_t steps;

	if (l->target_refilled == 0) { /* first message: a full set */
		l->target_free = TARGET_SLOTS;
		l->target_refilled = now;
		return;
	}
	steps = (now - l->target_refilled) / TARGET_REFILL;
	if (steps <= 0)
		return;
	l->target_free = (uint8_t)MIN((time_t)TARGET_SLOTS, l->target_free + steps);
	l->target_refilled += steps * TARGET_REFILL;
}

int
ratelimit_target(struct client *c, const char *target)
{
	struct local *l = c->local;
	uint32_t h;

	if (exempt(c) || target_free_of_charge(c, target))
		return 1;
	h = irc_strhash(
	    target); /* the name a user chose: keyed, so no collision is made to order */
	if (h != 0 && ring_has(l->targets, TARGET_SLOTS, h))
		return 1;
	target_refill(l);
	if (l->target_free == 0)
		return 0;
	l->target_free--;
	l->targets[l->target_next] = h;
	l->target_next = (uint8_t)((l->target_next + 1) % TARGET_SLOTS);
	return 1;
}

void
ratelimit_note_sender(struct client *to, const struct client *from)
{
	struct local *l = to->local;
	uint32_t h;

	if (l == NULL || from == to)
		return;
	h = uid_fingerprint(from->uid);
	if (ring_has(l->replies, REPLY_SLOTS, h))
		return;
	l->replies[l->reply_next] = h;
	l->reply_next = (uint8_t)((l->reply_next + 1) % REPLY_SLOTS);
}

/* Take one event from w; 0 with *wait (seconds) when the window is spent. */
static int
rate_window_take(struct rate_window *w, unsigned max, time_t span, unsigned *wait)
{
	if (now - w->start >= span) {
		w->start = now;
		w->count = 0;
	}
	if (w->count >= max) {
		*wait = (unsigned)(span - (now - w->start));
		return 0;
	}
	w->count++;
	return 1;
}

int
ratelimit_nick_change(struct client *c, unsigned *wait)
{
	return exempt(c) ||
	       rate_window_take(&c->local->nick_changes, NICK_CHANGES, NICK_WINDOW, wait);
}

int
ratelimit_cloak_change(struct client *c, unsigned *wait)
{
	return exempt(c) ||
	       rate_window_take(&c->local->cloak_changes, CLOAK_CHANGES, CLOAK_WINDOW, wait);
}

/* Each change is told to everyone sharing a channel, as a nick change is. */
int
ratelimit_metadata_change(struct client *c, unsigned *wait)
{
	return exempt(c) ||
	       rate_window_take(&c->local->meta_changes, META_CHANGES, META_WINDOW, wait);
}
