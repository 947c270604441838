/* m_account.c - ACCOUNT PASSWORD | DROP | CERT ADD/DEL: managing one's account. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/conf.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "net/worker.h"
#include "proto/login.h"
#include "proto/send.h"
#include "state/client.h"
#include "store/account.h"
#include "store/history.h"

/* A password change: new credentials are made on the worker. */
struct password_change {
	char uid[UIDLEN + 1];
	char account[ACCOUNT_NAME_MAX + 1];
	char password[256];
	struct credentials cr;
	int made;
};

static void
change_work(void *arg)
{
	struct password_change *pc = arg;

	pc->made = credentials_make(pc->password, &pc->cr) == 0;
}

static void
change_done(void *arg)
{
	struct password_change *pc = arg;
	struct client *c = strmap_get(&clients_by_uid, pc->uid);

	if (pc->made && account_set_credentials(pc->account, &pc->cr) == 0) {
		if (c != NULL)
			send_note(c, "ACCOUNT", "PASSWORD_CHANGED", pc->account,
			          "Password changed");
	} else if (c != NULL) {
		send_fail(c, "ACCOUNT", "TEMPORARILY_UNAVAILABLE", pc->account,
		          "Password not changed; try again later");
	}
	OPENSSL_cleanse(pc, sizeof(*pc));
	free(pc);
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
	str_copy(pc->uid, c->uid, sizeof(pc->uid));
	str_copy(pc->account, c->account, sizeof(pc->account));
	str_copy(pc->password, password, sizeof(pc->password));
	worker_submit(change_work, change_done, pc);
}

static void
account_drop_self(struct client *c, const char *confirm)
{
	char name[ACCOUNT_NAME_MAX + 1];

	if (strcasecmp(confirm, c->account) != 0) {
		send_fail(c, "ACCOUNT", "INVALID_PARAMS", c->account,
		          "Confirm with ACCOUNT DROP %s", c->account);
		return;
	}
	str_copy(name, c->account, sizeof(name));
	if (account_drop(name) != 0) {
		send_fail(c, "ACCOUNT", "TEMPORARILY_UNAVAILABLE", name, "Account not dropped");
		return;
	}
	/* Whoever registers the name later must not inherit its past. */
	history_forget_account(name);
	markread_forget_account(name);
	account_logout(c);
	send_note(c, "ACCOUNT", "DROPPED", name, "Account dropped");
}

static void
account_cert(struct client *c, const char *op)
{
	if (c->certfp == NULL) {
		send_fail(c, "ACCOUNT", "NO_CERTIFICATE", c->account,
		          "Connect with a TLS client certificate first");
		return;
	}
	if (strcasecmp(op, "ADD") == 0 && account_cert_add(c->account, c->certfp) == 0)
		send_note(c, "ACCOUNT", "CERT_ADDED", c->account, "Certificate %s added",
		          c->certfp);
	else if (strcasecmp(op, "DEL") == 0 && account_cert_del(c->account, c->certfp) == 0)
		send_note(c, "ACCOUNT", "CERT_REMOVED", c->account, "Certificate %s removed",
		          c->certfp);
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
