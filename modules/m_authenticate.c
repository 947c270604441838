/* m_authenticate.c - AUTHENTICATE: SASL, before or after registration. */
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/authlimit.h"
#include "proto/cap.h"
#include "proto/numeric.h"
#include "proto/sasl.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/local.h"

HANDLER(m_authenticate)
{
	if (!c->registered && !(c->local->caps & CAP_SASL)) {
		reply(c, ERR_SASLFAIL,
		      ":SASL authentication failed: request the sasl capability");
		return IRC_OK;
	}
	/* Each mechanism started is an attempt: a password guess, or scrypt time. */
	if (!sasl_in_progress(c) && !authlimit_take(c)) {
		reply(c, ERR_SASLFAIL,
		      ":SASL authentication failed: too many attempts from your address; try "
		      "again later");
		return IRC_OK;
	}
	sasl_authenticate(c, m->argv[0]);
	return IRC_OK;
}
