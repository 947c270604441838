/*
 * link.h - server links over TS6: the session on a connection to another
 * server (handshake, burst, keepalive, split), and sending to links.
 * doc/linking.md describes the protocol as both dialects speak it.
 */
#ifndef EVIRCD_LINK_H
#define EVIRCD_LINK_H

#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "base/bounds.h"
#include "base/util.h"

struct client;
struct channel;
struct conf_link;
struct conn;
struct server;

enum link_state {
	LINK_HANDSHAKE, /* PASS, CAPAB, SERVER not yet all in */
	LINK_BURSTING,  /* accepted; its burst is arriving (until EOB or the PONG) */
	LINK_ACTIVE,    /* synchronised */
};

/* CAPAB tokens we understand (doc/linking.md lists what each changes). */
#define LCAP_EOB 0x0001
#define LCAP_TBURST 0x0002
#define LCAP_TB 0x0004
#define LCAP_ENCAP 0x0008
#define LCAP_EUID 0x0010
#define LCAP_HOP 0x0020
#define LCAP_QS 0x0040
#define LCAP_EX 0x0080
#define LCAP_IE 0x0100
#define LCAP_SERVICES 0x0200
#define LCAP_MLOCK 0x0400
#define LCAP_RHOST 0x0800
#define LCAP_EVIRCD 0x1000 /* another evircd: messages carry their time and msgid */
#define LCAP_SAVE 0x2000   /* charybdis: nick collisions are settled by SAVE, not KILL */
#define LCAP_KLN 0x4000    /* KLINE and UNKLINE (CAPAB KLN, UNKLN) */
#define LCAP_UNKLN 0x8000
#define LCAP_DLN 0x10000 /* hybrid: DLINE and UNDLINE */
#define LCAP_UNDLN 0x20000

/* The TS a nick gets when SAVE makes it its UID (as charybdis sets it). */
#define SAVE_NICKTS 100

struct link {
	struct conn *conn;
	char name[SERVLEN + 1]; /* the peer's name (its [link] block) */
	char sid[SIDLEN + 1];   /* from PASS (charybdis) or SERVER (hybrid) */
	char ip[46];
	int dialect; /* enum link_dialect: what we speak */
	enum link_state state;
	uint32_t caps; /* LCAP_* the peer announced */
	unsigned outgoing : 1;
	unsigned sent_intro : 1; /* our PASS/CAPAB/SERVER went */
	unsigned got_capab : 1;
	unsigned burst_acked : 1; /* the PONG to our burst's PING came */
	char *password;           /* from PASS, until SERVER checks it */
	void *pass_check;         /* a hashed password check in flight (link.c) */
	struct server *server;    /* the peer, once its SERVER is accepted */
	uint32_t mark; /* channel_links_mark's serial: "has a member of this channel" */
	uint64_t burst_started_ms;
	uint64_t burst_acked_ms; /* how long the peer took to answer our burst's PING */
	uint64_t burst_ms;       /* how long its burst took to arrive, once LINK_ACTIVE */
	LIST_ENTRY(link) entry;
};

LIST_HEAD(link_list, link);
extern struct link_list links;

/* Install the server connections' hooks and the autoconnect timer. */
void link_init(void);
/* Dial the [link] block's server now (CONNECT, autoconnect). 0, or -1 and err. */
int link_connect(const struct conf_link *cl, const char **err);
/* The link a server or client is reached through (NULL: here). */
struct link *link_of_server(const struct server *s);
struct link *link_of_client(const struct client *c);

/*
 * A TS6 timestamp (nick, channel, topic, SVINFO's clock): decimal digits
 * only, above 0 and of at most 18 digits; -1 when s is not one.
 */
time_t link_ts(const char *s);

/* A SID: a digit, then two of [0-9A-Z]. */
int link_sid_valid(const char *sid);
/* A server name: letters, digits, "-_*" and at least one '.', not first. */
int link_server_name_valid(const char *name);

/* One line to one link ("\r\n" added). */
void link_send(struct link *l, const char *fmt, ...) PRINTF(2, 3);
/* To every synchronised-or-bursting link but skip (where it came from; NULL: none). */
void links_send(struct link *skip, const char *fmt, ...) PRINTF(2, 3);
/*
 * A message line (PRIVMSG, NOTICE) for links: evircd peers get it behind
 * om's time and msgid (and client tags), so every server shows the same.
 * The channel form goes only to links with a member of ch (what members
 * receive); a change of the channel itself (JOIN, PART, KICK, TMODE,
 * TOPIC) goes to every link, since every server holds every channel.
 */
struct outmsg;
void link_send_msg(struct link *l, struct outmsg *om, const char *fmt, ...) PRINTF(3, 4);
void links_send_channel_msg(struct link *skip, const struct channel *ch, struct outmsg *om,
                            const char *fmt, ...) PRINTF(4, 5);

/* Does l know the quiet list +q (charybdis dialect; hybrid has none)? */
int link_has_quiet(const struct link *l);
/* Does l settle nick collisions by SAVE (charybdis dialect, CAPAB SAVE)? */
int link_can_save(const struct link *l);
/* May a collision of c be settled by SAVE: c is ours, or its link has SAVE. */
int client_can_save(const struct client *c);

/* A user (local, or new behind a link) is introduced to every other link. */
void link_introduce(struct client *c);
/* c joined ch (created: it made the channel, as its op): JOIN, or SJOIN, to links. */
void link_relay_join(struct client *c, const struct channel *ch, int created);
/* ch's topic, as a burst sends it (TBURST or TB), to every link but skip. */
void link_relay_topic(struct link *skip, const struct channel *ch);
/* A server new behind a link is introduced to every other link. */
void link_relay_server(const struct server *s);
struct source;
struct irc_msg;
/* A numeric from a link: to its target here, or on towards it. */
void link_numeric(struct source *src, struct irc_msg *m);
/* The peer answered a PING of ours (after our burst: it has taken the burst). */
void link_pong(struct link *l);
/*
 * Services changed what every server knows of c, src_id (a SID or UID)
 * sending it: the account (hybrid SVSACCOUNT, charybdis ENCAP * SU), the
 * shown host (SVSHOST, ENCAP * CHGHOST) or user modes (SVSMODE, hybrid
 * only), to every link but skip.
 */
void link_relay_account(struct link *skip, const char *src_id, const struct client *c);
void link_relay_host(struct link *skip, const char *src_id, const struct client *c);
/*
 * c's server changed c's shown host itself (+x, -x): ENCAP * CHGHOST from
 * that server, which charybdis servers and evircd take from a user's own
 * server (hybrid ignores it: only its services change hosts).
 */
void link_relay_chghost(struct link *skip, const struct client *c);
void link_relay_svsmode(struct link *skip, const char *src_id, const struct client *c,
                        const char *modes);
/* Services' MLOCK of ch (ch->mlock, NULL: none) to every link with MLOCK but skip. */
void link_relay_mlock(struct link *skip, const char *src_id, const struct channel *ch);
/* The peer ended its burst (EOB, or the PONG to our post-burst PING). */
void link_burst_done(struct link *l);
/* Links whose SERVER was accepted (bursting or synchronised). */
unsigned links_up(void);
/* Close a link with an ERROR; its servers and users split away at the end of the tick. */
void link_drop(struct link *l, const char *reason);
/* Remove server s (behind a link) and everything behind it: QUITs to locals. */
void link_split(struct server *s, const char *reason);

#endif
