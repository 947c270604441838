/* linger.c - lingering close, as nginx does it. */
#include <errno.h>
#include <stdlib.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/util.h"
#include "net/linger.h"
#include "net/reactor.h"

#define LINGER_SECONDS 2.0
#define LINGER_MAX 4096 /* beyond this many, close at once */

struct lingerer {
	struct rio io;
	struct rtimer timer;
	int fd;
	TAILQ_ENTRY(lingerer) link;
};

/* Oldest first: the first to give up its descriptor when the budget is hit. */
static TAILQ_HEAD(, lingerer) lingering = TAILQ_HEAD_INITIALIZER(lingering);
static unsigned count;

static void
linger_end(struct lingerer *l)
{
	rio_set(&l->io, 0);
	rtimer_stop(&l->timer);
	close(l->fd);
	TAILQ_REMOVE(&lingering, l, link);
	count--;
	free(l);
}

static void
linger_read(struct rio *io, int events)
{
	struct lingerer *l = container_of(io, struct lingerer, io);
	char sink[4096];
	ssize_t n;

	while ((n = read(l->fd, sink, sizeof(sink))) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		linger_end(l);
}

static void
linger_timeout(struct rtimer *t)
{
	linger_end(container_of(t, struct lingerer, timer));
}

void
linger_close(int fd)
{
	struct lingerer *l;

	if (shutdown(fd, SHUT_WR) != 0 || count >= LINGER_MAX) {
		close(fd);
		return;
	}
	l = xcalloc(1, sizeof(*l));
	l->fd = fd;
	rio_init(&l->io, fd, linger_read);
	rio_set(&l->io, RIO_READ);
	rtimer_start(&l->timer, LINGER_SECONDS, 0, linger_timeout);
	TAILQ_INSERT_TAIL(&lingering, l, link);
	count++;
}

void
linger_close_all(void)
{
	while (!TAILQ_EMPTY(&lingering))
		linger_end(TAILQ_FIRST(&lingering));
}

int
linger_shed(void)
{
	if (TAILQ_EMPTY(&lingering))
		return 0;
	linger_end(TAILQ_FIRST(&lingering));
	return 1;
}

unsigned
linger_count(void)
{
	return count;
}
