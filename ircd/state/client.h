/* client.h - client records, local or remote, and the nick/UID tables. */
#ifndef EVIRCD_CLIENT_H
#define EVIRCD_CLIENT_H

#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "base/bounds.h"
#include "base/hash.h"
#include "state/metadata.h"

struct conn;
struct local;
struct server;
struct membership;
struct invite;

/* User modes, one bit each. */
#define UMODE_INVISIBLE 0x01 /* +i */
#define UMODE_WALLOPS 0x02   /* +w */
#define UMODE_OPER 0x04      /* +o */
#define UMODE_SNOTICE 0x08   /* +s: server notices, filtered by snomask */
#define UMODE_CLOAK 0x10     /* +x: host shown as its cloak */
#define UMODE_BOT 0x20       /* +B: a bot (IRCv3 bot mode) */
#define UMODE_REGNICK 0x40   /* +r: identified to its nick (services set it) */

/*
 * Every user, local or on another server, is one record: a TS6 UID, a
 * nick with its TS, and both directions of channel membership.  local is
 * NULL for remote users; server says where the user is, and its via field
 * which link leads there (client_via).
 */
struct client {
	char nick[NICKLEN_MAX + 1];
	char uid[UIDLEN + 1];
	char user[USERLEN + 1];
	char host[HOSTLEN + 1];     /* as shown: the cloak while +x */
	char realhost[HOSTLEN + 1]; /* from DNS, or the IP */
	char ip[46];
	char *realname;
	char *away;    /* NULL when present */
	char *certfp;  /* SHA-256 of the TLS client certificate, or NULL */
	char *account; /* logged-in account name, or NULL */
	time_t nick_ts;
	time_t signon;
	uint32_t umodes;
	uint32_t snomask;    /* SNO_* categories while +s */
	uint32_t privileges; /* PRIV_* from the [oper] block, while +o */
	char *oper_name;     /* the [oper] block used, while +o */
	uint32_t mark;       /* broadcast serial: "already sent this one" */
	struct server *server;
	struct local *local; /* state/local.h: only for clients connected here */
	LIST_ENTRY(client) server_link; /* in server->clients, once registered */
	LIST_HEAD(, membership) channels;
	LIST_HEAD(, invite) invites;
	LIST_HEAD(, watch) monitors; /* nicks this client MONITORs */
	unsigned nchannels;
	unsigned nmonitors;
	struct metadata_list metadata; /* draft/metadata-3 keys of this user */
	unsigned registered : 1;
	unsigned secure : 1; /* connected over TLS */
	unsigned killed : 1; /* its exit is a KILL the links already heard of */
};

extern struct strmap clients_by_nick;
extern struct strmap clients_by_uid;
extern unsigned clients_invisible;
extern unsigned clients_opers;
extern unsigned clients_max_local;
extern unsigned clients_max_global;

/* A user introduced by another server (TS6 UID/EUID), as it arrives. */
struct client_intro {
	const char *nick;
	time_t nick_ts;
	const char *user;
	const char *host;     /* as shown */
	const char *realhost; /* NULL: the same as host */
	const char *ip;       /* "0" when the server hides it */
	const char *uid;
	const char *account; /* NULL: not logged in */
	const char *realname;
	uint32_t umodes;
};

/* Who a nick collision leaves standing; the TS6 module kills or saves the rest. */
enum collide {
	COLLIDE_KEEP_EXISTING, /* the incoming one loses: kill (or SAVE) it back */
	COLLIDE_KEEP_INCOMING, /* the existing one loses: kill (or SAVE) it, take the new */
	COLLIDE_BOTH,          /* both lose */
};

void client_tables_init(void);
struct client *client_new_local(struct conn *conn, const char *ip);
/*
 * A registered user on server s (not me): in the nick and UID tables, on
 * s->clients, counted.  NULL, with nothing changed, when the nick or UID is
 * taken or too long: resolve nick collisions first (client_collide).
 */
struct client *client_new_remote(struct server *s, const struct client_intro *in);
/* Unlink from every table, channel and server list and free; no messages are sent. */
void client_free(struct client *c);
struct client *client_find_nick(const char *nick);
/*
 * Give up c's nick at once (it lost a collision and exits at the end of
 * the tick): the winner may enter the table now.
 */
void client_release_nick(struct client *c);
struct client *client_find_uid(const char *uid);
/* A TS6 source or target: a UID when it starts with a digit, else a nick. */
struct client *client_find(const char *nick_or_uid);
/* The directly linked server c is reached through; NULL for local clients. */
struct server *client_via(const struct client *c);
/*
 * Set or change the nick and its TS (now for local changes, the sender's
 * for remote ones), keeping the nick table in step.  The nick must be free
 * or c's own: collisions are resolved before.
 */
void client_set_nick(struct client *c, const char *nick, time_t ts);
/*
 * TS6 nick TS rules, deciding only: existing holds the nick, and an
 * introduction or nick change arrives carrying ts and user@host.  Equal
 * (or zero) TS: both lose.  Same user@host: the newer one stays (the older
 * is likely a ghost); different: the older one stays.  An existing client
 * not yet registered always loses.  user@host is compared with existing's
 * shown host, as the TS6 spec and Solanum do.
 */
enum collide client_collide(const struct client *existing, time_t ts, const char *user,
                            const char *host);
/* The same rules, "same user" meaning username and IP, as ircd-hybrid decides it. */
enum collide client_collide_ip(const struct client *existing, time_t ts, const char *user,
                               const char *ip);
/* Mark registered: counts, UID table. */
void client_register(struct client *c);
/* "nick!user@host" into buf. */
const char *client_mask(const struct client *c, char *buf, size_t size);
/* The name used in numerics: the nick, or "*" before NICK. */
const char *client_name(const struct client *c);
int client_is_local(const struct client *c);
unsigned client_count_global(void);
/* 1 when nick is a valid nickname no longer than maxlen. */
int nick_valid(const char *nick, unsigned maxlen);
void client_set_umode(struct client *c, uint32_t mode, int on);

#endif
