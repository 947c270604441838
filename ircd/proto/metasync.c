/* metasync.c - metadata notifications and synchronization batches. */
#include <string.h>

#include "base/util.h"
#include "net/conn.h"
#include "proto/batch.h"
#include "proto/cap.h"
#include "proto/metasync.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/metadata.h"
#include "state/monitor.h"
#include "state/server.h"

int
metadata_aware(const struct client *c)
{
	const uint32_t both = CAP_METADATA | CAP_BATCH;

	return c->local != NULL && (c->local->caps & both) == both;
}

static int
wants(const struct client *to, const char *key)
{
	return metadata_aware(to) && metadata_sub_has(&to->local->meta_subs, key);
}

/* Before registration a user has no nick to name it by: "*". */
static const char *
user_name(const struct client *u)
{
	return u->registered ? u->nick : "*";
}

void
metadata_reply(struct client *to, const char *target, const char *key, const char *value)
{
	if (value != NULL)
		reply(to, RPL_KEYVALUE, "%s %s * :%s", target, key, value);
	else
		reply(to, RPL_KEYNOTSET, "%s %s :Key not set", target, key);
}

/* A change to a user, told once to each client that can see the user. */
struct change {
	const char *target, *key, *value;
	uint32_t serial;
};

static void
tell_once(struct client *to, void *arg)
{
	struct change *chg = arg;

	if (to->mark == chg->serial)
		return;
	to->mark = chg->serial;
	if (wants(to, chg->key))
		metadata_reply(to, chg->target, chg->key, chg->value);
}

void
metasync_notify(struct client *actor, struct client *u, struct channel *ch, const char *key,
                const char *value)
{
	struct change chg = {NULL, key, value, 0};
	struct membership *m;

	if (ch != NULL) {
		for (uint32_t i = 0; i < ch->nmembers; i++) {
			struct client *to = ch->members[i]->client;
			if (to != actor && wants(to, key))
				metadata_reply(to, ch->name, key, value);
		}
		return;
	}
	/* Before registration nobody can see the user yet. */
	if (!u->registered)
		return;
	chg.target = u->nick;
	chg.serial = send_serial();
	if (actor != NULL)
		actor->mark = chg.serial;
	tell_once(u, &chg);
	LIST_FOREACH (m, &u->channels, client_link)
		for (uint32_t i = 0; i < m->channel->nmembers; i++)
			tell_once(m->channel->members[i]->client, &chg);
	monitor_each_watcher(u, tell_once, &chg);
}

/*
 * One pass over what a sync holds, counting its bytes or sending it: the
 * count decides between the batch and 774 before anything is queued.
 */
struct sink {
	struct client *c;
	const struct metadata_subs *keys; /* NULL: every key */
	int sending;
	size_t bytes;
	size_t overhead; /* of one 761 line but its target, key and value */
	uint32_t serial; /* users already visited in this pass */
};

typedef void (*walker)(struct sink *s, void *target);

static void
sink_list(struct sink *s, const char *target, const struct metadata_list *l)
{
	struct metadata *md;

	TAILQ_FOREACH (md, &l->head, link) {
		if (s->keys != NULL && !metadata_sub_has(s->keys, md->key))
			continue;
		if (s->sending)
			metadata_reply(s->c, target, md->key, md->value);
		else
			s->bytes +=
			    s->overhead + strlen(target) + strlen(md->key) + strlen(md->value);
	}
}

static void
sink_user(struct sink *s, struct client *u)
{
	if (u->mark == s->serial)
		return;
	u->mark = s->serial;
	sink_list(s, user_name(u), &u->metadata);
}

/* The channel's keys, then its members' as NAMES shows them to c. */
static void
sink_channel(struct sink *s, struct channel *ch)
{
	int member = channel_member(ch, s->c) != NULL;

	sink_list(s, ch->name, &ch->metadata);
	for (uint32_t i = 0; i < ch->nmembers; i++) {
		struct client *u = ch->members[i]->client;
		if (!member && (u->umodes & UMODE_INVISIBLE))
			continue;
		sink_user(s, u);
	}
}

static void
walk_user(struct sink *s, void *target)
{
	sink_user(s, target);
}

/* "all other users in that channel": c is marked visited first. */
static void
walk_channel(struct sink *s, void *target)
{
	s->c->mark = s->serial;
	sink_channel(s, target);
}

static void
visit_monitored(const char *nick, void *arg)
{
	struct client *u = client_find_nick(nick);

	if (u != NULL && u->registered)
		sink_user(arg, u);
}

static void
walk_all(struct sink *s, void *target UNUSED)
{
	struct membership *m;

	sink_user(s, s->c);
	LIST_FOREACH (m, &s->c->channels, client_link)
		sink_channel(s, m->channel);
	monitor_list(s->c, visit_monitored, s);
}

static void
sync_run(struct client *c, const char *param, walker walk, void *target,
         const struct metadata_subs *keys, enum metasync_kind kind)
{
	struct sink s = {c, keys, 0, 0, 0, 0};
	size_t room = conn_sendq_room(c->local->conn) / 2;
	size_t budget = kind == METASYNC_AUTO ? MIN(room, METASYNC_AUTO_MAX) : room;

	/* ":server 761 nick " ... " * :" CRLF, and "@batch=REF " in front. */
	s.overhead = strlen(me.name) + strlen(client_name(c)) + 40;
	if (keys->count > 0) {
		s.serial = send_serial();
		walk(&s, target);
	}
	if (s.bytes > budget) {
		/* Too big for an automatic sync only: SYNC may ask at once. */
		reply(c, ERR_METADATASYNCLATER, "%s %d :Too much metadata to send now", param,
		      s.bytes <= room ? 0 : METASYNC_RETRY);
		return;
	}
	batch_open(c, NULL, "metadata", param);
	if (keys->count > 0) {
		s.sending = 1;
		s.serial = send_serial();
		walk(&s, target);
	}
	batch_close(c);
}

void
metasync_user(struct client *c, struct client *u, enum metasync_kind kind)
{
	sync_run(c, user_name(u), walk_user, u, &c->local->meta_subs, kind);
}

void
metasync_channel(struct client *c, struct channel *ch, enum metasync_kind kind)
{
	sync_run(c, ch->name, walk_channel, ch, &c->local->meta_subs, kind);
}

void
metasync_all(struct client *c, const struct metadata_subs *keys)
{
	sync_run(c, "*ALL", walk_all, NULL, keys ? keys : &c->local->meta_subs, METASYNC_ASKED);
}

void
metasync_subscribed(struct client *c, const struct metadata_subs *added)
{
	struct sink s = {c, added, 0, 0, 0, 0};

	if (added->count == 0)
		return;
	s.serial = send_serial();
	walk_all(&s, NULL);
	/* Nothing set anywhere c looks: nothing to synchronize, nothing to say. */
	if (s.bytes > 0)
		reply(c, ERR_METADATASYNCLATER,
		      "*ALL 0 :Synchronize the new keys with METADATA *ALL SYNC");
}

void
metasync_welcome(struct client *c)
{
	struct sink s = {c, NULL, 1, 0, 0, 0};

	if (!(c->local->caps & CAP_METADATA))
		return;
	batch_open(c, NULL, "metadata", c->nick);
	sink_list(&s, c->nick, &c->metadata);
	batch_close(c);
}

void
metasync_caps_changed(struct client *c)
{
	if (!metadata_aware(c))
		metadata_sub_clear(&c->local->meta_subs);
}
