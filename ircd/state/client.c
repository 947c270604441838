/* client.c - client records and the nick and UID tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/casemap.h"
#include "base/util.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/monitor.h"
#include "state/server.h"

struct strmap clients_by_nick;
struct strmap clients_by_uid;
unsigned clients_invisible;
unsigned clients_opers;
unsigned clients_max_local;
unsigned clients_max_global;

/* The next UID: SID + 6 chars, first a letter (TS6). */
static char uid_next[7] = "AAAAAA";

void
client_tables_init(void)
{
	strmap_init(&clients_by_nick, 1024);
	strmap_init(&clients_by_uid, 1024);
}

static void
uid_advance(void)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	for (int i = 5; i >= 0; i--) {
		char *p = strchr(digits, uid_next[i]);
		int max = i == 0 ? 25 : 35;
		if (p - digits < max) {
			uid_next[i] = p[1];
			return;
		}
		uid_next[i] = 'A';
	}
}

static void
uid_assign(struct client *c)
{
	/* Skip any UID still in use after a full wrap-around. */
	do {
		snprintf(c->uid, sizeof(c->uid), "%s%s", me.sid, uid_next);
		uid_advance();
	} while (strmap_get(&clients_by_uid, c->uid) != NULL);
}

/* What every client starts with, local or remote. */
static struct client *
client_alloc(struct server *s)
{
	struct client *c = xcalloc(1, sizeof(*c));

	c->server = s;
	LIST_INIT(&c->channels);
	LIST_INIT(&c->invites);
	LIST_INIT(&c->monitors);
	metadata_init(&c->metadata);
	return c;
}

struct client *
client_new_local(struct conn *conn, const char *ip)
{
	struct client *c = client_alloc(&me);

	c->local = xcalloc(1, sizeof(*c->local));
	c->local->conn = conn;
	c->signon = now;
	str_copy(c->ip, ip, sizeof(c->ip));
	/* An IPv6 host may not start with ':' in a protocol field. */
	snprintf(c->host, sizeof(c->host), "%s%s", ip[0] == ':' ? "0" : "", ip);
	str_copy(c->realhost, c->host, sizeof(c->realhost));
	uid_assign(c);
	return c;
}

/* Registered from now on: UID table, its server's list, the counts LUSERS shows. */
static void
client_enter(struct client *c)
{
	struct server *s = c->server;
	unsigned global;

	c->registered = 1;
	strmap_put(&clients_by_uid, c->uid, c);
	LIST_INSERT_HEAD(&s->clients, c, server_link);
	s->users++;
	if (c->umodes & UMODE_INVISIBLE)
		clients_invisible++;
	if (c->umodes & UMODE_OPER)
		clients_opers++;
	if (s == &me && me.users > clients_max_local)
		clients_max_local = me.users;
	global = client_count_global();
	if (global > clients_max_global)
		clients_max_global = global;
}

/* The intro's strings fit their fields, so nothing is truncated into a clash. */
static int
intro_fits(const struct client_intro *in)
{
	return strlen(in->nick) <= NICKLEN_MAX && strlen(in->uid) == UIDLEN;
}

struct client *
client_new_remote(struct server *s, const struct client_intro *in)
{
	struct client *c;

	if (s == &me || !intro_fits(in) || client_find_nick(in->nick) != NULL ||
	    client_find_uid(in->uid) != NULL)
		return NULL;
	c = client_alloc(s);
	str_copy(c->nick, in->nick, sizeof(c->nick));
	str_copy(c->uid, in->uid, sizeof(c->uid));
	str_copy(c->user, in->user, sizeof(c->user));
	str_copy(c->host, in->host, sizeof(c->host));
	str_copy(c->realhost, in->realhost ? in->realhost : in->host, sizeof(c->realhost));
	str_copy(c->ip, in->ip, sizeof(c->ip));
	c->realname = xstrdup(in->realname);
	c->account = in->account ? xstrdup(in->account) : NULL;
	c->nick_ts = in->nick_ts;
	c->signon = in->nick_ts; /* the best a remote sign-on time can be */
	c->umodes = in->umodes;
	strmap_put(&clients_by_nick, c->nick, c);
	client_enter(c);
	return c;
}

void
client_free(struct client *c)
{
	channel_part_all(c);
	invite_clear_client(c);
	monitor_clear(c);
	metadata_clear(&c->metadata);
	if (c->nick[0] != '\0' && strmap_get(&clients_by_nick, c->nick) == c)
		strmap_del(&clients_by_nick, c->nick);
	if (c->registered) {
		strmap_del(&clients_by_uid, c->uid);
		LIST_REMOVE(c, server_link);
		c->server->users--;
		if (c->umodes & UMODE_INVISIBLE)
			clients_invisible--;
		if (c->umodes & UMODE_OPER)
			clients_opers--;
	}
	free(c->realname);
	free(c->away);
	free(c->certfp);
	free(c->account);
	free(c->oper_name);
	if (c->local != NULL) {
		metadata_sub_clear(&c->local->meta_subs);
		free(c->local->password);
		free(c->local->gateway);
		free(c->local);
	}
	free(c);
}

struct client *
client_find_nick(const char *nick)
{
	return strmap_get(&clients_by_nick, nick);
}

struct client *
client_find_uid(const char *uid)
{
	struct client *c = strmap_get(&clients_by_uid, uid);

	/* The table folds case as for nicks; a UID is exact (9PEaaaaaa is not 9PEAAAAAA). */
	return c != NULL && strcmp(c->uid, uid) == 0 ? c : NULL;
}

struct client *
client_find(const char *nick_or_uid)
{
	/* A nick never starts with a digit; a UID always does (its SID). */
	if (nick_or_uid[0] >= '0' && nick_or_uid[0] <= '9')
		return client_find_uid(nick_or_uid);
	return client_find_nick(nick_or_uid);
}

struct server *
client_via(const struct client *c)
{
	return c->server->via;
}

void
client_set_nick(struct client *c, const char *nick, time_t ts)
{
	if (c->nick[0] != '\0' && strmap_get(&clients_by_nick, c->nick) == c)
		strmap_del(&clients_by_nick, c->nick);
	str_copy(c->nick, nick, sizeof(c->nick));
	c->nick_ts = ts;
	strmap_put(&clients_by_nick, c->nick, c);
	channel_invalidate_bans(c);
}

void
client_register(struct client *c)
{
	client_enter(c);
}

/* The TS6 table: who loses, by TS and whether both are the same user. */
static enum collide
collide_rule(time_t existing_ts, time_t ts, int same_user)
{
	if (ts == 0 || existing_ts == 0 || ts == existing_ts)
		return COLLIDE_BOTH;
	if (same_user)
		return ts > existing_ts ? COLLIDE_KEEP_INCOMING : COLLIDE_KEEP_EXISTING;
	return ts < existing_ts ? COLLIDE_KEEP_INCOMING : COLLIDE_KEEP_EXISTING;
}

enum collide
client_collide(const struct client *existing, time_t ts, const char *user, const char *host)
{
	/* Not yet introduced anywhere: it gives way, and nobody else need know. */
	if (!existing->registered)
		return COLLIDE_KEEP_INCOMING;
	return collide_rule(existing->nick_ts, ts,
	                    irc_strcmp(existing->user, user) == 0 &&
	                        irc_strcmp(existing->host, host) == 0);
}

enum collide
client_collide_ip(const struct client *existing, time_t ts, const char *user, const char *ip)
{
	if (!existing->registered)
		return COLLIDE_KEEP_INCOMING;
	return collide_rule(existing->nick_ts, ts,
	                    irc_strcmp(existing->user, user) == 0 &&
	                        strcmp(existing->ip, ip) == 0);
}

const char *
client_mask(const struct client *c, char *buf, size_t size)
{
	snprintf(buf, size, "%s!%s@%s", c->nick, c->user, c->host);
	return buf;
}

const char *
client_name(const struct client *c)
{
	return c->nick[0] != '\0' ? c->nick : "*";
}

int
client_is_local(const struct client *c)
{
	return c->local != NULL;
}

unsigned
client_count_global(void)
{
	return (unsigned)clients_by_uid.count;
}

static int
nick_special(char ch)
{
	return strchr("[]\\`_^{|}", ch) != NULL && ch != '\0';
}

int
nick_valid(const char *nick, unsigned maxlen)
{
	size_t len = strlen(nick);

	if (len == 0 || len > maxlen)
		return 0;
	if (!((nick[0] >= 'A' && nick[0] <= 'Z') || (nick[0] >= 'a' && nick[0] <= 'z') ||
	      nick_special(nick[0])))
		return 0;
	for (const char *p = nick + 1; *p != '\0'; p++) {
		char ch = *p;
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || nick_special(ch)))
			return 0;
	}
	return 1;
}

void
client_set_umode(struct client *c, uint32_t mode, int on)
{
	int was = (c->umodes & mode) != 0;

	if (was == on)
		return;
	if (on)
		c->umodes |= mode;
	else
		c->umodes &= ~mode;
	if (!c->registered)
		return;
	if (mode == UMODE_INVISIBLE)
		clients_invisible += on ? 1 : -1;
	else if (mode == UMODE_OPER)
		clients_opers += on ? 1 : -1;
}

void
client_release_nick(struct client *c)
{
	if (c->nick[0] != '\0' && strmap_get(&clients_by_nick, c->nick) == c)
		strmap_del(&clients_by_nick, c->nick);
}
