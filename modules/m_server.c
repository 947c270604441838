/*
 * m_server.c - what only servers send: SID, UID/EUID (introductions),
 * EOB, SQUIT, PING/PONG, ENCAP and ERROR from a link.  The handshake itself
 * (PASS, CAPAB, SERVER, SVINFO) is ircd/proto/link.c's.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/util.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/exit.h"
#include "proto/link.h"
#include "proto/monitor_notify.h"
#include "proto/netsplit.h"
#include "proto/snomask.h"
#include "state/client.h"
#include "state/server.h"

/* :<uplink> SID <name> <hops> <sid> [+flags] :<description> */
SERVER_HANDLER(ms_sid)
{
	struct server *s = NULL;
	enum server_result r;

	if (m->argc < 4)
		return IRC_OK;
	if (!link_server_name_valid(m->argv[0]) || !link_sid_valid(m->argv[2]))
		r = SERVER_INVALID;
	else
		r = server_new_remote(src->server, m->argv[0], m->argv[2],
		                      (unsigned)atoi(m->argv[1]), m->argv[m->argc - 1], &s);
	if (r != SERVER_OK) {
		log_warn("link %s: SID %s %s from %s refused (%s)", src->link->name, m->argv[0],
		         m->argv[2], src->server->name,
		         r == SERVER_INVALID ? "invalid" : "already exists");
		/* Two servers of one name or SID on the net: that link goes. */
		link_drop(src->link->link, r == SERVER_INVALID ? "Invalid SID or server name"
		                                               : "Server already exists");
		return IRC_OK;
	}
	snomask_send(SNO_LINK, "Server %s (%s) introduced by %s", s->name, s->sid,
	             src->server->name);
	link_relay_server(s);
	return IRC_OK;
}

static uint32_t
umodes_parse(const char *s)
{
	uint32_t modes = 0;

	for (; *s != '\0'; s++) {
		if (*s == 'i')
			modes |= UMODE_INVISIBLE;
		else if (*s == 'o')
			modes |= UMODE_OPER;
		else if (*s == 'w')
			modes |= UMODE_WALLOPS;
		else if (*s == 'r')
			modes |= UMODE_REGNICK; /* identified, as services set it */
	}
	return modes;
}

/* A KILL for a user we refuse, sent back where it came from. */
static void
kill_back(struct source *src, const char *uid, const char *why)
{
	link_send(src->link->link, ":%s KILL %s :%s (%s)", me.sid, uid, me.name, why);
}

/* A local or remote user loses its nick to a collision: it goes everywhere. */
static void
kill_everywhere(struct client *c, const char *why)
{
	char reason[128];

	snprintf(reason, sizeof(reason), "%s (%s)", me.name, why);
	if (c->registered) /* an unregistered holder is news to nobody */
		links_send(NULL, ":%s KILL %s :%s", me.sid, c->uid, reason);
	client_release_nick(c);
	c->killed = 1;
	client_end(c, why);
}

/*
 * Before the nick enters the table: who keeps it (TS6 nick TS rules).  0:
 * introduce the user as it is; 1: as its UID (SAVEd); -1: not at all.
 */
static int
nick_collision(struct source *src, const struct client_intro *in)
{
	struct client *old = client_find_nick(in->nick);
	struct link *l = src->link->link;
	enum collide who;
	int save;

	if (old == NULL)
		return 0;
	who = l->dialect == DIALECT_HYBRID
	          ? client_collide_ip(old, in->nick_ts, in->user, in->ip)
	          : client_collide(old, in->nick_ts, in->user, in->host);
	save = link_can_save(l) && old->registered && client_can_save(old);
	snomask_send(SNO_KILL, "Nick collision on %s (%s <- %s), %s", in->nick,
	             old->server->name, src->server->name, save ? "saved" : "killed");
	if (save) { /* charybdis: the loser lives on, as its UID */
		if (who != COLLIDE_KEEP_INCOMING)
			link_send(l, ":%s SAVE %s %lld", me.sid, in->uid,
			          (long long)in->nick_ts);
		if (who != COLLIDE_KEEP_EXISTING)
			nick_save(old, NULL, me.sid);
		return who == COLLIDE_KEEP_INCOMING ? 0 : 1;
	}
	if (who == COLLIDE_KEEP_EXISTING || who == COLLIDE_BOTH)
		kill_back(src, in->uid, "Nick collision (new)");
	if (who == COLLIDE_KEEP_INCOMING || who == COLLIDE_BOTH)
		kill_everywhere(old, "Nick collision (old)");
	return who == COLLIDE_KEEP_INCOMING ? 0 : -1;
}

/* SID and six of [A-Z0-9], the first a letter (TS6). */
static int
uid_valid(const char *uid)
{
	if (strlen(uid) != UIDLEN || !isalpha((unsigned char)uid[SIDLEN]))
		return 0;
	for (const char *p = uid; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p) && !isupper((unsigned char)*p))
			return 0;
	return 1;
}

/* A username or host a prefix nick!user@host can carry: no '!', '@' or control bytes. */
static int
word_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s == '!' || *s == '@' || (unsigned char)*s < 0x21)
			return 0;
	return 1;
}

static void
introduce(struct source *src, struct client_intro *in, uint32_t modes)
{
	struct client *c = client_find_uid(in->uid);

	if (c != NULL && c->server->via != src->link) {
		/* Someone else's user: a KILL back by that UID would be a KILL of it. */
		log_warn("link %s: introduction of %s, a user not behind it, dropped",
		         src->link->name, in->uid);
		return;
	}
	if (c != NULL) {
		/* One UID twice: which is which is unknowable, so both go (as hybrid does). */
		snomask_send(SNO_KILL, "ID collision on %s (%s <- %s), both killed", in->uid,
		             c->server->name, src->server->name);
		kill_everywhere(c, "ID collision");
		return;
	}
	if (!uid_valid(in->uid) || strncmp(in->uid, src->server->sid, SIDLEN) != 0 ||
	    (!nick_valid(in->nick, NICKLEN_MAX) && strcmp(in->nick, in->uid) != 0) ||
	    in->nick_ts < 0 || !word_ok(in->user) || !word_ok(in->host) ||
	    (in->realhost != NULL && !word_ok(in->realhost))) {
		kill_back(src, in->uid, "Bad UID, nick, TS, user or host");
		return;
	}
	switch (nick_collision(src, in)) {
	case 0: break;
	case 1: /* SAVEd: it lives here under its UID, as its server will make it */
		in->nick = in->uid;
		in->nick_ts = SAVE_NICKTS;
		break;
	default: return;
	}
	in->umodes = modes;
	c = client_new_remote(src->server, in);
	if (c == NULL) {
		kill_back(src, in->uid, "UID in use");
		return;
	}
	netsplit_user_back(c);
	monitor_signon(c);
	link_introduce(c);
}

/*
 * hybrid: UID nick hops ts +modes user host realhost ip uid account :gecos
 * charybdis: UID nick hops ts +modes user host ip uid :gecos
 */
SERVER_HANDLER(ms_uid)
{
	struct client_intro in = {0};
	char **a = m->argv;

	if (m->argc == 11) {
		in = (struct client_intro){.nick = a[0],
		                           .user = a[4],
		                           .host = a[5],
		                           .realhost = a[6],
		                           .ip = a[7],
		                           .uid = a[8],
		                           .account = strcmp(a[9], "*") ? a[9] : NULL,
		                           .realname = a[10]};
	} else if (m->argc == 9) {
		in = (struct client_intro){.nick = a[0],
		                           .user = a[4],
		                           .host = a[5],
		                           .ip = a[6],
		                           .uid = a[7],
		                           .realname = a[8]};
	} else {
		return IRC_OK;
	}
	in.nick_ts = link_ts(a[2]);
	introduce(src, &in, umodes_parse(a[3]));
	return IRC_OK;
}

/* EUID nick hops ts +modes user host ip uid realhost account :gecos */
SERVER_HANDLER(ms_euid)
{
	char **a = m->argv;
	struct client_intro in;

	if (m->argc < 11)
		return IRC_OK;
	in = (struct client_intro){.nick = a[0],
	                           .user = a[4],
	                           .host = a[5],
	                           .ip = a[6],
	                           .uid = a[7],
	                           .realhost = strcmp(a[8], "*") ? a[8] : NULL,
	                           .account = strcmp(a[9], "*") ? a[9] : NULL,
	                           .realname = a[10]};
	in.nick_ts = link_ts(a[2]);
	introduce(src, &in, umodes_parse(a[3]));
	return IRC_OK;
}

/* :<sid> EOB: that server's burst is complete. */
SERVER_HANDLER(ms_eob)
{
	src->server->eob = 1;
	netjoin_end(src->server);
	if (src->server == src->link)
		link_burst_done(src->link->link);
	links_send(src->link->link, ":%s EOB", src->server->sid);
	return IRC_OK;
}

/* :<src> SQUIT <sid|name> :<reason> */
SERVER_HANDLER(ms_squit)
{
	struct server *s;
	const char *reason = m->argc > 1 ? m->argv[1] : "SQUIT";

	if (m->argc < 1 || (s = server_find(m->argv[0])) == NULL) {
		log_debug("link %s: SQUIT of unknown %s ignored", src->link->name,
		          m->argc ? m->argv[0] : "(none)");
		return IRC_OK;
	}
	if (s == &me || s == src->link) {
		link_drop(src->link->link, reason);
		return IRC_OK;
	}
	if (s->via != src->link) { /* not behind the link that asks: not its to drop */
		log_warn("link %s: SQUIT of %s, not behind it, ignored", src->link->name,
		         s->name);
		return IRC_OK;
	}
	links_send(src->link->link, ":%s SQUIT %s :%s", src->server->sid, s->sid, reason);
	link_split(s, reason);
	return IRC_OK;
}

/* :<sid> PING <origin> [:<destination>] — answered for us, routed otherwise. */
SERVER_HANDLER(ms_ping)
{
	struct server *dest = m->argc > 1 ? server_find(m->argv[1]) : &me;

	if (dest == NULL)
		return IRC_OK;
	if (dest != &me) {
		if (dest->via != NULL && dest->via != src->link)
			link_send(dest->via->link, ":%s PING %s :%s", src->server->sid,
			          m->argc ? m->argv[0] : src->server->name, dest->sid);
		return IRC_OK;
	}
	link_send(src->link->link, ":%s PONG %s :%s", me.sid, me.name, src->server->sid);
	return IRC_OK;
}

/* :<sid> PONG <name> :<destination>; the peer's answer to our burst's PING ends it. */
SERVER_HANDLER(ms_pong)
{
	struct server *dest = m->argc > 1 ? server_find(m->argv[1]) : &me;

	if (dest == &me || dest == NULL) {
		if (src->server == src->link)
			link_pong(src->link->link);
		return IRC_OK;
	}
	if (dest->via != NULL && dest->via != src->link)
		link_send(dest->via->link, ":%s PONG %s :%s", src->server->sid,
		          m->argc ? m->argv[0] : src->server->name, dest->sid);
	return IRC_OK;
}

SERVER_HANDLER(ms_error)
{
	const char *why = m->argc > 0 ? m->argv[0] : "ERROR";

	snomask_send(SNO_LINK, "ERROR from %s: %s", src->server->name, why);
	log_warn("link: ERROR from %s: %s", src->server->name, why);
	return IRC_OK;
}
