/* m_oper.c - OPER: operator login by password (hashed off the loop) and/or certfp. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/conf.h"
#include "base/match.h"
#include "base/passwd.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/clientjob.h"
#include "proto/numeric.h"
#include "proto/oper.h"
#include "proto/send.h"
#include "proto/snomask.h"
#include "state/client.h"
#include "state/local.h"

/* A password check in flight (proto/clientjob.h holds the client's input). */
struct oper_check {
	char *block;
	char *password;
	char *hash;
	int ok;
};

static int
host_allowed(const struct client *c, const struct conf_oper *o)
{
	char uh[USERLEN + HOSTLEN + 2], ui[USERLEN + 64];
	char *masks = xstrdup(o->masks), *cursor = masks, *mask;
	int ok = 0;

	snprintf(uh, sizeof(uh), "%s@%s", c->user, c->realhost);
	snprintf(ui, sizeof(ui), "%s@%s", c->user, c->ip);
	while (!ok && (mask = strsep(&cursor, " ,")) != NULL)
		ok = *mask != '\0' && (mask_match(mask, uh) || mask_match(mask, ui));
	free(masks);
	return ok;
}

static void
oper_failed(struct client *c, const char *block, const char *why)
{
	reply(c, ERR_PASSWDMISMATCH, ":Password incorrect");
	snomask_send(SNO_OPER, "Failed OPER attempt as %s by %s (%s@%s): %s", block, c->nick,
	             c->user, c->host, why);
}

static void
check_free(struct oper_check *chk)
{
	OPENSSL_cleanse(chk->password, strlen(chk->password));
	free(chk->block);
	free(chk->password);
	free(chk->hash);
	free(chk);
}

static void
check_work(void *arg)
{
	struct oper_check *chk = arg;

	chk->ok = passwd_verify(chk->password, chk->hash);
}

static void
check_done(struct client *c, void *arg)
{
	struct oper_check *chk = arg;
	const struct conf_oper *o = config_find_oper(conf, chk->block);

	if (c != NULL) {
		c->local->flags &= ~LOCAL_OPER_PENDING;
		if (o == NULL)
			oper_failed(c, chk->block, "the block was removed by a rehash");
		else if (chk->ok)
			oper_up(c, o);
		else
			oper_failed(c, chk->block, "wrong password");
	}
	check_free(chk);
}

HANDLER(m_oper)
{
	const struct conf_oper *o = config_find_oper(conf, m->argv[0]);
	struct oper_check *chk;

	if (c->local->flags & LOCAL_OPER_PENDING)
		return IRC_OK;
	if (o == NULL || !host_allowed(c, o)) {
		reply(c, ERR_NOOPERHOST,
		      ":No appropriate operator blocks were found for your host");
		snomask_send(SNO_OPER,
		             "Failed OPER attempt as %s by %s (%s@%s): no matching block",
		             m->argv[0], c->nick, c->user, c->host);
		return IRC_OK;
	}
	if (o->certfp != NULL && (c->certfp == NULL || strcasecmp(c->certfp, o->certfp) != 0)) {
		oper_failed(c, o->name, "certificate fingerprint mismatch");
		return IRC_OK;
	}
	if (o->password == NULL) {
		oper_up(c, o);
		return IRC_OK;
	}
	chk = xcalloc(1, sizeof(*chk));
	chk->block = xstrdup(o->name);
	chk->password = xstrdup(m->argc > 1 ? m->argv[1] : "");
	chk->hash = xstrdup(o->password);
	if (client_job_submit(c, LANE_OPER, check_work, check_done, chk) != 0) {
		reply(c, ERR_PASSWDMISMATCH, ":Password check busy; try again later");
		check_free(chk);
		return IRC_OK;
	}
	c->local->flags |= LOCAL_OPER_PENDING;
	return IRC_OK;
}
