/* m_redact.c - REDACT (IRCv3 draft/message-redaction). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "modules/modules.h"
#include "proto/batch.h"
#include "proto/login.h"
#include "proto/cap.h"
#include "proto/clientjob.h"
#include "proto/parse.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "store/history.h"

/* A REDACT waiting for the history lane's look at the line. */
struct redact_request {
	struct client_wait *wait; /* the client's input waits for the answer */
	char target[CHANNELLEN_MAX + 1];
	char msgid[32];
	char *reason;
	char label[LABEL_MAX + 1]; /* the command's, when the lane answers later */
};

/* Longer than any msgid this server gives: no such message, whatever it is. */
#define MSGID_MAX 24

/* The redaction, to those who saw the line and can understand it. */
static void
redact_relay(struct client *c, const struct redact_request *rr)
{
	struct outmsg *om =
	    rr->reason ? msg_from(c, "REDACT %s %s :%s", rr->target, rr->msgid, rr->reason)
	               : msg_from(c, "REDACT %s %s", rr->target, rr->msgid);

	if (rr->target[0] == '#') {
		struct channel *ch = channel_find(rr->target);
		if (ch != NULL)
			send_channel_filtered(ch, NULL, om, 0, CAP_MESSAGE_REDACTION, 0);
	} else {
		struct client *other = client_find_nick(rr->target);
		if (other != NULL && client_has_cap(other, CAP_MESSAGE_REDACTION))
			send_msg(other, om);
		if (client_has_cap(c, CAP_MESSAGE_REDACTION))
			send_msg(c, om);
	}
	msg_release(om);
}

/* "FAIL REDACT CODE <target> <msgid> :text", as the spec lays the errors out. */
static void
redact_fail(struct client *c, const char *code, const char *target, const char *msgid,
            const char *text)
{
	char context[2 * CHANNELLEN_MAX + 2];

	snprintf(context, sizeof(context), "%s %s", param_word(target), param_word(msgid));
	send_fail(c, "REDACT", code, context, "%s", text);
}

static void
redact_reply(struct client *c, const struct redact_request *rr, int found, int allowed)
{
	if (!found)
		redact_fail(c, "UNKNOWN_MSGID", rr->target, rr->msgid, "No such message");
	else if (!allowed)
		redact_fail(c, "REDACT_FORBIDDEN", rr->target, rr->msgid,
		            "You may only redact your own messages");
	else
		redact_relay(c, rr);
}

static void
redact_answer(void *arg, int found, int allowed)
{
	struct redact_request *rr = arg;
	struct client *c = client_wait_end(rr->wait);

	if (c != NULL) {
		/* Answered by the lane: under the label the command had. */
		int labeled = label_resume(c, rr->label);
		redact_reply(c, rr, found, allowed);
		if (labeled)
			label_end(c);
	}
	free(rr->reason);
	free(rr);
}

static void
redact(struct client *c, const char *target, const char *msgid, const char *reason, int is_op)
{
	struct redact_request *rr = xcalloc(1, sizeof(*rr));

	str_copy(rr->target, target, sizeof(rr->target));
	str_copy(rr->msgid, msgid, sizeof(rr->msgid));
	rr->reason = reason ? xstrdup(reason) : NULL;
	/*
	 * In the in-memory window it is answered now (the wait ends at once),
	 * else the lane answers later: c's input is held, and the label taken.
	 */
	rr->wait = client_wait_begin(c);
	if (history_redact(c, target, msgid, is_op, redact_answer, rr) == 0)
		label_take(c, rr->label, sizeof(rr->label));
}

HANDLER(m_redact)
{
	const char *target = m->argv[0];
	const char *msgid = m->argv[1];
	const char *reason = m->argc > 2 && m->argv[2][0] ? m->argv[2] : NULL;
	int is_op = 0;

	if (!history_enabled()) {
		redact_fail(c, "REDACT_FORBIDDEN", target, msgid,
		            "Messages cannot be redacted here");
		return IRC_OK;
	}
	if (target[0] == '#') {
		struct channel *ch = channel_find(target);
		struct membership *mem = ch ? channel_member(ch, c) : NULL;
		if (mem == NULL) {
			send_fail(c, "REDACT", "INVALID_TARGET", target,
			          "You are not on that channel");
			return IRC_OK;
		}
		is_op = (mem->flags & MEMBER_OP) != 0;
	} else if (!account_session_valid(c) || !nick_valid(target, conf->limits.nicklen)) {
		send_fail(c, "REDACT", "INVALID_TARGET", target, "No such target");
		return IRC_OK;
	}
	if (strlen(msgid) >= MSGID_MAX) {
		redact_fail(c, "UNKNOWN_MSGID", target, msgid, "No such message");
		return IRC_OK;
	}
	redact(c, target, msgid, reason, is_op);
	return IRC_OK;
}
