/* msgbuf.h - refcounted output buffers and the per-connection sendq. */
#ifndef EVIRCD_MSGBUF_H
#define EVIRCD_MSGBUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * A message serialized once and shared by every recipient's sendq: each
 * queue holds a reference, never a copy.  A private buffer (refs == 1,
 * owned by one sendq) may be appended to, which coalesces the many small
 * replies a command produces into one iovec.
 */
struct msgbuf {
	uint32_t refs;
	uint32_t len;
	uint32_t cap;
	uint8_t shared; /* once shared, never appended to */
	char data[];
};

struct msgbuf *msgbuf_new(size_t cap);
static inline struct msgbuf *
msgbuf_ref(struct msgbuf *mb)
{
	mb->refs++;
	return mb;
}
void msgbuf_unref(struct msgbuf *mb);

/* A ring of references; the head may be partly written (head_off). */
struct sendq {
	struct msgbuf **ring;
	uint32_t head;
	uint32_t count;
	uint32_t cap;
	uint32_t head_off;
	size_t bytes; /* unsent bytes, checked against the class sendq */
};

void sendq_init(struct sendq *q);
void sendq_free(struct sendq *q);
/* Queue a reference to a shared buffer. */
void sendq_push(struct sendq *q, struct msgbuf *mb);
/* Copy bytes in, coalescing into the tail buffer when it is private. */
void sendq_append(struct sendq *q, const char *data, size_t len);
/* Fill iov with up to max entries of unsent data; returns the count. */
int sendq_iov(const struct sendq *q, struct iovec *iov, int max);
/* Drop n bytes that were written. */
void sendq_consume(struct sendq *q, size_t n);
/*
 * Free a drained ring that grew large.  Not done at every drain: a busy
 * recipient would regrow its ring (4, 8, ... 64 slots) on every burst.
 */
void sendq_trim(struct sendq *q);

#endif
