/* link.c - a TS6 link's session: handshake, burst, keepalive, split. */
#include <ctype.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/casemap.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/passwd.h"
#include "base/stats.h"
#include "base/util.h"
#include "net/conn.h"
#include "net/line.h"
#include "net/reactor.h"
#include "net/tls.h"
#include "net/worker.h"
#include "proto/command.h"
#include "proto/exit.h"
#include "proto/outmsg.h"
#include "proto/link.h"
#include "proto/netsplit.h"
#include "proto/parse.h"
#include "proto/send.h"
#include "proto/snomask.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"

#define TS_CURRENT 6
#define TS_MIN 6
#define CLOCK_DELTA_MAX 60  /* seconds of clock difference a link may have */
#define CLOCK_DELTA_WARN 15 /* ... and from which operators are told */
#define REDIAL_MIN 5        /* seconds before the first redial... */
#define REDIAL_MAX 300      /* ...doubling up to this */
#define LINE_ROOM 510       /* a TS6 line without CRLF */

struct link_list links = LIST_HEAD_INITIALIZER(links);

/* Links have no fake lag and a deep sendq: a burst is big and arrives at once. */
static struct conf_class link_class = {
    .name = "server",
    .sendq = 64u << 20,
    .recvq = RECVQ_MAX,
    .ping_frequency = 90,
    .connection_timeout = 30,
};

static const char *
dialect_capab(int dialect)
{
	if (dialect == DIALECT_CHARYBDIS)
		return "QS EX IE KLN UNKLN ENCAP TB SERVICES EUID SAVE EOB MLOCK EVIRCD";
	return "ENCAP TBURST EOB RHOST HOP MLOCK KLN UNKLN DLN UNDLN EVIRCD";
}

static const struct {
	const char *token;
	uint32_t bit;
} capab_tokens[] = {
    {"EOB", LCAP_EOB},       {"TBURST", LCAP_TBURST},
    {"TB", LCAP_TB},         {"ENCAP", LCAP_ENCAP},
    {"EUID", LCAP_EUID},     {"HOP", LCAP_HOP},
    {"QS", LCAP_QS},         {"EX", LCAP_EX},
    {"IE", LCAP_IE},         {"SERVICES", LCAP_SERVICES},
    {"MLOCK", LCAP_MLOCK},   {"RHOST", LCAP_RHOST},
    {"EVIRCD", LCAP_EVIRCD}, {"SAVE", LCAP_SAVE},
    {"KLN", LCAP_KLN},       {"UNKLN", LCAP_UNKLN},
    {"DLN", LCAP_DLN},       {"UNDLN", LCAP_UNDLN},
};

time_t
link_ts(const char *s)
{
	size_t n = strspn(s, "0123456789");
	long long ts;

	if (n == 0 || n > 18 || s[n] != '\0')
		return -1;
	ts = strtoll(s, NULL, 10);
	return ts > 0 ? (time_t)ts : -1;
}

/* ---- Sending. */

static void
link_vsend(struct link *l, const char *fmt, va_list ap)
{
	char line[OUT_LINE_MAX + 1];
	size_t n = line_vformat(line, NULL, fmt, ap);

	conn_send_bytes(l->conn, line, n);
}

void
link_send(struct link *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	link_vsend(l, fmt, ap);
	va_end(ap);
}

void
links_send(struct link *skip, const char *fmt, ...)
{
	struct link *l;
	va_list ap;

	LIST_FOREACH (l, &links, entry) {
		if (l == skip || l->server == NULL)
			continue;
		va_start(ap, fmt);
		link_vsend(l, fmt, ap);
		va_end(ap);
	}
}

/*
 * Mark (with a fresh serial) the links, but skip, through which ch has a
 * member: one walk of the members, however many links.  0 when none.
 */
static uint32_t
channel_links_mark(struct link *skip, const struct channel *ch)
{
	static uint32_t serial;
	int any = 0;

	if (LIST_EMPTY(&links))
		return 0;
	if (++serial == 0)
		serial = 1;
	for (uint32_t i = 0; i < ch->nmembers; i++) {
		struct link *l = link_of_client(ch->members[i]->client);
		if (l != NULL && l != skip && l->server != NULL) {
			l->mark = serial;
			any = 1;
		}
	}
	return any ? serial : 0;
}

static void
link_send_line_msg(struct link *l, struct outmsg *om, const char *line, size_t len)
{
	char buf[IRC_TAGS_MAX + 1 + OUT_LINE_MAX + 1];
	size_t n = 0;

	if (!(l->caps & LCAP_EVIRCD)) {
		conn_send_bytes(l->conn, line, len);
		return;
	}
	/* One write of tags and line: the link's line count counts it once. */
	n = outmsg_link_tags(om, buf, IRC_TAGS_MAX + 1);
	memcpy(buf + n, line, len);
	conn_send_bytes(l->conn, buf, n + len);
}

void
link_send_msg(struct link *l, struct outmsg *om, const char *fmt, ...)
{
	char line[OUT_LINE_MAX + 1];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = line_vformat(line, NULL, fmt, ap);
	va_end(ap);
	link_send_line_msg(l, om, line, n);
}

void
links_send_channel_msg(struct link *skip, const struct channel *ch, struct outmsg *om,
                       const char *fmt, ...)
{
	uint32_t serial = channel_links_mark(skip, ch);
	char line[OUT_LINE_MAX + 1];
	struct link *l;
	va_list ap;
	size_t n;

	if (serial == 0)
		return; /* no link has a member: nothing to format */
	va_start(ap, fmt);
	n = line_vformat(line, NULL, fmt, ap);
	va_end(ap);
	LIST_FOREACH (l, &links, entry)
		if (l->mark == serial)
			link_send_line_msg(l, om, line, n);
}

int
link_has_quiet(const struct link *l)
{
	return l->dialect == DIALECT_CHARYBDIS;
}

int
link_can_save(const struct link *l)
{
	return l != NULL && l->dialect == DIALECT_CHARYBDIS && (l->caps & LCAP_SAVE);
}

int
client_can_save(const struct client *c)
{
	return c->local != NULL || link_can_save(link_of_client(c));
}

unsigned
links_up(void)
{
	const struct link *l;
	unsigned n = 0;

	LIST_FOREACH (l, &links, entry)
		if (l->server != NULL)
			n++;
	return n;
}

struct link *
link_of_server(const struct server *s)
{
	return s != NULL && s->via != NULL ? s->via->link : NULL;
}

struct link *
link_of_client(const struct client *c)
{
	return link_of_server(c->server);
}

/* ---- Ending a link. */

void
link_drop(struct link *l, const char *reason)
{
	if (l->conn->state == CONN_CLOSING)
		return;
	link_send(l, "ERROR :Closing Link: %s (%s)", l->ip, reason);
	conn_close(l->conn, reason);
}

/* Every user behind s leaves with "near far", as every ircd shows it (proto/netsplit.c). */
void
link_split(struct server *s, const char *reason)
{
	const char *near = s->uplink != NULL ? s->uplink->name : me.name;
	char name[SERVLEN + 1];
	unsigned users = s->users;
	struct timespec t0, t1;

	str_copy(name, s->name, sizeof(name));
	snomask_send(SNO_LINK, "Server %s split from %s (%s): %u users", s->name, near, reason,
	             s->users);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	netsplit_run(s, near);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* The cleanup and every local QUIT queued (tests-load reads it). */
	log_info(
	    "link: %s split from %s: %s (%u users gone in %.2f ms)", name, near, reason, users,
	    (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
}

/* ---- Dialling and redialling. */

struct redial {
	char name[SERVLEN + 1];
	time_t next;
	unsigned delay;
};

#define REDIALS_MAX 32
static struct redial redials[REDIALS_MAX];
static struct rtimer autoconnect_timer;

static struct redial *
redial_of(const char *name)
{
	struct redial *free_slot = NULL;

	for (size_t i = 0; i < REDIALS_MAX; i++) {
		if (strcasecmp(redials[i].name, name) == 0)
			return &redials[i];
		if (free_slot == NULL && redials[i].name[0] == '\0')
			free_slot = &redials[i];
	}
	if (free_slot != NULL)
		str_copy(free_slot->name, name, sizeof(free_slot->name));
	return free_slot;
}

static struct link *
link_new(struct conn *cn, const char *name, const char *ip, int dialect, int outgoing)
{
	struct link *l = xcalloc(1, sizeof(*l));

	l->conn = cn;
	str_copy(l->name, name, sizeof(l->name));
	str_copy(l->ip, ip, sizeof(l->ip));
	l->dialect = dialect;
	l->outgoing = outgoing;
	l->state = LINK_HANDSHAKE;
	LIST_INSERT_HEAD(&links, l, entry);
	cn->owner = l;
	return l;
}

static struct link *
link_find(const char *name)
{
	struct link *l;

	LIST_FOREACH (l, &links, entry)
		if (strcasecmp(l->name, name) == 0)
			return l;
	return NULL;
}

int
link_connect(const struct conf_link *cl, const char **err)
{
	struct conn *cn;
	struct conf_class *class = cl->class ? cl->class : &link_class;

	if (link_find(cl->name) != NULL || server_find(cl->name) != NULL) {
		*err = "already linked";
		return -1;
	}
	cn = conn_connect(cl->host, cl->port, cl->tls, CONN_KIND_SERVER, class, NULL, err);
	if (cn == NULL)
		return -1;
	link_new(cn, cl->name, cl->host, cl->dialect, 1);
	log_info("link: dialling %s at %s port %d", cl->name, cl->host, cl->port);
	return 0;
}

/* Once a second: dial the autoconnect links that are down and due. */
static void
autoconnect_tick(struct rtimer *t)
{
	struct conf_link *cl;
	const char *err;

	TAILQ_FOREACH (cl, &conf->links, link) {
		struct redial *r;
		if (!cl->autoconnect || link_find(cl->name) != NULL || server_find(cl->name))
			continue;
		if ((r = redial_of(cl->name)) == NULL || now < r->next)
			continue;
		r->delay = r->delay == 0 ? REDIAL_MIN : MIN(r->delay * 2, REDIAL_MAX);
		r->next = now + r->delay;
		if (link_connect(cl, &err) != 0)
			log_warn("link: cannot dial %s: %s", cl->name, err);
	}
}

/* ---- The handshake. */

static void
send_intro(struct link *l)
{
	const struct conf_link *cl = config_find_link(conf, l->name);

	if (l->sent_intro || cl == NULL)
		return;
	l->sent_intro = 1;
	if (l->dialect == DIALECT_CHARYBDIS) {
		link_send(l, "PASS %s TS %d :%s", cl->send_password, TS_CURRENT, me.sid);
		link_send(l, "CAPAB :%s", dialect_capab(l->dialect));
		link_send(l, "SERVER %s 1 :%s", me.name, me.description);
	} else {
		link_send(l, "PASS %s", cl->send_password);
		link_send(l, "CAPAB :%s", dialect_capab(l->dialect));
		link_send(l, "SERVER %s 1 %s + :%s", me.name, me.sid, me.description);
	}
}

int
link_server_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > SERVLEN || strchr(name, '.') == NULL || name[0] == '.')
		return 0;
	for (; *name != '\0'; name++)
		if (!isalnum((unsigned char)*name) && strchr(".-_*", *name) == NULL)
			return 0;
	return 1;
}

int
link_sid_valid(const char *sid)
{
	return strlen(sid) == SIDLEN && isdigit((unsigned char)sid[0]) &&
	       (isdigit((unsigned char)sid[1]) || isupper((unsigned char)sid[1])) &&
	       (isdigit((unsigned char)sid[2]) || isupper((unsigned char)sid[2]));
}

static void
got_pass(struct link *l, struct irc_msg *m)
{
	if (m->argc < 1)
		return;
	free(l->password);
	l->password = xstrdup(m->argv[0]);
	/* charybdis: PASS pw TS 6 :SID */
	if (m->argc >= 4 && strcmp(m->argv[1], "TS") == 0)
		str_copy(l->sid, m->argv[3], sizeof(l->sid));
}

static void
got_capab(struct link *l, struct irc_msg *m)
{
	char *list = m->argc > 0 ? m->argv[m->argc - 1] : NULL, *tok;

	l->got_capab = 1;
	while (list != NULL && (tok = strsep(&list, " ")) != NULL)
		for (size_t i = 0; i < ARRAY_LEN(capab_tokens); i++)
			if (strcmp(tok, capab_tokens[i].token) == 0)
				l->caps |= capab_tokens[i].bit;
}

/* The peer's certificate is the one pinned ([link] fingerprint). */
static int
fingerprint_matches(struct link *l, const char *pinned)
{
	char fp[2 * 64 + 1];

	if (l->conn->ssl == NULL)
		return 0;
	tls_certfp(l->conn->ssl, fp, sizeof(fp));
	return fp[0] != '\0' && strcasecmp(fp, pinned) == 0;
}

/* Why the peer's SERVER is refused, or NULL. */
static const char *
server_refusal(struct link *l, const char *name, const char *sid)
{
	const struct conf_link *cl = config_find_link(conf, name);

	if (cl == NULL)
		return "No link block for this server";
	if (strcmp(cl->host, l->ip) != 0)
		return "Not from the address its link block names";
	if (cl->tls && l->conn->ssl == NULL)
		return "TLS required by its link block";
	if (cl->fingerprint != NULL && !fingerprint_matches(l, cl->fingerprint))
		return "Certificate fingerprint mismatch";
	if (l->password == NULL || (!passwd_is_hash(cl->accept_password) &&
	                            strcmp(l->password, cl->accept_password) != 0))
		return "Password incorrect";
	if (!link_sid_valid(sid))
		return "Invalid SID";
	if (cl->sid != NULL && strcmp(cl->sid, sid) != 0)
		return "SID does not match its link block";
	if (server_find(name) != NULL || (l->outgoing && strcasecmp(name, l->name) != 0))
		return "Server already exists";
	if (server_find_sid(sid) != NULL)
		return "Server ID already exists";
	return NULL;
}

static void link_send_burst(struct link *l);

static void
refuse(struct link *l, const char *name, const char *why)
{
	snomask_send(SNO_LINK, "Link with %s[%s] refused: %s", name, l->ip, why);
	log_warn("link: %s[%s] refused: %s", name, l->ip, why);
	link_drop(l, why);
}

/* Every check passed: the peer is a server of ours now; answer and burst. */
static void
accept_server(struct link *l, const char *name, const char *sid, const char *desc)
{
	struct server *s = NULL;

	if (server_new_remote(&me, name, sid, 1, desc, &s) != SERVER_OK) {
		refuse(l, name, "Server already exists");
		return;
	}
	str_copy(l->name, name, sizeof(l->name));
	str_copy(l->sid, sid, sizeof(l->sid));
	/* Several blocks may name one address: the peer's own block says what we speak. */
	l->dialect = config_find_link(conf, name)->dialect;
	s->link = l;
	l->server = s;
	l->state = LINK_BURSTING;
	conn_enter_state(l->conn, CONN_REGISTERED);
	free(l->password);
	l->password = NULL;
	send_intro(l);
	link_send(l, ":%s SVINFO %d %d 0 :%lld", me.sid, TS_CURRENT, TS_MIN, (long long)now);
	l->burst_started_ms = now_ms;
	link_send_burst(l);
	/* Everyone else hears of the new server. */
	link_relay_server(s);
	snomask_send(SNO_LINK, "Link with %s[%s] established (%s)", name, l->ip,
	             l->dialect == DIALECT_CHARYBDIS ? "charybdis" : "hybrid");
	log_info("link: %s[%s] established, SID %s", name, l->ip, sid);
}

/* A hashed accept_password is checked on the crypto lane; the link's input waits. */
struct pass_check {
	struct link *link; /* NULL once the link is gone */
	char password[256];
	char hash[256];
	char name[SERVLEN + 1];
	char sid[SIDLEN + 1];
	char desc[REALLEN + 1];
	int ok;
};

static void
pass_check_work(void *arg)
{
	struct pass_check *pc = arg;

	pc->ok = passwd_verify(pc->password, pc->hash);
}

static void
pass_check_done(void *arg)
{
	struct pass_check *pc = arg;
	struct link *l = pc->link;

	if (l != NULL && l->conn->state != CONN_CLOSING) {
		l->pass_check = NULL;
		conn_hold_input(l->conn, 0);
		if (pc->ok)
			accept_server(l, pc->name, pc->sid, pc->desc);
		else
			refuse(l, pc->name, "Password incorrect");
	} else if (l != NULL) {
		l->pass_check = NULL;
	}
	OPENSSL_cleanse(pc, sizeof(*pc));
	free(pc);
}

static void
pass_check_start(struct link *l, const char *hash, const char *name, const char *sid,
                 const char *desc)
{
	struct pass_check *pc = xcalloc(1, sizeof(*pc));

	pc->link = l;
	str_copy(pc->password, l->password, sizeof(pc->password));
	str_copy(pc->hash, hash, sizeof(pc->hash));
	str_copy(pc->name, name, sizeof(pc->name));
	str_copy(pc->sid, sid, sizeof(pc->sid));
	str_copy(pc->desc, desc, sizeof(pc->desc));
	l->pass_check = pc;
	conn_hold_input(l->conn, 1);
	worker_submit_to(LANE_OPER, pass_check_work, pass_check_done, pc);
}

/* hybrid: SERVER name 1 SID +flags :desc; charybdis: SERVER name 1 :desc. */
static void
got_server(struct link *l, struct irc_msg *m)
{
	const struct conf_link *cl;
	const char *name, *sid, *desc, *why;

	if (m->argc < 3) {
		link_drop(l, "Malformed SERVER");
		return;
	}
	name = m->argv[0];
	sid = m->argc >= 5 ? m->argv[2] : l->sid;
	desc = m->argv[m->argc - 1];
	if ((why = server_refusal(l, name, sid)) != NULL) {
		refuse(l, name, why);
		return;
	}
	cl = config_find_link(conf, name);
	/* An incoming link speaks its block's dialect, or charybdis' if that is what came. */
	if (!l->outgoing)
		l->dialect = m->argc >= 5 ? cl->dialect : DIALECT_CHARYBDIS;
	if (passwd_is_hash(cl->accept_password))
		pass_check_start(l, cl->accept_password, name, sid, desc);
	else
		accept_server(l, name, sid, desc);
}

/* SVINFO <current> <min> 0 :<time> */
static void
got_svinfo(struct link *l, struct irc_msg *m)
{
	long long theirs, delta;

	if (m->argc < 4)
		return;
	if (atoi(m->argv[0]) < TS_MIN || atoi(m->argv[1]) > TS_CURRENT) {
		link_drop(l, "Incompatible TS version");
		return;
	}
	if ((theirs = link_ts(m->argv[3])) < 0) {
		link_drop(l, "Bad SVINFO time");
		return;
	}
	delta = theirs > now ? theirs - now : now - theirs;
	if (delta > CLOCK_DELTA_MAX) {
		link_drop(l, "Excessive TS delta");
		return;
	}
	if (delta > CLOCK_DELTA_WARN)
		snomask_send(SNO_LINK, "Link %s has a clock %lld seconds off ours", l->name,
		             delta);
}

/* Before SERVER is accepted only the handshake is understood. */
static void
handshake_line(struct link *l, struct irc_msg *m)
{
	if (strcasecmp(m->command, "PASS") == 0)
		got_pass(l, m);
	else if (strcasecmp(m->command, "CAPAB") == 0)
		got_capab(l, m);
	else if (strcasecmp(m->command, "SERVER") == 0)
		got_server(l, m);
	else if (strcasecmp(m->command, "ERROR") == 0)
		conn_close(l->conn, m->argc ? m->argv[0] : "ERROR");
	/* hybrid's client-style notices and 451s to an unregistered peer: noise */
}

/* ---- The burst we send. */

static const char *
umodes_of(const struct client *c, char *buf)
{
	char *p = buf;

	*p++ = '+';
	if (c->umodes & UMODE_INVISIBLE)
		*p++ = 'i';
	if (c->umodes & UMODE_OPER)
		*p++ = 'o';
	if (c->umodes & UMODE_REGNICK)
		*p++ = 'r';
	if (c->umodes & UMODE_WALLOPS)
		*p++ = 'w';
	*p = '\0';
	return buf;
}

/* UID (hybrid, 11 fields), EUID (charybdis with EUID) or UID (9 fields). */
static void
send_user(struct link *l, const struct client *c)
{
	char modes[16];
	const char *ip = c->ip[0] != '\0' ? c->ip : "0";

	umodes_of(c, modes);
	if (l->dialect == DIALECT_HYBRID)
		link_send(l, ":%s UID %s %u %lld %s %s %s %s %s %s %s :%s", c->server->sid,
		          c->nick, c->server->hopcount + 1, (long long)c->nick_ts, modes,
		          c->user, c->host, c->realhost, ip, c->uid,
		          c->account ? c->account : "*", c->realname ? c->realname : "");
	else if (l->caps & LCAP_EUID)
		link_send(l, ":%s EUID %s %u %lld %s %s %s %s %s %s %s :%s", c->server->sid,
		          c->nick, c->server->hopcount + 1, (long long)c->nick_ts, modes,
		          c->user, c->host, ip, c->uid, c->realhost,
		          c->account ? c->account : "*", c->realname ? c->realname : "");
	else
		link_send(l, ":%s UID %s %u %lld %s %s %s %s %s :%s", c->server->sid, c->nick,
		          c->server->hopcount + 1, (long long)c->nick_ts, modes, c->user,
		          c->host, ip, c->uid, c->realname ? c->realname : "");
	if (c->away != NULL)
		link_send(l, ":%s AWAY :%s", c->uid, c->away);
}

/* Servers in tree order, parents first, none from the peer's side. */
static void
send_servers(struct link *l, const struct server *parent)
{
	const struct server *s;

	LIST_FOREACH (s, &parent->children, sibling) {
		if (s->via == l->server)
			continue;
		link_send(l, ":%s SID %s %u %s %s:%s", parent->sid, s->name, s->hopcount + 1,
		          s->sid, l->dialect == DIALECT_HYBRID ? "+ " : "",
		          s->description ? s->description : "");
		send_servers(l, s);
	}
}

static void
send_users(struct link *l)
{
	strmap_foreach (&clients_by_uid, slot) {
		const struct client *c = slot->value;
		if (c->registered && c->server->via != l->server)
			send_user(l, c);
	}
}

/* SJOIN lines of one channel, members split so each line fits. */
static void
send_channel_burst(struct link *l, const struct channel *ch)
{
	char modes[128], head[OUT_LINE_MAX], members[OUT_LINE_MAX];
	size_t hlen, mlen = 0;

	channel_mode_string(ch, 1, modes, sizeof(modes));
	hlen = (size_t)snprintf(head, sizeof(head), ":%s SJOIN %lld %s %s :", me.sid,
	                        (long long)ch->ts, ch->name, modes);
	for (uint32_t i = 0; i < ch->nmembers; i++) {
		const struct membership *m = ch->members[i];
		char item[UIDLEN + 4];
		size_t n;
		if (m->client->server->via == l->server)
			continue;
		n = (size_t)snprintf(item, sizeof(item), "%s%s%s", mlen ? " " : "",
		                     m->flags & MEMBER_OP ? "@" : "",
		                     m->flags & MEMBER_VOICE ? "+" : "");
		if (hlen + mlen + n + UIDLEN > LINE_ROOM) {
			link_send(l, "%s%s", head, members);
			mlen = 0;
			n = (size_t)snprintf(item, sizeof(item), "%s%s",
			                     m->flags & MEMBER_OP ? "@" : "",
			                     m->flags & MEMBER_VOICE ? "+" : "");
		}
		memcpy(members + mlen, item, n);
		mlen += n;
		mlen += str_copy(members + mlen, m->client->uid, sizeof(members) - mlen);
	}
	members[mlen] = '\0';
	if (mlen > 0)
		link_send(l, "%s%s", head, members);
}

static void
send_bans(struct link *l, const struct channel *ch)
{
	static const char letters[BAN_LISTS] = {'b', 'e', 'I', 'q'};

	/* ":<SID> BMASK <chanTS> <chan> <letter> :" before the masks */
	size_t head = 1 + SIDLEN + sizeof(" BMASK ") - 1 + 18 + 1 + strlen(ch->name) + 4;

	for (int i = 0; i < BAN_LISTS; i++) {
		char masks[OUT_LINE_MAX];
		if (i == BAN_LIST_QUIET && !link_has_quiet(l))
			continue; /* hybrid has no +q */
		size_t n = 0;
		const struct ban *b;
		TAILQ_FOREACH (b, &ch->bans[i], link) {
			size_t len = strlen(b->mask);
			if (n > 0 && head + n + len + 1 > LINE_ROOM) {
				masks[n] = '\0';
				link_send(l, ":%s BMASK %lld %s %c :%s", me.sid,
				          (long long)ch->ts, ch->name, letters[i], masks);
				n = 0;
			}
			if (n > 0)
				masks[n++] = ' ';
			n += str_copy(masks + n, b->mask, sizeof(masks) - n);
		}
		masks[n] = '\0';
		if (n > 0)
			link_send(l, ":%s BMASK %lld %s %c :%s", me.sid, (long long)ch->ts,
			          ch->name, letters[i], masks);
	}
}

static void
send_topic(struct link *l, const struct channel *ch)
{
	if (ch->topic == NULL)
		return;
	if (l->dialect == DIALECT_HYBRID)
		link_send(l, ":%s TBURST %lld %s %lld %s :%s", me.sid, (long long)ch->ts,
		          ch->name, (long long)ch->topic_time,
		          ch->topic_setter ? ch->topic_setter : me.name, ch->topic);
	else if (l->caps & LCAP_TB)
		link_send(l, ":%s TB %s %lld %s :%s", me.sid, ch->name,
		          (long long)ch->topic_time,
		          ch->topic_setter ? ch->topic_setter : me.name, ch->topic);
}

/* hybrid: MLOCK chanTS chan mlockTS :modes; charybdis: MLOCK chanTS chan :modes */
static void
send_mlock(struct link *l, const char *src_id, const struct channel *ch)
{
	if (!(l->caps & LCAP_MLOCK))
		return;
	if (l->dialect == DIALECT_HYBRID)
		link_send(l, ":%s MLOCK %lld %s %lld :%s", src_id, (long long)ch->ts, ch->name,
		          (long long)now, ch->mlock ? ch->mlock : "");
	else
		link_send(l, ":%s MLOCK %lld %s :%s", src_id, (long long)ch->ts, ch->name,
		          ch->mlock ? ch->mlock : "");
}

void
link_relay_mlock(struct link *skip, const char *src_id, const struct channel *ch)
{
	struct link *l;

	LIST_FOREACH (l, &links, entry)
		if (l != skip && l->server != NULL)
			send_mlock(l, src_id, ch);
}

static void
send_channels(struct link *l)
{
	strmap_foreach (&channels, slot) {
		const struct channel *ch = slot->value;
		send_channel_burst(l, ch);
		send_bans(l, ch);
		send_topic(l, ch);
		if (ch->mlock != NULL)
			send_mlock(l, me.sid, ch);
	}
}

/* Servers, users, channels, then PING (and EOB in hybrid's dialect). */
static void
link_send_burst(struct link *l)
{
	send_servers(l, &me);
	send_users(l);
	send_channels(l);
	link_send(l, "PING :%s", me.sid);
	if (l->caps & LCAP_EOB || l->dialect == DIALECT_HYBRID)
		link_send(l, ":%s EOB", me.sid);
}

void
link_pong(struct link *l)
{
	/* Our burst ended with a PING: its PONG says the peer has taken all of it. */
	if (!l->burst_acked) {
		l->burst_acked = 1;
		l->burst_acked_ms = now_ms - l->burst_started_ms;
		log_info("link: %s took our burst in %llu ms", l->name,
		         (unsigned long long)l->burst_acked_ms);
	}
	link_burst_done(l);
}

void
link_burst_done(struct link *l)
{
	if (l->state != LINK_BURSTING)
		return;
	l->state = LINK_ACTIVE;
	l->server->eob = 1;
	l->burst_ms = now_ms - l->burst_started_ms;
	netjoin_end(l->server);
	snomask_send(SNO_LINK, "End of burst from %s (%llu ms, %u users)", l->name,
	             (unsigned long long)l->burst_ms, l->server->users);
	log_info("link: %s synchronised in %llu ms", l->name, (unsigned long long)l->burst_ms);
}

void
link_relay_server(const struct server *s)
{
	struct link *l;

	LIST_FOREACH (l, &links, entry)
		if (l->server != NULL && s->via != l->server)
			link_send(l, ":%s SID %s %u %s %s:%s", s->uplink->sid, s->name,
			          s->hopcount + 1, s->sid,
			          l->dialect == DIALECT_HYBRID ? "+ " : "",
			          s->description ? s->description : "");
}

void
link_relay_topic(struct link *skip, const struct channel *ch)
{
	struct link *l;

	LIST_FOREACH (l, &links, entry)
		if (l != skip && l->server != NULL)
			send_topic(l, ch);
}

void
link_relay_join(struct client *c, const struct channel *ch, int created)
{
	char modes[128];

	if (!created) {
		links_send(link_of_client(c), ":%s JOIN %lld %s +", c->uid, (long long)ch->ts,
		           ch->name);
		return;
	}
	/* A new channel travels as SJOIN: its TS, its modes and its creator's @. */
	channel_mode_string(ch, 1, modes, sizeof(modes));
	links_send(link_of_client(c), ":%s SJOIN %lld %s %s :@%s", c->server->sid,
	           (long long)ch->ts, ch->name, modes, c->uid);
}

void
link_relay_account(struct link *skip, const char *src_id, const struct client *c)
{
	struct link *l;

	LIST_FOREACH (l, &links, entry) {
		if (l == skip || l->server == NULL)
			continue;
		if (l->dialect == DIALECT_HYBRID)
			link_send(l, ":%s SVSACCOUNT %s %lld %s", src_id, c->uid,
			          (long long)c->nick_ts, c->account ? c->account : "*");
		else if (c->account != NULL)
			link_send(l, ":%s ENCAP * SU %s %s", src_id, c->uid, c->account);
		else
			link_send(l, ":%s ENCAP * SU %s", src_id, c->uid);
	}
}

void
link_relay_host(struct link *skip, const char *src_id, const struct client *c)
{
	struct link *l;

	LIST_FOREACH (l, &links, entry) {
		if (l == skip || l->server == NULL)
			continue;
		if (l->dialect == DIALECT_HYBRID)
			link_send(l, ":%s SVSHOST %s %lld %s", src_id, c->uid,
			          (long long)c->nick_ts, c->host);
		else
			link_send(l, ":%s ENCAP * CHGHOST %s %s", src_id, c->uid, c->host);
	}
}

void
link_relay_chghost(struct link *skip, const struct client *c)
{
	links_send(skip, ":%s ENCAP * CHGHOST %s %s", c->server->sid, c->uid, c->host);
}

void
link_relay_svsmode(struct link *skip, const char *src_id, const struct client *c,
                   const char *modes)
{
	struct link *l;

	LIST_FOREACH (l, &links, entry)
		if (l != skip && l->server != NULL && l->dialect == DIALECT_HYBRID)
			link_send(l, ":%s SVSMODE %s %lld %s", src_id, c->uid,
			          (long long)c->nick_ts, modes);
}

void
link_introduce(struct client *c)
{
	struct link *l;

	LIST_FOREACH (l, &links, entry)
		if (l->server != NULL && c->server->via != l->server)
			send_user(l, c);
}

/* ---- Replies to users behind links, and numerics from links. */

/*
 * A line built for a client (":ourname NNN nick text") going to a user
 * behind a link: links name us by SID and the user by UID.
 */
static void
route_line(struct client *to, const char *line, size_t len)
{
	struct link *l = link_of_client(to);
	char src[SERVLEN + 2], cmd[32], target[NICKLEN_MAX + 1];
	const char *p = line;
	int n = 0;

	if (l == NULL || len < 2 || sscanf(p, "%64s %31s %64s %n", src, cmd, target, &n) != 3 ||
	    n == 0)
		return;
	/* Numerics and notices from us to that user travel; anything else stays here. */
	if (strcmp(src + 1, me.name) == 0 && irc_strcmp(target, to->nick) == 0)
		link_send(l, ":%s %s %s %.*s", me.sid, cmd, to->uid, (int)(len - (size_t)n - 2),
		          p + n);
	else
		log_debug("link: a line for %s not routed: %.*s", to->nick, (int)len - 2, line);
}

static const struct link_ops link_routes = {.line = route_line};

void
link_numeric(struct source *src, struct irc_msg *m)
{
	struct client *to = m->argc > 0 ? client_find(m->argv[0]) : NULL;
	char rest[OUT_LINE_MAX];
	size_t n = 0;

	if (to == NULL || !to->registered)
		return;
	for (int i = 1; i < m->argc && n < sizeof(rest); i++)
		n += (size_t)snprintf(rest + n, sizeof(rest) - n, "%s%s%s", i > 1 ? " " : "",
		                      i == m->argc - 1 ? ":" : "", m->argv[i]);
	rest[MIN(n, sizeof(rest) - 1)] = '\0';
	if (to->local != NULL) {
		send_line(to, ":%s %s %s %s",
		          src->client != NULL ? src->client->nick : src->server->name,
		          m->command, to->nick, rest);
		return;
	}
	if (link_of_client(to) != src->link->link)
		link_send(link_of_client(to), ":%s %s %s %s",
		          src->client != NULL ? src->client->uid : src->server->sid, m->command,
		          to->uid, rest);
}

/* ---- The transport's hooks for server connections. */

/* Only addresses some [link] block names may even try. */
static const char *
link_admit(const char *ip, struct conf_class **class, char *group)
{
	(void)group; /* links are not counted per address */
	struct conf_link *cl;

	TAILQ_FOREACH (cl, &conf->links, link)
		if (strcmp(cl->host, ip) == 0) {
			*class = cl->class ? cl->class : &link_class;
			return NULL;
		}
	return "No link block for your address";
}

static void
link_open(struct conn *cn, const char *ip, int tls)
{
	(void)tls;
	link_new(cn, "*", ip, DIALECT_HYBRID, 0);
}

/*
 * An incoming link speaks the dialect of the first block naming its
 * address until its SERVER names its own block.
 */
static void
link_ready(struct conn *cn)
{
	struct link *l = cn->owner;
	struct conf_link *cl;

	if (l->outgoing) {
		struct redial *r = redial_of(l->name);
		if (r != NULL)
			r->delay = 0; /* connected: the next outage starts from the minimum */
		send_intro(l);
		return;
	}
	TAILQ_FOREACH (cl, &conf->links, link)
		if (strcmp(cl->host, l->ip) == 0) {
			l->dialect = cl->dialect;
			break;
		}
}

/*
 * Whether a line's command is SVINFO, with a prefix (hybrid) or without
 * (charybdis), read without parsing: irc_parse cuts the line up in place,
 * and any other line goes on whole to the dispatcher.
 */
static int
is_svinfo(const char *line)
{
	if (*line == '@')
		line += strcspn(line, " ");
	line += strspn(line, " ");
	if (*line == ':')
		line += strcspn(line, " ");
	line += strspn(line, " ");
	return strncasecmp(line, "SVINFO", 6) == 0 && (line[6] == ' ' || line[6] == '\0');
}

static int
link_line(struct conn *cn, char *line, size_t len)
{
	struct link *l = cn->owner;
	struct irc_msg m;

	if (l->state == LINK_HANDSHAKE) {
		if (irc_parse(line, len, IRC_TAGS_MAX, &m) == PARSE_OK)
			handshake_line(l, &m);
		return cn->state == CONN_CLOSING ? -1 : 0;
	}
	if (is_svinfo(line) && irc_parse(line, len, IRC_TAGS_MAX, &m) == PARSE_OK) {
		got_svinfo(l, &m);
		return cn->state == CONN_CLOSING ? -1 : 0;
	}
	/*
	 * UTF8ONLY promises our clients no other bytes, and a peer's users may
	 * send them: they become '?' (the length, and so the line, unchanged).
	 */
	if (conf->utf8only && utf8_repair(line, len) > 0)
		log_debug("link %s: bytes that are not UTF-8 replaced", l->server->name);
	command_dispatch_link(l->server, line, len);
	return cn->state == CONN_CLOSING ? -1 : 0;
}

static void
link_ping(struct conn *cn)
{
	struct link *l = cn->owner;

	link_send(l, "PING :%s", me.sid);
}

static void
link_second(struct conn *cn)
{
	(void)cn;
}

static void
link_exit(struct conn *cn)
{
	struct link *l = cn->owner;
	struct server *s = l->server;

	LIST_REMOVE(l, entry);
	if (l->pass_check != NULL)
		((struct pass_check *)l->pass_check)->link = NULL;
	if (s != NULL) {
		/* The rest of the network hears it as a SQUIT of the peer. */
		links_send(l, ":%s SQUIT %s :%s", me.sid, s->sid, cn->close_reason);
		s->link = NULL;
		link_split(s, cn->close_reason);
	} else if (l->outgoing) {
		log_info("link: %s not established: %s", l->name, cn->close_reason);
	}
	free(l->password);
	free(l);
	cn->owner = NULL;
}

static const struct conn_hooks hooks = {
    .admit = link_admit,
    .open = link_open,
    .ready = link_ready,
    .line = link_line,
    .ping = link_ping,
    .second = link_second,
    .exit = link_exit,
};

void
link_init(void)
{
	conn_set_hooks(CONN_KIND_SERVER, &hooks);
	send_set_link_ops(&link_routes);
	netsplit_init();
	rtimer_start(&autoconnect_timer, 1.0, 1.0, autoconnect_tick);
}
