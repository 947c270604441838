/* login.c - a user logs in or out: 900/901, account-notify, stored metadata. */
#include <stdlib.h>

#include "base/util.h"
#include "proto/cap.h"
#include "proto/login.h"
#include "proto/metasync.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"
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
account_login(struct client *c, const char *name)
{
	char mask[NICKLEN_MAX + USERLEN + HOSTLEN + 3];

	free(c->account);
	c->account = xstrdup(name);
	reply(c, RPL_LOGGEDIN, "%s %s :You are now logged in as %s",
	      c->nick[0] && c->user[0] ? client_mask(c, mask, sizeof(mask)) : "*", name, name);
	if (c->registered)
		account_announce(c);
	metastore_login(c, metadata_loaded);
}

void
account_logout(struct client *c)
{
	char mask[NICKLEN_MAX + USERLEN + HOSTLEN + 3];

	if (c->account == NULL)
		return;
	free(c->account);
	c->account = NULL;
	reply(c, RPL_LOGGEDOUT, "%s :You are now logged out",
	      c->nick[0] && c->user[0] ? client_mask(c, mask, sizeof(mask)) : "*");
	if (c->registered)
		account_announce(c);
}
