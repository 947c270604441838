/*
 * refserver -- a deliberately minimal fan-out reference server (the "ceiling").
 *
 * Not an IRC server: it knows just enough for evload to drive it.
 *   NICK/USER      -> 001 + 376 once both are seen (433 if the nick is taken)
 *   JOIN #a[,#b]   -> JOIN echoed to every member (the joiner included), then 366
 *   PART #a        -> PART echoed to the members (the leaver included)
 *   NAMES #a       -> 366 only
 *   PRIVMSG/NOTICE -> relayed to every other member of a channel, or to a nick
 *   PING x         -> PONG
 *   QUIT           -> ERROR, close
 * Anything else is ignored.
 *
 * The hot path is what the ceiling is about: an outgoing line is built once and
 * appended (memcpy) to each recipient's output buffer; every connection with
 * pending output is written once per loop turn, from an ev_prepare watcher,
 * i.e. after all input of that turn has been handled.
 *
 * With --tls --cert F --key F every connection speaks TLS (OpenSSL): the
 * handshake is driven by the loop, input is read with SSL_read until the
 * socket is drained, and the flush does one SSL_write per dirty connection per
 * loop turn (its whole buffer; records are cut by OpenSSL) -- the TLS ceiling.
 * TLS 1.3 session tickets are on (stateless, OpenSSL's defaults).
 *
 * Usage: refserver [--host 127.0.0.1] [--port 6699] [--max-seconds 600]
 *                  [--tls --cert CERT.pem --key KEY.pem]
 * It listens on loopback only (127.0.0.0/8 or ::1) and exits by itself after
 * --max-seconds (0 = no limit), or on SIGINT/SIGTERM.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define SERVER_NAME "refserver"
#define IN_SIZE 4096
#define OUT_MAX (64u << 20) /* per-connection output limit, then "SendQ exceeded" */
#define HASH_SIZE 65536     /* buckets, power of two */

typedef struct conn conn_t;
typedef struct chan chan_t;

struct conn {
	ev_io io; /* must stay first */
	int fd;
	int dead;
	int dirty;
	int want_write;
	int handshaking; /* TLS: until SSL_accept completes */
	SSL *ssl;
	int has_user;
	int registered;
	char nick[32];
	char prefix[80]; /* ":nick!user@127.0.0.1 " */
	size_t prefixlen;
	char in[IN_SIZE];
	size_t inlen;
	char *out;
	size_t outlen, outoff, outcap;
	chan_t **chans;
	int nchans, capchans;
	conn_t *next_dirty;
	conn_t *hnext; /* nick hash chain */
};

struct chan {
	char name[64];
	conn_t **m;
	int n, cap;
	chan_t *hnext;
};

static conn_t *nick_tab[HASH_SIZE];
static chan_t *chan_tab[HASH_SIZE];
static conn_t *dirty_head;
static ev_io listen_io;
static ev_prepare flush_w;
static long long nconns;
static int spare_fd = -1;
static SSL_CTX *tls_ctx; /* --tls */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static uint32_t hash_lc(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 'A' && ch <= 'Z')
			ch += 32;
		h = (h ^ ch) * 16777619u;
	}
	return h & (HASH_SIZE - 1);
}

static int eq_lc(const char *a, const char *b, size_t n)
{
	return strlen(a) == n && strncasecmp(a, b, n) == 0;
}

static void mark_dirty(conn_t *c)
{
	if (!c->dirty) {
		c->dirty = 1;
		c->next_dirty = dirty_head;
		dirty_head = c;
	}
}

static void kill_conn(conn_t *c)
{
	c->dead = 1;
	mark_dirty(c); /* reaped in the flush */
}

static void append(conn_t *c, const char *s, size_t n)
{
	if (c->dead)
		return;
	if (c->outlen + n > c->outcap) {
		if (c->outoff) {
			memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
			c->outlen -= c->outoff;
			c->outoff = 0;
		}
		if (c->outlen + n > c->outcap) {
			size_t cap = c->outcap ? c->outcap : 4096;
			while (cap < c->outlen + n)
				cap *= 2;
			if (cap > OUT_MAX) {
				/* best effort: the client will not read it anyway */
				kill_conn(c);
				return;
			}
			char *p = realloc(c->out, cap);
			if (!p)
				die("realloc");
			c->out = p;
			c->outcap = cap;
		}
	}
	memcpy(c->out + c->outlen, s, n);
	c->outlen += n;
	mark_dirty(c);
}

static void sendf(conn_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sendf(conn_t *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof buf - 3)
		n = sizeof buf - 3;
	buf[n++] = '\r';
	buf[n++] = '\n';
	append(c, buf, (size_t)n);
}

static conn_t *nick_find(const char *s, size_t n)
{
	for (conn_t *c = nick_tab[hash_lc(s, n)]; c; c = c->hnext)
		if (eq_lc(c->nick, s, n))
			return c;
	return NULL;
}

static void nick_unlink(conn_t *c)
{
	if (!c->nick[0])
		return;
	conn_t **pp = &nick_tab[hash_lc(c->nick, strlen(c->nick))];
	while (*pp && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = c->hnext;
	c->nick[0] = 0;
}

static chan_t *chan_find(const char *s, size_t n, int create)
{
	uint32_t h = hash_lc(s, n);
	for (chan_t *ch = chan_tab[h]; ch; ch = ch->hnext)
		if (eq_lc(ch->name, s, n))
			return ch;
	if (!create || n >= sizeof ((chan_t *)0)->name)
		return NULL;
	chan_t *ch = calloc(1, sizeof *ch);
	if (!ch)
		die("calloc");
	memcpy(ch->name, s, n);
	ch->hnext = chan_tab[h];
	chan_tab[h] = ch;
	return ch;
}

static void chan_remove_member(chan_t *ch, conn_t *c)
{
	for (int i = 0; i < ch->n; i++)
		if (ch->m[i] == c) {
			ch->m[i] = ch->m[--ch->n];
			return;
		}
}

static void conn_remove_chan(conn_t *c, chan_t *ch)
{
	for (int i = 0; i < c->nchans; i++)
		if (c->chans[i] == ch) {
			c->chans[i] = c->chans[--c->nchans];
			return;
		}
}

static int is_member(conn_t *c, chan_t *ch)
{
	for (int i = 0; i < c->nchans; i++)
		if (c->chans[i] == ch)
			return 1;
	return 0;
}

/* Build the line once (prefix + body), append it to every member but `skip`. */
static void to_channel(chan_t *ch, conn_t *from, conn_t *skip, const char *body, size_t blen)
{
	char buf[1100];
	size_t n = 0;
	memcpy(buf, from->prefix, from->prefixlen);
	n += from->prefixlen;
	if (blen > sizeof buf - n - 2)
		blen = sizeof buf - n - 2;
	memcpy(buf + n, body, blen);
	n += blen;
	buf[n++] = '\r';
	buf[n++] = '\n';
	conn_t **m = ch->m;
	for (int i = 0, cnt = ch->n; i < cnt; i++)
		if (m[i] != skip)
			append(m[i], buf, n);
}

static void destroy(conn_t *c)
{
	for (int i = 0; i < c->nchans; i++)
		chan_remove_member(c->chans[i], c);
	free(c->chans);
	nick_unlink(c);
	ev_io_stop(EV_DEFAULT, &c->io);
	if (c->ssl) {
		SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
		SSL_free(c->ssl);
	}
	close(c->fd);
	free(c->out);
	free(c);
	nconns--;
}

static void do_register(conn_t *c)
{
	if (c->registered || !c->has_user || !c->nick[0])
		return;
	c->registered = 1;
	c->prefixlen = (size_t)snprintf(c->prefix, sizeof c->prefix, ":%s!u@127.0.0.1 ", c->nick);
	sendf(c, ":" SERVER_NAME " 001 %s :Welcome to the refserver ceiling, %s", c->nick, c->nick);
	sendf(c, ":" SERVER_NAME " 376 %s :End of /MOTD command.", c->nick);
}

/* Next space-separated word of [*p, end); advances *p past it and its spaces. */
static size_t word(char **p, char *end, char **w)
{
	char *s = *p;
	while (s < end && *s == ' ')
		s++;
	*w = s;
	if (s >= end) {
		*p = end;
		return 0;
	}
	char *e = memchr(s, ' ', (size_t)(end - s));
	if (!e)
		e = end;
	*p = e;
	while (*p < end && **p == ' ')
		(*p)++;
	return (size_t)(e - s);
}

static void handle_line(conn_t *c, char *s, char *end)
{
	char *cmd, *arg;
	size_t cl, al;
	if (s < end && *s == ':') { /* ignore a client-sent prefix */
		s = memchr(s, ' ', (size_t)(end - s));
		if (!s)
			return;
	}
	char *body = s;
	while (body < end && *body == ' ')
		body++;
	cl = word(&s, end, &cmd);
	if (!cl)
		return;

	if (cl == 7 && !strncasecmp(cmd, "PRIVMSG", 7)) {
		goto relay;
	} else if (cl == 6 && !strncasecmp(cmd, "NOTICE", 6)) {
		goto relay;
	} else if (cl == 4 && !strncasecmp(cmd, "PING", 4)) {
		sendf(c, ":" SERVER_NAME " PONG " SERVER_NAME " %.*s", (int)(end - s), s);
	} else if (cl == 4 && !strncasecmp(cmd, "NICK", 4)) {
		al = word(&s, end, &arg);
		if (al && *arg == ':')
			arg++, al--;
		if (!al || al >= 31)
			return;
		conn_t *o = nick_find(arg, al);
		if (o && o != c) {
			sendf(c, ":" SERVER_NAME " 433 %s %.*s :Nickname is already in use",
			      c->nick[0] ? c->nick : "*", (int)al, arg);
			return;
		}
		if (c->registered) /* tell the client itself (nobody else) */
			sendf(c, ":%s!u@127.0.0.1 NICK :%.*s", c->nick, (int)al, arg);
		nick_unlink(c);
		memcpy(c->nick, arg, al);
		c->nick[al] = 0;
		uint32_t h = hash_lc(arg, al);
		c->hnext = nick_tab[h];
		nick_tab[h] = c;
		if (c->registered)
			c->prefixlen = (size_t)snprintf(c->prefix, sizeof c->prefix, ":%s!u@127.0.0.1 ", c->nick);
		do_register(c);
	} else if (cl == 4 && !strncasecmp(cmd, "USER", 4)) {
		c->has_user = 1;
		do_register(c);
	} else if (!c->registered) {
		return;
	} else if (cl == 4 && !strncasecmp(cmd, "JOIN", 4)) {
		al = word(&s, end, &arg);
		char *ae = arg + al;
		while (arg < ae) {
			char *comma = memchr(arg, ',', (size_t)(ae - arg));
			size_t n = (size_t)((comma ? comma : ae) - arg);
			chan_t *ch = (n && *arg == '#') ? chan_find(arg, n, 1) : NULL;
			if (ch && !is_member(c, ch)) {
				if (ch->n == ch->cap) {
					ch->cap = ch->cap ? ch->cap * 2 : 16;
					ch->m = realloc(ch->m, sizeof *ch->m * (size_t)ch->cap);
					if (!ch->m)
						die("realloc");
				}
				ch->m[ch->n++] = c;
				if (c->nchans == c->capchans) {
					c->capchans = c->capchans ? c->capchans * 2 : 4;
					c->chans = realloc(c->chans, sizeof *c->chans * (size_t)c->capchans);
					if (!c->chans)
						die("realloc");
				}
				c->chans[c->nchans++] = ch;
				char b[96];
				int bl = snprintf(b, sizeof b, "JOIN %s", ch->name);
				to_channel(ch, c, NULL, b, (size_t)bl);
				sendf(c, ":" SERVER_NAME " 366 %s %s :End of /NAMES list.", c->nick, ch->name);
			}
			arg += n + (comma ? 1 : 0);
		}
	} else if (cl == 4 && !strncasecmp(cmd, "PART", 4)) {
		al = word(&s, end, &arg);
		chan_t *ch = chan_find(arg, al, 0);
		if (ch && is_member(c, ch)) {
			char b[96];
			int bl = snprintf(b, sizeof b, "PART %s", ch->name);
			to_channel(ch, c, NULL, b, (size_t)bl);
			chan_remove_member(ch, c);
			conn_remove_chan(c, ch);
		}
	} else if (cl == 5 && !strncasecmp(cmd, "NAMES", 5)) {
		al = word(&s, end, &arg);
		sendf(c, ":" SERVER_NAME " 366 %s %.*s :End of /NAMES list.", c->nick, (int)al, arg);
	} else if (cl == 4 && !strncasecmp(cmd, "QUIT", 4)) {
		sendf(c, "ERROR :Closing Link: %s (Quit)", c->nick);
		kill_conn(c);
	}
	return;

relay:
	if (!c->registered)
		return;
	al = word(&s, end, &arg);
	if (!al || s >= end)
		return;
	if (*arg == '#') {
		chan_t *ch = chan_find(arg, al, 0);
		if (ch)
			to_channel(ch, c, c, body, (size_t)(end - body));
	} else {
		conn_t *t = nick_find(arg, al);
		if (t) {
			char buf[1100];
			size_t bl = (size_t)(end - body);
			if (bl > sizeof buf - c->prefixlen - 2)
				bl = sizeof buf - c->prefixlen - 2;
			memcpy(buf, c->prefix, c->prefixlen);
			memcpy(buf + c->prefixlen, body, bl);
			bl += c->prefixlen;
			buf[bl++] = '\r';
			buf[bl++] = '\n';
			append(t, buf, bl);
		}
	}
}

static int conn_lines(conn_t *c);

static void set_events(conn_t *c, int ev)
{
	ev_io_stop(EV_DEFAULT, &c->io);
	ev_io_set(&c->io, c->fd, ev);
	ev_io_start(EV_DEFAULT, &c->io);
}

/* One step of the TLS handshake; 1 when done. */
static int tls_handshake(conn_t *c)
{
	ERR_clear_error();
	int r = SSL_accept(c->ssl);
	if (r == 1) {
		c->handshaking = 0;
		set_events(c, EV_READ);
		return 1;
	}
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		set_events(c, EV_READ);
	else if (e == SSL_ERROR_WANT_WRITE)
		set_events(c, EV_WRITE);
	else {
		kill_conn(c);
		c->outlen = c->outoff = 0;
	}
	return 0;
}

/* read() or SSL_read(): bytes, 0 for EOF/error, -1 for "nothing now". */
static ssize_t conn_read(conn_t *c, char *buf, size_t n)
{
	if (!c->ssl) {
		ssize_t r = read(c->fd, buf, n);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return -1;
		return r < 0 ? 0 : r;
	}
	size_t got = 0;
	ERR_clear_error();
	if (SSL_read_ex(c->ssl, buf, n, &got) > 0)
		return (ssize_t)got;
	int e = SSL_get_error(c->ssl, 0);
	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? -1 : 0;
}

static void conn_cb(EV_P_ ev_io *w, int revents)
{
	conn_t *c = (conn_t *)w;
	(void)loop;
	if (c->dead)
		return;
	if (c->handshaking) {
		if (!tls_handshake(c))
			return;
		revents = EV_READ; /* data may have come with the handshake */
	}
	if (revents & EV_WRITE)
		mark_dirty(c); /* the flush writes it */
	if (!(revents & EV_READ))
		return;
	/* plaintext: one read per event; TLS: until OpenSSL has nothing more
	 * (read ahead may hold data the socket no longer signals) */
	do {
		ssize_t r = conn_read(c, c->in + c->inlen, sizeof c->in - c->inlen);
		if (r == 0) {
			kill_conn(c);
			c->outlen = c->outoff = 0;
			return;
		}
		if (r < 0)
			return;
		c->inlen += (size_t)r;
		if (!conn_lines(c))
			return;
	} while (c->ssl);
}

/* Handle the complete lines in c->in; 0 when the connection died. */
static int conn_lines(conn_t *c)
{
	char *p = c->in, *end = c->in + c->inlen;
	for (;;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		char *le = nl;
		if (le > p && le[-1] == '\r')
			le--;
		handle_line(c, p, le);
		p = nl + 1;
		if (c->dead)
			return 0;
	}
	c->inlen = (size_t)(end - p);
	if (c->inlen == sizeof c->in)
		c->inlen = 0; /* an overlong line: drop it */
	else if (c->inlen && p != c->in)
		memmove(c->in, p, c->inlen);
	return 1;
}

/* One write per dirty connection per loop turn. */
static void flush_cb(EV_P_ ev_prepare *w, int revents)
{
	(void)w;
	(void)revents;
	while (dirty_head) {
		conn_t *c = dirty_head;
		dirty_head = c->next_dirty;
		c->dirty = 0;
		size_t len = c->outlen - c->outoff;
		/* written once the handshake is done; but one that died in it is
		 * reaped now: left in the loop, its closed socket stays readable
		 * and the loop spins (compare's port probe is such a client) */
		if (c->handshaking && !c->dead)
			continue;
		if (len && c->ssl) {
			size_t wn = 0;
			ERR_clear_error();
			if (SSL_write_ex(c->ssl, c->out + c->outoff, len, &wn) > 0) {
				c->outoff += wn;
				if (c->outoff == c->outlen)
					c->outoff = c->outlen = 0;
			} else {
				int e = SSL_get_error(c->ssl, 0);
				if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) {
					c->dead = 1;
					c->outoff = c->outlen = 0;
				}
			}
		} else if (len) {
			ssize_t r = write(c->fd, c->out + c->outoff, len);
			if (r > 0) {
				c->outoff += (size_t)r;
				if (c->outoff == c->outlen)
					c->outoff = c->outlen = 0;
			} else if (r < 0 && errno != EAGAIN && errno != EINTR) {
				c->dead = 1;
				c->outoff = c->outlen = 0;
			}
		}
		if (c->dead) { /* its last words (ERROR) got one best-effort write */
			destroy(c);
			continue;
		}
		int ww = c->outlen != c->outoff;
		if (ww != c->want_write) {
			c->want_write = ww;
			ev_io_stop(EV_A_ & c->io);
			ev_io_set(&c->io, c->fd, EV_READ | (ww ? EV_WRITE : 0));
			ev_io_start(EV_A_ & c->io);
		}
	}
}

static void accept_cb(EV_P_ ev_io *w, int revents)
{
	(void)revents;
	for (;;) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if ((errno == EMFILE || errno == ENFILE) && spare_fd >= 0) {
				/* out of fds: free the spare one to say why, then close */
				close(spare_fd);
				fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC);
				if (fd >= 0) {
					static const char msg[] = "ERROR :Closing Link: (Server full)\r\n";
					ssize_t r = write(fd, msg, sizeof msg - 1);
					(void)r;
					close(fd);
				}
				spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
				if (fd < 0) /* EMFILE comes before EAGAIN: the queue may be empty */
					return;
				continue;
			}
			return;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		conn_t *c = calloc(1, sizeof *c);
		if (!c)
			die("calloc");
		c->fd = fd;
		ev_io_init(&c->io, conn_cb, fd, EV_READ);
		ev_io_start(EV_A_ & c->io);
		nconns++;
		if (tls_ctx) {
			c->ssl = SSL_new(tls_ctx);
			if (!c->ssl || !SSL_set_fd(c->ssl, fd))
				die("SSL_new");
			c->handshaking = 1;
		}
	}
}

static void stop_cb(EV_P_ ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(EV_A_ EVBREAK_ALL);
}

static void deadline_cb(EV_P_ ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	fprintf(stderr, "refserver: --max-seconds reached, exiting\n");
	ev_break(EV_A_ EVBREAK_ALL);
}

static int loopback_ok(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return 0;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1";
	int port = 6699;
	double max_seconds = 600;
	int tls = 0;
	const char *cert = NULL, *key = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--host") && i + 1 < argc)
			host = argv[++i];
		else if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--max-seconds") && i + 1 < argc)
			max_seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--tls"))
			tls = 1;
		else if (!strcmp(argv[i], "--cert") && i + 1 < argc)
			cert = argv[++i];
		else if (!strcmp(argv[i], "--key") && i + 1 < argc)
			key = argv[++i];
		else {
			fprintf(stderr, "usage: refserver [--host 127.0.0.1] [--port 6699] [--max-seconds 600] "
					"[--tls --cert CERT.pem --key KEY.pem]\n");
			return 2;
		}
	}
	if (tls) {
		if (!cert || !key) {
			fprintf(stderr, "refserver: --tls needs --cert and --key\n");
			return 2;
		}
		tls_ctx = SSL_CTX_new(TLS_server_method());
		if (!tls_ctx || SSL_CTX_use_certificate_chain_file(tls_ctx, cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(tls_ctx, key, SSL_FILETYPE_PEM) != 1) {
			ERR_print_errors_fp(stderr);
			fprintf(stderr, "refserver: cannot load %s / %s\n", cert, key);
			return 2;
		}
		SSL_CTX_set_min_proto_version(tls_ctx, TLS1_2_VERSION);
		/* no partial writes: one SSL_write sends the whole buffer (or is retried) */
		SSL_CTX_set_mode(tls_ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
		SSL_CTX_set_read_ahead(tls_ctx, 1);
	}

	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		sl = sizeof *s4;
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sl = sizeof *s6;
	} else {
		fprintf(stderr, "refserver: --host must be a numeric address\n");
		return 2;
	}
	if (!loopback_ok((struct sockaddr *)&ss)) {
		fprintf(stderr, "refserver: refusing a non-loopback address\n");
		return 2;
	}

	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);

	int lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(lfd, (struct sockaddr *)&ss, sl) < 0)
		die("bind");
	if (listen(lfd, 4096) < 0)
		die("listen");

	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct ev_loop *loop = EV_DEFAULT;
	ev_io_init(&listen_io, accept_cb, lfd, EV_READ);
	ev_io_start(loop, &listen_io);
	ev_prepare_init(&flush_w, flush_cb);
	ev_prepare_start(loop, &flush_w);
	ev_signal sint, sterm;
	ev_signal_init(&sint, stop_cb, SIGINT);
	ev_signal_start(loop, &sint);
	ev_signal_init(&sterm, stop_cb, SIGTERM);
	ev_signal_start(loop, &sterm);
	ev_timer deadline;
	if (max_seconds > 0) {
		ev_timer_init(&deadline, deadline_cb, max_seconds, 0);
		ev_timer_start(loop, &deadline);
	}
	fprintf(stderr, "refserver: listening on %s port %d%s (pid %d)\n", host, port, tls ? " (TLS)" : "",
		(int)getpid());
	ev_run(loop, 0);
	close(lfd);
	return 0;
}
