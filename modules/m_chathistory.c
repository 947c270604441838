/* m_chathistory.c - CHATHISTORY (IRCv3 draft/chathistory). */
#include <string.h>
#include <strings.h>

#include "base/conf.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/login.h"
#include "proto/cap.h"
#include "proto/history_replay.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "store/history.h"

static const struct {
	const char *name;
	enum history_query_kind kind;
	int refs; /* how many references before the limit */
} subcommands[] = {
    {"LATEST", HQ_LATEST, 1}, {"BEFORE", HQ_BEFORE, 1},   {"AFTER", HQ_AFTER, 1},
    {"AROUND", HQ_AROUND, 1}, {"BETWEEN", HQ_BETWEEN, 2}, {"TARGETS", HQ_TARGETS, 2},
};

/*
 * May c read the history of target now?  A channel's past is for its
 * members; private history is between accounts, so it needs a login.
 */
static int
allowed(struct client *c, const char *target)
{
	struct channel *ch;

	if (target[0] != '#')
		return account_session_valid(c) && nick_valid(target, conf->limits.nicklen);
	ch = channel_find(target);
	return ch != NULL && channel_member(ch, c) != NULL;
}

HANDLER(m_chathistory)
{
	struct history_ref refs[2];
	const char *target = NULL;
	long limit;
	int i, argi = 1, sub = -1;

	for (i = 0; i < (int)ARRAY_LEN(subcommands); i++)
		if (strcasecmp(m->argv[0], subcommands[i].name) == 0)
			sub = i;
	if (!history_enabled()) {
		send_fail(c, "CHATHISTORY", "MESSAGE_ERROR", "*", "History is disabled");
		return IRC_OK;
	}
	/* The replies are batches of tagged lines: only for clients that asked. */
	if (!(c->local->caps & CAP_CHATHISTORY)) {
		send_fail(c, "CHATHISTORY", "NEED_CAPABILITY", "*",
		          "Enable the draft/chathistory capability first");
		return IRC_OK;
	}
	if (sub < 0) {
		send_fail(c, "CHATHISTORY", "INVALID_PARAMS", m->argv[0], "Unknown subcommand");
		return IRC_OK;
	}
	if (subcommands[sub].kind != HQ_TARGETS)
		target = m->argc > argi ? m->argv[argi++] : NULL;
	if (m->argc < argi + subcommands[sub].refs + 1) {
		send_fail(c, "CHATHISTORY", "INVALID_PARAMS", m->argv[0],
		          "Not enough parameters");
		return IRC_OK;
	}
	if (target != NULL && !allowed(c, target)) {
		send_fail(c, "CHATHISTORY", "INVALID_TARGET", m->argv[0], "%s", target);
		return IRC_OK;
	}
	for (i = 0; i < subcommands[sub].refs; i++) {
		if (history_ref_parse(m->argv[argi + i], &refs[i]) != 0 ||
		    (refs[i].kind == 0 && subcommands[sub].kind != HQ_LATEST) ||
		    (subcommands[sub].kind == HQ_TARGETS && refs[i].kind != 2)) {
			send_fail(c, "CHATHISTORY", "INVALID_PARAMS", m->argv[argi + i],
			          "Invalid message reference");
			return IRC_OK;
		}
	}
	if (str_to_long(m->argv[argi + subcommands[sub].refs], 1, 1000000, &limit) != 0) {
		send_fail(c, "CHATHISTORY", "INVALID_PARAMS",
		          m->argv[argi + subcommands[sub].refs], "Invalid limit");
		return IRC_OK;
	}
	if (limit > HISTORY_QUERY_MAX)
		limit = HISTORY_QUERY_MAX;
	/* TARGETS lists private conversations too: only a live login's. */
	if (subcommands[sub].kind == HQ_TARGETS && c->account != NULL)
		account_session_valid(c);
	history_replay(c, subcommands[sub].kind, target ? target : "*", &refs[0],
	               subcommands[sub].refs > 1 ? &refs[1] : NULL, (int)limit);
	return IRC_OK;
}
