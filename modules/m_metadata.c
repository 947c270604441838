/* m_metadata.c - METADATA GET/LIST/SET/CLEAR/SUB/UNSUB/SUBS/SYNC (draft/metadata-3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/casemap.h"
#include "base/conf.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/login.h"
#include "proto/batch.h"
#include "proto/clientjob.h"
#include "proto/metasync.h"
#include "proto/numeric.h"
#include "proto/ratelimit.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/metadata.h"
#include "state/server.h"
#include "store/metastore.h"

/* The object a target names. */
struct meta_target {
	const char *name; /* as replies name it */
	struct metadata_list *list;
	struct client *user;
	struct channel *channel;
};

struct subcommand {
	const char *name;
	int min, max;  /* parameters after the subcommand */
	int self_only; /* SUB, UNSUB, SUBS: the target is the client itself */
	void (*run)(struct client *c, struct meta_target *t, struct irc_msg *m);
};

/* 1 when a client's parameter can be sent back as a middle parameter. */
static int
is_word(const char *s)
{
	return s[0] != '\0' && s[0] != ':' && strchr(s, ' ') == NULL;
}

static const char *
middle(const char *s)
{
	return is_word(s) ? s : "*";
}

/* "*" is the client itself, the only target before registration. */
static int
resolve(struct client *c, const char *name, struct meta_target *t)
{
	memset(t, 0, sizeof(*t));
	if (strcmp(name, "*") == 0 || (c->registered && irc_strcmp(name, c->nick) == 0)) {
		t->user = c;
		t->name = c->registered ? c->nick : "*";
	} else if (!c->registered) {
		return -1;
	} else if (name[0] == '#') {
		/* A secret channel is no target for outsiders: no leak of its name. */
		t->channel = channel_find(name);
		if (t->channel == NULL || !channel_visible(t->channel, c))
			return -1;
		t->name = t->channel->name;
	} else {
		t->user = client_find_nick(name);
		if (t->user == NULL || !t->user->registered)
			return -1;
		t->name = t->user->nick;
	}
	t->list = t->user != NULL ? &t->user->metadata : &t->channel->metadata;
	return 0;
}

/*
 * A 761 of the value must fit in 512 bytes whoever receives it and whatever
 * nick a user target takes later, or it would reach subscribers cut.
 */
static int
fits_line(const struct meta_target *t, const char *key, const char *value)
{
	size_t target = t->channel != NULL ? strlen(t->name) : conf->limits.nicklen;
	size_t len = strlen(":  761   * :\r\n") + strlen(me.name) + conf->limits.nicklen +
	             target + strlen(key) + strlen(value);

	return len <= OUT_LINE_MAX;
}

/* Users change their own metadata, channel operators their channel's. */
static int
writable(struct client *c, const struct meta_target *t)
{
	struct membership *m;

	if (t->user != NULL)
		return t->user == c;
	m = channel_member(t->channel, c);
	return m != NULL && (m->flags & MEMBER_OP);
}

/* Keys gathered into as few 770/771/772 lines as fit, one parameter each. */
struct keyline {
	struct client *c;
	int numeric;
	char buf[400];
	size_t len;
	unsigned n;
};

#define KEYLINE_KEYS 12 /* parameters per line, well inside the 15 allowed */

static void
keyline_flush(struct keyline *k)
{
	if (k->n > 0)
		reply(k->c, k->numeric, "%s", k->buf);
	k->len = 0;
	k->n = 0;
	k->buf[0] = '\0';
}

static void
keyline_add(struct keyline *k, const char *key)
{
	size_t n = strlen(key);

	if (k->n >= KEYLINE_KEYS || k->len + 1 + n >= sizeof(k->buf))
		keyline_flush(k);
	k->len += (size_t)snprintf(k->buf + k->len, sizeof(k->buf) - k->len, "%s%s",
	                           k->n > 0 ? " " : "", key);
	k->n++;
}

/* 775 echoes the command so the client can send it again as it was. */
static void
rate_limited(struct client *c, struct irc_msg *m, unsigned wait)
{
	char params[OUT_LINE_MAX] = "";
	size_t n = 0;

	for (int i = 2; i < m->argc && n < sizeof(params); i++) {
		const char *p = m->argv[i];
		int trailing = i == m->argc - 1 && !is_word(p);
		n += (size_t)snprintf(params + n, sizeof(params) - n, " %s%s",
		                      trailing ? ":" : "", p);
	}
	reply(c, ERR_METADATARATELIMIT, "%u %s %s%s", wait, middle(m->argv[0]),
	      middle(m->argv[1]), params);
}

/* A change to be told to others: the changes limit applies (not before registration). */
static int
change_allowed(struct client *c, struct irc_msg *m)
{
	unsigned wait = 0;

	if (!c->registered || ratelimit_metadata_change(c, &wait))
		return 1;
	rate_limited(c, m, wait);
	return 0;
}

static void
meta_get(struct client *c, struct meta_target *t, struct irc_msg *m)
{
	batch_open(c, NULL, "metadata", t->name);
	for (int i = 2; i < m->argc; i++) {
		const char *key = m->argv[i];
		if (!metadata_key_valid(key))
			send_warn(c, "METADATA", "INVALID_KEY", middle(key), "Invalid key");
		else
			metadata_reply(c, t->name, key, metadata_get(t->list, key));
	}
	batch_close(c);
}

static void
meta_list(struct client *c, struct meta_target *t, struct irc_msg *m UNUSED)
{
	struct metadata *md;

	batch_open(c, NULL, "metadata", t->name);
	TAILQ_FOREACH (md, &t->list->head, link)
		metadata_reply(c, t->name, md->key, md->value);
	batch_close(c);
}

/*
 * A user's own metadata is its account's: the account's other connections
 * here take the change at once (their subscribers hear of it, and so do they,
 * who did not make it).  A full list takes no new key.
 */
static void
share_with_account(struct client *c, const char *key, const char *value)
{
	for (size_t i = 0; c->account != NULL && i <= clients_by_uid.mask; i++) {
		struct client *o = clients_by_uid.slots[i].value;
		if (clients_by_uid.slots[i].key == NULL || o == c || o->local == NULL ||
		    o->account == NULL || irc_strcmp(o->account, c->account) != 0)
			continue;
		const char *old = metadata_get(&o->metadata, key);
		if (old == NULL ? value == NULL || o->metadata.count >= METADATA_MAX_KEYS
		                : value != NULL && strcmp(old, value) == 0)
			continue; /* nothing changes, or no room for a new key */
		metadata_set(&o->metadata, key, value);
		metasync_notify(NULL, o, NULL, key, value);
	}
}

/*
 * Store, keep with the account when it is the client's own, and tell
 * subscribers.  1 when a database write was queued: the client's answer
 * then waits for its commit.
 */
static int
apply(struct client *c, struct meta_target *t, const char *key, const char *value)
{
	int stored = 0;

	metadata_set(t->list, key, value);
	if (t->user == c && account_session_valid(c)) {
		stored = metastore_set(c, key, value);
		share_with_account(c, key, value);
	}
	metasync_notify(c, t->user, t->channel, key, value);
	return stored;
}

/*
 * The answer to SET (a 761 or 766) or CLEAR (766s in a batch).  For a
 * change kept with the account it goes out once the row is committed, as
 * every acknowledged write does: a crash after it loses nothing.  Others
 * hear of the change at once, as of any in memory (MARKREAD does the same).
 */
struct answer {
	char target[MAX(NICKLEN_MAX, CHANNELLEN_MAX) + 1]; /* a nick, "*" or a channel */
	int clear;
	char *value; /* SET's value; NULL: removed */
	unsigned nkeys;
	char keys[METADATA_MAX_KEYS][METADATA_KEY_MAX + 1];
};

static struct answer *
answer_new(const struct meta_target *t, int clear)
{
	struct answer *a = xcalloc(1, sizeof(*a));

	str_copy(a->target, t->name, sizeof(a->target));
	a->clear = clear;
	return a;
}

static void
answer_key(struct answer *a, const char *key)
{
	if (a->nkeys < METADATA_MAX_KEYS)
		str_copy(a->keys[a->nkeys++], key, sizeof(a->keys[0]));
}

static void
answer_send(struct client *c, void *arg)
{
	struct answer *a = arg;

	if (c != NULL) {
		if (a->clear)
			batch_open(c, NULL, "metadata", a->target);
		for (unsigned i = 0; i < a->nkeys; i++)
			metadata_reply(c, a->target, a->keys[i], a->value);
		if (a->clear)
			batch_close(c);
	}
	free(a->value);
	free(a);
}

/* Now, or after the commit of what the command stored. */
static void
answer_after(struct client *c, struct answer *a, int stored)
{
	if (stored)
		client_after_writes(c, answer_send, a);
	else
		answer_send(c, a);
}

static int
set_checks(struct client *c, struct meta_target *t, struct irc_msg *m, const char *value)
{
	const char *key = m->argv[2];
	char context[CHANNELLEN_MAX + METADATA_KEY_MAX + 32];

	if (!metadata_key_valid(key)) {
		send_fail(c, "METADATA", "INVALID_KEY", middle(key), "Invalid key");
		return 0;
	}
	if (!writable(c, t)) {
		snprintf(context, sizeof(context), "%s %s", t->name, key);
		send_fail(c, "METADATA", "KEY_NO_PERMISSION", context, "Permission denied");
		return 0;
	}
	if (value != NULL && (!metadata_value_valid(value) || !fits_line(t, key, value))) {
		send_fail(c, "METADATA", "INVALID_VALUE", key,
		          "Invalid value: UTF-8 of at most %d bytes", METADATA_VALUE_MAX);
		return 0;
	}
	if (value != NULL && metadata_get(t->list, key) == NULL &&
	    t->list->count >= METADATA_MAX_KEYS) {
		snprintf(context, sizeof(context), "%s %s %d", middle(m->argv[1]), t->name,
		         METADATA_MAX_KEYS);
		send_fail(c, "METADATA", "LIMIT_REACHED", context, "Too many keys");
		return 0;
	}
	return 1;
}

static void
meta_set(struct client *c, struct meta_target *t, struct irc_msg *m)
{
	const char *key = m->argv[2];
	/* An empty value removes the key, as an absent one does. */
	const char *value = m->argc > 3 && m->argv[3][0] != '\0' ? m->argv[3] : NULL;
	const char *old;
	struct answer *a;
	int stored = 0;

	if (!set_checks(c, t, m, value))
		return;
	old = metadata_get(t->list, key);
	/* Setting what is already there changes nothing: nobody to tell. */
	if (old == NULL ? value != NULL : value == NULL || strcmp(old, value) != 0) {
		if (!change_allowed(c, m))
			return;
		stored = apply(c, t, key, value);
	}
	a = answer_new(t, 0);
	answer_key(a, key);
	a->value = value != NULL ? xstrdup(value) : NULL;
	answer_after(c, a, stored);
}

static void
meta_clear(struct client *c, struct meta_target *t, struct irc_msg *m)
{
	char context[CHANNELLEN_MAX + 8];
	struct answer *a;
	int stored = 0;

	if (!writable(c, t)) {
		snprintf(context, sizeof(context), "%s *", t->name);
		send_fail(c, "METADATA", "KEY_NO_PERMISSION", context, "Permission denied");
		return;
	}
	if (t->list->count > 0 && !change_allowed(c, m))
		return;
	a = answer_new(t, 1);
	while (!TAILQ_EMPTY(&t->list->head)) {
		char key[METADATA_KEY_MAX + 1];
		str_copy(key, TAILQ_FIRST(&t->list->head)->key, sizeof(key));
		answer_key(a, key);
		stored |= apply(c, t, key, NULL);
	}
	answer_after(c, a, stored);
}

static void
meta_sub(struct client *c, struct meta_target *t UNUSED, struct irc_msg *m)
{
	struct keyline ok = {c, RPL_METADATASUBOK, "", 0, 0};
	struct metadata_subs added = {NULL, 0};
	const char *refused = NULL;

	for (int i = 2; i < m->argc && refused == NULL; i++) {
		const char *key = m->argv[i];
		int r;
		if (!metadata_key_valid(key)) {
			send_warn(c, "METADATA", "INVALID_KEY", middle(key), "Invalid key");
			continue;
		}
		r = metadata_sub_add(&c->local->meta_subs, key);
		if (r < 0) {
			refused = key; /* the keys after it are not processed */
			continue;
		}
		if (r > 0)
			metadata_sub_add(&added, key);
		keyline_add(&ok, key);
	}
	keyline_flush(&ok);
	if (refused != NULL) {
		char context[METADATA_KEY_MAX + 32];
		snprintf(context, sizeof(context), "%s %s %d", middle(m->argv[1]), refused,
		         METADATA_MAX_SUBS);
		send_fail(c, "METADATA", "LIMIT_REACHED", context, "Too many subscriptions");
	}
	/* The new keys' current values wait for SYNC; none before registration. */
	if (c->registered)
		metasync_subscribed(c, &added);
	metadata_sub_clear(&added);
}

static void
meta_unsub(struct client *c, struct meta_target *t UNUSED, struct irc_msg *m)
{
	struct keyline ok = {c, RPL_METADATAUNSUBOK, "", 0, 0};

	for (int i = 2; i < m->argc; i++) {
		const char *key = m->argv[i];
		if (!metadata_key_valid(key)) {
			send_warn(c, "METADATA", "INVALID_KEY", middle(key), "Invalid key");
			continue;
		}
		metadata_sub_del(&c->local->meta_subs, key);
		keyline_add(&ok, key);
	}
	keyline_flush(&ok);
}

static void
meta_subs(struct client *c, struct meta_target *t UNUSED, struct irc_msg *m UNUSED)
{
	struct keyline list = {c, RPL_METADATASUBS, "", 0, 0};
	const struct metadata_subs *s = &c->local->meta_subs;

	batch_open(c, NULL, "metadata-subs", NULL);
	for (unsigned i = 0; i < s->count; i++)
		keyline_add(&list, s->keys[i]);
	keyline_flush(&list);
	batch_close(c);
}

static void
meta_sync(struct client *c, struct meta_target *t, struct irc_msg *m UNUSED)
{
	if (t->channel != NULL)
		metasync_channel(c, t->channel, METASYNC_ASKED);
	else
		metasync_user(c, t->user, METASYNC_ASKED);
}

static const struct subcommand subcommands[] = {
    {"GET", 1, IRC_PARAMS_MAX, 0, meta_get},
    {"LIST", 0, 0, 0, meta_list},
    {"SET", 1, 2, 0, meta_set},
    {"CLEAR", 0, 0, 0, meta_clear},
    {"SUB", 1, IRC_PARAMS_MAX, 1, meta_sub},
    {"UNSUB", 1, IRC_PARAMS_MAX, 1, meta_unsub},
    {"SUBS", 0, 0, 1, meta_subs},
    {"SYNC", 0, 0, 0, meta_sync},
};

static const struct subcommand *
subcommand_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(subcommands); i++)
		if (strcasecmp(subcommands[i].name, name) == 0)
			return &subcommands[i];
	return NULL;
}

/* Parameters, then the target: FAIL INVALID_PARAMS or INVALID_TARGET. */
static const struct subcommand *
check(struct client *c, struct irc_msg *m, struct meta_target *t)
{
	const struct subcommand *sc = m->argc >= 2 ? subcommand_find(m->argv[1]) : NULL;
	int n = m->argc - 2;

	if (m->argc < 2) {
		send_fail(c, "METADATA", "INVALID_PARAMS", "*", "Not enough parameters");
		return NULL;
	}
	if (sc == NULL || n < sc->min || n > sc->max) {
		send_fail(c, "METADATA", "INVALID_PARAMS", middle(m->argv[1]), "%s",
		          sc == NULL    ? "Unknown subcommand"
		          : n < sc->min ? "Not enough parameters"
		                        : "Too many parameters");
		return NULL;
	}
	if (resolve(c, m->argv[0], t) != 0 || (sc->self_only && t->user != c)) {
		send_fail(c, "METADATA", "INVALID_TARGET", middle(m->argv[0]),
		          "Invalid metadata target");
		return NULL;
	}
	return sc;
}

HANDLER(m_metadata)
{
	const struct subcommand *sc;
	struct meta_target t;

	/* The replies come in batches, and subscriptions need both. */
	if (!metadata_aware(c)) {
		send_fail(c, "METADATA", "NEED_CAPABILITY", "*",
		          "Enable the draft/metadata-3 and batch capabilities first");
		return IRC_OK;
	}
	/* "*ALL" is every visible target, for SYNC only, once registered. */
	if (m->argc == 2 && c->registered && strcmp(m->argv[0], "*ALL") == 0 &&
	    strcasecmp(m->argv[1], "SYNC") == 0) {
		metasync_all(c, NULL);
		return IRC_OK;
	}
	sc = check(c, m, &t);
	if (sc != NULL)
		sc->run(c, &t, m);
	return IRC_OK;
}
