/* metasync.h - who hears of metadata (draft/metadata-3): notifications to
 * subscribers, and the "metadata" batches that synchronize a client. */
#ifndef EVIRCD_METASYNC_H
#define EVIRCD_METASYNC_H

struct client;
struct channel;
struct metadata_subs;

#define METASYNC_AUTO_MAX 16384 /* bytes an automatic sync may queue at once */
#define METASYNC_RETRY 5        /* seconds in 774 when the sendq is busy */

/* 1 when c negotiated draft/metadata-3 and batch: a metadata-aware client. */
int metadata_aware(const struct client *c);

/* 761 with the value, or 766 when unset, about target's key. */
void metadata_reply(struct client *to, const char *target, const char *key, const char *value);

/*
 * A key of user u or of channel ch changed (value NULL: removed), by actor
 * (NULL: the server).  761 or 766 to the metadata-aware subscribers of the
 * key who see the target: the user itself, those sharing a channel with it
 * or monitoring it; a channel's members.  The actor got its own answer.
 */
void metasync_notify(struct client *actor, struct client *u, struct channel *ch,
                     const char *key, const char *value);

/*
 * Synchronization: a "metadata" batch of 761s, or 774 when it would not
 * fit.  A sync the client asked for (METADATA SYNC or SUB) may use half of
 * its free sendq; an automatic one (JOIN, MONITOR) METASYNC_AUTO_MAX too.
 */
enum metasync_kind { METASYNC_ASKED, METASYNC_AUTO };
/* The keys c subscribes to, of user u. */
void metasync_user(struct client *c, struct client *u, enum metasync_kind kind);
/* ... of channel ch and of its other members c may see. */
void metasync_channel(struct client *c, struct channel *ch, enum metasync_kind kind);
/* "*ALL": of c, its channels, their members and the users it monitors;
 * only keys (c's subscriptions when NULL). */
void metasync_all(struct client *c, const struct metadata_subs *keys);
/*
 * SUB added keys: when any visible target has one set, 774 *ALL 0 (the
 * client fetches them with METADATA *ALL SYNC); else nothing.  SUB itself
 * so answers with 770 (and this 774) only.
 */
void metasync_subscribed(struct client *c, const struct metadata_subs *added);
/* Registration burst: every key of c itself, subscribed or not. */
void metasync_welcome(struct client *c);

/* The capabilities changed: subscriptions live only while c is metadata-aware. */
void metasync_caps_changed(struct client *c);

#endif
