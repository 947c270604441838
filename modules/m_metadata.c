/* m_metadata.c - METADATA GET/LIST/SET/CLEAR/SUB/UNSUB/SUBS/SYNC (draft/metadata-2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cap.h"
#include "casemap.h"
#include "channel.h"
#include "client.h"
#include "conn.h"
#include "metadata.h"
#include "modules.h"
#include "numeric.h"
#include "send.h"

/* The object a target names, and whether c may change it. */
struct meta_target {
	const char *name;
	struct metadata_list *list;
	unsigned *count;
	struct client *user;
	struct channel *channel;
	int writable;
};

static int
resolve(struct client *c, const char *name, struct meta_target *t)
{
	memset(t, 0, sizeof(*t));
	if (strcmp(name, "*") == 0)
		name = c->nick;
	if (name[0] == '#') {
		struct membership *m;
		t->channel = channel_find(name);
		if (t->channel == NULL || !channel_visible(t->channel, c))
			return -1;
		m = channel_member(t->channel, c);
		t->name = t->channel->name;
		t->list = &t->channel->metadata;
		t->count = &t->channel->nmetadata;
		t->writable = m != NULL && (m->flags & MEMBER_OP);
		return 0;
	}
	t->user = client_find_nick(name);
	if (t->user == NULL || !t->user->registered)
		return -1;
	t->name = t->user->nick;
	t->list = &t->user->metadata;
	t->count = &t->user->nmetadata;
	t->writable = t->user == c;
	return 0;
}

static int
subscribed(const struct conn *cn, const char *key)
{
	for (unsigned i = 0; i < cn->nmeta_subs; i++)
		if (strcmp(cn->meta_subs[i], key) == 0)
			return 1;
	return 0;
}

static void
send_value(struct client *c, const char *target, const char *key, const char *value)
{
	if (value != NULL)
		reply(c, RPL_KEYVALUE, "%s %s * :%s", target, key, value);
	else
		reply(c, RPL_KEYNOTSET, "%s %s :key not set", target, key);
}

/* Tell subscribers who can see the target: its channel, or shared channels. */
static void
notify(struct client *c, const struct meta_target *t, const char *key, const char *value)
{
	struct outmsg *om = value ? msg_from(c, "METADATA %s %s * :%s", t->name, key, value)
	                          : msg_from(c, "METADATA %s %s *", t->name, key);
	struct membership *mem;

	if (t->channel != NULL) {
		for (uint32_t i = 0; i < t->channel->nmembers; i++) {
			struct client *to = t->channel->members[i]->client;
			if (to != c && to->conn && (to->conn->caps & CAP_METADATA) &&
			    subscribed(to->conn, key))
				send_msg(to, om);
		}
	} else {
		static uint32_t serial;
		if (++serial == 0)
			serial = 1;
		c->mark = serial;
		LIST_FOREACH (mem, &t->user->channels, client_link) {
			for (uint32_t i = 0; i < mem->channel->nmembers; i++) {
				struct client *to = mem->channel->members[i]->client;
				if (to->mark == serial || to->conn == NULL)
					continue;
				to->mark = serial;
				if ((to->conn->caps & CAP_METADATA) &&
				    subscribed(to->conn, key))
					send_msg(to, om);
			}
		}
	}
	msg_release(om);
}

static void
meta_set(struct client *c, struct meta_target *t, const char *key, const char *value)
{
	if (!metadata_key_valid(key)) {
		send_fail(c, "METADATA", "KEY_INVALID", key, "Invalid key");
		return;
	}
	if (!t->writable) {
		send_fail(c, "METADATA", "KEY_NO_PERMISSION", t->name, "%s :Not permitted",
		          key);
		return;
	}
	if (value != NULL && strlen(value) > METADATA_VALUE_MAX) {
		send_fail(c, "METADATA", "VALUE_INVALID", t->name, "Value too long");
		return;
	}
	if (metadata_set(t->list, t->count, key, value) != 0) {
		send_fail(c, "METADATA", "LIMIT_REACHED", t->name, "Too many keys");
		return;
	}
	send_value(c, t->name, key, value);
	notify(c, t, key, value);
}

static void
meta_subscribe(struct client *c, struct irc_msg *m, int add)
{
	struct conn *cn = c->conn;
	char done[400] = "";
	size_t n = 0;

	for (int i = 2; i < m->argc; i++) {
		const char *key = m->argv[i];
		if (!metadata_key_valid(key)) {
			send_fail(c, "METADATA", "KEY_INVALID", key, "Invalid key");
			continue;
		}
		if (add && !subscribed(cn, key)) {
			if (cn->nmeta_subs >= METADATA_MAX_SUBS) {
				send_fail(c, "METADATA", "TOO_MANY_SUBS", key,
				          "Too many subscriptions");
				break;
			}
			cn->meta_subs =
			    xrealloc(cn->meta_subs, (cn->nmeta_subs + 1) * sizeof(char *));
			cn->meta_subs[cn->nmeta_subs++] = xstrdup(key);
		} else if (!add) {
			for (unsigned k = 0; k < cn->nmeta_subs; k++) {
				if (strcmp(cn->meta_subs[k], key) == 0) {
					free(cn->meta_subs[k]);
					cn->meta_subs[k] = cn->meta_subs[--cn->nmeta_subs];
					break;
				}
			}
		}
		if (n + strlen(key) + 2 < sizeof(done))
			n += (size_t)snprintf(done + n, sizeof(done) - n, "%s%s", n ? " " : "",
			                      key);
	}
	if (n > 0)
		reply(c, add ? RPL_METADATASUBOK : RPL_METADATAUNSUBOK, ":%s", done);
}

HANDLER(m_metadata)
{
	const char *sub = m->argv[1];
	struct meta_target t;
	struct metadata *md;

	if (!(c->conn->caps & CAP_METADATA)) {
		send_fail(c, "METADATA", "NEED_CAPABILITY", "*",
		          "Enable draft/metadata-2 first");
		return IRC_OK;
	}
	if (strcasecmp(sub, "SUB") == 0 || strcasecmp(sub, "UNSUB") == 0) {
		meta_subscribe(c, m, strcasecmp(sub, "SUB") == 0);
		return IRC_OK;
	}
	if (strcasecmp(sub, "SUBS") == 0) {
		for (unsigned i = 0; i < c->conn->nmeta_subs; i++)
			reply(c, RPL_METADATASUBS, ":%s", c->conn->meta_subs[i]);
		return IRC_OK;
	}
	if (resolve(c, m->argv[0], &t) != 0) {
		send_fail(c, "METADATA", "INVALID_TARGET", m->argv[0], "Invalid target");
		return IRC_OK;
	}
	if (strcasecmp(sub, "GET") == 0) {
		for (int i = 2; i < m->argc; i++)
			send_value(c, t.name, m->argv[i], metadata_get(t.list, m->argv[i]));
	} else if (strcasecmp(sub, "LIST") == 0) {
		LIST_FOREACH (md, t.list, link)
			send_value(c, t.name, md->key, md->value);
	} else if (strcasecmp(sub, "SYNC") == 0) {
		LIST_FOREACH (md, t.list, link)
			if (subscribed(c->conn, md->key))
				send_value(c, t.name, md->key, md->value);
	} else if (strcasecmp(sub, "SET") == 0 && m->argc > 2) {
		meta_set(c, &t, m->argv[2], m->argc > 3 ? m->argv[3] : NULL);
	} else if (strcasecmp(sub, "CLEAR") == 0) {
		if (!t.writable) {
			send_fail(c, "METADATA", "KEY_NO_PERMISSION", t.name,
			          "* :Not permitted");
			return IRC_OK;
		}
		while (!LIST_EMPTY(t.list)) {
			char *key = xstrdup(LIST_FIRST(t.list)->key);
			meta_set(c, &t, key, NULL);
			free(key);
		}
	} else {
		send_fail(c, "METADATA", "SUBCOMMAND_INVALID", sub, "Unknown subcommand");
	}
	return IRC_OK;
}
