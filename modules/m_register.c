/* m_register.c - REGISTER and VERIFY (IRCv3 draft/account-registration). */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/log.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/authlimit.h"
#include "proto/clientjob.h"
#include "proto/login.h"
#include "proto/sasl.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"
#include "store/account.h"
#include "store/store.h"

extern char **environ;

/* A registration in flight: credentials are made on the worker. */
struct registration {
	char account[ACCOUNT_NAME_MAX + 1];
	char email[128];
	char password[256];
	char code[VERIFY_CODE_LEN + 1];
	char *command; /* verify_command, or NULL */
	struct credentials cr;
	char certfp[129]; /* bound to the account once made (no verification) */
	int made;
	int sent;                 /* the verification command ran and succeeded */
	int stored;               /* the store lane wrote the account */
	int taken;                /* ... or found the name taken */
	long long id;             /* ...with this id */
	long long expired_before; /* an unverified one made before this gives its name back */
};

static int
email_valid(const char *e)
{
	const char *at = strchr(e, '@');
	/* Never "-...": the address is handed to a command as an argument. */
	return at != NULL && at != e && e[0] != '-' && strchr(at, '.') != NULL &&
	       strlen(e) < 128 && strpbrk(e, " ,;:\"<>'`$\\") == NULL;
}

#define VERIFY_COMMAND_SECONDS 30

/* Run the configured command; a stuck one is killed after 30 seconds. */
static int
run_verify_command(const struct registration *r)
{
	char *argv[] = {r->command, (char *)r->account, (char *)r->email, (char *)r->code,
	                NULL};
	pid_t pid;
	int status;

	int err = posix_spawn(&pid, r->command, NULL, NULL, argv, environ);

	if (err != 0) {
		log_warn("verify_command %s: %s", r->command, strerror(err));
		return -1;
	}
	for (int waited = 0;; waited += 50) {
		pid_t done = waitpid(pid, &status, WNOHANG);
		if (done == pid)
			break;
		if (done < 0) {
			log_warn("verify_command %s: waitpid: %s", r->command, strerror(errno));
			return -1;
		}
		if (waited >= VERIFY_COMMAND_SECONDS * 1000) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		usleep(50000);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_warn("verify_command %s failed (status %d) for account %s", r->command,
		         status, r->account);
		return -1;
	}
	return 0;
}

static void
registration_work(void *arg)
{
	struct registration *r = arg;

	r->made = credentials_make(r->password, &r->cr) == 0;
	if (r->made && r->command != NULL)
		r->sent = run_verify_command(r) == 0;
}

static void
registration_free(struct registration *r)
{
	OPENSSL_cleanse(r->password, sizeof(r->password));
	OPENSSL_cleanse(r->code, sizeof(r->code));
	free(r->command);
	free(r);
}

/* On the store lane: the row, and the certificate of an account usable at once. */
static void
create_work(void *arg)
{
	struct registration *r = arg;

	account_expire(r->account, r->expired_before);
	r->stored =
	    account_create(r->account, r->email[0] ? r->email : NULL, &r->cr,
	                   r->command == NULL, r->command ? r->code : NULL, &r->id) == 0;
	/* Only this lane writes on that connection: its last error is this one. */
	r->taken = !r->stored && sqlite3_errcode(store_wdb()) == SQLITE_CONSTRAINT;
	if (r->stored && r->command == NULL && r->certfp[0] != '\0')
		account_cert_add(r->account, r->certfp);
}

static void
create_done(struct client *c, void *arg)
{
	struct registration *r = arg;

	if (c == NULL)
		goto out;
	c->local->flags &= ~LOCAL_REGISTER_PENDING;
	c->local->registration = NULL;
	if (r->taken) { /* someone else took the name since the check */
		send_fail(c, "REGISTER", "ACCOUNT_EXISTS", r->account,
		          "Account already exists");
	} else if (!r->stored) {
		send_fail(c, "REGISTER", "TEMPORARILY_UNAVAILABLE", r->account,
		          "Registration failed; try again later");
	} else if (r->command != NULL) {
		send_line(c,
		          ":%s REGISTER VERIFICATION_REQUIRED %s :Account created; send "
		          "VERIFY %s <code> with the code sent to %s",
		          me.name, r->account, r->account, r->email);
	} else {
		send_line(c, ":%s REGISTER SUCCESS %s :Account created", me.name, r->account);
		account_login(c, r->account, r->id);
	}
out:
	registration_free(r);
}

static void
registration_failed(struct client *c, struct registration *r)
{
	c->local->flags &= ~LOCAL_REGISTER_PENDING;
	c->local->registration = NULL;
	send_fail(c, "REGISTER", "TEMPORARILY_UNAVAILABLE", r->account,
	          "Registration failed; try again later");
	registration_free(r);
}

static void
registration_done(struct client *c, void *arg)
{
	struct registration *r = arg;
	struct account existing;

	if (c == NULL) {
		registration_free(r);
		return;
	}
	if (!r->made)
		log_warn("REGISTER %s: credentials could not be made", r->account);
	if (!r->made || (r->command != NULL && !r->sent)) {
		registration_failed(c, r);
	} else if (account_find(r->account, &existing) == 0) {
		c->local->flags &= ~LOCAL_REGISTER_PENDING;
		c->local->registration = NULL;
		send_fail(c, "REGISTER", "ACCOUNT_EXISTS", r->account,
		          "Account already exists");
		registration_free(r);
	} else {
		if (c->certfp != NULL)
			str_copy(r->certfp, c->certfp, sizeof(r->certfp));
		r->expired_before = account_verify_cutoff();
		client_job_submit(c, LANE_STORE, create_work, create_done, r);
	}
}

/* 128 random bits in hex: not guessable in the attempts VERIFY allows. */
static void
verify_code_make(char code[VERIFY_CODE_LEN + 1])
{
	unsigned char raw[VERIFY_CODE_LEN / 2];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		log_warn("REGISTER: RAND_bytes failed");
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(code + i * 2, 3, "%02x", raw[i]);
	OPENSSL_cleanse(raw, sizeof(raw));
}

/* REGISTER and VERIFY before registration, unless that would get round a PASS. */
static int
before_connect_allowed(void)
{
	const struct conf_auth *a;

	TAILQ_FOREACH (a, &conf->auths, link)
		if (a->password != NULL)
			return 0;
	return 1;
}

const char *
register_cap_value(void)
{
	static char value[64];

	snprintf(value, sizeof(value), "%s%s%s",
	         before_connect_allowed() ? "before-connect" : "",
	         before_connect_allowed() && conf->accounts.verify ? "," : "",
	         conf->accounts.verify ? "email-required" : "");
	return value[0] != '\0' ? value : NULL;
}

/* 0 (with the FAIL sent) when cmd may not run before registration here. */
static int
connection_ok(struct client *c, const char *cmd)
{
	if (c->registered || before_connect_allowed())
		return 1;
	send_fail(c, cmd, "COMPLETE_CONNECTION_REQUIRED", NULL,
	          "Complete connection registration first");
	return 0;
}

/* Checks the request; returns NULL when refused (with a FAIL sent). */
static const char *
register_check(struct client *c, const char *name, const char *email, const char *password)
{
	struct account a;

	if (!conf->accounts.registration) {
		send_fail(c, "REGISTER", "TEMPORARILY_UNAVAILABLE", name,
		          "Registration is disabled");
		return NULL;
	}
	if (c->account != NULL) {
		send_fail(c, "REGISTER", "ALREADY_AUTHENTICATED", c->account,
		          "You are logged in");
		return NULL;
	}
	if (strcmp(name, "*") == 0) {
		if (c->nick[0] == '\0') {
			send_fail(c, "REGISTER", "NEED_NICK", "*", "Send NICK first");
			return NULL;
		}
		name = c->nick;
	}
	if (!nick_valid(name, conf->limits.nicklen)) {
		send_fail(c, "REGISTER", "BAD_ACCOUNT_NAME", name, "Not a valid account name");
		return NULL;
	}
	if (conf->accounts.verify && (strcmp(email, "*") == 0 || !email_valid(email))) {
		send_fail(c, "REGISTER", "INVALID_EMAIL", name,
		          "A valid email address is required");
		return NULL;
	}
	if (strcmp(email, "*") != 0 && !email_valid(email)) {
		send_fail(c, "REGISTER", "INVALID_EMAIL", name, "Not a valid email address");
		return NULL;
	}
	if (strlen(password) < conf->accounts.min_password) {
		send_fail(c, "REGISTER", "WEAK_PASSWORD", name,
		          "Password must have at least %u characters",
		          conf->accounts.min_password);
		return NULL;
	}
	if (account_find(name, &a) == 0) {
		send_fail(c, "REGISTER", "ACCOUNT_EXISTS", name, "Account already exists");
		return NULL;
	}
	return name;
}

HANDLER(m_register)
{
	const char *name;
	struct registration *r;

	if (sasl_relaying()) {
		send_fail(c, "REGISTER", "TEMPORARILY_UNAVAILABLE", m->argv[0],
		          "Accounts are kept by services here: register with NickServ");
		return IRC_OK;
	}
	if (!connection_ok(c, "REGISTER"))
		return IRC_OK;
	if (c->local->flags & LOCAL_REGISTER_PENDING) {
		send_fail(c, "REGISTER", "TEMPORARILY_UNAVAILABLE", m->argv[0],
		          "A registration is already in progress");
		return IRC_OK;
	}
	name = register_check(c, m->argv[0], m->argv[1], m->argv[2]);
	if (name == NULL)
		return IRC_OK;
	if (!authlimit_take(c)) {
		send_fail(c, "REGISTER", "TEMPORARILY_UNAVAILABLE", name,
		          "Too many attempts from your address; try again later");
		return IRC_OK;
	}
	r = xcalloc(1, sizeof(*r));
	str_copy(r->account, name, sizeof(r->account));
	if (strcmp(m->argv[1], "*") != 0)
		str_copy(r->email, m->argv[1], sizeof(r->email));
	str_copy(r->password, m->argv[2], sizeof(r->password));
	if (conf->accounts.verify) {
		verify_code_make(r->code);
		r->command = xstrdup(conf->accounts.verify_command);
	}
	/* Hashing is the crypto lane's; a slow mail command must not hold it up. */
	if (client_job_submit(c, r->command ? LANE_COMMAND : LANE_CRYPTO, registration_work,
	                      registration_done, r) != 0) {
		send_fail(c, "REGISTER", "TEMPORARILY_UNAVAILABLE", r->account,
		          "Too many registrations at once; try again later");
		registration_free(r);
		return IRC_OK;
	}
	c->local->flags |= LOCAL_REGISTER_PENDING;
	c->local->registration = r;
	return IRC_OK;
}

/* A VERIFY on its way to the store lane: the account verified, or a wrong code counted. */
struct verification {
	struct account a;
	int right;      /* the code matched: verify; else count the failure */
	unsigned limit; /* [accounts] verify_attempts */
	int stored;     /* verified; or, for a wrong code, the registration is void */
};

static void
verify_work(void *arg)
{
	struct verification *v = arg;

	if (v->right)
		v->stored = account_set_verified(v->a.id) == 0;
	else
		v->stored = account_verify_failed(&v->a, v->limit);
}

/* Someone else online on the name now verified: they may have to log in or move. */
static void
verified_nick_protect(const struct client *c, const char *name)
{
	struct client *holder = client_find_nick(name);

	if (holder != NULL && holder != c && holder->local != NULL && holder->registered)
		nick_protect_check(holder);
}

static void
verify_done(struct client *c, void *arg)
{
	struct verification *v = arg;
	const char *name = v->a.name;

	if (c == NULL) {
		/* gone: nothing to tell */
	} else if (!v->right) {
		send_fail(c, "VERIFY", "INVALID_CODE", name,
		          v->stored
		              ? "Too many wrong codes: the registration is void, register again"
		              : "Invalid verification code");
	} else if (!v->stored) {
		send_fail(c, "VERIFY", "TEMPORARILY_UNAVAILABLE", name,
		          "Account not verified; try again later");
	} else {
		send_line(c, ":%s VERIFY SUCCESS %s :Account verified", me.name, name);
		if (c->account == NULL)
			account_login(c, name, v->a.id);
	}
	if (v->right && v->stored)
		verified_nick_protect(c, name);
	OPENSSL_cleanse(v, sizeof(*v));
	free(v);
}

/*
 * VERIFY <account> <code>, from any connection as the draft allows; the
 * code is the account's alone, expires with the registration
 * ([accounts] verify_expire) and survives verify_attempts wrong guesses.
 */
HANDLER(m_verify)
{
	struct verification *v;

	if (sasl_relaying()) {
		send_fail(c, "VERIFY", "TEMPORARILY_UNAVAILABLE", m->argv[0],
		          "Accounts are kept by services here");
		return IRC_OK;
	}
	if (!connection_ok(c, "VERIFY"))
		return IRC_OK;
	if (!authlimit_take(c)) {
		send_fail(c, "VERIFY", "TEMPORARILY_UNAVAILABLE", m->argv[0],
		          "Too many attempts from your address; try again later");
		return IRC_OK;
	}
	v = xcalloc(1, sizeof(*v));
	if (account_find(m->argv[0], &v->a) != 0) {
		conn_charge(c->local->conn, 5);
		send_fail(c, "VERIFY", "INVALID_CODE", m->argv[0],
		          "No such account awaits verification");
		free(v);
		return IRC_OK;
	}
	if (v->a.verified) {
		send_fail(c, "VERIFY", "ALREADY_AUTHENTICATED", v->a.name,
		          "Account is already verified");
		free(v);
		return IRC_OK;
	}
	v->right = account_verify_code_matches(&v->a, m->argv[1]);
	v->limit = conf->accounts.verify_attempts;
	if (!v->right)
		conn_charge(c->local->conn, 5);
	client_job_submit(c, LANE_STORE, verify_work, verify_done, v);
	return IRC_OK;
}
