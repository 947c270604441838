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
	LIST_ENTRY(lingerer) link;
};

static LIST_HEAD(, lingerer) lingering = LIST_HEAD_INITIALIZER(lingering);
static unsigned count;

static void
linger_end(struct lingerer *l)
{
	rio_set(&l->io, 0);
	rtimer_stop(&l->timer);
	close(l->fd);
	LIST_REMOVE(l, link);
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
	LIST_INSERT_HEAD(&lingering, l, link);
	count++;
}

void
linger_close_all(void)
{
	while (!LIST_EMPTY(&lingering))
		linger_end(LIST_FIRST(&lingering));
}

unsigned
linger_count(void)
{
	return count;
}
