/* source.c - a change's source, a user or a server, as the lines it makes show it. */
#include <stdarg.h>
#include <stdio.h>

#include "base/bounds.h"
#include "modules/modules.h"
#include "proto/history_record.h"
#include "proto/link.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/server.h"

struct outmsg *
source_msg(const struct source *src, const char *fmt, ...)
{
	char body[OUT_LINE_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	if (src->client != NULL)
		return msg_from(src->client, "%s", body);
	return msg_build(":%s %s", src->server->name, body);
}

const char *
source_mask(const struct source *src, char *buf, size_t size)
{
	if (src->client != NULL)
		return client_mask(src->client, buf, size);
	str_copy(buf, src->server->name, size);
	return buf;
}

void
source_history(const struct channel *ch, const struct source *src, const char *cmd,
               struct outmsg *om)
{
	/* A history entry names a client (its UID): a server has none. */
	if (src->client != NULL)
		history_record_channel(ch, src->client, cmd, om);
}

const char *
source_id(const struct source *src)
{
	return src->client != NULL ? src->client->uid : src->server->sid;
}

struct link *
source_link(const struct source *src)
{
	return src->client != NULL ? link_of_client(src->client) : link_of_server(src->server);
}
