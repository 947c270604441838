/* listener.c - bind, listen and accept until EAGAIN; EMFILE via a spare fd. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/stats.h"
#include "base/util.h"
#include "net/conn.h"
#include "net/listener.h"
#include "net/reactor.h"

struct listener {
	struct rio io;
	int fd;
	struct listen_opts opts; /* what its connections start with */
	enum conn_kind kind;     /* clients or servers */
	char *name;
	struct listener *next;
};

#define ACCEPT_RETRY 0.5 /* seconds between tries while out of descriptors */

static struct listener *listeners;
/* Held open so EMFILE can still be answered: close it, accept, refuse. */
static int spare_fd = -1;
/* Out of descriptors with no spare: listeners stopped until this fires. */
static struct rtimer retry_timer;
static int accept_paused;

static void
spare_open(void)
{
	if (spare_fd < 0)
		spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void
sockaddr_ip(const struct sockaddr_storage *ss, char *out, size_t size)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], out, (socklen_t)size);
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, out, (socklen_t)size);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ss)->sin_addr,
		          out, (socklen_t)size);
	}
}

static void
listeners_watch(int events)
{
	for (struct listener *l = listeners; l != NULL; l = l->next)
		rio_set(&l->io, events);
}

/* Try again: once the spare descriptor can be had, accept again. */
static void
accept_retry(struct rtimer *t)
{
	spare_open();
	if (spare_fd < 0) {
		rtimer_start(&retry_timer, ACCEPT_RETRY, 0, accept_retry);
		return;
	}
	accept_paused = 0;
	listeners_watch(RIO_READ);
}

/*
 * Out of descriptors and no spare to answer with: a listener that stays
 * readable would spin the loop, so stop watching them all for a while.
 */
static void
accept_pause(void)
{
	if (accept_paused)
		return;
	accept_paused = 1;
	listeners_watch(0);
	rtimer_start(&retry_timer, ACCEPT_RETRY, 0, accept_retry);
}

/* 0 when the refusal was answered; -1 when accepting had to pause. */
static int
refuse_emfile(struct listener *l)
{
	int fd, still_out;

	stats.refused++;
	conn_note_full("out of file descriptors");
	if (spare_fd < 0) {
		accept_pause();
		return -1;
	}
	close(spare_fd);
	spare_fd = -1;
	fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	still_out = fd < 0 && (errno == EMFILE || errno == ENFILE);
	if (fd >= 0)
		conn_refuse(fd, "*", "Server is full (no file descriptors)");
	spare_open();
	if (still_out || spare_fd < 0) {
		accept_pause();
		return -1;
	}
	return fd >= 0 ? 0 : -1;
}

static void
listener_accept(struct rio *io, int events)
{
	struct listener *l = container_of(io, struct listener, io);

	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		char ip[INET6_ADDRSTRLEN];
		int one = 1;
		int fd =
		    accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				if (refuse_emfile(l) == 0)
					continue;
				return;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("accept on %s: %s", l->name, strerror(errno));
			return;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		sockaddr_ip(&ss, ip, sizeof(ip));
		conn_new(fd, ip, &l->opts, l->kind);
	}
}

static int
listener_open(const struct conf_listen *cl)
{
	struct addrinfo hints, *ai = NULL;
	char port[16];
	struct listener *l;
	int fd, one = 1, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", cl->port);
	r = getaddrinfo(cl->host, port, &hints, &ai);
	if (r != 0) {
		log_error("[listen %s] host '%s': %s", cl->name, cl->host ? cl->host : "*",
		          gai_strerror(r));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_error("[listen %s] socket: %s", cl->name, strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* So an IPv4 and an IPv6 listener can share a port. */
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 4096) != 0) {
		log_error("[listen %s] %s port %d: %s", cl->name, cl->host ? cl->host : "*",
		          cl->port, strerror(errno));
		close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	l = xcalloc(1, sizeof(*l));
	l->fd = fd;
	l->name = xstrdup(cl->name);
	l->opts.tls = cl->tls;
	l->opts.websocket = cl->type == LISTEN_WEBSOCKET;
	l->opts.proxy = cl->proxy;
	l->opts.proxies = cl->proxies ? xstrdup(cl->proxies) : NULL;
	l->opts.origins = cl->origins ? xstrdup(cl->origins) : NULL;
	l->kind = cl->type == LISTEN_SERVERS ? CONN_KIND_SERVER : CONN_KIND_CLIENT;
	rio_init(&l->io, fd, listener_accept);
	rio_set(&l->io, accept_paused ? 0 : RIO_READ);
	l->next = listeners;
	listeners = l;
	log_info("listening on %s port %d%s%s%s", cl->host ? cl->host : "*", cl->port,
	         cl->tls ? " (TLS)" : "", cl->type == LISTEN_WEBSOCKET ? " (WebSocket)" : "",
	         cl->proxy ? " (PROXY protocol)" : "");
	return 0;
}

int
listener_open_all(const struct config *c)
{
	const struct conf_listen *cl;

	spare_open();
	TAILQ_FOREACH (cl, &c->listens, link)
		if (listener_open(cl) != 0)
			return -1;
	return 0;
}

void
listener_close_all(void)
{
	if (accept_paused) {
		rtimer_stop(&retry_timer);
		accept_paused = 0;
	}
	while (listeners != NULL) {
		struct listener *l = listeners;
		listeners = l->next;
		rio_set(&l->io, 0);
		close(l->fd);
		free(l->name);
		free(l->opts.proxies);
		free(l->opts.origins);
		free(l);
	}
}
