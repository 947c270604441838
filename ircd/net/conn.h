/* conn.h - a local connection: socket, recvq, sendq, timers, state. */
#ifndef EVIRCD_CONN_H
#define EVIRCD_CONN_H

#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "proto/cap.h"
#include "state/metadata.h"
#include "net/msgbuf.h"
#include "net/reactor.h"

struct client;
struct conf_class;
struct ssl_st;
struct dns_request;
struct sasl_session;
struct multiline;

/* The per-connection state machine; changed only by conn_enter_state(). */
enum conn_state {
	CONN_TLS_HANDSHAKE, /* TLS listener: handshake before any IRC */
	CONN_REGISTERING,   /* NICK/USER (and CAP) in progress */
	CONN_REGISTERED,    /* a user */
	CONN_CLOSING,       /* marked dead: reaped at the end of this tick */
};

#define CONN_CAP_NEGOTIATING 0x01 /* CAP LS/REQ seen, no CAP END yet */
#define CONN_GOT_NICK 0x02
#define CONN_GOT_USER 0x04
#define CONN_PING_SENT 0x08
#define CONN_IN_FLUSH_LIST 0x10
#define CONN_WRITE_BLOCKED 0x20
#define CONN_OPER_PENDING 0x40      /* an OPER password check is running */
#define CONN_DNS_PENDING 0x80       /* registration waits for the host lookup */
#define CONN_THROTTLED 0x100        /* complete lines wait for the flood clock */
#define CONN_REGISTER_PENDING 0x200 /* an account REGISTER is being made */

/* At most N events per fixed window of S seconds (NICK, METADATA changes). */
struct rate_window {
	time_t start;
	unsigned count;
};

struct conn {
	struct rio io;
	int fd;
	struct ssl_st *ssl; /* NULL: plaintext */
	enum conn_state state;
	uint32_t flags;
	uint32_t caps;        /* CAP_* negotiated */
	uint32_t tags_wanted; /* TAG_* those caps ask for (outmsg.h) */
	uint16_t cap_version; /* 302 after CAP LS 302 */
	struct client *client;
	struct conf_class *class;
	char *password;            /* from PASS, until registration */
	struct dns_request *dns;   /* host lookup in flight */
	struct sasl_session *sasl; /* AUTHENTICATE in progress */
	unsigned sasl_failures;
	void *registration;             /* REGISTER in flight (m_register.c) */
	struct multiline *multiline;    /* an open draft/multiline batch */
	struct metadata_subs meta_subs; /* draft/metadata-3 subscriptions */
	/* Target-change limit: recent distinct message targets (hash, when). */
	uint32_t targets[8];
	time_t targets_when[8];
	struct rate_window nick_changes; /* NICK cycling limit */
	struct rate_window meta_changes; /* METADATA changes limit */
	time_t nick_deadline;            /* log in by then or be renamed (0: none) */
	char *rbuf;                      /* partial line carried between reads, or NULL */
	uint32_t rlen;
	uint64_t flood_clock;  /* ms: fake lag, ahead of now while flooding */
	uint64_t queued_since; /* ms: when the sendq last became non-empty */
	struct sendq sendq;
	time_t connected_at;
	time_t last_read;    /* ping bookkeeping */
	time_t last_message; /* WHOIS idle: last PRIVMSG/NOTICE */
	char *close_reason;  /* set when CLOSING */
	uint64_t msgs_in, msgs_out, bytes_in, bytes_out;
	TAILQ_ENTRY(conn) link;
};

TAILQ_HEAD(conn_list, conn);
extern struct conn_list conns;
extern unsigned conns_count;
extern unsigned conns_max; /* from RLIMIT_NOFILE */

void conn_system_init(void);
/* Take an accepted socket; returns NULL (socket closed) when refused. */
struct conn *conn_new(int fd, const char *ip, int tls);
void conn_enter_state(struct conn *cn, enum conn_state state);
/*
 * Mark for closing: no more input is read and no more output queued;
 * the exit (QUIT to channels, ERROR line, close) happens at end of tick.
 */
void conn_close(struct conn *cn, const char *reason);
/* Queue output: a shared buffer, or bytes copied in. */
void conn_send_buf(struct conn *cn, struct msgbuf *mb);
void conn_send_bytes(struct conn *cn, const char *data, size_t len);
/* labeled-response: capture cn's output from here until conn_label_end. */
void conn_label_begin(struct conn *cn, const char *label);
void conn_label_end(struct conn *cn);
/*
 * For a command answering later: hand over the label (empty when none)
 * and send no ACK for it now.
 */
void conn_label_take(struct conn *cn, char *out, size_t size);
/*
 * Spam limits (as Solanum has them): 0 when c may message a new target
 * now, -1 when it changes targets too fast; 0 when it may change nick.
 */
int conn_target_ok(struct conn *cn, const char *target);
int conn_nick_change_ok(struct conn *cn, unsigned *wait);
/* 1 when c may change metadata now (20 changes per 10 s), else 0 and *wait. */
int conn_metadata_change_ok(struct conn *cn, unsigned *wait);
/* Bytes that may still be queued (or captured for a label) before SendQ exceeded. */
size_t conn_sendq_room(const struct conn *cn);
/* Charge penalty lines to the flood clock (the dispatcher calls this). */
void conn_charge(struct conn *cn, unsigned penalty);
/* Close every connection with an ERROR (shutdown) and flush. */
void conn_close_all(const char *reason);
/* Write a line straight to a socket we will not keep (refusals). */
void conn_refuse(int fd, const char *ip, const char *reason);

#endif
