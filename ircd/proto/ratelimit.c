/* ratelimit.c - target changes, nick cycling and metadata churn, per client. */
#include "base/casemap.h"
#include "base/util.h"
#include "net/conn.h"
#include "proto/ratelimit.h"
#include "state/client.h"
#include "state/local.h"

#define TARGET_WINDOW 60 /* a target slot frees after this many seconds */
#define NICK_CHANGES 3   /* nick changes... */
#define NICK_WINDOW 30   /* ...per this many seconds */
#define META_CHANGES 20  /* metadata changes... */
#define META_WINDOW 10   /* ...per this many seconds */

static int
exempt(const struct client *c)
{
	return c->local == NULL || conn_flood_exempt(c->local->conn);
}

int
ratelimit_target(struct client *c, const char *target)
{
	struct local *l = c->local;
	uint32_t h = irc_strhash(target);
	int oldest = 0;

	if (exempt(c))
		return 1;
	for (int i = 0; i < TARGET_SLOTS; i++) {
		if (l->targets[i] == h && l->targets_when[i] != 0) {
			l->targets_when[i] = now;
			return 1;
		}
		if (l->targets_when[i] < l->targets_when[oldest])
			oldest = i;
	}
	if (l->targets_when[oldest] != 0 && now - l->targets_when[oldest] < TARGET_WINDOW)
		return 0;
	l->targets[oldest] = h;
	l->targets_when[oldest] = now;
	return 1;
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

/* Each change is told to everyone sharing a channel, as a nick change is. */
int
ratelimit_metadata_change(struct client *c, unsigned *wait)
{
	return exempt(c) ||
	       rate_window_take(&c->local->meta_changes, META_CHANGES, META_WINDOW, wait);
}
