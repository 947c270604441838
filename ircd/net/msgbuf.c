/* msgbuf.c - refcounted buffers and the sendq ring. */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "net/msgbuf.h"

/* Private buffers start big enough for a typical burst of replies. */
#define PRIVATE_MIN 1024
#define RING_KEEP 16 /* sendq_trim frees drained rings larger than this */

/* The ring's capacity is a power of two: a mask, not a division, per slot. */
static inline struct msgbuf **
ring_slot(const struct sendq *q, uint32_t i)
{
	return &q->ring[(q->head + i) & (q->cap - 1)];
}

/*
 * Buffers up to POOL_CAP bytes come from a small pool: a channel message
 * allocates one and the last recipient's write frees it, a malloc/free
 * pair per message that glibc's per-size cache (7 entries) misses when a
 * loop turn frees more. Bounded, so an idle server keeps at most 64 KB.
 */
#define POOL_CAP 1024
#define POOL_MAX 64

#ifndef __SANITIZE_ADDRESS__ /* under ASan every buffer is its own allocation */
static struct msgbuf *pool[POOL_MAX];
static int pooled;

static struct msgbuf *
pool_take(size_t cap)
{
	return cap <= POOL_CAP && pooled > 0 ? pool[--pooled] : NULL;
}

static int
pool_give(struct msgbuf *mb)
{
	if (mb->cap > POOL_CAP || pooled == POOL_MAX)
		return 0;
	pool[pooled++] = mb;
	return 1;
}
#else
static struct msgbuf *
pool_take(size_t cap)
{
	(void)cap;
	return NULL;
}

static int
pool_give(struct msgbuf *mb)
{
	(void)mb;
	return 0;
}
#endif

struct msgbuf *
msgbuf_new(size_t cap)
{
	struct msgbuf *mb = pool_take(cap);

	if (mb == NULL)
		mb = xmalloc(sizeof(*mb) + (cap <= POOL_CAP ? POOL_CAP : cap));
	mb->refs = 1;
	mb->len = 0;
	mb->cap = (uint32_t)cap;
	mb->shared = 0;
	return mb;
}

void
msgbuf_unref(struct msgbuf *mb)
{
	if (--mb->refs == 0 && !pool_give(mb))
		free(mb);
}

void
sendq_init(struct sendq *q)
{
	memset(q, 0, sizeof(*q));
}

void
sendq_free(struct sendq *q)
{
	for (uint32_t i = 0; i < q->count; i++)
		msgbuf_unref(*ring_slot(q, i));
	free(q->ring);
	sendq_init(q);
}

static void
ring_grow(struct sendq *q)
{
	uint32_t ncap = q->cap ? q->cap * 2 : 4;
	struct msgbuf **n = xmalloc(ncap * sizeof(*n));

	for (uint32_t i = 0; i < q->count; i++)
		n[i] = *ring_slot(q, i);
	free(q->ring);
	q->ring = n;
	q->cap = ncap;
	q->head = 0;
}

static void
ring_push(struct sendq *q, struct msgbuf *mb)
{
	if (q->count == q->cap)
		ring_grow(q);
	*ring_slot(q, q->count) = mb;
	q->count++;
	q->bytes += mb->len;
}

void
sendq_push(struct sendq *q, struct msgbuf *mb)
{
	mb->shared = 1;
	ring_push(q, msgbuf_ref(mb));
}

void
sendq_append(struct sendq *q, const char *data, size_t len)
{
	struct msgbuf *tail = NULL;

	if (q->count > 0)
		tail = *ring_slot(q, q->count - 1);
	if (tail != NULL && !tail->shared && tail->cap - tail->len >= len) {
		memcpy(tail->data + tail->len, data, len);
		tail->len += (uint32_t)len;
		q->bytes += len;
		return;
	}
	tail = msgbuf_new(MAX(len, PRIVATE_MIN));
	memcpy(tail->data, data, len);
	tail->len = (uint32_t)len;
	ring_push(q, tail);
}

int
sendq_iov(const struct sendq *q, struct iovec *iov, int max)
{
	int n = 0;

	for (uint32_t i = 0; i < q->count && n < max; i++, n++) {
		struct msgbuf *mb = *ring_slot(q, i);
		size_t off = i == 0 ? q->head_off : 0;
		iov[n].iov_base = mb->data + off;
		iov[n].iov_len = mb->len - off;
	}
	return n;
}

void
sendq_consume(struct sendq *q, size_t n)
{
	q->bytes -= n;
	while (n > 0 && q->count > 0) {
		struct msgbuf *mb = q->ring[q->head];
		size_t left = mb->len - q->head_off;
		if (n < left) {
			q->head_off += (uint32_t)n;
			return;
		}
		n -= left;
		msgbuf_unref(mb);
		q->head = (q->head + 1) & (q->cap - 1);
		q->count--;
		q->head_off = 0;
	}
}

void
sendq_trim(struct sendq *q)
{
	if (q->count == 0 && q->cap > RING_KEEP) {
		free(q->ring);
		q->ring = NULL;
		q->cap = 0;
		q->head = 0;
	}
}
