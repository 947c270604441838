/* history_window.c - an LRU of per-target rings of the newest history lines. */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "base/hash.h"
#include "base/util.h"
#include "store/history_row.h"
#include "store/history_window.h"

#define WINDOW_SIZE 64
#define WINDOWS_MAX 256

struct window {
	char key[HISTORY_KEY_MAX];
	struct history_row ring[WINDOW_SIZE];
	unsigned head, count; /* ring[head] is the oldest */
	TAILQ_ENTRY(window) lru;
};

static struct strmap windows;
static TAILQ_HEAD(window_lru, window) window_lru = TAILQ_HEAD_INITIALIZER(window_lru);

static struct history_row *
window_row(struct window *w, unsigned i)
{
	return &w->ring[(w->head + i) % WINDOW_SIZE];
}

static struct window *
window_find(const char *key)
{
	return windows.count ? strmap_get(&windows, key) : NULL;
}

static void
window_free(struct window *w)
{
	for (unsigned i = 0; i < w->count; i++)
		history_row_free(window_row(w, i));
	strmap_del(&windows, w->key);
	TAILQ_REMOVE(&window_lru, w, lru);
	free(w);
}

/* The key's window, made most recently used; a new one evicts the least. */
static struct window *
window_touch(const char *key)
{
	struct window *w;

	if (windows.slots == NULL)
		strmap_init(&windows, WINDOWS_MAX);
	w = strmap_get(&windows, key);
	if (w != NULL) {
		TAILQ_REMOVE(&window_lru, w, lru);
		TAILQ_INSERT_HEAD(&window_lru, w, lru);
		return w;
	}
	if (windows.count >= WINDOWS_MAX)
		window_free(TAILQ_LAST(&window_lru, window_lru));
	w = xcalloc(1, sizeof(*w));
	str_copy(w->key, key, sizeof(w->key));
	strmap_put(&windows, w->key, w);
	TAILQ_INSERT_HEAD(&window_lru, w, lru);
	return w;
}

void
history_window_push(const struct history_row *r)
{
	struct window *w = window_touch(r->target);

	if (w->count == WINDOW_SIZE) {
		history_row_free(&w->ring[w->head]);
		w->head = (w->head + 1) % WINDOW_SIZE;
		w->count--;
	}
	history_row_copy(window_row(w, w->count), r);
	w->count++;
}

/* Does the window hold the newest limit lines a client would be shown? */
static int
window_covers(struct window *w, int limit, int events)
{
	if (w == NULL || (int)w->count < limit)
		return 0;
	/* Without event-playback, events in the window would not count: ask sqlite. */
	if (!events)
		for (unsigned i = w->count - (unsigned)limit; i < w->count; i++)
			if (history_is_event(window_row(w, i)->cmd))
				return 0;
	return 1;
}

int
history_window_latest(const char *key, int limit, int events, int64_t oldest_ms,
                      struct history_row **rows, size_t *nrows)
{
	struct window *w = window_find(key);

	if (!window_covers(w, limit, events))
		return 0;
	*rows = xcalloc((size_t)limit, sizeof(**rows));
	*nrows = 0;
	for (unsigned i = w->count - (unsigned)limit; i < w->count; i++)
		if (window_row(w, i)->time_ms >= oldest_ms)
			history_row_copy(&(*rows)[(*nrows)++], window_row(w, i));
	return 1;
}

const struct history_row *
history_window_find(const char *key, const char *msgid)
{
	struct window *w = window_find(key);

	for (unsigned i = 0; w != NULL && i < w->count; i++)
		if (strcmp(window_row(w, i)->msgid, msgid) == 0)
			return window_row(w, i);
	return NULL;
}

/* msgid itself, or a further line of its multiline message ("msgid/2"). */
static int
row_is_part_of(const struct history_row *r, const char *msgid)
{
	size_t n = strlen(msgid);

	return strncmp(r->msgid, msgid, n) == 0 && (r->msgid[n] == '\0' || r->msgid[n] == '/');
}

void
history_window_forget(const char *key, const char *msgid)
{
	struct window *w = window_find(key);
	unsigned kept = 0;

	if (w == NULL)
		return;
	/*
	 * The rest still are the newest lines of the key (the redacted ones are
	 * gone from the database too), so the window keeps vouching for them.
	 */
	for (unsigned i = 0; i < w->count; i++) {
		struct history_row *r = window_row(w, i);
		if (row_is_part_of(r, msgid)) {
			history_row_free(r);
			continue;
		}
		if (kept != i)
			*window_row(w, kept) = *r; /* moved: the old slot is past count now */
		kept++;
	}
	w->count = kept;
}

void
history_window_drop(const char *key)
{
	struct window *w = window_find(key);

	if (w != NULL)
		window_free(w);
}

void
history_window_clear(void)
{
	while (!TAILQ_EMPTY(&window_lru))
		window_free(TAILQ_FIRST(&window_lru));
	strmap_free(&windows);
}

size_t
history_window_targets(void)
{
	return windows.count;
}
