/* m_map.c - MAP: the server tree with user counts (015/017, as hybrid and solanum). */
#include <stdio.h>
#include <string.h>

#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/server.h"

#define MAP_COLUMN 50 /* where the dashes end and " | Users" starts */
#define MAP_INDENT 3  /* each level: "|- " or "`- " */
#define MAP_DEPTH 40  /* deeper levels are listed at this indent */

/*
 * One line per server: prefix (the tree drawn so far), the server, its
 * users; then its children with the prefix carried on.
 */
static void
map_walk(struct client *c, const struct server *s, char *prefix, size_t plen, int last,
         unsigned total)
{
	char line[MAP_DEPTH * MAP_INDENT + SERVLEN + SIDLEN + MAP_COLUMN];
	char name[SERVLEN + SIDLEN + 4];
	const char *branch = last ? "`- " : "|- ";
	const struct server *child;
	size_t n, child_len = plen;

	snprintf(name, sizeof(name), "%s[%s]", s->name, s->sid);
	n = (size_t)snprintf(line, sizeof(line), "%.*s%s%s ", (int)plen, prefix,
	                     s == &me ? "" : branch, name);
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	while (n < MAP_COLUMN && n + 1 < sizeof(line))
		line[n++] = '-';
	line[n] = '\0';
	reply(c, RPL_MAP, ":%s | Users: %5u (%4.1f%%)", line, s->users,
	      total ? 100.0 * s->users / total : 0.0);
	if (s != &me && plen + MAP_INDENT <= MAP_DEPTH * MAP_INDENT) {
		memcpy(prefix + plen, last ? "   " : "|  ", MAP_INDENT);
		child_len = plen + MAP_INDENT;
	}
	LIST_FOREACH (child, &s->children, sibling)
		map_walk(c, child, prefix, child_len, LIST_NEXT(child, sibling) == NULL, total);
}

/* MAP */
HANDLER(m_map)
{
	char prefix[MAP_DEPTH * MAP_INDENT + 1];

	(void)m;
	map_walk(c, &me, prefix, 0, 1, client_count_global());
	reply(c, RPL_MAPEND, ":End of /MAP");
	return IRC_OK;
}
