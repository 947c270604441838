/* channel.c - channel records, membership, ban lists and invites. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/casemap.h"
#include "base/match.h"
#include "base/util.h"
#include "state/channel.h"
#include "state/client.h"

struct strmap channels;
uint32_t ban_serial_global = 1;

void
channel_tables_init(void)
{
	strmap_init(&channels, 256);
}

struct channel *
channel_find(const char *name)
{
	return strmap_get(&channels, name);
}

struct channel *
channel_create(const char *name)
{
	size_t len = strlen(name);
	struct channel *ch = xcalloc(1, sizeof(*ch) + len + 1);

	ch->name = ch->name_buf;
	memcpy(ch->name_buf, name, len + 1);
	ch->ts = now;
	ch->ban_serial = ban_serial_global++;
	ptrmap_init(&ch->member_map);
	for (int i = 0; i < BAN_LISTS; i++)
		TAILQ_INIT(&ch->bans[i]);
	LIST_INIT(&ch->invites);
	metadata_init(&ch->metadata);
	strmap_put(&channels, ch->name, ch);
	return ch;
}

static void (*ended_hook)(const char *name);

void
channel_on_end(void (*ended)(const char *name))
{
	ended_hook = ended;
}

static void
channel_destroy(struct channel *ch)
{
	struct invite *inv;

	strmap_del(&channels, ch->name);
	if (ended_hook != NULL)
		ended_hook(ch->name);
	for (int i = 0; i < BAN_LISTS; i++) {
		struct ban *b;
		while ((b = TAILQ_FIRST(&ch->bans[i])) != NULL)
			channel_ban_del(ch, (enum ban_list)i, b);
	}
	while ((inv = LIST_FIRST(&ch->invites)) != NULL)
		invite_del(ch, inv->client);
	metadata_clear(&ch->metadata);
	ptrmap_free(&ch->member_map);
	free(ch->members);
	free(ch->key);
	free(ch->mlock);
	free(ch->topic);
	free(ch->topic_setter);
	if (ch->name != ch->name_buf)
		free(ch->name);
	free(ch);
}

void
channel_rename(struct channel *ch, const char *name)
{
	strmap_del(&channels, ch->name);
	if (ch->name != ch->name_buf)
		free(ch->name);
	ch->name = xstrdup(name);
	ch->renamed = now;
	strmap_put(&channels, ch->name, ch);
}

struct membership *
channel_member(const struct channel *ch, const struct client *c)
{
	return ptrmap_get(&ch->member_map, c);
}

struct membership *
channel_add(struct channel *ch, struct client *c, uint8_t flags)
{
	struct membership *m = xcalloc(1, sizeof(*m));

	m->client = c;
	m->channel = ch;
	m->flags = flags;
	if (ch->nmembers == ch->members_cap) {
		ch->members_cap = ch->members_cap ? ch->members_cap * 2 : 4;
		ch->members = xrealloc(ch->members, ch->members_cap * sizeof(*ch->members));
	}
	m->index = ch->nmembers;
	ch->members[ch->nmembers++] = m;
	ptrmap_put(&ch->member_map, c, m);
	LIST_INSERT_HEAD(&c->channels, m, client_link);
	c->nchannels++;
	invite_del(ch, c);
	return m;
}

void
channel_remove(struct membership *m)
{
	struct channel *ch = m->channel;
	struct membership *last = ch->members[ch->nmembers - 1];

	/* Swap-remove keeps the member array dense. */
	ch->members[m->index] = last;
	last->index = m->index;
	ch->nmembers--;
	ptrmap_del(&ch->member_map, m->client);
	LIST_REMOVE(m, client_link);
	m->client->nchannels--;
	free(m);
	if (ch->nmembers == 0)
		channel_destroy(ch);
	else if (ch->nmembers * 4 < ch->members_cap && ch->members_cap > 16) {
		ch->members_cap /= 2;
		ch->members = xrealloc(ch->members, ch->members_cap * sizeof(*ch->members));
	}
}

void
channel_part_all(struct client *c)
{
	struct membership *m;

	while ((m = LIST_FIRST(&c->channels)) != NULL)
		channel_remove(m);
}

int
channel_name_valid(const char *name, unsigned maxlen)
{
	size_t len = strlen(name);

	if (len < 2 || len > maxlen || name[0] != '#')
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p == ' ' || *p == ',' || *p == 7 || *p < 32)
			return 0;
	return 1;
}

/* Entries of list starting with prefix, matched (after it) against c; "" for plain masks. */
static int
list_match(struct channel *ch, enum ban_list list, struct client *c, const char *prefix)
{
	char shown[NICKLEN_MAX + USERLEN + HOSTLEN + 3];
	char real[NICKLEN_MAX + USERLEN + HOSTLEN + 3];
	char byip[NICKLEN_MAX + USERLEN + 64 + 3];
	size_t plen = strlen(prefix);
	struct ban *b;

	if (TAILQ_EMPTY(&ch->bans[list]))
		return 0;
	/* A mask may name the cloak, the real host or the IP. */
	snprintf(shown, sizeof(shown), "%s!%s@%s", c->nick, c->user, c->host);
	snprintf(real, sizeof(real), "%s!%s@%s", c->nick, c->user, c->realhost);
	snprintf(byip, sizeof(byip), "%s!%s@%s", c->nick, c->user, c->ip);
	TAILQ_FOREACH (b, &ch->bans[list], link) {
		const char *mask = b->mask + plen;
		if (plen > 0 && strncasecmp(b->mask, prefix, plen) != 0)
			continue;
		if (mask_match(mask, shown) || mask_match(mask, real) || mask_match(mask, byip))
			return 1;
	}
	return 0;
}

/* Extban entries ("m:...") never match here: ':' is in no nick. */
int
channel_list_match(struct channel *ch, enum ban_list list, struct client *c)
{
	return list_match(ch, list, c, "");
}

int
channel_list_match_ext(struct channel *ch, enum ban_list list, struct client *c,
                       const char *prefix)
{
	return list_match(ch, list, c, prefix);
}

int
channel_is_banned(struct channel *ch, struct client *c, struct membership *m)
{
	int banned;

	if (m != NULL && m->ban_serial == ch->ban_serial)
		return m->banned;
	banned = channel_list_match(ch, BAN_LIST_BAN, c) &&
	         !channel_list_match(ch, BAN_LIST_EXCEPT, c);
	if (m != NULL) {
		m->ban_serial = ch->ban_serial;
		m->banned = (uint8_t)banned;
	}
	return banned;
}

int
channel_is_quieted(struct channel *ch, struct client *c)
{
	return ch->nbans[BAN_LIST_QUIET] > 0 && channel_list_match(ch, BAN_LIST_QUIET, c) &&
	       !channel_list_match(ch, BAN_LIST_EXCEPT, c);
}

struct ban *
channel_ban_find(struct channel *ch, enum ban_list list, const char *mask)
{
	struct ban *b;

	TAILQ_FOREACH (b, &ch->bans[list], link)
		if (irc_strcmp(b->mask, mask) == 0)
			return b;
	return NULL;
}

void
channel_ban_add(struct channel *ch, enum ban_list list, const char *mask, const char *setter)
{
	struct ban *b = xcalloc(1, sizeof(*b));

	b->mask = xstrdup(mask);
	b->setter = xstrdup(setter);
	b->when = now;
	TAILQ_INSERT_TAIL(&ch->bans[list], b, link);
	ch->nbans[list]++;
	ch->ban_serial = ban_serial_global++;
}

void
channel_ban_del(struct channel *ch, enum ban_list list, struct ban *b)
{
	TAILQ_REMOVE(&ch->bans[list], b, link);
	ch->nbans[list]--;
	ch->ban_serial = ban_serial_global++;
	free(b->mask);
	free(b->setter);
	free(b);
}

void
channel_invalidate_bans(struct client *c)
{
	struct membership *m;

	LIST_FOREACH (m, &c->channels, client_link)
		m->ban_serial = 0;
}

int
channel_hidden(const struct channel *ch, const struct client *c)
{
	return (ch->modes & CMODE_SECRET) && !(c->umodes & UMODE_OPER) &&
	       channel_member(ch, c) == NULL;
}

int
channel_visible(const struct channel *ch, const struct client *c)
{
	if (!(ch->modes & (CMODE_SECRET | CMODE_PRIVATE)))
		return 1;
	return channel_member(ch, c) != NULL;
}

void
channel_mode_string(const struct channel *ch, int show_key, char *buf, size_t size)
{
	static const struct {
		uint32_t bit;
		char letter;
	} flags[] = {
	    {CMODE_NOCTCP, 'C'},    {CMODE_OPERONLY, 'O'},   {CMODE_INVITE, 'i'},
	    {CMODE_MODERATED, 'm'}, {CMODE_NOEXTERNAL, 'n'}, {CMODE_PRIVATE, 'p'},
	    {CMODE_SECRET, 's'},    {CMODE_TOPICLOCK, 't'},
	};
	char letters[16], *p = letters;

	*p++ = '+';
	for (size_t i = 0; i < ARRAY_LEN(flags); i++)
		if (ch->modes & flags[i].bit)
			*p++ = flags[i].letter;
	if (ch->key != NULL)
		*p++ = 'k';
	if (ch->limit != 0)
		*p++ = 'l';
	*p = '\0';
	if (ch->key != NULL && ch->limit != 0)
		snprintf(buf, size, "%s %s %u", letters, show_key ? ch->key : "*", ch->limit);
	else if (ch->key != NULL)
		snprintf(buf, size, "%s %s", letters, show_key ? ch->key : "*");
	else if (ch->limit != 0)
		snprintf(buf, size, "%s %u", letters, ch->limit);
	else
		snprintf(buf, size, "%s", letters);
}

const char *
member_prefix(const struct membership *m, int multi)
{
	if (m->flags & MEMBER_OP)
		return multi && (m->flags & MEMBER_VOICE) ? "@+" : "@";
	if (m->flags & MEMBER_VOICE)
		return "+";
	return "";
}

int
invite_exists(const struct channel *ch, const struct client *c)
{
	struct invite *inv;

	LIST_FOREACH (inv, &c->invites, client_link)
		if (inv->channel == ch)
			return 1;
	return 0;
}

void
invite_add(struct channel *ch, struct client *c)
{
	struct invite *inv;

	if (invite_exists(ch, c))
		return;
	inv = xcalloc(1, sizeof(*inv));
	inv->client = c;
	inv->channel = ch;
	LIST_INSERT_HEAD(&c->invites, inv, client_link);
	LIST_INSERT_HEAD(&ch->invites, inv, channel_link);
}

void
invite_del(struct channel *ch, struct client *c)
{
	struct invite *inv;

	LIST_FOREACH (inv, &c->invites, client_link) {
		if (inv->channel == ch) {
			LIST_REMOVE(inv, client_link);
			LIST_REMOVE(inv, channel_link);
			free(inv);
			return;
		}
	}
}

void
invite_clear_client(struct client *c)
{
	struct invite *inv;

	while ((inv = LIST_FIRST(&c->invites)) != NULL)
		invite_del(inv->channel, c);
}

const char *
channel_cannot_send(struct client *c, struct channel *ch)
{
	struct membership *mem = channel_member(ch, c);

	if (mem != NULL && (mem->flags & (MEMBER_OP | MEMBER_VOICE)))
		return NULL;
	if (mem == NULL && (ch->modes & CMODE_NOEXTERNAL))
		return "no external messages (+n)";
	if (ch->modes & CMODE_MODERATED)
		return "channel is moderated (+m)";
	if (channel_is_banned(ch, c, mem))
		return "you are banned (+b)";
	if (channel_is_quieted(ch, c))
		return "you are quieted (+q)";
	if (channel_list_match_ext(ch, BAN_LIST_BAN, c, EXTBAN_MUTE) &&
	    !channel_list_match_ext(ch, BAN_LIST_EXCEPT, c, EXTBAN_MUTE))
		return "you are muted (+b m:)";
	return NULL;
}
