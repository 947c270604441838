/* m_who.c - WHO: by channel or by mask, optionally opers only. */
#include <string.h>

#include "channel.h"
#include "client.h"
#include "conn.h"
#include "match.h"
#include "modules.h"
#include "numeric.h"
#include "send.h"
#include "server.h"

/* 1 when viewer and u share at least one channel. */
static int
shares_channel(const struct client *viewer, const struct client *u)
{
	const struct membership *m;

	LIST_FOREACH(m, &viewer->channels, client_link)
		if (channel_member(m->channel, u) != NULL)
			return 1;
	return 0;
}

static void
who_reply(struct client *c, struct client *u, const char *chname,
          const struct membership *mem)
{
	char flags[8], *p = flags;

	*p++ = u->away ? 'G' : 'H';
	if (u->umodes & UMODE_OPER)
		*p++ = '*';
	if (mem != NULL) {
		const char *pre = member_prefix(mem, (c->conn->caps & CAP_MULTI_PREFIX) != 0);
		while (*pre != '\0')
			*p++ = *pre++;
	}
	*p = '\0';
	reply(c, RPL_WHOREPLY, "%s %s %s %s %s %s :%u %s", chname, u->user, u->host,
	      u->server->name, u->nick, flags, u->server == &me ? 0 : 1,
	      u->realname ? u->realname : "");
}

static void
who_channel(struct client *c, struct channel *ch, int opers_only)
{
	int on_channel = channel_member(ch, c) != NULL;

	if (!on_channel && (ch->modes & (CMODE_SECRET | CMODE_PRIVATE)))
		return;
	for (uint32_t i = 0; i < ch->nmembers; i++) {
		struct membership *mem = ch->members[i];
		struct client *u = mem->client;
		if (opers_only && !(u->umodes & UMODE_OPER))
			continue;
		if (!on_channel && (u->umodes & UMODE_INVISIBLE))
			continue;
		who_reply(c, u, ch->name, mem);
	}
}

static int
who_mask_match(const char *mask, const struct client *u)
{
	return mask_match(mask, u->nick) || mask_match(mask, u->user) ||
	       mask_match(mask, u->host) || mask_match(mask, u->server->name) ||
	       (u->realname && mask_match(mask, u->realname));
}

static void
who_mask(struct client *c, const char *mask, int opers_only)
{
	struct client *exact = strpbrk(mask, "*?") ? NULL : client_find_nick(mask);

	if (exact != NULL) {
		if (exact->registered && (!opers_only || (exact->umodes & UMODE_OPER)))
			who_reply(c, exact, "*", NULL);
		return;
	}
	strmap_foreach(&clients_by_uid, slot) {
		struct client *u = slot->value;
		if (opers_only && !(u->umodes & UMODE_OPER))
			continue;
		if (u != c && (u->umodes & UMODE_INVISIBLE) && !shares_channel(c, u))
			continue;
		if (who_mask_match(mask, u))
			who_reply(c, u, "*", NULL);
	}
}

HANDLER(m_who)
{
	const char *mask = m->argc > 0 && m->argv[0][0] ? m->argv[0] : "*";
	int opers_only = m->argc > 1 && strchr(m->argv[1], 'o') != NULL;

	if (mask[0] == '#') {
		struct channel *ch = channel_find(mask);
		if (ch != NULL)
			who_channel(c, ch, opers_only);
	} else {
		who_mask(c, strcmp(mask, "0") == 0 ? "*" : mask, opers_only);
	}
	reply(c, RPL_ENDOFWHO, "%s :End of /WHO list", mask);
	return IRC_OK;
}
