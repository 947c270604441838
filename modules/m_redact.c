/* m_redact.c - REDACT (IRCv3 draft/message-redaction). */
#include "state/channel.h"
#include "state/client.h"
#include "base/conf.h"
#include "store/history.h"
#include "modules/modules.h"
#include "proto/send.h"

HANDLER(m_redact)
{
	const char *target = m->argv[0];
	const char *reason = m->argc > 2 && m->argv[2][0] ? m->argv[2] : NULL;
	int is_op = 0;

	if (!history_enabled()) {
		send_fail(c, "REDACT", "REDACT_FORBIDDEN", target,
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
	} else if (c->account == NULL || !nick_valid(target, conf->limits.nicklen)) {
		send_fail(c, "REDACT", "INVALID_TARGET", target, "No such target");
		return IRC_OK;
	}
	history_redact(c, target, m->argv[1], reason, is_op);
	return IRC_OK;
}
