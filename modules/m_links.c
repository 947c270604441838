/* m_links.c - LINKS: every server of the network, in tree order (364/365). */
#include <stddef.h>

#include "base/match.h"
#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/parse.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/server.h"

/* s, then what it introduced, depth first. */
static void
links_walk(struct client *c, const struct server *s, const char *mask)
{
	const struct server *child;

	if (mask == NULL || mask_match(mask, s->name))
		reply(c, RPL_LINKS, "%s %s :%u %s", s->name,
		      s->uplink ? s->uplink->name : me.name, s->hopcount,
		      s->description ? s->description : "");
	LIST_FOREACH (child, &s->children, sibling)
		links_walk(c, child, mask);
}

/* LINKS [<mask>] (a remote server as the first of two parameters is not supported) */
HANDLER(m_links)
{
	const char *mask = m->argc > 0 ? m->argv[m->argc - 1] : NULL;

	if (mask != NULL && (mask[0] == '\0' || (mask[0] == '*' && mask[1] == '\0')))
		mask = NULL;
	links_walk(c, &me, mask);
	reply(c, RPL_ENDOFLINKS, "%s :End of /LINKS list.", mask ? param_word(mask) : "*");
	return IRC_OK;
}
