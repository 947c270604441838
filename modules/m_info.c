/* m_info.c - INFO: about this software. */
#include <time.h>

#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/server.h"

static const char *const info_text[] = {
    "evircd - an event-driven IRC server",
    "",
    "Built on libev (the reactor), OpenSSL, c-ares, sqlite3 and inih.",
    "Protocol: RFC 1459/2812 as clarified by modern.ircdocs.horse,",
    "IRCv3 capability negotiation, TS6 identifiers for server links.",
    "",
    "Source, documentation and issue tracker: see doc/ in the distribution.",
};

HANDLER(m_info)
{
	char started[64];
	struct tm tm;

	if (m->argc > 0 && route_query(c, "INFO", m->argv[0], NULL))
		return IRC_OK;
	for (size_t i = 0; i < ARRAY_LEN(info_text); i++)
		reply(c, RPL_INFO, ":%s", info_text[i]);
	gmtime_r(&server_started, &tm);
	strftime(started, sizeof(started), "%Y-%m-%d %H:%M:%S UTC", &tm);
	reply(c, RPL_INFO, ":Version %s, running since %s", PACKAGE_VERSION, started);
	reply(c, RPL_ENDOFINFO, ":End of /INFO list.");
	return IRC_OK;
}
