/* login.c - a user logs in or out: 900/901, account-notify, stored metadata. */
#include <stdlib.h>

#include "base/casemap.h"
#include "base/util.h"
#include "net/conn.h"
#include "proto/cap.h"
#include "proto/clientjob.h"
#include "proto/login.h"
#include "proto/metasync.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "proto/session.h"
#include "state/client.h"
#include "state/local.h"
#include "store/account.h"
#include "store/metastore.h"

/* A key the account had stored: subscribers hear of it once c is a user. */
static void
metadata_loaded(struct client *c, const char *key, const char *value)
{
	metasync_notify(NULL, c, NULL, key, value);
}

static void
account_announce(struct client *c)
{
	struct outmsg *om = msg_from(c, "ACCOUNT %s", c->account ? c->account : "*");

	send_common_ext(c, om, 0, CAP_ACCOUNT_NOTIFY);
	msg_release(om);
}

void
account_proceed(struct client *c, const char *name)
{
	free(c->account);
	c->account = name != NULL ? xstrdup(name) : NULL;
	/* Before registration (SASL) no channel or MONITOR knows c: no one to tell. */
	if (c->registered)
		account_announce(c);
}

/* "nick!user@host" once both are known, else "*": 900 and 901 start so. */
static const char *
login_mask(const struct client *c, char *buf, size_t size)
{
	return c->nick[0] && c->user[0] ? client_mask(c, buf, size) : "*";
}

/* The account's stored metadata joins c's (c's input waits for it). */
static void
metadata_login_done(struct client *c, void *arg)
{
	char *name = arg;

	if (c != NULL && c->account != NULL && irc_strcmp(c->account, name) == 0)
		metastore_login(c, metadata_loaded);
	free(name);
}

void
account_login(struct client *c, const char *name, long long id)
{
	char mask[NICKLEN_MAX + USERLEN + HOSTLEN + 3];

	account_proceed(c, name);
	c->local->account_id = id;
	reply(c, RPL_LOGGEDIN, "%s %s :You are now logged in as %s",
	      login_mask(c, mask, sizeof(mask)), name, name);
	/* Read once the writes queued before are in (a CLEAR from another session). */
	if (worker_lane_idle(LANE_STORE))
		metastore_login(c, metadata_loaded);
	else
		client_after_writes(c, metadata_login_done, xstrdup(name));
	session_logged_in(c);
}

void
account_logout(struct client *c)
{
	char mask[NICKLEN_MAX + USERLEN + HOSTLEN + 3];

	if (c->account == NULL)
		return;
	account_proceed(c, NULL);
	if (c->local != NULL)
		c->local->account_id = 0;
	reply(c, RPL_LOGGEDOUT, "%s :You are now logged out",
	      login_mask(c, mask, sizeof(mask)));
}

void
account_logout_all(long long id, const struct client *except, void (*then)(struct client *c))
{
	struct conn *cn;

	/* Every connection, registered or not: SASL logs in before registration. */
	TAILQ_FOREACH (cn, &conns, link) {
		struct client *c = cn->client;
		if (c == NULL || c == except || c->local == NULL ||
		    c->local->account_id != id || cn->state == CONN_CLOSING)
			continue;
		account_logout(c);
		if (then != NULL)
			then(c);
	}
}

int
account_session_valid(struct client *c)
{
	if (c->account == NULL)
		return 0;
	if (c->local == NULL || c->local->account_id == 0)
		return 1; /* an account of the services: theirs to end */
	if (account_id_exists(c->local->account_id))
		return 1;
	account_logout(c);
	return 0;
}
