/* conn.h - a local connection: socket, recvq, sendq, timers, state. */
#ifndef EVIRCD_CONN_H
#define EVIRCD_CONN_H

#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "net/iplimit.h"
#include "net/msgbuf.h"
#include "net/reactor.h"

struct client;
struct conf_class;
struct ssl_st;

/* The per-connection state machine; changed only by conn_enter_state(). */
enum conn_state {
	CONN_CONNECTING,    /* we dialled: waiting for connect() to finish */
	CONN_PROXY_HEADER,  /* proxy listener: the PROXY protocol header first */
	CONN_TLS_HANDSHAKE, /* TLS listener: handshake before any IRC */
	CONN_WS_HANDSHAKE,  /* websocket listener: the HTTP Upgrade request */
	CONN_REGISTERING,   /* NICK/USER (and CAP) in progress */
	CONN_REGISTERED,    /* a user */
	CONN_CLOSING,       /* marked dead: reaped at the end of this tick */
};

#define CONN_PING_SENT 0x01
#define CONN_IN_FLUSH_LIST 0x02
#define CONN_WRITE_BLOCKED 0x04
#define CONN_THROTTLED 0x08    /* complete lines wait for the flood clock */
#define CONN_FLOOD_EXEMPT 0x10 /* no fake lag, no spam limits (operators) */
#define CONN_OUTPUT_HOOK 0x20  /* output passes the owner's filter first (labels, batches) */
#define CONN_DIAL_TLS 0x40     /* dialled: start TLS once connected */
#define CONN_HOLD 0x80         /* the owner holds input back (conn_hold_input) */
/* TLS: a read must write first (a KeyUpdate answer), a write must read first. */
#define CONN_READ_WANTS_WRITE 0x100
#define CONN_WRITE_WANTS_READ 0x200
#define CONN_UNOPENED 0x400 /* no owner yet: the real address is still to come */

/*
 * The events an established connection waits for, from its flags: input
 * unless held, output while blocked, and for TLS the other direction when
 * an operation wants it (never the one it waits on, which would spin).
 */
int conn_wanted_events(uint32_t flags);

/* Who is on the other end: each kind has its owner's hooks. */
enum conn_kind { CONN_KIND_CLIENT, CONN_KIND_SERVER, CONN_KINDS };

struct conn_hooks;
struct conn_preamble;
struct ws;

/* What a listener asks of its connections (copied from its [listen] block). */
struct listen_opts {
	int tls;       /* a TLS handshake first */
	int websocket; /* IRC over WebSocket */
	int proxy;     /* a PROXY protocol header before anything */
	char *proxies; /* trusted for PROXY and X-Forwarded-For: IPs/CIDRs, or NULL */
	char *origins; /* WebSocket Origin globs, or NULL: any */
};

struct conn {
	const struct conn_hooks *hooks;
	struct rio io;
	int fd;
	struct ssl_st *ssl;        /* NULL: plaintext */
	struct ws *ws;             /* NULL: IRC lines on the stream, else WebSocket frames */
	struct conn_preamble *pre; /* PROXY/TLS/WebSocket steps before IRC, or NULL */
	enum conn_state state;
	uint32_t flags;
	struct client *client; /* the owner (a client), never dereferenced here */
	void *owner;           /* the owner of other kinds (a server link) */
	struct conf_class *class;
	char *rbuf; /* partial line carried between reads, or NULL */
	uint32_t rlen;
	uint64_t flood_clock;  /* ms: fake lag, ahead of now while flooding */
	uint64_t queued_since; /* ms: when the sendq last became non-empty */
	struct sendq sendq;
	time_t connected_at;
	time_t last_read;          /* ping bookkeeping */
	char *close_reason;        /* set when CLOSING */
	char ipgroup[IPGROUP_MAX]; /* the per-address group it counts in, or "" */
	uint64_t msgs_in, msgs_out, bytes_in, bytes_out;
	TAILQ_ENTRY(conn) link;
};

/*
 * What the layers above do with a connection: the transport moves bytes
 * and keeps time, and calls up only through these.
 */
struct conn_hooks {
	/*
	 * Admit a connection from ip: NULL and *class set (and group, of
	 * IPGROUP_MAX bytes, to the per-address group it counts in, or ""),
	 * or why it is refused.
	 */
	const char *(*admit)(const char *ip, struct conf_class **class, char *group);
	/* A new connection: create its owner (cn->client). */
	void (*open)(struct conn *cn, const char *ip, int tls);
	/* Plaintext, or the TLS handshake is done: IRC may start. */
	void (*ready)(struct conn *cn);
	/*
	 * One complete line, CR/LF stripped, NUL-terminated in place; -1 when
	 * its owner closed the connection (no more of its lines are read).
	 */
	int (*line)(struct conn *cn, char *line, size_t len);
	/* Idle for a ping period: send a keepalive. */
	void (*ping)(struct conn *cn);
	/* Once a second for every live connection (deadlines). */
	void (*second)(struct conn *cn);
	/*
	 * Closing: drop pending work, tell the world, queue the last words
	 * (conn_send_final).  cn is freed later in this tick.
	 */
	void (*exit)(struct conn *cn);
};

TAILQ_HEAD(conn_list, conn);
extern struct conn_list conns;
extern unsigned conns_count;
extern unsigned conns_max; /* from RLIMIT_NOFILE */

void conn_system_init(void);
/* The owner of a kind of connection installs its hooks at start-up. */
void conn_set_hooks(enum conn_kind kind, const struct conn_hooks *hooks);
/*
 * Take an accepted socket; returns NULL (socket closed) when refused.  A
 * proxy or websocket listener's connection is admitted, and its owner
 * opened, once the client's real address is known.
 */
struct conn *conn_new(int fd, const char *ip, const struct listen_opts *opts,
                      enum conn_kind kind);
/* 1 when cn speaks WebSocket (its owner may say so in WHOIS). */
int conn_is_websocket(const struct conn *cn);
/*
 * Dial ip:port (numeric) without blocking, with TLS when asked; the kind's
 * ready hook runs once connected (and the TLS handshake is done), and a
 * failure closes the connection with the reason.  NULL
 * (and *err) when the socket cannot even be made.
 */
struct conn *conn_connect(const char *ip, int port, int tls, enum conn_kind kind,
                          struct conf_class *class, void *owner, const char **err);
void conn_enter_state(struct conn *cn, enum conn_state state);
/*
 * Mark for closing: no more input is read and no more output queued;
 * the exit (QUIT to channels, ERROR line, close) happens at end of tick.
 */
void conn_close(struct conn *cn, const char *reason);
/* Queue output: a shared buffer, or bytes copied in. */
void conn_send_buf(struct conn *cn, struct msgbuf *mb);
void conn_send_bytes(struct conn *cn, const char *data, size_t len);
/* Queue the last lines of a CLOSING connection (its ERROR). */
void conn_send_final(struct conn *cn, const char *data, size_t len);
/* 1 when cn is exempt from fake lag and spam limits. */
int conn_flood_exempt(const struct conn *cn);
/* Bytes that may still be queued before SendQ exceeded. */
size_t conn_sendq_room(const struct conn *cn);
/*
 * Hold (1) or release (0) input: while held, no more is read from the
 * socket and no line is handed on, so an answer that waits for a worker
 * keeps the lines after it waiting too.
 */
void conn_hold_input(struct conn *cn, int hold);
/* Charge penalty lines to the flood clock (the dispatcher calls this). */
void conn_charge(struct conn *cn, unsigned penalty);
/* Close every connection with an ERROR (shutdown) and flush. */
void conn_close_all(const char *reason);
/* Write a line straight to a socket we will not keep (refusals). */
void conn_refuse(int fd, const char *ip, const char *reason);
/* Log once that the server is full (why); the next accepted connection logs the end of it. */
void conn_note_full(const char *why);

#endif
