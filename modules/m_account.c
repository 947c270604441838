/* m_account.c - ACCOUNT PASSWORD | DROP | CERT ADD/DEL: managing one's account. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/conf.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/clientjob.h"
#include "proto/login.h"
#include "proto/send.h"
#include "state/client.h"
#include "store/account.h"
#include "store/history.h"

/* A password change: new credentials are made on the crypto lane, stored on the store lane. */
struct password_change {
	char account[ACCOUNT_NAME_MAX + 1];
	char password[256];
	struct credentials cr;
	int made;
	int stored;
};

static void
change_work(void *arg)
{
	struct password_change *pc = arg;

	pc->made = credentials_make(pc->password, &pc->cr) == 0;
}

static void
change_store_work(void *arg)
{
	struct password_change *pc = arg;

	pc->stored = account_set_credentials(pc->account, &pc->cr) == 0;
}

static void
change_free(struct password_change *pc)
{
	OPENSSL_cleanse(pc, sizeof(*pc));
	free(pc);
}

static void
change_stored(struct client *c, void *arg)
{
	struct password_change *pc = arg;

	if (c != NULL && pc->stored)
		send_note(c, "ACCOUNT", "PASSWORD_CHANGED", pc->account, "Password changed");
	else if (c != NULL)
		send_fail(c, "ACCOUNT", "TEMPORARILY_UNAVAILABLE", pc->account,
		          "Password not changed; try again later");
	change_free(pc);
}

static void
change_done(struct client *c, void *arg)
{
	struct password_change *pc = arg;

	if (c != NULL && pc->made) {
		client_job_submit(c, LANE_STORE, change_store_work, change_stored, pc);
		return;
	}
	change_stored(c, pc);
}

static void
account_password(struct client *c, const char *password)
{
	struct password_change *pc;

	if (strlen(password) < conf->accounts.min_password) {
		send_fail(c, "ACCOUNT", "WEAK_PASSWORD", c->account,
		          "Password must have at least %u characters",
		          conf->accounts.min_password);
		return;
	}
	pc = xcalloc(1, sizeof(*pc));
	str_copy(pc->account, c->account, sizeof(pc->account));
	str_copy(pc->password, password, sizeof(pc->password));
	if (client_job_submit(c, LANE_CRYPTO, change_work, change_done, pc) != 0) {
		send_fail(c, "ACCOUNT", "TEMPORARILY_UNAVAILABLE", pc->account,
		          "Too many password changes at once; try again later");
		change_free(pc);
	}
}

/* An account change on the store lane: name, and a certificate for CERT. */
struct account_write {
	char name[ACCOUNT_NAME_MAX + 1];
	char certfp[129];
	int add;
	int ok;
};

static struct account_write *
account_write_new(const char *name, const char *certfp, int add)
{
	struct account_write *w = xcalloc(1, sizeof(*w));

	str_copy(w->name, name, sizeof(w->name));
	str_copy(w->certfp, certfp ? certfp : "", sizeof(w->certfp));
	w->add = add;
	return w;
}

static void
drop_work(void *arg)
{
	struct account_write *w = arg;

	w->ok = account_drop(w->name) == 0;
}

static void
drop_done(struct client *c, void *arg)
{
	struct account_write *w = arg;

	if (c != NULL && !w->ok) {
		send_fail(c, "ACCOUNT", "TEMPORARILY_UNAVAILABLE", w->name,
		          "Account not dropped");
	} else if (c != NULL) {
		/* Whoever registers the name later must not inherit its past. */
		history_forget_account(w->name);
		markread_forget_account(w->name);
		account_logout(c);
		send_note(c, "ACCOUNT", "DROPPED", w->name, "Account dropped");
	}
	free(w);
}

static void
account_drop_self(struct client *c, const char *confirm)
{
	if (strcasecmp(confirm, c->account) != 0) {
		send_fail(c, "ACCOUNT", "INVALID_PARAMS", c->account,
		          "Confirm with ACCOUNT DROP %s", c->account);
		return;
	}
	client_job_submit(c, LANE_STORE, drop_work, drop_done,
	                  account_write_new(c->account, NULL, 0));
}

static void
cert_work(void *arg)
{
	struct account_write *w = arg;

	w->ok = (w->add ? account_cert_add(w->name, w->certfp)
	                : account_cert_del(w->name, w->certfp)) == 0;
}

static void
cert_done(struct client *c, void *arg)
{
	struct account_write *w = arg;

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
	if (c->certfp == NULL) {
		send_fail(c, "ACCOUNT", "NO_CERTIFICATE", c->account,
		          "Connect with a TLS client certificate first");
		return;
	}
	if (strcasecmp(op, "ADD") == 0 || strcasecmp(op, "DEL") == 0)
		client_job_submit(
		    c, LANE_STORE, cert_work, cert_done,
		    account_write_new(c->account, c->certfp, strcasecmp(op, "ADD") == 0));
	else
		send_fail(c, "ACCOUNT", "INVALID_PARAMS", c->account,
		          "ACCOUNT CERT ADD or DEL (the certificate you connected with)");
}

HANDLER(m_account)
{
	const char *sub = m->argv[0];

	if (c->account == NULL) {
		send_fail(c, "ACCOUNT", "ACCOUNT_REQUIRED", "*", "You are not logged in");
		return IRC_OK;
	}
	if (strcasecmp(sub, "PASSWORD") == 0 && m->argc > 1)
		account_password(c, m->argv[1]);
	else if (strcasecmp(sub, "DROP") == 0 && m->argc > 1)
		account_drop_self(c, m->argv[1]);
	else if (strcasecmp(sub, "CERT") == 0 && m->argc > 1)
		account_cert(c, m->argv[1]);
	else
		send_fail(c, "ACCOUNT", "INVALID_PARAMS", "*",
		          "ACCOUNT PASSWORD <new> | DROP <account> | CERT ADD|DEL");
	return IRC_OK;
}
