/* register.c - completing registration: auth block, welcome burst. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdlib.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/passwd.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "net/dns.h"
#include "proto/cap.h"
#include "proto/clientjob.h"
#include "proto/link.h"
#include "proto/metasync.h"
#include "proto/monitor_notify.h"
#include "proto/numeric.h"
#include "proto/sasl.h"
#include "proto/send.h"
#include "proto/snomask.h"
#include "state/client.h"
#include "state/cloak.h"
#include "state/local.h"
#include "state/server.h"
#include "store/xline.h"

#define USER_MODES "Biorsxw"
#define CHAN_MODES "beIiklmnopstv"
#define CHAN_MODES_PARAM "beIklov"

static int
class_full(const struct conf_class *cl)
{
	return cl->max_clients != 0 && cl->clients >= cl->max_clients;
}

/* A password in clear, compared without telling by its time how much matched. */
static int
plain_password_matches(const char *given, const char *want)
{
	unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)given, strlen(given), a);
	SHA256((const unsigned char *)want, strlen(want), b);
	return CRYPTO_memcmp(a, b, sizeof(a)) == 0;
}

/* What the [auth] checks come to. */
enum auth_result { AUTH_PASSED, AUTH_WAIT, AUTH_REFUSED };

static enum auth_result
password_refused(struct client *c)
{
	reply(c, ERR_PASSWDMISMATCH, ":Password incorrect");
	conn_close(c->local->conn, "Bad password");
	return AUTH_REFUSED;
}

/* A hashed [auth] password is checked on a lane; the client's input waits. */
struct pass_check {
	char password[256];
	char hash[PASSWD_HASH_MAX];
	int ok;
};

static void
pass_check_work(void *arg)
{
	struct pass_check *pc = arg;

	pc->ok = passwd_verify(pc->password, pc->hash);
}

static void
pass_check_done(struct client *c, void *arg)
{
	struct pass_check *pc = arg;

	if (c != NULL) {
		c->local->flags &= ~LOCAL_PASS_PENDING;
		if (!pc->ok) {
			password_refused(c);
		} else {
			c->local->flags |= LOCAL_PASS_OK;
			register_try(c);
		}
	}
	OPENSSL_cleanse(pc, sizeof(*pc));
	free(pc);
}

static enum auth_result
pass_check_start(struct client *c, const char *hash)
{
	struct pass_check *pc = xcalloc(1, sizeof(*pc));

	str_copy(pc->password, c->local->password, sizeof(pc->password));
	str_copy(pc->hash, hash, sizeof(pc->hash));
	if (client_job_submit(c, LANE_AUTH, pass_check_work, pass_check_done, pc) != 0) {
		OPENSSL_cleanse(pc, sizeof(*pc));
		free(pc);
		conn_close(c->local->conn, "Server busy, try again later");
		return AUTH_REFUSED;
	}
	c->local->flags |= LOCAL_PASS_PENDING;
	return AUTH_WAIT;
}

/* The [auth] block's password: a hash answers later (AUTH_WAIT). */
static enum auth_result
register_password(struct client *c, const struct conf_auth *a)
{
	if (a->password == NULL || (c->local->flags & LOCAL_PASS_OK))
		return AUTH_PASSED;
	if (c->local->password == NULL)
		return password_refused(c);
	if (passwd_is_hash(a->password))
		return pass_check_start(c, a->password);
	return plain_password_matches(c->local->password, a->password) ? AUTH_PASSED
	                                                               : password_refused(c);
}

/* Choose the [auth] block by user@host and check its password. */
static enum auth_result
register_auth(struct client *c)
{
	struct conn *cn = c->local->conn;
	struct conf_auth *a = config_find_auth(conf, c->user, c->host, c->ip);
	enum auth_result pw;

	if (a == NULL) {
		conn_close(cn, "You are not authorised to use this server");
		return AUTH_REFUSED;
	}
	if ((pw = register_password(c, a)) != AUTH_PASSED)
		return pw;
	{
		const struct xline *k = xline_match_user(c->user, c->realhost, c->ip);
		char why[300];
		if (k != NULL) {
			reply(c, ERR_YOUREBANNEDCREEP, ":You are banned from this server: %s",
			      k->reason);
			snprintf(why, sizeof(why), "K-lined: %s", k->reason);
			snomask_send(SNO_REJECT, "Refused K-lined user %s (%s@%s)", c->nick,
			             c->user, c->host);
			conn_close(cn, why);
			return AUTH_REFUSED;
		}
	}
	if (class_full(a->class)) {
		snomask_send(SNO_REJECT, "Refused %s (%s@%s): class %s is full", c->nick,
		             c->user, c->host, a->class->name);
		conn_close(cn, "Sorry, server is full - try later");
		return AUTH_REFUSED;
	}
	cn->class = a->class;
	cn->class->clients++;
	return AUTH_PASSED;
}

static void
welcome_send(struct client *c)
{
	char created[64];
	struct tm tm;

	gmtime_r(&server_started, &tm);
	strftime(created, sizeof(created), "%a %b %d %Y at %H:%M:%S UTC", &tm);
	reply(c, RPL_WELCOME, ":Welcome to the %s Internet Relay Chat Network %s!%s@%s",
	      conf->network, c->nick, c->user, c->host);
	reply(c, RPL_YOURHOST, ":Your host is %s, running version evircd-%s", me.name,
	      PACKAGE_VERSION);
	reply(c, RPL_CREATED, ":This server was created %s", created);
	reply(c, RPL_MYINFO, "%s evircd-%s %s %s %s", me.name, PACKAGE_VERSION, USER_MODES,
	      CHAN_MODES, CHAN_MODES_PARAM);
	isupport_send(c);
	lusers_send(c);
	/* draft/metadata-3: the user's own metadata, before 376/422. */
	metasync_welcome(c);
	motd_send(c);
}

static void
on_host_lookup(void *arg, enum dns_result result, const char *host)
{
	struct client *c = arg;

	/* An exit cancels the lookup, so c is still here. */
	c->local->dns = NULL;
	c->local->flags &= ~LOCAL_DNS_PENDING;
	if (c->local->conn->state == CONN_CLOSING)
		return;
	switch (result) {
	case DNS_FOUND:
		if (strlen(host) <= HOSTLEN) {
			str_copy(c->host, host, sizeof(c->host));
			str_copy(c->realhost, host, sizeof(c->realhost));
			send_notice(c, "*** Found your hostname");
			break;
		}
		send_notice(c, "*** Your hostname is too long, using your IP address instead");
		break;
	case DNS_MISMATCH:
		send_notice(c, "*** Your forward and reverse DNS do not match, "
		               "using your IP address instead");
		break;
	default: send_notice(c, "*** Couldn't look up your hostname"); break;
	}
	register_try(c);
}

void
register_start(struct client *c)
{
	if (!dns_enabled())
		return;
	send_notice(c, "*** Looking up your hostname...");
	c->local->flags |= LOCAL_DNS_PENDING;
	c->local->dns = dns_lookup(c->ip, on_host_lookup, c);
}

/* The log line and the connect notice say how the user came (TLS, WebSocket, gateway). */
static void
register_announce(struct client *c)
{
	struct conn *cn = c->local->conn;
	char via[128];

	snprintf(via, sizeof(via), "%s%s%s%s", c->secure ? " (TLS)" : "",
	         conn_is_websocket(cn) ? " (WebSocket)" : "",
	         c->local->gateway ? " (WebIRC " : "",
	         c->local->gateway ? c->local->gateway : "");
	if (c->local->gateway)
		strncat(via, ")", sizeof(via) - strlen(via) - 1);
	log_info("connect: %s!%s@%s [%s] class %s%s", c->nick, c->user, c->realhost, c->ip,
	         cn->class->name, via);
	snomask_send(SNO_CONNECT, "Client connecting: %s (%s@%s) [%s] {%s} [%s]%s", c->nick,
	             c->user, c->realhost, c->ip, cn->class->name,
	             c->realname ? c->realname : "", via);
}

irc_result_t
register_try(struct client *c)
{
	struct local *l = c->local;
	struct conn *cn = l->conn;

	if (c->registered || (l->flags & (LOCAL_CAP_NEGOTIATING | LOCAL_DNS_PENDING)) ||
	    !(l->flags & LOCAL_GOT_NICK) || !(l->flags & LOCAL_GOT_USER))
		return IRC_OK;
	if (l->flags & LOCAL_PASS_PENDING)
		return IRC_OK;
	if (sasl_in_progress(c))
		sasl_abort(c, 1);
	switch (register_auth(c)) {
	case AUTH_PASSED: break;
	case AUTH_WAIT: return IRC_OK; /* the password check answers later */
	case AUTH_REFUSED: return IRC_CLOSED;
	}
	if (cloak_enabled()) {
		client_set_umode(c, UMODE_CLOAK, 1);
		cloak_host(c->realhost, c->ip, c->host, sizeof(c->host));
	}
	client_register(c);
	monitor_signon(c);
	link_introduce(c);
	conn_enter_state(cn, CONN_REGISTERED);
	l->last_message = now;
	free(l->password);
	l->password = NULL;
	welcome_send(c);
	/* As other servers do: the user hears that +x now hides its host. */
	if (cloak_enabled())
		send_line(c, ":%s!%s@%s MODE %s :+x", c->nick, c->user, c->host, c->nick);
	nick_protect_check(c);
	register_announce(c);
	return IRC_OK;
}
