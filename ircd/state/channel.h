/* channel.h - channels, membership (both ways), bans and invites. */
#ifndef EVIRCD_CHANNEL_H
#define EVIRCD_CHANNEL_H

#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "base/hash.h"
#include "state/metadata.h"

struct client;

#define CMODE_INVITE 0x01     /* +i */
#define CMODE_MODERATED 0x02  /* +m */
#define CMODE_NOEXTERNAL 0x04 /* +n */
#define CMODE_PRIVATE 0x08    /* +p */
#define CMODE_SECRET 0x10     /* +s */
#define CMODE_TOPICLOCK 0x20  /* +t */
#define CMODE_NOCTCP 0x40     /* +C: no CTCP but ACTION */
#define CMODE_OPERONLY 0x80   /* +O: IRC operators only (set by them) */

#define MEMBER_OP 0x01    /* @ */
#define MEMBER_VOICE 0x02 /* + */

struct channel;

struct membership {
	struct client *client;
	struct channel *channel;
	uint32_t index; /* position in channel->members */
	uint8_t flags;
	/* Cached result of the ban check, valid while ban_serial matches. */
	uint8_t banned;
	uint32_t ban_serial;
	LIST_ENTRY(membership) client_link;
};

/* +b +e +I, and +q (quiet: may join, may not speak, as charybdis/Solanum). */
enum ban_list { BAN_LIST_BAN, BAN_LIST_EXCEPT, BAN_LIST_INVEX, BAN_LIST_QUIET, BAN_LISTS };

struct ban {
	char *mask;
	char *setter;
	time_t when;
	TAILQ_ENTRY(ban) link;
};
TAILQ_HEAD(ban_head, ban);

struct invite {
	struct client *client;
	struct channel *channel;
	LIST_ENTRY(invite) client_link;
	LIST_ENTRY(invite) channel_link;
};

/*
 * Members live in a dense array (fast fan-out iteration) indexed by a
 * client -> membership map (O(1) "is on channel"); each client keeps the
 * list of its own memberships for the other direction.
 */
struct channel {
	time_t ts; /* creation TS (TS6) */
	uint32_t modes;
	uint32_t limit; /* +l, 0 = none */
	char *key;      /* +k, NULL = none */
	char *topic;
	char *topic_setter;
	time_t topic_time;
	struct membership **members;
	uint32_t nmembers;
	uint32_t members_cap;
	struct ptrmap member_map;
	struct ban_head bans[BAN_LISTS];
	unsigned nbans[BAN_LISTS];
	uint32_t ban_serial; /* bumped on every +b/-b/+e/-e */
	char *mlock;         /* services' MLOCK: letters local users may not change */
	LIST_HEAD(, invite) invites;
	struct metadata_list metadata;
	time_t renamed; /* last RENAME (a cooldown), 0: never */
	char *name;     /* name_buf, or a heap copy after a RENAME */
	char name_buf[];
};

extern struct strmap channels;
extern uint32_t ban_serial_global;

void channel_tables_init(void);
struct channel *channel_find(const char *name);
/* RENAME: the same channel (members, modes, lists) under a new name. */
void channel_rename(struct channel *ch, const char *name);
/* Create (empty; the caller adds the first member). */
struct channel *channel_create(const char *name);
struct membership *channel_member(const struct channel *ch, const struct client *c);
struct membership *channel_add(struct channel *ch, struct client *c, uint8_t flags);
/* Remove; destroys the channel when it empties. */
void channel_remove(struct membership *m);
/* Who hears of a channel's end (its history goes with it): one listener. */
void channel_on_end(void (*ended)(const char *name));
/* NULL when c may speak in ch (+n, +m, +b, +q, m: mutes), else why not (for 404). */
const char *channel_cannot_send(struct client *c, struct channel *ch);
void channel_part_all(struct client *c);
/* 1 when name is a valid channel name no longer than maxlen. */
int channel_name_valid(const char *name, unsigned maxlen);
/* Banned and not excepted (cached per membership when m != NULL). */
int channel_is_banned(struct channel *ch, struct client *c, struct membership *m);
int channel_list_match(struct channel *ch, enum ban_list list, struct client *c);
/* On the quiet list (+q) and not excepted (+e), as Solanum has it. */
int channel_is_quieted(struct channel *ch, struct client *c);
/* Extban prefix of the mute ("+b m:nick!user@host": may join, may not speak). */
#define EXTBAN_MUTE "m:"
/* 1 when c matches an entry of list that starts with prefix (an extban). */
int channel_list_match_ext(struct channel *ch, enum ban_list list, struct client *c,
                           const char *prefix);
struct ban *channel_ban_find(struct channel *ch, enum ban_list list, const char *mask);
void channel_ban_add(struct channel *ch, enum ban_list list, const char *mask,
                     const char *setter);
void channel_ban_del(struct channel *ch, enum ban_list list, struct ban *b);
/* After a nick change, cached ban results for this client are stale. */
void channel_invalidate_bans(struct client *c);
/*
 * 1 when a +s channel must look absent to c (not a member, not an IRC
 * operator): errors say 403 ERR_NOSUCHCHANNEL, not 442 or 404.
 */
int channel_hidden(const struct channel *ch, const struct client *c);
/* 1 when the channel is visible to c in LIST/WHOIS/NAMES. */
int channel_visible(const struct channel *ch, const struct client *c);
/* "+ntk key" style mode string; key shown only when show_key. */
void channel_mode_string(const struct channel *ch, int show_key, char *buf, size_t size);
/* "@+" (all with multi) or just the highest prefix. */
const char *member_prefix(const struct membership *m, int multi);

int invite_exists(const struct channel *ch, const struct client *c);
void invite_add(struct channel *ch, struct client *c);
void invite_del(struct channel *ch, struct client *c);
void invite_clear_client(struct client *c);

#endif
