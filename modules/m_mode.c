/* m_mode.c - MODE: user modes, channel modes, list queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/channel.h"
#include "proto/cap.h"
#include "state/client.h"
#include "state/cloak.h"
#include "base/conf.h"
#include "net/conn.h"
#include "base/match.h"
#include "proto/history_record.h"
#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/oper.h"
#include "proto/send.h"
#include "proto/snomask.h"

#define MODES_PER_LINE 4

/* What actually changed, echoed to the channel as one MODE line. */
struct mode_changes {
	char letters[64];
	size_t nletters;
	char dir; /* the last direction written */
	char params[400];
	size_t nparams_len;
	unsigned nparams;
};

static void
changes_add(struct mode_changes *mc, char dir, char letter, const char *param)
{
	if (mc->nletters + 3 >= sizeof(mc->letters))
		return;
	if (mc->dir != dir) {
		mc->letters[mc->nletters++] = dir;
		mc->dir = dir;
	}
	mc->letters[mc->nletters++] = letter;
	mc->letters[mc->nletters] = '\0';
	if (param != NULL) {
		int n = snprintf(mc->params + mc->nparams_len,
		                 sizeof(mc->params) - mc->nparams_len, " %s", param);
		if (n > 0 && mc->nparams_len + (size_t)n < sizeof(mc->params))
			mc->nparams_len += (size_t)n;
	}
}

struct mode_ctx {
	struct client *c;
	struct channel *ch;
	struct membership *mem;
	struct irc_msg *m;
	int next_param;
	unsigned param_modes; /* MODES limit */
	int denied_sent;      /* 482 once per command */
	unsigned lists_shown; /* each list query once */
	struct mode_changes out;
};

static const char *
take_param(struct mode_ctx *x)
{
	if (x->next_param >= x->m->argc)
		return NULL;
	return x->m->argv[x->next_param++];
}

static int
require_op(struct mode_ctx *x)
{
	if (x->mem != NULL && (x->mem->flags & MEMBER_OP))
		return 1;
	if (!x->denied_sent) {
		reply(x->c, ERR_CHANOPRIVSNEEDED, "%s :You're not channel operator",
		      x->ch->name);
		x->denied_sent = 1;
	}
	return 0;
}

static const struct {
	char letter;
	int rpl_item, rpl_end;
	const char *end_text;
} list_info[BAN_LISTS] = {
    [BAN_LIST_BAN] = {'b', RPL_BANLIST, RPL_ENDOFBANLIST, "End of Channel Ban List"},
    [BAN_LIST_EXCEPT] = {'e', RPL_EXCEPTLIST, RPL_ENDOFEXCEPTLIST,
                         "End of Channel Exception List"},
    [BAN_LIST_INVEX] = {'I', RPL_INVITELIST, RPL_ENDOFINVITELIST, "End of Channel Invite List"},
};

static void
list_show(struct mode_ctx *x, enum ban_list list)
{
	struct ban *b;

	if (x->lists_shown & (1u << list))
		return;
	x->lists_shown |= 1u << list;
	TAILQ_FOREACH (b, &x->ch->bans[list], link)
		reply(x->c, list_info[list].rpl_item, "%s %s %s %lld", x->ch->name, b->mask,
		      b->setter, (long long)b->when);
	reply(x->c, list_info[list].rpl_end, "%s :%s", x->ch->name, list_info[list].end_text);
}

static void
mode_list(struct mode_ctx *x, char dir, enum ban_list list)
{
	const char *param = take_param(x);
	char mask[NICKLEN_MAX + USERLEN + HOSTLEN + 3], setter[sizeof(mask)];
	struct ban *b;
	unsigned total;

	if (param == NULL || *param == '\0') {
		list_show(x, list);
		return;
	}
	if (!require_op(x) || x->param_modes >= MODES_PER_LINE)
		return;
	mask_normalize(param, mask, sizeof(mask));
	b = channel_ban_find(x->ch, list, mask);
	if (dir == '+') {
		total = x->ch->nbans[0] + x->ch->nbans[1] + x->ch->nbans[2];
		if (b != NULL)
			return;
		if (total >= conf->limits.max_list) {
			reply(x->c, ERR_BANLISTFULL, "%s %s :Channel ban list is full",
			      x->ch->name, mask);
			return;
		}
		channel_ban_add(x->ch, list, mask, client_mask(x->c, setter, sizeof(setter)));
	} else {
		if (b == NULL)
			return;
		channel_ban_del(x->ch, list, b);
	}
	x->param_modes++;
	changes_add(&x->out, dir, list_info[list].letter, mask);
}

static void
mode_status(struct mode_ctx *x, char dir, char letter, uint8_t flag)
{
	const char *nick = take_param(x);
	struct client *target;
	struct membership *tm;

	if (nick == NULL || !require_op(x) || x->param_modes >= MODES_PER_LINE)
		return;
	target = client_find_nick(nick);
	if (target == NULL || !target->registered) {
		reply(x->c, ERR_NOSUCHNICK, "%s :No such nick/channel", nick);
		return;
	}
	tm = channel_member(x->ch, target);
	if (tm == NULL) {
		reply(x->c, ERR_USERNOTINCHANNEL, "%s %s :They aren't on that channel",
		      target->nick, x->ch->name);
		return;
	}
	x->param_modes++;
	if ((dir == '+') == ((tm->flags & flag) != 0))
		return;
	if (dir == '+')
		tm->flags |= flag;
	else
		tm->flags &= (uint8_t)~flag;
	changes_add(&x->out, dir, letter, target->nick);
}

static void
mode_key(struct mode_ctx *x, char dir)
{
	const char *key = take_param(x);
	struct channel *ch = x->ch;
	char clean[24];

	if (dir == '+' && (key == NULL || *key == '\0'))
		return;
	if (!require_op(x) || x->param_modes >= MODES_PER_LINE)
		return;
	x->param_modes++;
	if (dir == '-') {
		if (ch->key == NULL)
			return;
		free(ch->key);
		ch->key = NULL;
		changes_add(&x->out, '-', 'k', "*");
		return;
	}
	if (ch->key != NULL) {
		reply(x->c, ERR_KEYSET, "%s :Channel key already set", ch->name);
		return;
	}
	/* A key is one word without commas or colons, at most 23 bytes. */
	str_copy(clean, key, sizeof(clean));
	clean[strcspn(clean, " ,:")] = '\0';
	if (clean[0] == '\0')
		return;
	ch->key = xstrdup(clean);
	changes_add(&x->out, '+', 'k', ch->key);
}

static void
mode_limit(struct mode_ctx *x, char dir)
{
	const char *param = dir == '+' ? take_param(x) : NULL;
	char buf[16];
	long v;

	if (dir == '+' && (param == NULL || str_to_long(param, 1, 1000000000L, &v) != 0))
		return;
	if (!require_op(x) || x->param_modes >= MODES_PER_LINE)
		return;
	x->param_modes++;
	if (dir == '-') {
		if (x->ch->limit == 0)
			return;
		x->ch->limit = 0;
		changes_add(&x->out, '-', 'l', NULL);
		return;
	}
	if (x->ch->limit == (uint32_t)v)
		return;
	x->ch->limit = (uint32_t)v;
	snprintf(buf, sizeof(buf), "%ld", v);
	changes_add(&x->out, '+', 'l', buf);
}

static uint32_t
flag_mode(char letter)
{
	switch (letter) {
	case 'i': return CMODE_INVITE;
	case 'm': return CMODE_MODERATED;
	case 'n': return CMODE_NOEXTERNAL;
	case 'p': return CMODE_PRIVATE;
	case 's': return CMODE_SECRET;
	case 't': return CMODE_TOPICLOCK;
	default: return 0;
	}
}

static void
mode_flag(struct mode_ctx *x, char dir, char letter, uint32_t bit)
{
	if (!require_op(x))
		return;
	if ((dir == '+') == ((x->ch->modes & bit) != 0))
		return;
	if (dir == '+')
		x->ch->modes |= bit;
	else
		x->ch->modes &= ~bit;
	changes_add(&x->out, dir, letter, NULL);
}

static void
mode_apply(struct mode_ctx *x, const char *modes)
{
	char dir = '+';

	for (const char *p = modes; *p != '\0'; p++) {
		uint32_t bit = flag_mode(*p);
		switch (*p) {
		case '+':
		case '-': dir = *p; break;
		case 'b': mode_list(x, dir, BAN_LIST_BAN); break;
		case 'e': mode_list(x, dir, BAN_LIST_EXCEPT); break;
		case 'I': mode_list(x, dir, BAN_LIST_INVEX); break;
		case 'o': mode_status(x, dir, 'o', MEMBER_OP); break;
		case 'v': mode_status(x, dir, 'v', MEMBER_VOICE); break;
		case 'k': mode_key(x, dir); break;
		case 'l': mode_limit(x, dir); break;
		default:
			if (bit != 0)
				mode_flag(x, dir, *p, bit);
			else
				reply(x->c, ERR_UNKNOWNMODE,
				      "%c :is unknown mode char to me for %s", *p, x->ch->name);
		}
	}
}

static void
channel_mode(struct client *c, struct channel *ch, struct irc_msg *m)
{
	struct mode_ctx x;
	struct outmsg *mb;
	char modes[128];

	if (m->argc < 2) {
		struct membership *mem = channel_member(ch, c);
		channel_mode_string(ch, mem != NULL, modes, sizeof(modes));
		reply(c, RPL_CHANNELMODEIS, "%s %s", ch->name, modes);
		reply(c, RPL_CREATIONTIME, "%s %lld", ch->name, (long long)ch->ts);
		return;
	}
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.ch = ch;
	x.mem = channel_member(ch, c);
	x.m = m;
	x.next_param = 2;
	mode_apply(&x, m->argv[1]);
	if (x.out.nletters == 0)
		return;
	mb = msg_from(c, "MODE %s %s%s", ch->name, x.out.letters, x.out.params);
	send_channel(ch, NULL, mb, 0);
	history_record_channel(ch, c, "MODE", mb);
	msg_release(mb);
}

static void
umode_string(const struct client *c, char *buf)
{
	char *p = buf;

	*p++ = '+';
	if (c->umodes & UMODE_INVISIBLE)
		*p++ = 'i';
	if (c->umodes & UMODE_BOT)
		*p++ = 'B';
	if (c->umodes & UMODE_OPER)
		*p++ = 'o';
	if (c->umodes & UMODE_SNOTICE)
		*p++ = 's';
	if (c->umodes & UMODE_WALLOPS)
		*p++ = 'w';
	if (c->umodes & UMODE_CLOAK)
		*p++ = 'x';
	*p = '\0';
}

/* +x/-x swaps the shown host; chghost clients are told, others see it next time. */
static void
umode_cloak(struct client *c, int on)
{
	char host[HOSTLEN + 1];
	struct outmsg *om;

	if (on)
		cloak_host(c->realhost, c->ip, host, sizeof(host));
	else
		str_copy(host, c->realhost, sizeof(host));
	om = msg_from(c, "CHGHOST %s %s", c->user, host);
	send_common_ext(c, om, 1, CAP_CHGHOST);
	msg_release(om);
	str_copy(c->host, host, sizeof(c->host));
	channel_invalidate_bans(c);
}

/* +s takes an optional snomask ("+s +ck"); only operators may hold it. */
static void
umode_snotice(struct client *c, char dir, const char *spec, struct mode_changes *out)
{
	char mask[16];
	uint32_t next;

	if (!(c->umodes & UMODE_OPER))
		return;
	next = dir == '-' ? 0 : snomask_parse(spec ? spec : "+*", c->snomask);
	if (next == c->snomask && (next != 0) == ((c->umodes & UMODE_SNOTICE) != 0))
		return;
	client_set_umode(c, UMODE_SNOTICE, next != 0);
	if ((next != 0) != ((c->snomask) != 0))
		changes_add(out, next ? '+' : '-', 's', NULL);
	snomask_set(c, next);
	if (next != 0) {
		snomask_string(next, mask, sizeof(mask));
		reply(c, RPL_SNOMASK, "%s :Server notice mask", mask);
	}
}

static void
user_mode(struct client *c, struct irc_msg *m)
{
	struct mode_changes out;
	int unknown = 0, next_param = 2;
	char dir = '+';

	memset(&out, 0, sizeof(out));
	for (const char *p = m->argv[1]; *p != '\0'; p++) {
		uint32_t bit = 0;
		switch (*p) {
		case '+':
		case '-': dir = *p; continue;
		case 'i': bit = UMODE_INVISIBLE; break;
		case 'w': bit = UMODE_WALLOPS; break;
		case 'B': bit = UMODE_BOT; break;
		case 'x':
			if (!cloak_enabled())
				continue;
			bit = UMODE_CLOAK;
			break;
		case 's':
			umode_snotice(
			    c, dir, next_param < m->argc ? m->argv[next_param++] : NULL, &out);
			continue;
		case 'o':
			/* Only OPER grants +o; dropping it drops everything oper. */
			if (dir == '-' && (c->umodes & UMODE_OPER)) {
				if (c->umodes & UMODE_SNOTICE)
					changes_add(&out, '-', 's', NULL);
				oper_down(c);
				changes_add(&out, '-', 'o', NULL);
			}
			continue;
		default: unknown = 1; continue;
		}
		if ((dir == '+') == ((c->umodes & bit) != 0))
			continue;
		client_set_umode(c, bit, dir == '+');
		if (bit == UMODE_CLOAK)
			umode_cloak(c, dir == '+');
		changes_add(&out, dir, *p, NULL);
	}
	if (unknown)
		reply(c, ERR_UMODEUNKNOWNFLAG, ":Unknown MODE flag");
	if (out.nletters > 0)
		send_line(c, ":%s!%s@%s MODE %s :%s", c->nick, c->user, c->host, c->nick,
		          out.letters);
}

HANDLER(m_mode)
{
	const char *target = m->argv[0];
	char modes[16];

	if (target[0] == '#') {
		struct channel *ch = channel_find(target);
		/* A secret or private channel does not exist for outsiders. */
		if (ch == NULL || !channel_visible(ch, c))
			reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel", param_word(target));
		else
			channel_mode(c, ch, m);
		return IRC_OK;
	}
	{
		struct client *u = client_find_nick(target);
		if (u == NULL || !u->registered) {
			reply(c, ERR_NOSUCHNICK, "%s :No such nick/channel",
			      param_word(target));
			return IRC_OK;
		}
		if (u != c) {
			reply(c, ERR_USERSDONTMATCH, ":Can't change mode for other users");
			return IRC_OK;
		}
	}
	if (m->argc < 2) {
		umode_string(c, modes);
		reply(c, RPL_UMODEIS, "%s", modes);
		return IRC_OK;
	}
	user_mode(c, m);
	return IRC_OK;
}
