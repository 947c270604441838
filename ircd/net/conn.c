/* conn.c - sockets: read and frame input, flush output once per tick. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/bounds.h"
#include "base/cidr.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/stats.h"
#include "base/util.h"
#include "net/conn.h"
#include "net/iplimit.h"
#include "net/line.h"
#include "net/linger.h"
#include "net/proxyproto.h"
#include "net/tls.h"
#include "net/websocket.h"

#define READ_CHUNK 16384 /* at most this much per read event: fairness */
#define IOV_BATCH 64
#define FDS_RESERVED 32        /* listeners, database, logs, the spare fd */
#define WS_ENCODE_BUDGET 16384 /* lines framed per write: a TLS record's worth */
#define WS_FINAL_BUDGET 65536  /* framed for a closing connection, at most */

/* Steps a proxy or websocket listener's connection takes before IRC. */
#define PRE_PROXY 0x1
#define PRE_TLS 0x2
#define PRE_WS 0x4

struct conn_preamble {
	const struct listen_opts *opts; /* the listener's, which outlives us */
	char ip[INET6_ADDRSTRLEN];      /* the client's address as known so far */
	unsigned steps;                 /* PRE_* still to take */
	char *buf;                      /* the PROXY header or HTTP request so far */
	size_t len;
};

struct conn_list conns = TAILQ_HEAD_INITIALIZER(conns);
unsigned conns_count;
unsigned conns_max;

/* Connections with queued output, flushed by the tick hook. */
static struct conn **flush_list;
static size_t flush_len, flush_cap;
static size_t flush_new;          /* added since the last flush pass */
static struct conn *dispatching;  /* whose line is being run */
static struct conn *priority[64]; /* dispatching clients with output: flushed first */
static size_t priority_len;
static struct rtimer batch_timer;
static int batch_timer_on;
/* Connections marked for closing, reaped by the tick hook. */
static struct conn **dead_list;
static size_t dead_len, dead_cap;
static struct rtimer housekeeping;
static const struct conn_hooks *kind_hooks[CONN_KINDS];

static void conn_on_io(struct rio *io, int events);
static void conn_preamble_next(struct conn *cn);
static void conn_read(struct conn *cn);
static void conn_tick(void);
static void conn_housekeeping(struct rtimer *t);
static void throttled_forget(struct conn *cn);
static void throttle_tick(struct rtimer *t);
static int released_pending; /* a hold ended: run its lines at this tick, not in 50 ms */

static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		log_fatal("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			log_warn("setrlimit(NOFILE, %lu): %s", (unsigned long)rl.rlim_max,
			         strerror(errno));
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	conns_max = rl.rlim_cur > FDS_RESERVED ? (unsigned)(rl.rlim_cur - FDS_RESERVED) : 1;
	log_info("file descriptor limit %lu: room for %u clients", (unsigned long)rl.rlim_cur,
	         conns_max);
}

void
conn_set_hooks(enum conn_kind kind, const struct conn_hooks *h)
{
	kind_hooks[kind] = h;
}

void
conn_system_init(void)
{
	raise_fd_limit();
	reactor_on_tick(conn_tick);
	rtimer_start(&housekeeping, 1.0, 1.0, conn_housekeeping);
}

void
conn_refuse(int fd, const char *ip, const char *reason)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "ERROR :Closing Link: %s (%s)\r\n", ip, reason);

	/* A fresh socket's buffer is empty: one short write cannot block. */
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("refusal to %s not sent: %s", ip, strerror(errno));
	close(fd);
}

/* A connection record for fd; the caller sets its state. */
static struct conn *
conn_alloc(int fd, struct ssl_st *ssl, enum conn_kind kind, struct conf_class *class)
{
	struct conn *cn = xcalloc(1, sizeof(*cn));

	cn->hooks = kind_hooks[kind];
	cn->fd = fd;
	cn->ssl = ssl;
	cn->connected_at = now;
	cn->last_read = now;
	sendq_init(&cn->sendq);
	cn->class = class;
	rio_init(&cn->io, fd, conn_on_io);
	TAILQ_INSERT_TAIL(&conns, cn, link);
	conns_count++;
	stats.connections++;
	return cn;
}

static int server_full;

void
conn_note_full(const char *why)
{
	if (server_full)
		return;
	server_full = 1;
	log_warn("server is full (%s): refusing connections until some close", why);
}

static void
conn_note_accepting(void)
{
	if (!server_full)
		return;
	server_full = 0;
	log_info("accepting connections again");
}

/*
 * Room for one more connection in the descriptor budget?  Lingering
 * sockets hold descriptors too: the oldest give theirs up first.
 */
static int
conn_budget_allows(void)
{
	while (conns_count + linger_count() >= conns_max)
		if (!linger_shed())
			return 0;
	return 1;
}

/*
 * A connection whose real address comes later (a PROXY header, an
 * X-Forwarded-For): admitted and opened then (conn_open_owner).
 */
static struct conn *
conn_new_preamble(int fd, const char *ip, const struct listen_opts *opts, enum conn_kind kind)
{
	struct conn *cn;

	if (opts->proxy && opts->proxies != NULL && !cidr_list_match(opts->proxies, ip)) {
		stats.refused++;
		conn_refuse(fd, ip, "Not a trusted proxy");
		return NULL;
	}
	/* Until then, the first class's limits and registration timeout apply. */
	cn = conn_alloc(fd, NULL, kind, TAILQ_FIRST(&conf->classes));
	conn_note_accepting();
	cn->flags |= CONN_UNOPENED;
	cn->pre = xcalloc(1, sizeof(*cn->pre));
	cn->pre->opts = opts;
	str_copy(cn->pre->ip, ip, sizeof(cn->pre->ip));
	cn->pre->steps = (opts->proxy ? PRE_PROXY : 0) | (opts->tls ? PRE_TLS : 0) |
	                 (opts->websocket ? PRE_WS : 0);
	rio_set(&cn->io, RIO_READ);
	conn_preamble_next(cn);
	return cn;
}

struct conn *
conn_new(int fd, const char *ip, const struct listen_opts *opts, enum conn_kind kind)
{
	const struct conn_hooks *hooks = kind_hooks[kind];
	struct conn *cn;
	struct ssl_st *ssl = NULL;
	struct conf_class *class;
	const char *refusal;
	int tls = opts->tls;
	char group[IPGROUP_MAX] = "";

	if (!conn_budget_allows()) {
		stats.refused++;
		conn_note_full("connection limit reached");
		conn_refuse(fd, ip, "Server is full");
		return NULL;
	}
	if (opts->proxy || opts->websocket)
		return conn_new_preamble(fd, ip, opts, kind);
	if ((refusal = hooks->admit(ip, &class, group)) != NULL) {
		stats.refused++;
		conn_refuse(fd, ip, refusal);
		return NULL;
	}
	if (tls && (ssl = tls_accept(fd)) == NULL) {
		stats.refused++;
		iplimit_release(group);
		close(fd);
		return NULL;
	}
	/* Until USER names a username, the class is the first matching any user. */
	cn = conn_alloc(fd, ssl, kind, class);
	memcpy(cn->ipgroup, group, sizeof(cn->ipgroup));
	conn_note_accepting();
	cn->state = ssl ? CONN_TLS_HANDSHAKE : CONN_REGISTERING;
	hooks->open(cn, ip, ssl != NULL);
	rio_set(&cn->io, RIO_READ);
	if (ssl == NULL)
		hooks->ready(cn);
	return cn;
}

struct conn *
conn_connect(const char *ip, int port, int tls, enum conn_kind kind, struct conf_class *class,
             void *owner, const char **err)
{
	struct addrinfo hints, *ai = NULL;
	char portstr[16];
	struct conn *cn;
	int fd, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%d", port);
	if (getaddrinfo(ip, portstr, &hints, &ai) != 0) {
		*err = "not a numeric address";
		return NULL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err = strerror(errno);
		freeaddrinfo(ai);
		return NULL;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
		*err = strerror(errno);
		freeaddrinfo(ai);
		close(fd);
		return NULL;
	}
	freeaddrinfo(ai);
	cn = conn_alloc(fd, NULL, kind, class);
	cn->owner = owner;
	cn->state = CONN_CONNECTING;
	cn->flags |= tls ? CONN_DIAL_TLS : 0;
	rio_set(&cn->io, RIO_WRITE);
	return cn;
}

static void conn_handshake(struct conn *cn);

/* A dialled socket became writable: connected, or refused. */
static void
conn_connected(struct conn *cn)
{
	int error = 0;
	socklen_t len = sizeof(error);

	if (getsockopt(cn->fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
		error = errno;
	if (error != 0) {
		conn_close(cn, strerror(error));
		return;
	}
	if (cn->flags & CONN_DIAL_TLS) {
		if ((cn->ssl = tls_connect(cn->fd)) == NULL) {
			conn_close(cn, "TLS not available: no [tls] certificate");
			return;
		}
		conn_enter_state(cn, CONN_TLS_HANDSHAKE);
		conn_handshake(cn);
		return;
	}
	conn_enter_state(cn, CONN_REGISTERING);
	rio_set(&cn->io, RIO_READ);
	cn->hooks->ready(cn);
}

void
conn_enter_state(struct conn *cn, enum conn_state state)
{
	cn->state = state;
}

int
conn_wanted_events(uint32_t flags)
{
	int events = 0;

	/* A read waiting to write resumes when writable, not readable; held, it waits. */
	if (!(flags & CONN_HOLD))
		events |= (flags & CONN_READ_WANTS_WRITE) ? RIO_WRITE : RIO_READ;
	if (flags & CONN_WRITE_WANTS_READ)
		events |= RIO_READ; /* the write resumes when readable, not writable */
	else if (flags & CONN_WRITE_BLOCKED)
		events |= RIO_WRITE;
	return events;
}

/* Set the watcher from the flags (established connections only). */
static void
conn_watch(struct conn *cn)
{
	if (cn->state == CONN_REGISTERING || cn->state == CONN_REGISTERED)
		rio_set(&cn->io, conn_wanted_events(cn->flags));
}

static void
flush_list_add(struct conn *cn)
{
	if (cn->flags & CONN_WRITE_BLOCKED)
		return;
	flush_new++; /* a held connection may now be due */
	if (cn->flags & CONN_IN_FLUSH_LIST)
		return;
	/*
	 * The client whose command this is is answered first: a JOIN into a
	 * big channel should not wait behind a thousand members' writes.
	 */
	if (cn == dispatching && priority_len < ARRAY_LEN(priority)) {
		priority[priority_len++] = cn;
		cn->flags |= CONN_IN_FLUSH_LIST;
		return;
	}
	if (flush_len == flush_cap) {
		flush_cap = flush_cap ? flush_cap * 2 : 256;
		flush_list = xrealloc(flush_list, flush_cap * sizeof(*flush_list));
	}
	flush_list[flush_len++] = cn;
	cn->flags |= CONN_IN_FLUSH_LIST;
}

void
conn_close(struct conn *cn, const char *reason)
{
	if (cn->state == CONN_CLOSING)
		return;
	cn->close_reason = xstrdup(reason);
	conn_enter_state(cn, CONN_CLOSING);
	if (dead_len == dead_cap) {
		dead_cap = dead_cap ? dead_cap * 2 : 64;
		dead_list = xrealloc(dead_list, dead_cap * sizeof(*dead_list));
	}
	dead_list[dead_len++] = cn;
}

static int
sendq_over_limit(struct conn *cn, size_t adding)
{
	if (cn->sendq.bytes + adding <= cn->class->sendq)
		return 0;
	/* Drop what is queued so the ERROR line goes out first. */
	sendq_free(&cn->sendq);
	stats.sendq_exceeded++;
	conn_close(cn, "SendQ exceeded");
	return 1;
}

size_t
conn_sendq_room(const struct conn *cn)
{
	size_t used = cn->sendq.bytes;

	return used < cn->class->sendq ? cn->class->sendq - used : 0;
}

void
conn_send_buf(struct conn *cn, struct msgbuf *mb)
{
	if (cn->state == CONN_CLOSING || sendq_over_limit(cn, mb->len)) {
		stats.dropped++;
		return;
	}
	if (cn->sendq.count == 0)
		cn->queued_since = now_ms;
	sendq_push(&cn->sendq, mb);
	cn->msgs_out++;
	stats.msgs_out++;
	flush_list_add(cn);
}

void
conn_send_bytes(struct conn *cn, const char *data, size_t len)
{
	if (cn->state == CONN_CLOSING || sendq_over_limit(cn, len)) {
		stats.dropped++;
		return;
	}
	if (cn->sendq.count == 0)
		cn->queued_since = now_ms;
	sendq_append(&cn->sendq, data, len);
	cn->msgs_out++;
	stats.msgs_out++;
	flush_list_add(cn);
}

/* TLS in writev's clothes: -1 with errno EAGAIN when it would block. */
static ssize_t
conn_tls_writev(struct conn *cn, struct iovec *iov, int n)
{
	size_t written;

	cn->flags &= ~CONN_WRITE_WANTS_READ;
	switch (tls_writev(cn->ssl, iov, n, &written)) {
	case TLS_OK: return (ssize_t)written;
	case TLS_WANT_READ:
		cn->flags |= CONN_WRITE_WANTS_READ;
		errno = EAGAIN;
		return -1;
	case TLS_WANT_WRITE: errno = EAGAIN; return -1;
	default: errno = EPIPE; return -1;
	}
}

static void
conn_write_blocked(struct conn *cn)
{
	cn->flags |= CONN_WRITE_BLOCKED;
	conn_watch(cn);
}

static void
conn_write_unblocked(struct conn *cn)
{
	if (cn->flags & CONN_WRITE_BLOCKED) {
		cn->flags &= ~CONN_WRITE_BLOCKED;
		conn_watch(cn);
	}
}

static ssize_t
conn_raw_write(struct conn *cn, const char *buf, size_t len)
{
	struct iovec iov = {(void *)(uintptr_t)buf, len};

	return cn->ssl ? conn_tls_writev(cn, &iov, 1) : write(cn->fd, buf, len);
}

/*
 * Frame a record's worth of queued lines for WebSocket: framing happens
 * here, per connection, so the broadcaster's shared buffers stay IRC lines.
 */
static size_t
conn_ws_encode(struct conn *cn, size_t budget)
{
	struct iovec iov[IOV_BATCH];
	int n = sendq_iov(&cn->sendq, iov, IOV_BATCH);
	size_t used = ws_encode(cn->ws, iov, n, budget);

	sendq_consume(&cn->sendq, used);
	return used;
}

static int
conn_flush_ws(struct conn *cn)
{
	struct ws *ws = cn->ws;

	for (;;) {
		ssize_t w;
		if (ws_pending(ws) == 0) {
			if (cn->sendq.count == 0 || conn_ws_encode(cn, WS_ENCODE_BUDGET) == 0)
				break;
			continue;
		}
		w = conn_raw_write(cn, ws->out + ws->out_off, ws_pending(ws));
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				conn_write_blocked(cn);
				return 0;
			}
			return -1;
		}
		cn->bytes_out += (uint64_t)w;
		stats.bytes_out += (uint64_t)w;
		ws_consume(ws, (size_t)w);
	}
	conn_write_unblocked(cn);
	return 0;
}

/* A closing WebSocket: its last lines (the ERROR), then the close frame. */
static void
conn_ws_finish(struct conn *cn)
{
	size_t framed = 0, used;

	while (cn->sendq.count > 0 && framed < WS_FINAL_BUDGET &&
	       (used = conn_ws_encode(cn, WS_ENCODE_BUDGET)) > 0)
		framed += used;
	ws_close(cn->ws, WS_CLOSE_NORMAL, NULL);
}

/* Write as much as the socket takes: 0 done or blocked, -1 on error. */
static int
conn_flush(struct conn *cn)
{
	struct iovec iov[IOV_BATCH];

	if (cn->ws != NULL)
		return conn_flush_ws(cn);
	while (cn->sendq.count > 0) {
		int n = sendq_iov(&cn->sendq, iov, IOV_BATCH);
		ssize_t w = cn->ssl ? conn_tls_writev(cn, iov, n) : writev(cn->fd, iov, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				cn->flags |= CONN_WRITE_BLOCKED;
				conn_watch(cn);
				return 0;
			}
			return -1;
		}
		cn->bytes_out += (uint64_t)w;
		stats.bytes_out += (uint64_t)w;
		sendq_consume(&cn->sendq, (size_t)w);
	}
	if (cn->flags & CONN_WRITE_BLOCKED) {
		cn->flags &= ~CONN_WRITE_BLOCKED;
		conn_watch(cn);
	}
	return 0;
}

static int lingering_allowed = 1;

static void
conn_free(struct conn *cn)
{
	rio_set(&cn->io, 0);
	if (cn->flags & CONN_THROTTLED)
		throttled_forget(cn);
	tls_free(cn->ssl);
	if (lingering_allowed && cn->sendq.count == 0 &&
	    (cn->ws == NULL || ws_pending(cn->ws) == 0))
		linger_close(cn->fd);
	else
		close(cn->fd);
	TAILQ_REMOVE(&conns, cn, link);
	conns_count--;
	sendq_free(&cn->sendq);
	ws_free(cn->ws);
	if (cn->pre != NULL) {
		free(cn->pre->buf);
		free(cn->pre);
	}
	free(cn->rbuf);
	free(cn->close_reason);
	free(cn);
}

/* Tell the world and queue the goodbye: the caller flushes and frees. */
static void
conn_exit(struct conn *cn)
{
	if (!(cn->flags & CONN_UNOPENED))
		cn->hooks->exit(cn);
	cn->client = NULL;
	cn->flags &= ~CONN_IN_FLUSH_LIST;
}

void
conn_send_final(struct conn *cn, const char *data, size_t len)
{
	sendq_append(&cn->sendq, data, len);
}

/*
 * [batch]: with max_batch_delay, output may wait that long to be written
 * together with what follows, unless max_batch_size messages or
 * max_batch_bytes bytes are already queued.  0 writes at every tick.
 */
static int
batch_due(const struct conn *cn)
{
	const struct conf_batch *b = &conf->batch;

	return b->max_delay == 0 || cn->sendq.count >= b->max_size ||
	       cn->sendq.bytes >= b->max_bytes || now_ms - cn->queued_since >= b->max_delay;
}

static void
batch_wake(struct rtimer *t)
{
	batch_timer_on = 0;
	flush_new++; /* look at the held connections again at this tick */
}

static void
conn_flush_pending(void)
{
	size_t held = 0;

	/* Priority entries go back on the main list only if batching holds them. */
	for (size_t i = 0; i < priority_len; i++) {
		struct conn *cn = priority[i];
		if (cn->state != CONN_CLOSING && !batch_due(cn)) {
			cn->flags &= ~CONN_IN_FLUSH_LIST;
			flush_list_add(cn);
			continue;
		}
		cn->flags &= ~CONN_IN_FLUSH_LIST;
		if (cn->state != CONN_CLOSING && conn_flush(cn) != 0)
			conn_close(cn, errno ? strerror(errno) : "Write error");
	}
	priority_len = 0;
	for (size_t i = 0; i < flush_len; i++) {
		struct conn *cn = flush_list[i];
		if (cn->state != CONN_CLOSING && !batch_due(cn)) {
			flush_list[held++] = cn; /* stays listed and flagged */
			continue;
		}
		cn->flags &= ~CONN_IN_FLUSH_LIST;
		if (cn->state != CONN_CLOSING && conn_flush(cn) != 0)
			conn_close(cn, errno ? strerror(errno) : "Write error");
	}
	flush_len = held;
	flush_new = 0;
	if (held > 0 && !batch_timer_on) {
		rtimer_start(&batch_timer, conf->batch.max_delay / 1000.0, 0, batch_wake);
		batch_timer_on = 1;
	}
}

/*
 * The end-of-tick phase: exits first (they queue QUITs for others), then
 * one flush of everything queued, then the dead are closed and freed.
 */
static void
conn_tick(void)
{
	if (released_pending) {
		released_pending = 0;
		throttle_tick(NULL);
	}
	while (dead_len > 0 || flush_new > 0) {
		/* Take the dead list: closes during this round start a new one. */
		struct conn **dead = dead_list;
		size_t ndead = dead_len;

		dead_list = NULL;
		dead_len = dead_cap = 0;
		for (size_t i = 0; i < ndead; i++)
			conn_exit(dead[i]);
		conn_flush_pending();
		for (size_t i = 0; i < ndead; i++) {
			if (dead[i]->ws != NULL)
				conn_ws_finish(dead[i]);
			(void)conn_flush(dead[i]); /* best effort: never wait for it */
			conn_free(dead[i]);
		}
		free(dead);
	}
}

void
conn_close_all(const char *reason)
{
	struct conn *cn;

	lingering_allowed = 0;
	TAILQ_FOREACH (cn, &conns, link)
		conn_close(cn, reason);
	conn_tick();
	linger_close_all();
}

/* Connections with complete lines waiting for their flood clock. */
static struct conn **throttled;
static size_t throttled_len, throttled_cap;
static struct rtimer throttle_timer;
static int throttle_timer_on;

int
conn_flood_exempt(const struct conn *cn)
{
	return cn->class->flood_rate == 0 || (cn->flags & CONN_FLOOD_EXEMPT);
}

/*
 * Fake lag, as ircd-hybrid and Solanum do it: each line moves the
 * connection's clock ahead by 1/rate seconds; while it is more than a
 * burst ahead of now, input waits in the recvq.
 */
void
conn_charge(struct conn *cn, unsigned penalty)
{
	if (conn_flood_exempt(cn))
		return;
	if (cn->flood_clock < now_ms)
		cn->flood_clock = now_ms;
	cn->flood_clock += (uint64_t)penalty * 1000 / cn->class->flood_rate;
}

static int
flood_blocked(const struct conn *cn)
{
	uint64_t burst_ms;

	if (conn_flood_exempt(cn) || cn->flood_clock <= now_ms)
		return 0;
	burst_ms = (uint64_t)cn->class->flood_burst * 1000 / cn->class->flood_rate;
	return cn->flood_clock - now_ms > burst_ms;
}

/* Lines wait: the flood clock, or the owner holds them (conn_hold_input). */
static int
input_held(const struct conn *cn)
{
	return (cn->flags & CONN_HOLD) || flood_blocked(cn);
}

/* One complete line (CR/LF stripped, NUL-terminated in place); -1: stop reading. */
static int
conn_handle_line(struct conn *cn, char *line, size_t len)
{
	int r;

	cn->msgs_in++;
	stats.msgs_in++;
	dispatching = cn;
	r = cn->hooks->line(cn, line, len);
	dispatching = NULL;
	return r;
}

static enum line_action
conn_on_line(void *arg, char *line, size_t len)
{
	struct conn *cn = arg;

	if (input_held(cn))
		return LINE_DEFER;
	/* A close deeper down (SendQ exceeded) counts as much as the handler's word. */
	if (conn_handle_line(cn, line, len) < 0 || cn->state == CONN_CLOSING)
		return LINE_STOP;
	return LINE_NEXT;
}

static void throttle_tick(struct rtimer *t);

static void
throttled_add(struct conn *cn)
{
	if (cn->flags & CONN_THROTTLED)
		return;
	if (throttled_len == throttled_cap) {
		throttled_cap = throttled_cap ? throttled_cap * 2 : 64;
		throttled = xrealloc(throttled, throttled_cap * sizeof(*throttled));
	}
	throttled[throttled_len++] = cn;
	cn->flags |= CONN_THROTTLED;
	if (!throttle_timer_on) {
		rtimer_start(&throttle_timer, 0.05, 0.05, throttle_tick);
		throttle_timer_on = 1;
	}
}

/*
 * Frame and run what is in buf (the carried bytes first); keep what is
 * left, a partial line or lines held back by the flood clock.
 */
static void
conn_input(struct conn *cn, char *buf, size_t have)
{
	size_t used = line_frame(buf, have, conn_on_line, cn);

	if (cn->state == CONN_CLOSING)
		return;
	have -= used;
	if (have >= cn->class->recvq) {
		conn_close(cn,
		           line_complete(buf + used, have) ? "Excess Flood" : "RecvQ exceeded");
		return;
	}
	if (have == 0) {
		free(cn->rbuf);
		cn->rbuf = NULL;
	} else {
		char *kept = xmalloc(have);
		memcpy(kept, buf + used, have);
		free(cn->rbuf);
		cn->rbuf = kept;
		if (line_complete(kept, have))
			throttled_add(cn);
	}
	cn->rlen = (uint32_t)have;
}

/* Room for a recvq, a read, and what a WebSocket read may decode to. */
static char input_buf[RECVQ_MAX + READ_CHUNK + WS_CARRY_MAX + WS_MESSAGE_MAX];
/* A WebSocket's carried partial frame and a fresh read behind it. */
static char ws_raw[WS_CARRY_MAX + READ_CHUNK];

/* Every 50 ms while anyone is held back: let their clocks release lines. */
static void
throttle_tick(struct rtimer *t)
{
	struct conn **batch = throttled;
	size_t n = throttled_len;

	/* Those still held back join a fresh list. */
	throttled = NULL;
	throttled_len = throttled_cap = 0;
	for (size_t i = 0; i < n; i++) {
		struct conn *cn = batch[i];
		cn->flags &= ~CONN_THROTTLED;
		if (cn->state == CONN_CLOSING || cn->rlen == 0)
			continue;
		if (input_held(cn)) {
			throttled_add(cn);
			continue;
		}
		memcpy(input_buf, cn->rbuf, cn->rlen);
		conn_input(cn, input_buf, cn->rlen);
	}
	free(batch);
	if (throttled_len == 0 && throttle_timer_on) {
		rtimer_stop(&throttle_timer);
		throttle_timer_on = 0;
	}
}

void
conn_hold_input(struct conn *cn, int hold)
{
	if (hold) {
		cn->flags |= CONN_HOLD;
		conn_watch(cn);
		return;
	}
	cn->flags &= ~CONN_HOLD;
	if (cn->state == CONN_CLOSING)
		return;
	conn_watch(cn);
	if (cn->rlen > 0) {
		throttled_add(cn); /* lines read before the hold run at this tick's end */
		released_pending = 1;
	}
}

static void
throttled_forget(struct conn *cn)
{
	for (size_t i = 0; i < throttled_len; i++) {
		if (throttled[i] == cn) {
			throttled[i] = throttled[--throttled_len];
			return;
		}
	}
}

/* TLS in read's clothes: 0 at EOF, -1 with errno EAGAIN when it would block. */
static ssize_t
conn_tls_read(struct conn *cn, char *buf, size_t len)
{
	size_t got;

	if (cn->flags & CONN_READ_WANTS_WRITE) {
		cn->flags &= ~CONN_READ_WANTS_WRITE;
		conn_watch(cn);
	}
	switch (tls_read(cn->ssl, buf, len, &got)) {
	case TLS_OK: return (ssize_t)got;
	case TLS_WANT_READ: errno = EAGAIN; return -1;
	case TLS_WANT_WRITE:
		/* The session must write first (a KeyUpdate answer): wake on writable. */
		cn->flags |= CONN_READ_WANTS_WRITE;
		conn_watch(cn);
		errno = EAGAIN;
		return -1;
	case TLS_CLOSED: return 0;
	default: errno = EPROTO; return -1;
	}
}

/* Drive the handshake; once done, the connection starts registering. */
static void
conn_handshake(struct conn *cn)
{
	switch (tls_handshake(cn->ssl)) {
	case TLS_OK:
		if (cn->pre != NULL) {
			conn_preamble_next(cn);
			return;
		}
		conn_enter_state(cn, CONN_REGISTERING);
		rio_set(&cn->io, RIO_READ);
		cn->hooks->ready(cn);
		conn_read(cn); /* the client may have sent lines already */
		return;
	case TLS_WANT_READ: rio_set(&cn->io, RIO_READ); return;
	/* Only writable: a readable socket cannot help a handshake that must write. */
	case TLS_WANT_WRITE: rio_set(&cn->io, RIO_WRITE); return;
	default:
		stats.refused++;
		conn_close(cn, "TLS handshake failed");
		return;
	}
}

static ssize_t
conn_raw_read(struct conn *cn, char *buf, size_t len)
{
	return cn->ssl ? conn_tls_read(cn, buf, len) : read(cn->fd, buf, len);
}

/* Bytes arrived: 0, or -1 when the connection is closed now. */
static int
conn_got(struct conn *cn, ssize_t r)
{
	if (r == 0) {
		conn_close(cn, "Connection closed");
		return -1;
	}
	if (r < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_close(cn, strerror(errno));
		return -1;
	}
	cn->bytes_in += (uint64_t)r;
	stats.bytes_in += (uint64_t)r;
	cn->last_read = now;
	cn->flags &= ~CONN_PING_SENT;
	return 0;
}

static void
conn_ws_fail(struct conn *cn, int code, const char *why)
{
	ws_close(cn->ws, (unsigned)code, why);
	conn_close(cn, why);
}

/* Raw WebSocket bytes (the carried frame first) -> IRC lines -> the framer. */
static void
conn_ws_input(struct conn *cn, char *raw, size_t len)
{
	size_t have = cn->rlen, produced;
	const char *why = NULL;
	int code;

	if (have > 0)
		memcpy(input_buf, cn->rbuf, have);
	code = ws_decode(cn->ws, raw, len, input_buf + have, sizeof(input_buf) - have,
	                 &produced, &why);
	if (ws_pending(cn->ws) > 0)
		flush_list_add(cn); /* a pong or a close to send */
	if (code != 0) {
		conn_ws_fail(cn, code, why);
		return;
	}
	if (produced > 0)
		conn_input(cn, input_buf, have + produced);
}

/* 1 when bytes came in, as conn_read_once. */
static int
conn_ws_read(struct conn *cn)
{
	size_t carried = cn->ws->carry_len;
	ssize_t r;

	if (carried > 0)
		memcpy(ws_raw, cn->ws->carry, carried);
	r = conn_raw_read(cn, ws_raw + carried, READ_CHUNK);
	if (conn_got(cn, r) != 0)
		return 0;
	conn_ws_input(cn, ws_raw, carried + (size_t)r);
	return 1;
}

/* 1 when bytes came in (more may wait in the TLS buffer), else 0. */
static int
conn_read_once(struct conn *cn)
{
	size_t have = cn->rlen, room;
	ssize_t r;

	if (have >= cn->class->recvq) { /* a rehash made the recvq smaller */
		conn_close(cn, "RecvQ exceeded");
		return 0;
	}
	if (cn->ws != NULL)
		return conn_ws_read(cn);
	/* Carried bytes go first, then fresh bytes behind them. */
	if (have > 0)
		memcpy(input_buf, cn->rbuf, have);
	room = MIN((size_t)READ_CHUNK, cn->class->recvq - have);
	r = conn_raw_read(cn, input_buf + have, room);
	if (conn_got(cn, r) != 0)
		return 0;
	conn_input(cn, input_buf, have + (size_t)r);
	return 1;
}

static void
conn_read(struct conn *cn)
{
	/*
	 * TLS may hold whole records already off the socket (read ahead):
	 * drain them now. A partial record also counts as pending, so stop
	 * at the first read that brings nothing: the rest is still to come.
	 */
	while (conn_read_once(cn) && cn->ssl != NULL && cn->state != CONN_CLOSING &&
	       tls_pending(cn->ssl))
		;
}

/* ---- Before IRC: the PROXY header, TLS, the WebSocket handshake. */

/* Admit under the real address and make the owner; -1 when refused (closing). */
static int
conn_open_owner(struct conn *cn)
{
	struct conn_preamble *pre = cn->pre;
	struct conf_class *class;
	const char *refusal;
	char line[300], group[IPGROUP_MAX] = "";
	int n;

	if (!(cn->flags & CONN_UNOPENED))
		return 0;
	if ((refusal = cn->hooks->admit(pre->ip, &class, group)) != NULL) {
		stats.refused++;
		n = snprintf(line, sizeof(line), "ERROR :Closing Link: %s (%s)\r\n", pre->ip,
		             refusal);
		conn_close(cn, refusal);
		conn_send_final(cn, line, MIN((size_t)n, sizeof(line) - 1));
		return -1;
	}
	cn->class = class;
	memcpy(cn->ipgroup, group, sizeof(cn->ipgroup));
	cn->flags &= ~CONN_UNOPENED;
	cn->hooks->open(cn, pre->ip, pre->opts->tls);
	return 0;
}

static void conn_ws_request(struct conn *cn);

/* Take the next step before IRC, or start IRC. */
static void
conn_preamble_next(struct conn *cn)
{
	struct conn_preamble *pre = cn->pre;

	if (pre->steps & PRE_PROXY) {
		conn_enter_state(cn, CONN_PROXY_HEADER);
		return;
	}
	/* Without WebSocket the address is final once the PROXY header is read. */
	if (!(pre->steps & PRE_WS) && conn_open_owner(cn) != 0)
		return;
	if (pre->steps & PRE_TLS) {
		pre->steps &= ~PRE_TLS;
		if ((cn->ssl = tls_accept(cn->fd)) == NULL) {
			conn_close(cn, "TLS is not available");
			return;
		}
		if (pre->opts->websocket)
			tls_no_client_certificate(cn->ssl);
		conn_enter_state(cn, CONN_TLS_HANDSHAKE);
		conn_handshake(cn);
		return;
	}
	if (pre->steps & PRE_WS) {
		conn_enter_state(cn, CONN_WS_HANDSHAKE);
		rio_set(&cn->io, RIO_READ); /* not writable: the handshake may have asked */
		conn_ws_request(cn);        /* TLS may hold the request already */
		return;
	}
	if (conn_open_owner(cn) != 0)
		return;
	cn->pre = NULL;
	free(pre->buf);
	free(pre);
	conn_enter_state(cn, CONN_REGISTERING);
	conn_watch(cn);
	cn->hooks->ready(cn);
	if (cn->ws != NULL && cn->ws->carry_len > 0) {
		/* Frames that came right behind the request. */
		size_t n = cn->ws->carry_len;
		memcpy(ws_raw, cn->ws->carry, n);
		conn_ws_input(cn, ws_raw, n);
	}
	if (cn->state != CONN_CLOSING)
		conn_read(cn);
}

/*
 * PROXY protocol: peek, then take exactly the header's bytes, so what
 * follows (a TLS handshake, IRC) stays in the socket.  Peeked bytes short
 * of a whole header all belong to it, so they are taken: no busy loop.
 */
static void
conn_proxy_read(struct conn *cn)
{
	struct conn_preamble *pre = cn->pre;
	struct proxy_header h;
	enum proxy_result res;
	size_t take;
	ssize_t r;

	if (pre->buf == NULL)
		pre->buf = xmalloc(PROXY_HEADER_MAX);
	r = recv(cn->fd, pre->buf + pre->len, PROXY_HEADER_MAX - pre->len, MSG_PEEK);
	if (conn_got(cn, r) != 0)
		return;
	res = proxy_parse((const unsigned char *)pre->buf, pre->len + (size_t)r, &h);
	if (res == PROXY_BAD) {
		stats.refused++;
		log_debug("bad PROXY header from %s", pre->ip);
		conn_close(cn, "Bad PROXY protocol header");
		return;
	}
	take = res == PROXY_DONE ? h.length - pre->len : (size_t)r;
	if (recv(cn->fd, pre->buf + pre->len, take, 0) != (ssize_t)take) {
		conn_close(cn, "Read error");
		return;
	}
	pre->len += take;
	if (res == PROXY_MORE)
		return;
	if (!h.local)
		str_copy(pre->ip, h.ip, sizeof(pre->ip));
	free(pre->buf);
	pre->buf = NULL;
	pre->len = 0;
	pre->steps &= ~PRE_PROXY;
	conn_preamble_next(cn);
}

/* An HTTP answer instead of an upgrade: no close frame follows it. */
static void
conn_ws_refuse(struct conn *cn, enum ws_http why, int forbidden, const char *reason)
{
	ws_answer_error(cn->ws, why, forbidden);
	cn->ws->close_sent = 1;
	stats.refused++;
	conn_close(cn, reason);
	flush_list_add(cn);
}

/* The request is in: answer it, learn the address, move on. */
static void
conn_ws_upgrade(struct conn *cn, enum ws_http status, const struct ws_request *rq)
{
	struct conn_preamble *pre = cn->pre;
	char ip[INET6_ADDRSTRLEN];
	size_t extra;

	cn->ws = ws_new(WS_TEXT);
	if (status != WS_HTTP_OK) {
		conn_ws_refuse(cn, status, 0, "Bad WebSocket request");
		return;
	}
	if (rq->origin[0] != '\0' && !ws_origin_allowed(pre->opts->origins, rq->origin)) {
		log_debug("websocket from %s: origin %s refused", pre->ip, rq->origin);
		conn_ws_refuse(cn, status, 1, "Origin not allowed");
		return;
	}
	/* No subprotocol asked for: text, as the spec suggests for old clients. */
	cn->ws->mode = rq->protocol ? (enum ws_mode)(rq->protocol - 1) : WS_TEXT;
	ws_answer(cn->ws, rq);
	flush_list_add(cn);
	ws_forwarded_ip(rq->forwarded, pre->opts->proxies, pre->ip, ip, sizeof(ip));
	str_copy(pre->ip, ip, sizeof(pre->ip));
	extra = pre->len - rq->length;
	if (extra > 0) {
		cn->ws->carry = xmalloc(WS_CARRY_MAX);
		memcpy(cn->ws->carry, pre->buf + rq->length, extra);
		cn->ws->carry_len = (uint32_t)extra;
	}
	pre->steps &= ~PRE_WS;
	conn_preamble_next(cn);
}

/* Read the HTTP Upgrade request, bounded by WS_REQUEST_MAX. */
static void
conn_ws_request(struct conn *cn)
{
	static char scratch[WS_REQUEST_MAX];
	struct conn_preamble *pre = cn->pre;
	struct ws_request rq;
	enum ws_http status = WS_HTTP_MORE;

	do {
		ssize_t r = conn_raw_read(cn, scratch, WS_REQUEST_MAX - pre->len);
		size_t from = pre->len > 3 ? pre->len - 3 : 0;
		if (conn_got(cn, r) != 0)
			return;
		/* Held to its size: a slow client's half request costs what it sent. */
		pre->buf = xrealloc(pre->buf, pre->len + (size_t)r);
		memcpy(pre->buf + pre->len, scratch, (size_t)r);
		pre->len += (size_t)r;
		/* Parse once the blank line is in (searched in the new bytes only), or when
		 * full. */
		if (memmem(pre->buf + from, pre->len - from, "\r\n\r\n", 4) != NULL ||
		    pre->len >= WS_REQUEST_MAX)
			status = ws_request_parse(pre->buf, pre->len, &rq);
	} while (status == WS_HTTP_MORE && cn->ssl != NULL && tls_pending(cn->ssl));
	if (status != WS_HTTP_MORE)
		conn_ws_upgrade(cn, status, &rq);
}

int
conn_is_websocket(const struct conn *cn)
{
	return cn->ws != NULL;
}

static void
conn_on_io(struct rio *io, int events)
{
	struct conn *cn = container_of(io, struct conn, io);

	if (cn->state == CONN_CONNECTING) {
		conn_connected(cn);
		return;
	}
	if (cn->state == CONN_TLS_HANDSHAKE) {
		conn_handshake(cn);
		return;
	}
	if (cn->state == CONN_PROXY_HEADER) {
		conn_proxy_read(cn);
		return;
	}
	if (cn->state == CONN_WS_HANDSHAKE) {
		conn_ws_request(cn);
		return;
	}
	/* A TLS operation waiting on the other direction is retried when it is ready. */
	if ((cn->flags & CONN_READ_WANTS_WRITE) && (events & RIO_WRITE))
		events |= RIO_READ;
	if ((cn->flags & CONN_WRITE_WANTS_READ) && (events & RIO_READ))
		events |= RIO_WRITE;
	if ((events & RIO_WRITE) && cn->state != CONN_CLOSING) {
		if (conn_flush(cn) != 0)
			conn_close(cn, strerror(errno));
	}
	if ((events & RIO_READ) && cn->state != CONN_CLOSING && !(cn->flags & CONN_HOLD))
		conn_read(cn);
}

/* Registration and ping timeouts; one sweep a second serves everyone. */
static void
conn_check_timeouts(struct conn *cn)
{
	char reason[64];
	unsigned freq = cn->class->ping_frequency;

	if (cn->state == CONN_REGISTERING || cn->state == CONN_TLS_HANDSHAKE ||
	    cn->state == CONN_CONNECTING || cn->state == CONN_PROXY_HEADER ||
	    cn->state == CONN_WS_HANDSHAKE) {
		if (now - cn->connected_at >= (time_t)cn->class->connection_timeout)
			conn_close(cn, "Registration timed out");
		return;
	}
	cn->hooks->second(cn);
	if (cn->state == CONN_CLOSING || now - cn->last_read < (time_t)freq)
		return;
	if (!(cn->flags & CONN_PING_SENT)) {
		cn->hooks->ping(cn);
		cn->flags |= CONN_PING_SENT;
		cn->last_read = now; /* the reply is due within another period */
		return;
	}
	snprintf(reason, sizeof(reason), "Ping timeout: %u seconds", freq * 2);
	conn_close(cn, reason);
}

static void
conn_housekeeping(struct rtimer *t)
{
	struct conn *cn;

	TAILQ_FOREACH (cn, &conns, link) {
		sendq_trim(&cn->sendq); /* an idle connection costs little memory */
		if (cn->state != CONN_CLOSING)
			conn_check_timeouts(cn);
	}
}
