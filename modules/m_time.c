/* m_time.c - TIME: the server's clock. */
#include <time.h>

#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/server.h"

HANDLER(m_time)
{
	char buf[64];
	struct tm tm;

	if (m->argc > 0 && route_query(c, "TIME", m->argv[0], NULL))
		return IRC_OK;
	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%A %B %d %Y -- %H:%M:%S +00:00", &tm);
	reply(c, RPL_TIME, "%s %lld 0 :%s", me.name, (long long)now, buf);
	return IRC_OK;
}
