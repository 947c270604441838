/* m_authenticate.c - AUTHENTICATE: SASL, before or after registration. */
#include "cap.h"
#include "client.h"
#include "conn.h"
#include "modules.h"
#include "numeric.h"
#include "sasl.h"
#include "send.h"

HANDLER(m_authenticate)
{
	if (!c->registered && !(c->conn->caps & CAP_SASL)) {
		reply(c, ERR_SASLFAIL,
		      ":SASL authentication failed: request the sasl capability");
		return IRC_OK;
	}
	sasl_authenticate(c, m->argv[0]);
	return IRC_OK;
}
