/* m_who.c - WHO: by channel or by mask, opers only with "o", WHOX with "%". */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/conf.h"
#include "base/match.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/cap.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"

/* A WHO request: the classic form, or WHOX fields ("%tcuihsnfdlaor,token"). */
struct who_query {
	struct client *asker;
	int opers_only;
	int whox;
	char fields[16];
	char token[4];
	unsigned left; /* replies still allowed to a mask ([limits] who_max) */
};

/* 1 when viewer and u share at least one channel. */
static int
shares_channel(const struct client *viewer, const struct client *u)
{
	const struct membership *m;

	LIST_FOREACH (m, &viewer->channels, client_link)
		if (channel_member(m->channel, u) != NULL)
			return 1;
	return 0;
}

static void
who_flags(const struct who_query *q, const struct client *u, const struct membership *mem,
          char *flags)
{
	char *p = flags;

	*p++ = u->away ? 'G' : 'H';
	if (u->umodes & UMODE_OPER)
		*p++ = '*';
	if (u->umodes & UMODE_BOT)
		*p++ = 'B';
	if (mem != NULL) {
		const char *pre =
		    member_prefix(mem, (q->asker->local->caps & CAP_MULTI_PREFIX) != 0);
		while (*pre != '\0')
			*p++ = *pre++;
	}
	*p = '\0';
}

/* 354: the requested fields, always in the order t c u i h s n f d l a o r. */
static void
whox_reply(const struct who_query *q, struct client *u, const char *chname, const char *flags)
{
	char buf[OUT_LINE_MAX];
	size_t n = 0;
	int see_ip = q->asker == u || (q->asker->umodes & UMODE_OPER);

#define FIELD(...)                                                                             \
	n += (size_t)snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0, __VA_ARGS__)
	for (const char *f = "tcuihsnfdlaor"; *f != '\0'; f++) {
		if (strchr(q->fields, *f) == NULL)
			continue;
		switch (*f) {
		case 't': FIELD(" %s", q->token[0] ? q->token : "0"); break;
		case 'c': FIELD(" %s", chname); break;
		case 'u': FIELD(" %s", u->user); break;
		case 'i': FIELD(" %s", see_ip ? u->ip : "255.255.255.255"); break;
		case 'h': FIELD(" %s", u->host); break;
		case 's': FIELD(" %s", u->server->name); break;
		case 'n': FIELD(" %s", u->nick); break;
		case 'f': FIELD(" %s", flags); break;
		case 'd': FIELD(" %u", u->server == &me ? 0 : u->server->hopcount); break;
		case 'l':
			FIELD(" %lld",
			      u->local ? (long long)(now - u->local->last_message) : 0LL);
			break;
		case 'a': FIELD(" %s", u->account ? u->account : "0"); break;
		case 'o': FIELD(" n/a"); break;
		case 'r': FIELD(" :%s", u->realname ? u->realname : ""); break;
		}
	}
#undef FIELD
	reply(q->asker, RPL_WHOSPCRPL, "%s", n > 0 ? buf + 1 : "");
}

static void
who_reply(const struct who_query *q, struct client *u, const char *chname,
          const struct membership *mem)
{
	char flags[8];

	who_flags(q, u, mem, flags);
	if (q->whox) {
		whox_reply(q, u, chname, flags);
		return;
	}
	reply(q->asker, RPL_WHOREPLY, "%s %s %s %s %s %s :%u %s", chname, u->user, u->host,
	      u->server->name, u->nick, flags, u->server == &me ? 0 : u->server->hopcount,
	      u->realname ? u->realname : "");
}

static void
who_channel(const struct who_query *q, struct channel *ch)
{
	int on_channel = channel_member(ch, q->asker) != NULL;

	if (!on_channel && (ch->modes & (CMODE_SECRET | CMODE_PRIVATE)))
		return;
	for (uint32_t i = 0; i < ch->nmembers; i++) {
		struct membership *mem = ch->members[i];
		struct client *u = mem->client;
		if (q->opers_only && !(u->umodes & UMODE_OPER))
			continue;
		if (!on_channel && (u->umodes & UMODE_INVISIBLE))
			continue;
		who_reply(q, u, ch->name, mem);
	}
}

static int
who_mask_match(const char *mask, const struct client *u)
{
	return mask_match(mask, u->nick) || mask_match(mask, u->user) ||
	       mask_match(mask, u->host) || mask_match(mask, u->server->name) ||
	       (u->realname && mask_match(mask, u->realname));
}

/* 1 when the mask matched more than who_max allows: the rest is left out. */
static int
who_mask(struct who_query *q, const char *mask)
{
	struct client *c = q->asker;
	struct client *exact = strpbrk(mask, "*?") ? NULL : client_find_nick(mask);

	if (exact != NULL) {
		if (exact->registered && (!q->opers_only || (exact->umodes & UMODE_OPER)))
			who_reply(q, exact, "*", NULL);
		return 0;
	}
	strmap_foreach (&clients_by_uid, slot) {
		struct client *u = slot->value;
		if (q->opers_only && !(u->umodes & UMODE_OPER))
			continue;
		if (u != c && (u->umodes & UMODE_INVISIBLE) && !shares_channel(c, u))
			continue;
		if (!who_mask_match(mask, u))
			continue;
		if (q->left == 0)
			return 1;
		q->left--;
		who_reply(q, u, "*", NULL);
	}
	return 0;
}

/* "o%tnf,42": flags before '%', WHOX fields after, a token after ','. */
static void
who_parse_options(struct who_query *q, const char *opts)
{
	const char *pct = strchr(opts, '%');
	size_t flags_len = pct ? (size_t)(pct - opts) : strlen(opts);

	q->opers_only = memchr(opts, 'o', flags_len) != NULL;
	if (pct == NULL)
		return;
	q->whox = 1;
	snprintf(q->fields, sizeof(q->fields), "%.*s", (int)strcspn(pct + 1, ","), pct + 1);
	if (strchr(pct, ',') != NULL)
		snprintf(q->token, sizeof(q->token), "%s", strchr(pct, ',') + 1);
	/* A token must be 1-3 digits; otherwise it is dropped. */
	if (q->token[0] != '\0' && strspn(q->token, "0123456789") != strlen(q->token))
		q->token[0] = '\0';
}

HANDLER(m_who)
{
	const char *mask = m->argc > 0 && m->argv[0][0] ? m->argv[0] : "*";
	struct who_query q;

	memset(&q, 0, sizeof(q));
	q.asker = c;
	q.left = (c->umodes & UMODE_OPER) ? UINT_MAX : conf->limits.who_max;
	if (m->argc > 1)
		who_parse_options(&q, m->argv[1]);
	if (mask[0] == '#') {
		struct channel *ch = channel_find(mask);
		if (ch != NULL)
			who_channel(&q, ch);
	} else {
		if (who_mask(&q, strcmp(mask, "0") == 0 ? "*" : mask))
			reply(c, ERR_TOOMANYMATCHES, "WHO :Output too large, truncated");
	}
	reply(c, RPL_ENDOFWHO, "%s :End of /WHO list", param_word(mask));
	return IRC_OK;
}
