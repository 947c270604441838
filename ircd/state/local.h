/* local.h - what a client on this server has that a remote one does not. */
#ifndef EVIRCD_LOCAL_H
#define EVIRCD_LOCAL_H

#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "state/client.h"
#include "state/metadata.h"

struct conn;
struct dns_request;
struct sasl_session;
struct multiline;
struct read_markers;
struct client_wait;

/* Registration and command progress; the transport keeps its own flags. */
#define LOCAL_CAP_NEGOTIATING 0x01 /* CAP LS/REQ seen, no CAP END yet */
#define LOCAL_GOT_NICK 0x02
#define LOCAL_GOT_USER 0x04
#define LOCAL_OPER_PENDING 0x08     /* an OPER password check is running */
#define LOCAL_DNS_PENDING 0x10      /* registration waits for the host lookup */
#define LOCAL_REGISTER_PENDING 0x20 /* an account REGISTER is being made */
#define LOCAL_PASS_PENDING 0x40     /* the [auth] password hash is being checked */
#define LOCAL_PASS_OK 0x80          /* ...and it matched */
#define LOCAL_WEBIRC 0x100          /* host and IP came from a WEBIRC gateway */
#define LOCAL_WEBIRC_PENDING 0x200  /* a WEBIRC password check is running */

/* Reply batches open to one client at once (proto/batch.c): they nest. */
#define BATCH_DEPTH_MAX 4
#define TARGET_SLOTS 8 /* recent distinct message targets remembered */
#define REPLY_SLOTS 8  /* recent people who messaged this client */

/* At most N events per fixed window of S seconds (NICK, METADATA changes). */
struct rate_window {
	time_t start;
	unsigned count;
};

/*
 * The protocol state of a client connected here: capabilities, what its
 * commands in flight wait for, its spam limits.  A remote client has
 * none (client->local is NULL); handlers' "proceed" halves never read it.
 */
struct local {
	struct conn *conn;    /* the transport (net/conn.h) */
	uint32_t flags;       /* LOCAL_* */
	uint32_t caps;        /* CAP_* negotiated */
	uint32_t tags_wanted; /* TAG_* those caps ask for (proto/outmsg.h) */
	uint16_t cap_version; /* 302 after CAP LS 302 */
	uint8_t batch_depth;
	uint32_t batch_refs[BATCH_DEPTH_MAX]; /* open reply batches, innermost last */
	char *password;                       /* from PASS, until registration */
	struct dns_request *dns;              /* host lookup in flight */
	struct sasl_session *sasl;            /* AUTHENTICATE in progress */
	unsigned sasl_failures;
	long long account_id; /* the accounts row logged in to (0: none, or services') */
	void *registration;   /* REGISTER in flight (modules/m_register.c) */
	LIST_HEAD(, client_wait)
	waits; /* commands waiting on a lane: input held (proto/clientjob.c) */
	unsigned nwaits;
	char *gateway;                     /* the [webirc] block the user came through */
	struct multiline *multiline;       /* an open draft/multiline batch */
	struct read_markers *read_markers; /* draft/read-marker while not logged in */
	struct metadata_subs meta_subs;    /* draft/metadata-3 subscriptions */
	/*
	 * Target-change limit: recent distinct message targets (hashes, a
	 * ring), the people who messaged us (UID hashes, a ring: replying to
	 * them is free), and the new targets left, refilled over time.
	 */
	uint32_t targets[TARGET_SLOTS];
	uint32_t replies[REPLY_SLOTS];
	uint8_t target_next, reply_next, target_free;
	time_t target_refilled;
	struct rate_window nick_changes;  /* NICK cycling limit */
	struct rate_window cloak_changes; /* +x/-x limit (each is a CHGHOST to all) */
	struct rate_window meta_changes;  /* METADATA changes limit */
	time_t nick_deadline;             /* log in by then or be renamed (0: none) */
	time_t last_message;              /* WHOIS idle: last PRIVMSG/NOTICE */
};

/* 1 when c is connected here and negotiated every capability in caps. */
static inline int
client_has_cap(const struct client *c, uint32_t caps)
{
	return c->local != NULL && (c->local->caps & caps) == caps;
}

#endif
