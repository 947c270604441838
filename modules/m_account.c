/* m_account.c - ACCOUNT PASSWORD | DROP | CERT ADD/DEL: managing one's account. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/conf.h"
#include "base/passwd.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/clientjob.h"
#include "proto/login.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/local.h"
#include "store/account.h"
#include "store/history.h"

/*
 * PASSWORD and DROP prove the current password first, on the crypto lane
 * (a session left logged in somewhere cannot take the account over), then
 * write on the store lane; the client's input waits for both.
 */
enum account_op { OP_PASSWORD, OP_DROP };

struct account_job {
	enum account_op op;
	long long id; /* the account, as the session knew it */
	char account[ACCOUNT_NAME_MAX + 1];
	char current[256];
	char hash[PASSWD_HASH_MAX];
	char password[256]; /* the new one (PASSWORD) */
	struct credentials cr;
	int proved; /* current matched hash */
	int made;   /* cr holds the new credentials */
	int stored; /* the store lane wrote the change */
};

static void
account_job_free(struct account_job *job)
{
	OPENSSL_cleanse(job, sizeof(*job));
	free(job);
}

static void
account_job_work(void *arg)
{
	struct account_job *job = arg;

	job->proved = passwd_verify(job->current, job->hash);
	if (job->proved && job->op == OP_PASSWORD)
		job->made = credentials_make(job->password, &job->cr) == 0;
}

/* A session logged out by someone else's change: its nick may be protected now. */
static void
logged_out_elsewhere(struct client *c)
{
	if (c->registered)
		nick_protect_check(c);
}

static void
account_write_work(void *arg)
{
	struct account_job *job = arg;

	job->stored = (job->op == OP_PASSWORD ? account_set_credentials(job->id, &job->cr)
	                                      : account_drop(job->id)) == 0;
}

/* Written: whoever knew the old password, or held the dropped account, is out. */
static void
account_write_done(struct client *c, void *arg)
{
	struct account_job *job = arg;

	if (c != NULL && !job->stored) {
		send_fail(c, "ACCOUNT", "TEMPORARILY_UNAVAILABLE", job->account,
		          job->op == OP_PASSWORD ? "Password not changed; try again later"
		                                 : "Account not dropped");
	} else if (job->stored && job->op == OP_PASSWORD) {
		/* This session proved the old password: it stays. */
		account_logout_all(job->id, c, logged_out_elsewhere);
		if (c != NULL)
			send_note(c, "ACCOUNT", "PASSWORD_CHANGED", job->account,
			          "Password changed");
	} else if (job->stored) {
		/* Whoever registers the name later must not inherit its past. */
		history_forget_account(job->account);
		markread_forget_account(job->account);
		if (c != NULL)
			send_note(c, "ACCOUNT", "DROPPED", job->account, "Account dropped");
		account_logout_all(job->id, NULL, logged_out_elsewhere);
	}
	account_job_free(job);
}

static void
account_job_done(struct client *c, void *arg)
{
	struct account_job *job = arg;

	if (c == NULL) {
		account_job_free(job);
	} else if (c->local->account_id != job->id || !account_session_valid(c)) {
		send_fail(c, "ACCOUNT", "ACCOUNT_REQUIRED", job->account,
		          "You are no longer logged in to %s", job->account);
		account_job_free(job);
	} else if (!job->proved) {
		conn_charge(c->local->conn, 5);
		send_fail(c, "ACCOUNT", "INVALID_CREDENTIALS", job->account,
		          "The current password is wrong");
		account_job_free(job);
	} else if (job->op == OP_PASSWORD && !job->made) {
		send_fail(c, "ACCOUNT", "TEMPORARILY_UNAVAILABLE", job->account,
		          "Password not changed; try again later");
		account_job_free(job);
	} else {
		client_job_submit(c, LANE_STORE, account_write_work, account_write_done, job);
	}
}

static void
account_job_start(struct client *c, enum account_op op, const char *current,
                  const char *password)
{
	struct account a;
	struct account_job *job;

	if (account_find_id(c->local->account_id, &a) != 0) {
		send_fail(c, "ACCOUNT", "TEMPORARILY_UNAVAILABLE", c->account,
		          "Account not found; try again later");
		return;
	}
	job = xcalloc(1, sizeof(*job));
	job->op = op;
	job->id = a.id;
	str_copy(job->account, a.name, sizeof(job->account));
	str_copy(job->current, current, sizeof(job->current));
	str_copy(job->hash, a.password, sizeof(job->hash));
	if (password != NULL)
		str_copy(job->password, password, sizeof(job->password));
	if (client_job_submit(c, LANE_CRYPTO, account_job_work, account_job_done, job) != 0) {
		send_fail(c, "ACCOUNT", "TEMPORARILY_UNAVAILABLE", job->account,
		          "Too many password checks at once; try again later");
		account_job_free(job);
	}
}

static void
account_password(struct client *c, const char *password, const char *current)
{
	if (strlen(password) < conf->accounts.min_password) {
		send_fail(c, "ACCOUNT", "WEAK_PASSWORD", c->account,
		          "Password must have at least %u characters",
		          conf->accounts.min_password);
		return;
	}
	account_job_start(c, OP_PASSWORD, current, password);
}

static void
account_drop_self(struct client *c, const char *confirm, const char *current)
{
	if (strcasecmp(confirm, c->account) != 0) {
		send_fail(c, "ACCOUNT", "INVALID_PARAMS", c->account,
		          "Confirm with ACCOUNT DROP %s <password>", c->account);
		return;
	}
	account_job_start(c, OP_DROP, current, NULL);
}

/* ACCOUNT CERT on the store lane: the name and the certificate. */
struct cert_write {
	char name[ACCOUNT_NAME_MAX + 1];
	char certfp[129];
	int add;
	int ok;
};

static void
cert_work(void *arg)
{
	struct cert_write *w = arg;

	w->ok = (w->add ? account_cert_add(w->name, w->certfp)
	                : account_cert_del(w->name, w->certfp)) == 0;
}

static void
cert_done(struct client *c, void *arg)
{
	struct cert_write *w = arg;

	if (c != NULL && w->ok && w->add)
		send_note(c, "ACCOUNT", "CERT_ADDED", w->name, "Certificate %s added",
		          w->certfp);
	else if (c != NULL && w->ok)
		send_note(c, "ACCOUNT", "CERT_REMOVED", w->name, "Certificate %s removed",
		          w->certfp);
	else if (c != NULL)
		send_fail(c, "ACCOUNT", "INVALID_PARAMS", w->name,
		          "ACCOUNT CERT ADD or DEL (the certificate you connected with)");
	free(w);
}

static void
account_cert(struct client *c, const char *op)
{
	struct cert_write *w;

	if (c->certfp == NULL) {
		send_fail(c, "ACCOUNT", "NO_CERTIFICATE", c->account,
		          "Connect with a TLS client certificate first");
		return;
	}
	if (strcasecmp(op, "ADD") != 0 && strcasecmp(op, "DEL") != 0) {
		send_fail(c, "ACCOUNT", "INVALID_PARAMS", c->account,
		          "ACCOUNT CERT ADD or DEL (the certificate you connected with)");
		return;
	}
	w = xcalloc(1, sizeof(*w));
	str_copy(w->name, c->account, sizeof(w->name));
	str_copy(w->certfp, c->certfp, sizeof(w->certfp));
	w->add = strcasecmp(op, "ADD") == 0;
	client_job_submit(c, LANE_STORE, cert_work, cert_done, w);
}

HANDLER(m_account)
{
	const char *sub = m->argv[0];

	if (!account_session_valid(c)) {
		send_fail(c, "ACCOUNT", "ACCOUNT_REQUIRED", "*", "You are not logged in");
		return IRC_OK;
	}
	if (c->local->account_id == 0) {
		send_fail(c, "ACCOUNT", "TEMPORARILY_UNAVAILABLE", c->account,
		          "Accounts are kept by services here");
		return IRC_OK;
	}
	if (strcasecmp(sub, "PASSWORD") == 0 && m->argc > 2)
		account_password(c, m->argv[1], m->argv[2]);
	else if (strcasecmp(sub, "DROP") == 0 && m->argc > 2)
		account_drop_self(c, m->argv[1], m->argv[2]);
	else if (strcasecmp(sub, "CERT") == 0 && m->argc > 1)
		account_cert(c, m->argv[1]);
	else
		send_fail(c, "ACCOUNT", "INVALID_PARAMS", "*",
		          "ACCOUNT PASSWORD <new> <current> | DROP <account> <password> | "
		          "CERT ADD|DEL");
	return IRC_OK;
}
