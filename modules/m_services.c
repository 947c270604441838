/*
 * m_services.c - what services send over TS6, and ENCAP routing.
 *
 * hybrid's dialect: SVSACCOUNT, SVSMODE, SVSNICK, SVSJOIN, SVSPART,
 * SVSHOST and SVSKILL; charybdis's: ENCAP SU, LOGIN, RSFNC, CHGHOST and
 * SVSLOGIN.  Only a server named in [services] servers (or a user on one)
 * may send them: from anyone else they are logged and dropped.  Commands
 * that change what every server knows (account, +r, host) are applied here
 * and passed on to the other links in each one's dialect; those that act
 * on one user (nick, join, part, kill) run on the user's own server and are
 * routed towards it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/casemap.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/match.h"
#include "base/util.h"
#include "modules/modules.h"
#include "proto/exit.h"
#include "proto/link.h"
#include "proto/login.h"
#include "proto/sasl.h"
#include "proto/send.h"
#include "proto/snomask.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/server.h"
#include "store/xline.h"

/* The source of a user's line from a link, as the server slot sees one. */
static struct source
user_source(struct client *c)
{
	struct source src = {ORIGIN_REMOTE, c, c->server, c->server->via};

	return src;
}

/* May src use services commands?  Logged when not. */
static int
svs_trusted(const struct source *src, const char *cmd)
{
	if (config_is_services(conf, src->server->name))
		return 1;
	log_warn("services: %s from %s (via %s) ignored: not a [services] server", cmd,
	         src->server->name, src->link->name);
	snomask_send(SNO_LINK, "%s from %s ignored: not a services server", cmd,
	             src->server->name);
	return 0;
}

/* A registered target by UID (or nick) whose nick TS is ts (NULL: any). */
static struct client *
svs_target(const char *who, const char *ts)
{
	struct client *c = client_find(who);

	if (c == NULL || !c->registered)
		return NULL;
	if (ts != NULL && strtoll(ts, NULL, 10) != (long long)c->nick_ts)
		return NULL; /* a nick change raced the command: it is not for this user */
	return c;
}

static int
host_valid(const char *host)
{
	size_t n = strlen(host);

	if (n == 0 || n > HOSTLEN || host[0] == ':')
		return 0;
	for (; *host != '\0'; host++)
		if (!isalnum((unsigned char)*host) && strchr(".-:/_", *host) == NULL)
			return 0;
	return 1;
}

/* ---- Global state: account, +r, host.  Applied here, relayed everywhere. */

/* c's account is name (NULL: none); +r goes with a logout. */
static void
svs_account(const struct source *src, struct client *c, const char *name)
{
	if (name != NULL && (*name == '\0' || strcmp(name, "*") == 0))
		name = NULL;
	if ((c->account == NULL) != (name == NULL) ||
	    (name != NULL && strcmp(c->account, name) != 0))
		account_proceed(c, name);
	if (name == NULL && (c->umodes & UMODE_REGNICK)) {
		client_set_umode(c, UMODE_REGNICK, 0);
		if (c->local != NULL)
			send_line(c, ":%s MODE %s :-r", src->server->name, c->nick);
	}
	if (c->registered) /* else its UID/EUID will carry the account */
		link_relay_account(source_link(src), source_id(src), c);
}

static void
svs_host(const struct source *src, struct client *c, const char *host)
{
	if (!host_valid(host)) {
		log_warn("services: bad host for %s from %s ignored", c->uid,
		         src->server->name);
		return;
	}
	if (strcmp(c->host, host) != 0)
		chghost_proceed(c, host);
	link_relay_host(source_link(src), source_id(src), c);
}

/* ":<src> SVSACCOUNT <UID> <nickTS> <account|*>" */
static void
svsaccount(const struct source *src, struct irc_msg *m)
{
	struct client *c;

	if (!svs_trusted(src, "SVSACCOUNT") || m->argc < 3)
		return;
	if ((c = svs_target(m->argv[0], m->argv[1])) != NULL)
		svs_account(src, c, m->argv[2]);
}

/*
 * ":<src> SVSMODE <UID> <nickTS> <+modes> [args]": +r (identified to the
 * nick) only with an account; i, w and -o as the user's own changes.
 */
static void
svsmode(const struct source *src, struct irc_msg *m)
{
	struct mode_line line = {0};
	struct client *c;
	char dir = '+';

	if (!svs_trusted(src, "SVSMODE") || m->argc < 3)
		return;
	if ((c = svs_target(m->argv[0], m->argv[1])) == NULL)
		return;
	for (const char *p = m->argv[2]; *p != '\0'; p++) {
		if (*p == '+' || *p == '-')
			dir = *p;
		else if (*p == 'r' && (dir == '-' || c->account != NULL))
			umode_proceed(c, dir, 'r', &line);
		else if (*p == 'i' || *p == 'w' || (*p == 'o' && dir == '-'))
			umode_proceed(c, dir, *p, &line);
	}
	if (line.nletters == 0)
		return;
	if (c->local != NULL)
		send_line(c, ":%s MODE %s :%s", src->server->name, c->nick, line.letters);
	link_relay_svsmode(source_link(src), source_id(src), c, line.letters);
}

/* ":<src> SVSHOST <UID> <nickTS> <host>" */
static void
svshost(const struct source *src, struct irc_msg *m)
{
	struct client *c;

	if (!svs_trusted(src, "SVSHOST") || m->argc < 3)
		return;
	if ((c = svs_target(m->argv[0], m->argv[1])) != NULL)
		svs_host(src, c, m->argv[2]);
}

/*
 * ":<src> MLOCK <chanTS> <#chan> [<mlockTS>] :<letters>" (hybrid has the
 * mlockTS, charybdis not): the modes local operators may not change.
 */
static void
mlock(const struct source *src, struct irc_msg *m)
{
	struct channel *ch;
	const char *letters;
	char keep[64];
	size_t n = 0;

	if (!svs_trusted(src, "MLOCK") || m->argc < 3 ||
	    (ch = channel_find(m->argv[1])) == NULL)
		return;
	if (strtoll(m->argv[0], NULL, 10) > (long long)ch->ts)
		return; /* for a newer channel of that name: not ours */
	for (letters = m->argv[m->argc - 1]; *letters != '\0' && n < sizeof(keep) - 1;
	     letters++)
		if (isalpha((unsigned char)*letters) && memchr(keep, *letters, n) == NULL)
			keep[n++] = *letters;
	keep[n] = '\0';
	free(ch->mlock);
	ch->mlock = n > 0 ? xstrdup(keep) : NULL;
	link_relay_mlock(source_link(src), source_id(src), ch);
}

/* ---- One user's business: done on its server, routed towards it. */

/* The rest of a routed line: params from first on, the last as trailing. */
static void
params_join(struct irc_msg *m, int first, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = first; i < m->argc && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s%s", i > first ? " " : "",
		                      i == m->argc - 1 && i > first ? ":" : "", m->argv[i]);
}

/*
 * c is not ours: pass cmd on towards its server, as the link's dialect
 * has it (charybdis has no SVS* of hybrid's: ENCAP to the user's server).
 */
static void
svs_route(const struct source *src, struct client *c, const char *cmd, struct irc_msg *m)
{
	struct link *l = link_of_client(c);
	char rest[OUT_LINE_MAX];

	if (l == NULL || l == source_link(src))
		return;
	params_join(m, 0, rest, sizeof(rest));
	if (l->dialect == DIALECT_HYBRID)
		link_send(l, ":%s %s %s", source_id(src), cmd, rest);
	else
		link_send(l, ":%s ENCAP %s %s %s", source_id(src), c->server->name, cmd, rest);
}

/* The new nick for c, or refused (logged): valid and free, or c's own. */
static int
svs_nick_free(const struct source *src, struct client *c, const char *nick)
{
	struct client *holder;

	if (!nick_valid(nick, NICKLEN_MAX)) {
		log_warn("services: bad nick %.32s for %s from %s", nick, c->uid,
		         src->server->name);
		return 0;
	}
	holder = client_find_nick(nick);
	if (holder != NULL && holder != c) {
		log_info("services: nick %s for %s is taken: forced change dropped", nick,
		         c->uid);
		return 0;
	}
	return 1;
}

/* ":<src> SVSNICK <UID> <oldTS> <newnick> <newTS>" (hybrid) */
static void
svsnick(const struct source *src, struct irc_msg *m)
{
	struct client *c;

	if (!svs_trusted(src, "SVSNICK") || m->argc < 3)
		return;
	if ((c = svs_target(m->argv[0], m->argv[1])) == NULL)
		return;
	if (c->local == NULL) {
		svs_route(src, c, "SVSNICK", m);
		return;
	}
	if (strcmp(c->nick, m->argv[2]) == 0 || !svs_nick_free(src, c, m->argv[2]))
		return;
	nick_proceed(c, m->argv[2], m->argc > 3 ? strtoll(m->argv[3], NULL, 10) : now);
}

/* A numeric word: SVSJOIN/SVSPART may carry the nick TS before the channel. */
static int
is_ts(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

/* ":<src> SVSJOIN <UID> [<nickTS>] <#chan>[,...] [key]": a JOIN of the user's own. */
static void
svsjoin(const struct source *src, struct irc_msg *m)
{
	struct client *c;
	struct irc_msg join = {0};
	int at = 1;

	if (!svs_trusted(src, "SVSJOIN") || m->argc < 2)
		return;
	if (m->argc > 2 && is_ts(m->argv[1]))
		at = 2;
	if ((c = svs_target(m->argv[0], at == 2 ? m->argv[1] : NULL)) == NULL)
		return;
	if (c->local == NULL) {
		svs_route(src, c, "SVSJOIN", m);
		return;
	}
	/* As if the user typed it: a ban or a key still stops it, with the reply. */
	join.command = "JOIN";
	join.argv[0] = m->argv[at];
	if (m->argc > at + 1)
		join.argv[1] = m->argv[at + 1];
	join.argc = m->argc > at + 1 ? 2 : 1;
	if (strcmp(join.argv[0], "0") != 0)
		m_join(c, &join);
}

/* ":<src> SVSPART <UID> [<nickTS>] <#chan>[,...] [:reason]" */
static void
svspart(const struct source *src, struct irc_msg *m)
{
	struct client *c;
	char *names, *name;
	int at = 1;

	if (!svs_trusted(src, "SVSPART") || m->argc < 2)
		return;
	if (m->argc > 2 && is_ts(m->argv[1]))
		at = 2;
	if ((c = svs_target(m->argv[0], at == 2 ? m->argv[1] : NULL)) == NULL)
		return;
	if (c->local == NULL) {
		svs_route(src, c, "SVSPART", m);
		return;
	}
	names = m->argv[at];
	while ((name = list_next(&names)) != NULL) {
		struct channel *ch = channel_find(name);
		if (ch != NULL)
			part_proceed(c, ch, m->argc > at + 1 ? m->argv[at + 1] : NULL);
	}
}

/* ":<src> SVSKILL <UID> [<nickTS>] :<reason>": the user quits with the reason. */
static void
svskill(const struct source *src, struct irc_msg *m)
{
	struct client *c;
	const char *reason;
	int ts = m->argc > 2 && is_ts(m->argv[1]);

	if (!svs_trusted(src, "SVSKILL") || m->argc < 1)
		return;
	if ((c = svs_target(m->argv[0], ts ? m->argv[1] : NULL)) == NULL)
		return;
	if (c->local == NULL) {
		svs_route(src, c, "SVSKILL", m);
		return;
	}
	reason = m->argc > 1 + ts ? m->argv[1 + ts] : "SVSKILLED";
	snomask_send(SNO_KILL, "%s removed %s by SVSKILL (%s)", src->server->name, c->nick,
	             reason);
	client_end(c, reason); /* a QUIT with the reason, everywhere */
}

/* ---- charybdis: ENCAP SU, LOGIN, RSFNC, CHGHOST, SVSLOGIN. */

/* SU <UID> [<account>]: services log a user in or out. */
static void
encap_su(const struct source *src, struct irc_msg *m)
{
	struct client *c;

	if (!svs_trusted(src, "SU") || m->argc < 1 ||
	    (c = svs_target(m->argv[0], NULL)) == NULL)
		return;
	svs_account(src, c, m->argc > 1 ? m->argv[1] : NULL);
}

/* :<UID> LOGIN <account>: the user's own server says it is logged in. */
static void
encap_login(const struct source *src, struct irc_msg *m)
{
	if (src->client == NULL || m->argc < 1 || !svs_trusted(src, "LOGIN"))
		return;
	svs_account(src, src->client, m->argv[0]);
}

/*
 * CHGHOST <UID> <host>: from services, or from the user's own server
 * (its cloak, as charybdis's ip_cloaking and evircd's +x send it).
 */
static void
encap_chghost(const struct source *src, struct irc_msg *m)
{
	struct client *c;

	if (m->argc < 2 || (c = svs_target(m->argv[0], NULL)) == NULL)
		return;
	if (c->server == src->server && !config_is_services(conf, src->server->name)) {
		/* a server's own cloak: on as it came (hybrid takes SVSHOST from services only)
		 */
		if (!host_valid(m->argv[1]))
			return;
		if (strcmp(c->host, m->argv[1]) != 0)
			chghost_proceed(c, m->argv[1]);
		links_send(source_link(src), ":%s ENCAP * CHGHOST %s %s", source_id(src),
		           c->uid, c->host);
		return;
	}
	if (svs_trusted(src, "CHGHOST"))
		svs_host(src, c, m->argv[1]);
}

/* :<UID> SETNAME :<realname>: a user behind a link changed its realname. */
static void
encap_setname(const struct source *src, struct irc_msg *m)
{
	if (src->client == NULL || m->argc < 1 || m->argv[0][0] == '\0' ||
	    strlen(m->argv[0]) > REALLEN)
		return;
	if (src->client->realname == NULL || strcmp(src->client->realname, m->argv[0]) != 0)
		setname_proceed(src->client, m->argv[0]);
}

/* RSFNC <UID> <newnick> <newTS> <oldTS>: a forced nick change on the user's server. */
static void
encap_rsfnc(const struct source *src, struct irc_msg *m)
{
	struct client *c;

	if (!svs_trusted(src, "RSFNC") || m->argc < 4 ||
	    (c = svs_target(m->argv[0], m->argv[3])) == NULL)
		return;
	if (c->local == NULL) {
		struct link *l = link_of_client(c);
		char rest[OUT_LINE_MAX];
		if (l == NULL || l == source_link(src))
			return;
		params_join(m, 0, rest, sizeof(rest));
		link_send(l, ":%s ENCAP %s RSFNC %s", source_id(src), c->server->name, rest);
		return;
	}
	if (strcmp(c->nick, m->argv[1]) == 0 || !svs_nick_free(src, c, m->argv[1]))
		return;
	nick_proceed(c, m->argv[1], strtoll(m->argv[2], NULL, 10));
}

/*
 * SVSLOGIN <UID> <nick|*> <user|*> <host|*> <account|*>: services log a
 * user of ours in (after SASL), perhaps with a new host.
 */
static void
svslogin(const struct source *src, struct irc_msg *m)
{
	struct client *c;

	if (!svs_trusted(src, "SVSLOGIN") || m->argc < 5)
		return;
	/* a client of ours in the middle of SASL may not be registered yet */
	if ((c = svs_target(m->argv[0], NULL)) == NULL &&
	    (c = sasl_relay_client(m->argv[0])) == NULL)
		return;
	if (strcmp(m->argv[3], "*") != 0 && c->registered)
		svs_host(src, c, m->argv[3]);
	else if (strcmp(m->argv[3], "*") != 0 && host_valid(m->argv[3]))
		str_copy(c->host, m->argv[3], sizeof(c->host));
	if (c->local != NULL && strcmp(m->argv[4], "*") != 0) {
		account_login(c, m->argv[4], 0); /* 900 to the user; the services' account */
		if (c->registered)
			link_relay_account(NULL, source_id(src), c);
	} else {
		svs_account(src, c, m->argv[4]);
	}
}

/*
 * SASL <agent> <UID> <C|D|M> [data]: the services' SASL agent answers a
 * client of ours (the relay is proto/sasl.c's).
 */
static void
encap_sasl(const struct source *src, struct irc_msg *m)
{
	if (!svs_trusted(src, "SASL") || m->argc < 3)
		return;
	if (strncmp(m->argv[1], me.sid, SIDLEN) != 0)
		return; /* not ours: routed by the ENCAP mask already */
	sasl_relay_reply(m->argv[1], m->argv[2], m->argc > 3 ? m->argv[3] : "");
}

/* MECHLIST :<mechanisms>: what the services' SASL agent offers (CAP LS sasl=). */
static void
encap_mechlist(const struct source *src, struct irc_msg *m)
{
	if (!svs_trusted(src, "MECHLIST") || m->argc < 1)
		return;
	sasl_set_mechanisms(m->argv[0]);
}

/* Bans in ENCAP (charybdis): routed by encap() already, applied here. */
static void
encap_kline(const struct source *src, struct irc_msg *m)
{
	xline_link_kline(src, m, 1);
}

static void
encap_unkline(const struct source *src, struct irc_msg *m)
{
	xline_link_unkline(src, m, 1);
}

static void
encap_dline(const struct source *src, struct irc_msg *m)
{
	xline_link_dline(src, m, 1);
}

static void
encap_undline(const struct source *src, struct irc_msg *m)
{
	xline_link_undline(src, m, 1);
}

static int
encap_kline_refused(const struct source *src, struct irc_msg *m)
{
	return xline_encap_refused(src, m, XLINE_K);
}

static int
encap_dline_refused(const struct source *src, struct irc_msg *m)
{
	return xline_encap_refused(src, m, XLINE_D);
}

/*
 * What ENCAP runs here.  relays: the handler tells every other link itself
 * (in its dialect), so a wildcard ENCAP of it is not passed on as it came.
 * refused: when it says so, the ENCAP is dropped: neither passed on nor run
 * (a ban too wide to pass).
 */
static const struct {
	const char *name;
	void (*run)(const struct source *src, struct irc_msg *m);
	int relays;
	int (*refused)(const struct source *src, struct irc_msg *m);
} encaps[] = {
    {"CHGHOST", encap_chghost, 1, NULL},
    {"LOGIN", encap_login, 1, NULL},
    {"MECHLIST", encap_mechlist, 0, NULL},
    {"RSFNC", encap_rsfnc, 1, NULL},
    {"SASL", encap_sasl, 0, NULL},
    {"SU", encap_su, 1, NULL},
    {"SVSJOIN", svsjoin, 1, NULL},
    {"SVSKILL", svskill, 1, NULL},
    {"SVSLOGIN", svslogin, 1, NULL},
    {"SVSNICK", svsnick, 1, NULL},
    {"SVSPART", svspart, 1, NULL},
    {"SETNAME", encap_setname, 0, NULL},
    {"KLINE", encap_kline, 0, encap_kline_refused},
    {"UNKLINE", encap_unkline, 0, NULL},
    {"DLINE", encap_dline, 0, encap_dline_refused},
    {"UNDLINE", encap_undline, 0, NULL},
};

static int
mask_has_wildcard(const char *mask)
{
	return strpbrk(mask, "*?") != NULL;
}

/*
 * :<src> ENCAP <servermask> <CMD> [args]: run here when the mask matches
 * our name; pass on to the named server's link, or, for a mask with a
 * wildcard, to every other link.
 */
static void
encap(const struct source *src, struct irc_msg *m)
{
	const char *mask, *cmd;
	struct irc_msg sub = {0};
	size_t i, n = ARRAY_LEN(encaps);
	int ours;
	char rest[OUT_LINE_MAX];

	if (m->argc < 2)
		return;
	mask = m->argv[0];
	cmd = m->argv[1];
	ours = mask_match(mask, me.name);
	for (i = 0; i < n && strcasecmp(encaps[i].name, cmd) != 0; i++)
		;
	sub.source = m->source;
	sub.command = m->argv[1];
	sub.argc = m->argc - 2;
	memcpy(sub.argv, m->argv + 2, (size_t)sub.argc * sizeof(sub.argv[0]));
	if (i < n && encaps[i].refused != NULL && encaps[i].refused(src, &sub))
		return;
	if (!ours || i == n || !encaps[i].relays) {
		struct link *l;
		struct server *named = mask_has_wildcard(mask) ? NULL : server_find(mask);
		params_join(m, 1, rest, sizeof(rest));
		LIST_FOREACH (l, &links, entry) {
			if (l->server == NULL || l == src->link->link)
				continue;
			if (named != NULL ? link_of_server(named) != l
			                  : mask_has_wildcard(mask) == 0)
				continue;
			link_send(l, ":%s ENCAP %s %s", source_id(src), mask, rest);
		}
	}
	if (!ours)
		return;
	if (i == n) {
		log_debug("link %s: ENCAP %s not understood here", src->link->name, cmd);
		return;
	}
	encaps[i].run(src, &sub);
}

/* ---- The table's slots: from a server, and from a user behind a link. */

#define SERVICES_COMMAND(fn)                                                                   \
	SERVER_HANDLER(ms_##fn)                                                                \
	{                                                                                      \
		fn(src, m);                                                                    \
		return IRC_OK;                                                                 \
	}                                                                                      \
	HANDLER(mr_##fn)                                                                       \
	{                                                                                      \
		struct source src = user_source(c);                                            \
		fn(&src, m);                                                                   \
		return IRC_OK;                                                                 \
	}

SERVICES_COMMAND(encap)
SERVICES_COMMAND(mlock)
SERVICES_COMMAND(svsaccount)
SERVICES_COMMAND(svshost)
SERVICES_COMMAND(svsjoin)
SERVICES_COMMAND(svskill)
SERVICES_COMMAND(svslogin)
SERVICES_COMMAND(svsmode)
SERVICES_COMMAND(svsnick)
SERVICES_COMMAND(svspart)
