/* m_webirc.c - WEBIRC: a trusted gateway gives its user's real host and IP. */
#include <ctype.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cidr.h"
#include "base/conf.h"
#include "base/passwd.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "net/dns.h"
#include "net/iplimit.h"
#include "net/worker.h"
#include "proto/clientjob.h"
#include "proto/send.h"
#include "proto/snomask.h"
#include "state/client.h"
#include "state/local.h"
#include "store/xline.h"

/* What the gateway said, kept while its password is checked (proto/clientjob.h). */
struct webirc_check {
	char block[64];
	char gateway[64];
	char host[HOSTLEN + 1];
	char ip[46];
	int secure;
	int resolve; /* our own lookup of ip, not the gateway's name */
	char *password;
	char *hash;
	int ok;
};

/* A name a resolver could have given: letters, digits, '-', '.', not all digits. */
static int
hostname_valid(const char *s)
{
	size_t len = strlen(s);
	int letter = 0;

	if (len == 0 || len > HOSTLEN || s[0] == '.' || s[0] == '-' || s[len - 1] == '.')
		return 0;
	for (const char *p = s; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return 0;
		letter |= isalpha((unsigned char)*p) != 0;
	}
	return letter;
}

/* The "secure" option, with or without a value (the spec says they are the same). */
static int
option_secure(const char *options)
{
	char copy[512], *cursor = copy, *opt;

	str_copy(copy, options, sizeof(copy));
	while ((opt = strsep(&cursor, " ")) != NULL)
		if (strcmp(opt, "secure") == 0 || strncmp(opt, "secure=", 7) == 0)
			return 1;
	return 0;
}

static void
webirc_refuse(struct client *c, const char *why, const char *detail)
{
	snomask_send(SNO_REJECT, "WEBIRC from %s refused: %s", c->ip, detail);
	conn_close(c->local->conn, why);
}

/* The password is right: the user is who the gateway says. */
static void
webirc_apply(struct client *c, const struct webirc_check *chk)
{
	struct local *l = c->local;
	const struct xline *x = xline_match_ip(chk->ip);
	const char *refusal;
	char why[300], group[IPGROUP_MAX] = "";

	if (x != NULL) {
		snprintf(why, sizeof(why), "D-lined: %s", x->reason);
		webirc_refuse(c, why, "the user's address is D-lined");
		return;
	}
	/* Count the user's address, not the gateway's, for the per-IP limits. */
	if ((refusal = iplimit_admit(chk->ip, l->conn->class, group)) != NULL) {
		webirc_refuse(c, refusal, refusal);
		return;
	}
	iplimit_release(l->conn->ipgroup);
	memcpy(l->conn->ipgroup, group, sizeof(l->conn->ipgroup));
	if (l->dns != NULL) { /* the gateway's own name is of no interest */
		dns_cancel(l->dns);
		l->dns = NULL;
		l->flags &= ~LOCAL_DNS_PENDING;
	}
	str_copy(c->ip, chk->ip, sizeof(c->ip));
	/* An IPv6 host may not start with ':' in a protocol field. */
	c->realhost[0] = '0';
	str_copy(c->realhost + (chk->host[0] == ':'), chk->host, sizeof(c->realhost) - 1);
	str_copy(c->host, c->realhost, sizeof(c->host));
	c->secure = c->secure && chk->secure;
	free(l->gateway);
	l->gateway = xstrdup(chk->block);
	l->flags |= LOCAL_WEBIRC;
	send_notice(c, "*** WebIRC: your host is %s [%s]", c->realhost, c->ip);
	if (chk->resolve && dns_enabled())
		register_start(c); /* registration waits for it, as for a direct client */
	register_try(c);
}

static void
check_work(void *arg)
{
	struct webirc_check *chk = arg;

	chk->ok = passwd_verify(chk->password, chk->hash);
}

static void
check_free(struct webirc_check *chk)
{
	OPENSSL_cleanse(chk->password, strlen(chk->password));
	free(chk->password);
	free(chk->hash);
	free(chk);
}

/* The client's next lines waited for this (clientjob): they run after it. */
static void
check_done(struct client *c, void *arg)
{
	struct webirc_check *chk = arg;

	if (c != NULL && c->local->conn->state != CONN_CLOSING) {
		c->local->flags &= ~LOCAL_WEBIRC_PENDING;
		if (chk->ok)
			webirc_apply(c, chk);
		else
			webirc_refuse(c, "Invalid WebIRC password", "wrong password");
	}
	check_free(chk);
}

/* A plain password is compared here; a hash is checked on the login lane, input held. */
static void
check_password(struct client *c, const struct conf_webirc *w, struct webirc_check *chk,
               const char *given)
{
	size_t a = strlen(given), b = strlen(w->password);

	if (!passwd_is_hash(w->password)) {
		int ok = a == b && CRYPTO_memcmp(given, w->password, a) == 0;
		if (ok)
			webirc_apply(c, chk);
		else
			webirc_refuse(c, "Invalid WebIRC password", "wrong password");
		free(chk);
		return;
	}
	chk->password = xstrdup(given);
	chk->hash = xstrdup(w->password);
	if (client_job_submit(c, LANE_AUTH, check_work, check_done, chk) != 0) {
		webirc_refuse(c, "WebIRC password check busy; try again later", "lane full");
		check_free(chk);
		return;
	}
	c->local->flags |= LOCAL_WEBIRC_PENDING;
}

HANDLER(m_webirc)
{
	struct local *l = c->local;
	const struct conf_webirc *w = config_find_webirc(conf, c->ip);
	struct webirc_check *chk;

	if (l->flags & (LOCAL_WEBIRC | LOCAL_WEBIRC_PENDING | LOCAL_GOT_NICK | LOCAL_GOT_USER |
	                LOCAL_CAP_NEGOTIATING)) {
		webirc_refuse(c, "WEBIRC must be the first command", "not the first command");
		return IRC_CLOSED;
	}
	if (w == NULL) {
		webirc_refuse(c, "Invalid WebIRC password", "not a [webirc] gateway address");
		return IRC_CLOSED;
	}
	chk = xcalloc(1, sizeof(*chk));
	str_copy(chk->block, w->name, sizeof(chk->block));
	str_copy(chk->gateway, m->argv[1], sizeof(chk->gateway));
	if (ip_normalize(m->argv[3], chk->ip, sizeof(chk->ip)) != 0) {
		free(chk);
		webirc_refuse(c, "Invalid IP address in WEBIRC", "not an IP address");
		return IRC_CLOSED;
	}
	/* A name the gateway could not confirm is sent as the IP: use ours then. */
	chk->resolve = w->resolve;
	str_copy(chk->host, hostname_valid(m->argv[2]) && !w->resolve ? m->argv[2] : chk->ip,
	         sizeof(chk->host));
	chk->secure = w->trust_secure && m->argc > 4 && option_secure(m->argv[4]);
	check_password(c, w, chk, m->argv[0]);
	return c->local->conn->state == CONN_CLOSING ? IRC_CLOSED : IRC_OK;
}
