/* m_lusers.c - LUSERS: user, operator, channel and server counts. */
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/link.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/server.h"

void
lusers_send(struct client *c)
{
	unsigned global = client_count_global();
	unsigned direct = links_up();
	unsigned known = me.users + direct;
	unsigned unknown = conns_count > known ? conns_count - known : 0;

	reply(c, RPL_LUSERCLIENT, ":There are %u users and %u invisible on %u servers",
	      global - clients_invisible, clients_invisible, server_count());
	if (clients_opers > 0)
		reply(c, RPL_LUSEROP, "%u :IRC Operators online", clients_opers);
	if (unknown > 0)
		reply(c, RPL_LUSERUNKNOWN, "%u :unknown connection(s)", unknown);
	if (channels.count > 0)
		reply(c, RPL_LUSERCHANNELS, "%zu :channels formed", channels.count);
	/* As hybrid counts them: the servers linked directly to this one. */
	reply(c, RPL_LUSERME, ":I have %u clients and %u servers", me.users, direct);
	reply(c, RPL_LOCALUSERS, "%u %u :Current local users %u, max %u", me.users,
	      clients_max_local, me.users, clients_max_local);
	reply(c, RPL_GLOBALUSERS, "%u %u :Current global users %u, max %u", global,
	      clients_max_global, global, clients_max_global);
}

/* LUSERS [mask [server]]: the mask is ignored (as hybrid does); the server answers. */
HANDLER(m_lusers)
{
	if (m->argc > 1 && route_query_last(c, "LUSERS", m->argv[0], m->argv[1]))
		return IRC_OK;
	lusers_send(c);
	return IRC_OK;
}
