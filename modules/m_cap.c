/* m_cap.c - CAP LS/LIST/REQ/END: IRCv3 capability negotiation. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "conn.h"
#include "modules.h"
#include "numeric.h"
#include "send.h"
#include "server.h"

struct capability {
	const char *name;
	uint32_t bit;
};

/* Every capability this server offers (value-less for now). */
static const struct capability caps[] = {
    {"multi-prefix", CAP_MULTI_PREFIX},
    {"userhost-in-names", CAP_USERHOST_IN_NAMES},
};

static const struct capability *
cap_find(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(caps); i++)
		if (strlen(caps[i].name) == len && strncasecmp(caps[i].name, name, len) == 0)
			return &caps[i];
	return NULL;
}

static void
cap_reply(struct client *c, const char *sub, const char *list)
{
	send_line(c, ":%s CAP %s %s :%s", me.name, client_name(c), sub, list);
}

/* The whole list fits one line while we offer few caps. */
static void
cap_list(struct client *c, const char *sub, uint32_t mask)
{
	char list[400] = "";
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_LEN(caps); i++)
		if (caps[i].bit & mask)
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
			                      n ? " " : "", caps[i].name);
	cap_reply(c, sub, list);
}

/* All or nothing, as the spec requires. */
static void
cap_req(struct client *c, char *req)
{
	uint32_t add = 0, del = 0;
	char *p = req;

	while (*p != '\0') {
		char *end = p + strcspn(p, " ");
		int remove = *p == '-';
		const struct capability *cap = cap_find(p + remove, (size_t)(end - p - remove));
		if (cap == NULL) {
			cap_reply(c, "NAK", req);
			return;
		}
		if (remove)
			del |= cap->bit;
		else
			add |= cap->bit;
		p = end + strspn(end, " ");
	}
	c->conn->caps = (c->conn->caps | add) & ~del;
	cap_reply(c, "ACK", req);
}

HANDLER(m_cap)
{
	struct conn *cn = c->conn;
	const char *sub = m->argv[0];

	if (strcasecmp(sub, "LS") == 0) {
		if (!c->registered)
			cn->flags |= CONN_CAP_NEGOTIATING;
		if (m->argc > 1 && strcmp(m->argv[1], "302") >= 0 && strlen(m->argv[1]) == 3)
			cn->cap_version = 302;
		cap_list(c, "LS", ~0u);
	} else if (strcasecmp(sub, "LIST") == 0) {
		cap_list(c, "LIST", cn->caps);
	} else if (strcasecmp(sub, "REQ") == 0) {
		if (!c->registered)
			cn->flags |= CONN_CAP_NEGOTIATING;
		cap_req(c, m->argc > 1 ? m->argv[1] : (char *)"");
	} else if (strcasecmp(sub, "END") == 0) {
		if (c->registered || !(cn->flags & CONN_CAP_NEGOTIATING))
			return IRC_OK;
		cn->flags &= ~CONN_CAP_NEGOTIATING;
		return register_try(c);
	} else {
		reply(c, ERR_INVALIDCAPCMD, "%.20s :Invalid CAP command", sub);
	}
	return IRC_OK;
}
