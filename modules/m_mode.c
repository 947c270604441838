/* m_mode.c - MODE: user modes, channel modes, list queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/conf.h"
#include "base/match.h"
#include "modules/modules.h"
#include "proto/cap.h"
#include "proto/link.h"
#include "proto/numeric.h"
#include "proto/oper.h"
#include "proto/ratelimit.h"
#include "proto/send.h"
#include "proto/snomask.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/cloak.h"
#include "state/server.h"

#define MODES_PER_LINE 4
#define KEYLEN 23 /* a key is one word without commas or colons, at most 23 bytes */

static void
params_add(char *buf, size_t size, size_t *len, const char *param)
{
	int n = snprintf(buf + *len, size - *len, " %s", param);

	if (n > 0 && *len + (size_t)n < size)
		*len += (size_t)n;
}

/* uid_param: the same parameter as links name it (a member's UID), or NULL: param. */
static void
line_add_as(struct mode_line *line, char dir, char letter, const char *param,
            const char *uid_param)
{
	if (line->nletters + 3 >= sizeof(line->letters))
		return;
	if (line->dir != dir) {
		line->letters[line->nletters++] = dir;
		line->dir = dir;
	}
	line->letters[line->nletters++] = letter;
	line->letters[line->nletters] = '\0';
	if (param != NULL) {
		params_add(line->params, sizeof(line->params), &line->nparams_len, param);
		params_add(line->uid_params, sizeof(line->uid_params), &line->nuid_params_len,
		           uid_param != NULL ? uid_param : param);
	}
}

static void
line_add(struct mode_line *line, char dir, char letter, const char *param)
{
	line_add_as(line, dir, letter, param, NULL);
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
	case 'C': return CMODE_NOCTCP;
	case 'O': return CMODE_OPERONLY;
	default: return 0;
	}
}

/* The list a letter names, or BAN_LISTS when none. */
static enum ban_list
list_mode(char letter)
{
	switch (letter) {
	case 'b': return BAN_LIST_BAN;
	case 'e': return BAN_LIST_EXCEPT;
	case 'I': return BAN_LIST_INVEX;
	case 'q': return BAN_LIST_QUIET;
	default: return BAN_LISTS;
	}
}

static const struct {
	char letter;
	int rpl_item, rpl_end;
	const char *end_text;
	const char *named; /* Solanum names the letter in 728/729: "<chan> q <mask> ..." */
} list_info[BAN_LISTS] = {
    [BAN_LIST_BAN] = {'b', RPL_BANLIST, RPL_ENDOFBANLIST, "End of Channel Ban List", ""},
    [BAN_LIST_EXCEPT] = {'e', RPL_EXCEPTLIST, RPL_ENDOFEXCEPTLIST,
                         "End of Channel Exception List", ""},
    [BAN_LIST_INVEX] = {'I', RPL_INVITELIST, RPL_ENDOFINVITELIST, "End of Channel Invite List",
                        ""},
    [BAN_LIST_QUIET] = {'q', RPL_QUIETLIST, RPL_ENDOFQUIETLIST, "End of Channel Quiet List",
                        "q "},
};

/* A local MODE on a channel, as its checks go letter by letter. */
struct mode_ctx {
	struct source src;
	struct client *c;
	struct channel *ch;
	struct membership *mem;
	struct irc_msg *m;
	int next_param;
	unsigned param_modes;                          /* MODES limit */
	int denied_sent;                               /* 482 once per command */
	unsigned lists_shown;                          /* each list query once */
	char arg[NICKLEN_MAX + USERLEN + HOSTLEN + 5]; /* the checked mask or key */
	struct mode_line out;
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

/* +O/-O: an IRC operator's to set, as the channel is theirs to keep. */
static int
require_oper(struct mode_ctx *x)
{
	if (x->c->umodes & UMODE_OPER)
		return 1;
	if (!x->denied_sent) {
		reply(x->c, ERR_NOPRIVILEGES,
		      ":Permission Denied - only IRC operators may change +O");
		x->denied_sent = 1;
	}
	return 0;
}

static void
list_show(struct mode_ctx *x, enum ban_list list)
{
	struct ban *b;

	if (x->lists_shown & (1u << list))
		return;
	x->lists_shown |= 1u << list;
	TAILQ_FOREACH (b, &x->ch->bans[list], link)
		reply(x->c, list_info[list].rpl_item, "%s %s%s %s %lld", x->ch->name,
		      list_info[list].named, b->mask, b->setter, (long long)b->when);
	reply(x->c, list_info[list].rpl_end, "%s %s:%s", x->ch->name, list_info[list].named,
	      list_info[list].end_text);
}

/* "m:mask" (a mute, in b and e) keeps its prefix; the mask after it is normalized. */
static void
mask_normalize_ext(const char *param, enum ban_list list, char *out, size_t size)
{
	size_t plen = strlen(EXTBAN_MUTE);

	if ((list == BAN_LIST_BAN || list == BAN_LIST_EXCEPT) &&
	    strncasecmp(param, EXTBAN_MUTE, plen) == 0 && size > plen) {
		memcpy(out, EXTBAN_MUTE, plen);
		mask_normalize(param + plen, out + plen, size - plen);
		return;
	}
	mask_normalize(param, out, size);
}

/* Entries of all lists, counted against one limit (max_list) as Solanum counts b e I q. */
static unsigned
list_entries(const struct channel *ch)
{
	unsigned n = 0;

	for (int i = 0; i < BAN_LISTS; i++)
		n += ch->nbans[i];
	return n;
}

/* check: +b/-b mask (and e, I, q); without a mask, show the list. */
static int
mode_check_list(struct mode_ctx *x, struct mode_change *mc, enum ban_list list)
{
	const char *param = take_param(x);
	struct ban *b;

	if (param == NULL || *param == '\0') {
		/* Exceptions and invite exceptions are the ops' business (as Solanum). */
		if (list == BAN_LIST_BAN || list == BAN_LIST_QUIET ||
		    (x->c->umodes & UMODE_OPER) || require_op(x))
			list_show(x, list);
		return 0;
	}
	if (!require_op(x) || x->param_modes >= MODES_PER_LINE)
		return 0;
	mask_normalize_ext(param, list, x->arg, sizeof(x->arg));
	b = channel_ban_find(x->ch, list, x->arg);
	/* Adding a mask already there, or removing one that is not, is no change. */
	if ((mc->dir == '+') == (b != NULL))
		return 0;
	if (mc->dir == '+' && list_entries(x->ch) >= conf->limits.max_list) {
		reply(x->c, ERR_BANLISTFULL, "%s %s :Channel ban list is full", x->ch->name,
		      x->arg);
		return 0;
	}
	x->param_modes++;
	mc->arg = x->arg;
	return 1;
}

/* check: +o/-o nick (and v): a member of the channel. */
static int
mode_check_status(struct mode_ctx *x, struct mode_change *mc)
{
	const char *nick = take_param(x);
	struct client *target;

	if (nick == NULL || !require_op(x) || x->param_modes >= MODES_PER_LINE)
		return 0;
	target = client_find_nick(nick);
	if (target == NULL || !target->registered) {
		reply(x->c, ERR_NOSUCHNICK, "%s :No such nick/channel", nick);
		return 0;
	}
	if (channel_member(x->ch, target) == NULL) {
		reply(x->c, ERR_USERNOTINCHANNEL, "%s %s :They aren't on that channel",
		      target->nick, x->ch->name);
		return 0;
	}
	x->param_modes++;
	mc->member = target;
	return 1;
}

/* check: +k key (cleaned to one word) or -k; one key at a time. */
static int
mode_check_key(struct mode_ctx *x, struct mode_change *mc)
{
	const char *key = take_param(x);

	if (mc->dir == '+' && (key == NULL || *key == '\0'))
		return 0;
	if (!require_op(x) || x->param_modes >= MODES_PER_LINE)
		return 0;
	x->param_modes++;
	if (mc->dir == '-')
		return 1;
	if (x->ch->key != NULL) {
		reply(x->c, ERR_KEYSET, "%s :Channel key already set", x->ch->name);
		return 0;
	}
	str_copy(x->arg, key, KEYLEN + 1);
	x->arg[strcspn(x->arg, " ,:")] = '\0';
	if (x->arg[0] == '\0')
		return 0;
	mc->arg = x->arg;
	return 1;
}

/* check: +l count (1 to 10^9) or -l. */
static int
mode_check_limit(struct mode_ctx *x, struct mode_change *mc)
{
	const char *param = mc->dir == '+' ? take_param(x) : NULL;
	long v = 0;

	if (mc->dir == '+' && (param == NULL || str_to_long(param, 1, 1000000000L, &v) != 0))
		return 0;
	if (!require_op(x) || x->param_modes >= MODES_PER_LINE)
		return 0;
	x->param_modes++;
	mc->limit = (uint32_t)v;
	return 1;
}

/* check: one letter of a local MODE, its parameter taken; 1 when mc may be applied. */
/* Services locked this letter (MLOCK): an operator may not change it here. */
static int
mode_mlocked(struct mode_ctx *x, struct mode_change *mc)
{
	if (x->ch->mlock == NULL || strchr(x->ch->mlock, mc->letter) == NULL ||
	    (flag_mode(mc->letter) == 0 && mc->letter != 'k' && mc->letter != 'l'))
		return 0;
	reply(x->c, ERR_MLOCKRESTRICTED,
	      "%s %c %s :MODE cannot be set due to channel having an active MLOCK "
	      "restriction policy",
	      x->ch->name, mc->letter, x->ch->mlock);
	return 1;
}

static int
mode_check(struct mode_ctx *x, struct mode_change *mc)
{
	enum ban_list list = list_mode(mc->letter);

	if (mode_mlocked(x, mc))
		return 0;
	if (list != BAN_LISTS)
		return mode_check_list(x, mc, list);
	switch (mc->letter) {
	case 'o':
	case 'v': return mode_check_status(x, mc);
	case 'k': return mode_check_key(x, mc);
	case 'l': return mode_check_limit(x, mc);
	case 'O': return require_op(x) && require_oper(x);
	default:
		if (flag_mode(mc->letter) != 0)
			return require_op(x);
		reply(x->c, ERR_UNKNOWNMODE, "%c :is unknown mode char to me for %s",
		      mc->letter, x->ch->name);
		return 0;
	}
}

static int
mode_proceed_list(const struct source *src, struct channel *ch, const struct mode_change *mc,
                  enum ban_list list, struct mode_line *line)
{
	char setter[NICKLEN_MAX + USERLEN + HOSTLEN + 3];
	struct ban *b = channel_ban_find(ch, list, mc->arg);

	if ((mc->dir == '+') == (b != NULL))
		return 0;
	/* Shown first: a removal's argument may be the mask it frees (channel_strip). */
	line_add(line, mc->dir, mc->letter, mc->arg);
	if (mc->dir == '+')
		channel_ban_add(ch, list, mc->arg, source_mask(src, setter, sizeof(setter)));
	else
		channel_ban_del(ch, list, b);
	return 1;
}

static int
mode_proceed_status(struct channel *ch, const struct mode_change *mc, uint8_t flag,
                    struct mode_line *line)
{
	struct membership *tm = channel_member(ch, mc->member);

	if (tm == NULL || (mc->dir == '+') == ((tm->flags & flag) != 0))
		return 0;
	if (mc->dir == '+')
		tm->flags |= flag;
	else
		tm->flags &= (uint8_t)~flag;
	line_add_as(line, mc->dir, mc->letter, mc->member->nick, mc->member->uid);
	return 1;
}

static int
mode_proceed_key(struct channel *ch, const struct mode_change *mc, struct mode_line *line)
{
	if (mc->dir == '-') {
		if (ch->key == NULL)
			return 0;
		free(ch->key);
		ch->key = NULL;
		line_add(line, '-', 'k', "*");
		return 1;
	}
	if (ch->key != NULL && strcmp(ch->key, mc->arg) == 0)
		return 0;
	free(ch->key);
	ch->key = xstrdup(mc->arg);
	line_add(line, '+', 'k', ch->key);
	return 1;
}

static int
mode_proceed_limit(struct channel *ch, const struct mode_change *mc, struct mode_line *line)
{
	char buf[16];

	if (mc->dir == '-') {
		if (ch->limit == 0)
			return 0;
		ch->limit = 0;
		line_add(line, '-', 'l', NULL);
		return 1;
	}
	if (ch->limit == mc->limit)
		return 0;
	ch->limit = mc->limit;
	snprintf(buf, sizeof(buf), "%lu", (unsigned long)mc->limit);
	line_add(line, '+', 'l', buf);
	return 1;
}

static int
mode_proceed_flag(struct channel *ch, const struct mode_change *mc, struct mode_line *line)
{
	uint32_t bit = flag_mode(mc->letter);

	if (bit == 0 || (mc->dir == '+') == ((ch->modes & bit) != 0))
		return 0;
	if (mc->dir == '+')
		ch->modes |= bit;
	else
		ch->modes &= ~bit;
	line_add(line, mc->dir, mc->letter, NULL);
	return 1;
}

/*
 * The part of the longest line a change set of ch by src becomes, before
 * its letters and parameters: ":nick!user@host MODE <chan> " to members,
 * ":<UID> TMODE <chanTS> <chan> " to links.
 */
static size_t
mode_line_head(const struct source *src, const struct channel *ch)
{
	size_t who = src->client != NULL
	                 ? strlen(src->client->nick) + strlen(src->client->user) +
	                       strlen(src->client->host) + 2
	                 : strlen(src->server->name);
	size_t shown = 1 + who + sizeof(" MODE ") - 1;
	size_t tmode = 1 + UIDLEN + sizeof(" TMODE ") - 1 + 18 + 1;

	return MAX(shown, tmode) + strlen(ch->name) + 1;
}

/*
 * Room for one more change of any kind (a mask is at most BANMASK_MAX) in
 * the buffers, and in a 510-byte line, however long the channel's name.
 */
static int
mode_line_full(const struct source *src, const struct channel *ch, const struct mode_line *line)
{
	size_t params = MAX(line->nparams_len, line->nuid_params_len);

	if (line->nletters == 0)
		return 0;
	return line->nletters + 3 >= sizeof(line->letters) ||
	       line->nparams_len + BANMASK_MAX + 2 >= sizeof(line->params) ||
	       line->nuid_params_len + BANMASK_MAX + 2 >= sizeof(line->uid_params) ||
	       mode_line_head(src, ch) + line->nletters + 2 + params + 1 + BANMASK_MAX > 510;
}

/* A full line is shown (and relayed) now; the next change starts a new one. */
static void
mode_line_flush(const struct source *src, struct channel *ch, struct mode_line *line)
{
	void (*relay)(const struct source *, const struct channel *, const struct mode_line *) =
	    line->relay;

	mode_proceed_channel(src, ch, line);
	if (relay != NULL)
		relay(src, ch, line);
	memset(line, 0, sizeof(*line));
	line->relay = relay;
}

int
mode_proceed_change(const struct source *src, struct channel *ch, const struct mode_change *mc,
                    struct mode_line *line)
{
	enum ban_list list = list_mode(mc->letter);

	if (mode_line_full(src, ch, line))
		mode_line_flush(src, ch, line);
	if (list != BAN_LISTS)
		return mode_proceed_list(src, ch, mc, list, line);
	switch (mc->letter) {
	case 'o': return mode_proceed_status(ch, mc, MEMBER_OP, line);
	case 'v': return mode_proceed_status(ch, mc, MEMBER_VOICE, line);
	case 'k': return mode_proceed_key(ch, mc, line);
	case 'l': return mode_proceed_limit(ch, mc, line);
	default: return mode_proceed_flag(ch, mc, line);
	}
}

void
mode_proceed_channel(const struct source *src, struct channel *ch, const struct mode_line *line)
{
	struct outmsg *mb;

	if (line->nletters == 0)
		return;
	mb = source_msg(src, "MODE %s %s%s", ch->name, line->letters, line->params);
	send_channel(ch, NULL, mb, 0);
	source_history(ch, src, "MODE", mb);
	msg_release(mb);
}

/* Each letter is checked against the channel as the letters before it left it. */
static void
mode_apply(struct mode_ctx *x, const char *modes)
{
	char dir = '+';

	for (const char *p = modes; *p != '\0'; p++) {
		struct mode_change mc = {.dir = dir, .letter = *p};
		if (*p == '+' || *p == '-')
			dir = *p;
		else if (mode_check(x, &mc))
			mode_proceed_change(&x->src, x->ch, &mc, &x->out);
	}
}

static void
channel_mode(struct client *c, struct channel *ch, struct irc_msg *m)
{
	struct mode_ctx x;
	char modes[128];

	if (m->argc < 2) {
		struct membership *mem = channel_member(ch, c);
		channel_mode_string(ch, mem != NULL, modes, sizeof(modes));
		reply(c, RPL_CHANNELMODEIS, "%s %s", ch->name, modes);
		reply(c, RPL_CREATIONTIME, "%s %lld", ch->name, (long long)ch->ts);
		return;
	}
	memset(&x, 0, sizeof(x));
	x.src.origin = ORIGIN_LOCAL;
	x.src.client = c;
	x.c = c;
	x.ch = ch;
	x.mem = channel_member(ch, c);
	x.m = m;
	x.next_param = 2;
	x.out.relay = link_relay_tmode; /* a line that fills up goes to the links too */
	mode_apply(&x, m->argv[1]);
	mode_proceed_channel(&x.src, ch, &x.out);
	link_relay_tmode(&x.src, ch, &x.out);
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
	if (c->umodes & UMODE_REGNICK)
		*p++ = 'r';
	if (c->umodes & UMODE_SNOTICE)
		*p++ = 's';
	if (c->umodes & UMODE_WALLOPS)
		*p++ = 'w';
	if (c->umodes & UMODE_CLOAK)
		*p++ = 'x';
	*p = '\0';
}

void
chghost_proceed(struct client *c, const char *host)
{
	struct outmsg *om = msg_from(c, "CHGHOST %s %s", c->user, host);

	send_common_ext(c, om, 1, CAP_CHGHOST);
	msg_release(om);
	str_copy(c->host, host, sizeof(c->host));
	channel_invalidate_bans(c);
}

/* +x shows the cloak of the real host, -x the real host again. */
static void
umode_proceed_cloak(struct client *c, int on)
{
	char host[HOSTLEN + 1];

	if (on && !cloak_enabled())
		return; /* no key here (a peer's user): its server sends the host */
	if (on)
		cloak_host(c->realhost, c->ip, host, sizeof(host));
	else
		str_copy(host, c->realhost, sizeof(host));
	if (strcmp(host, c->host) == 0)
		return;
	chghost_proceed(c, host);
}

static uint32_t
umode_bit(char letter)
{
	switch (letter) {
	case 'i': return UMODE_INVISIBLE;
	case 'w': return UMODE_WALLOPS;
	case 'B': return UMODE_BOT;
	case 'o': return UMODE_OPER;
	case 'x': return UMODE_CLOAK;
	case 'r': return UMODE_REGNICK;
	default: return 0;
	}
}

int
umode_proceed(struct client *c, char dir, char letter, struct mode_line *line)
{
	uint32_t bit = umode_bit(letter);

	if (bit == 0 || (dir == '+') == ((c->umodes & bit) != 0))
		return 0;
	if (bit == UMODE_OPER && dir == '-') {
		if (c->umodes & UMODE_SNOTICE)
			line_add(line, '-', 's', NULL);
		oper_down(c);
		line_add(line, '-', 'o', NULL);
		return 1;
	}
	client_set_umode(c, bit, dir == '+');
	if (bit == UMODE_CLOAK)
		umode_proceed_cloak(c, dir == '+');
	line_add(line, dir, letter, NULL);
	return 1;
}

/*
 * +s takes an optional snomask ("+s +ck"); only operators may hold it.
 * Server notices go to this server's own opers: +s has no proceed.
 */
static void
umode_snotice(struct client *c, char dir, const char *spec, struct mode_line *out)
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
		line_add(out, next ? '+' : '-', 's', NULL);
	snomask_set(c, next);
	if (next != 0) {
		snomask_string(next, mask, sizeof(mask));
		reply(c, RPL_SNOMASK, "%s :Server notice mask", mask);
	}
}

/* check: may local c set this user mode itself?  Sets *unknown for letters it does not know. */
static int
umode_check(char dir, char letter, int *unknown)
{
	switch (letter) {
	case 'i':
	case 'w':
	case 'B': return 1;
	case 'x': return cloak_enabled();
	case 'o': return dir == '-'; /* only OPER grants +o */
	case 'r': return 0;          /* services' alone */
	default: *unknown = 1; return 0;
	}
}

/* +x/-x tells everyone sharing a channel (CHGHOST, or a quit and join): not at will. */
static int
umode_check_rate(struct client *c, char dir, char letter)
{
	unsigned wait = 0;

	if (letter != 'x' || (dir == '+') == ((c->umodes & UMODE_CLOAK) != 0))
		return 1;
	if (ratelimit_cloak_change(c, &wait))
		return 1;
	send_line(c, ":%s NOTICE %s :*** Host cloak changes too fast (+x/-x): wait %u seconds",
	          me.name, c->nick, wait);
	return 0;
}

/* The modes other servers know of a user (i w o) go to the links; the rest stay here. */
static void
umode_relay(struct client *c, const char *letters)
{
	char out[32], dir = 0, want = '+';
	size_t n = 0;

	for (const char *p = letters; *p != '\0' && n + 3 < sizeof(out); p++) {
		if (*p == '+' || *p == '-') {
			want = *p;
			continue;
		}
		if (strchr("iwo", *p) == NULL)
			continue;
		if (dir != want)
			out[n++] = dir = want;
		out[n++] = *p;
	}
	out[n] = '\0';
	if (n > 0)
		links_send(NULL, ":%s MODE %s :%s", c->uid, c->uid, out);
}

static void
user_mode(struct client *c, struct irc_msg *m)
{
	struct mode_line out;
	int unknown = 0, next_param = 2;
	char dir = '+';

	memset(&out, 0, sizeof(out));
	for (const char *p = m->argv[1]; *p != '\0'; p++) {
		if (*p == '+' || *p == '-')
			dir = *p;
		else if (*p == 's')
			umode_snotice(
			    c, dir, next_param < m->argc ? m->argv[next_param++] : NULL, &out);
		else if (umode_check(dir, *p, &unknown) && umode_check_rate(c, dir, *p))
			umode_proceed(c, dir, *p, &out);
	}
	if (unknown)
		reply(c, ERR_UMODEUNKNOWNFLAG, ":Unknown MODE flag");
	/* The echo goes to the user alone: a peer's user hears of it from its server. */
	if (out.nletters > 0) {
		send_line(c, ":%s!%s@%s MODE %s :%s", c->nick, c->user, c->host, c->nick,
		          out.letters);
		umode_relay(c, out.letters);
		/* +x/-x changed the shown host: every server shows the same one */
		if (strchr(out.letters, 'x') != NULL)
			link_relay_chghost(NULL, c);
	}
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

/*
 * The parameter a TS6 mode letter takes in this direction: 1 or 0 for ours;
 * for a letter we do not have, 2 when it takes one, -1 when not.  Letters we do not have are
 * counted as the peer's dialect defines them, so the parameters after them stay in step:
 * hybrid's statuses h q a; charybdis's (Solanum's CHANMODES=eIbq,k,flj,...)
 * f (forward) and j (join throttle) when set.  q is the quiet list from charybdis
 * (ours, as b), a status from hybrid.
 */
static int
ts6_takes_param(int dialect, char dir, char letter)
{
	switch (letter) {
	case 'b':
	case 'e':
	case 'I':
	case 'o':
	case 'v':
	case 'k': return 1;
	case 'l': return dir == '+';
	default: break;
	}
	if (flag_mode(letter) != 0)
		return 0;
	if (dialect == DIALECT_CHARYBDIS)
		return letter == 'q'                                    ? 1
		       : dir == '+' && (letter == 'f' || letter == 'j') ? 2
		                                                        : -1;
	return letter == 'h' || letter == 'q' || letter == 'a' ? 2 : -1;
}

static int
ts6_change(char dir, char letter, const char *param, struct mode_change *mc)
{
	mc->dir = dir;
	mc->letter = letter;
	switch (letter) {
	case 'o':
	case 'v': mc->member = client_find(param); return mc->member != NULL;
	case 'b':
	case 'e':
	case 'I':
	case 'q':
		mc->arg = param;
		return param[0] != '\0' && param[0] != ':' && strlen(param) <= BANMASK_MAX;
	case 'k': mc->arg = param; return dir == '-' || param[0] != '\0';
	case 'l':
		mc->limit = dir == '+' ? (uint32_t)strtoul(param, NULL, 10) : 0;
		return dir == '-' || mc->limit > 0;
	default: return flag_mode(letter) != 0;
	}
}

/* Of two keys the strcmp-larger stays, of two limits the larger (equal TSes merge). */
static int
ts6_merge_loses(const struct channel *ch, const struct mode_change *mc)
{
	if (mc->dir != '+')
		return 0;
	if (mc->letter == 'k')
		return ch->key != NULL && strcmp(mc->arg, ch->key) <= 0;
	if (mc->letter == 'l')
		return ch->limit != 0 && mc->limit <= ch->limit;
	return 0;
}

static void
ts6_apply(const struct source *src, struct channel *ch, const char *modes, char **params,
          int nparams, struct mode_line *line, int merge)
{
	const struct link *l = src->link != NULL ? src->link->link : NULL;
	int dialect = l != NULL ? l->dialect : DIALECT_HYBRID;
	char dir = '+';
	int next = 0;

	for (const char *p = modes; *p != '\0'; p++) {
		struct mode_change mc = {0};
		const char *param = "";
		int takes;
		if (*p == '+' || *p == '-') {
			dir = *p;
			continue;
		}
		if ((takes = ts6_takes_param(dialect, dir, *p)) < 0)
			continue;
		if (takes) {
			if (next >= nparams)
				return;
			param = params[next++];
		}
		if (takes == 2)
			continue; /* not ours: its parameter is skipped with it */
		if (ts6_change(dir, *p, param, &mc) && !(merge && ts6_merge_loses(ch, &mc)))
			mode_proceed_change(src, ch, &mc, line);
	}
}

void
mode_proceed_ts6(const struct source *src, struct channel *ch, const char *modes, char **params,
                 int nparams, struct mode_line *line)
{
	ts6_apply(src, ch, modes, params, nparams, line, 0);
}

void
mode_merge_ts6(const struct source *src, struct channel *ch, const char *modes, char **params,
               int nparams, struct mode_line *line)
{
	ts6_apply(src, ch, modes, params, nparams, line, 1);
}

/* Does this letter of a mode line carry a parameter (as line_add put them)? */
static int
line_letter_has_param(char dir, char letter)
{
	return strchr("beIqovk", letter) != NULL || (letter == 'l' && dir == '+');
}

/* line without its +q/-q changes (and their masks), for links without the quiet list. */
static void
line_without_quiet(const struct mode_line *line, struct mode_line *out)
{
	const char *params = line->uid_params;
	char dir = '+';

	memset(out, 0, sizeof(*out));
	for (const char *p = line->letters; *p != '\0'; p++) {
		char word[sizeof(line->uid_params)];
		size_t len = 0;
		if (*p == '+' || *p == '-') {
			dir = *p;
			continue;
		}
		if (line_letter_has_param(dir, *p)) {
			params += strspn(params, " ");
			len = strcspn(params, " ");
			memcpy(word, params, len);
			params += len;
		}
		word[len] = '\0';
		if (*p != 'q')
			line_add(out, dir, *p, len > 0 ? word : NULL);
	}
}

void
link_relay_tmode(const struct source *src, const struct channel *ch,
                 const struct mode_line *line)
{
	struct link *skip = source_link(src), *l;
	struct mode_line plain;

	if (line->nletters == 0)
		return;
	if (strchr(line->letters, 'q') == NULL) {
		links_send(skip, ":%s TMODE %lld %s %s%s", source_id(src), (long long)ch->ts,
		           ch->name, line->letters, line->uid_params);
		return;
	}
	line_without_quiet(line, &plain);
	LIST_FOREACH (l, &links, entry) {
		const struct mode_line *shown = link_has_quiet(l) ? line : &plain;
		if (l == skip || l->server == NULL || shown->nletters == 0)
			continue;
		link_send(l, ":%s TMODE %lld %s %s%s", source_id(src), (long long)ch->ts,
		          ch->name, shown->letters, shown->uid_params);
	}
}

/* :<src> TMODE <chanTS> <#chan> <modes> [params]: dropped for a newer channel. */
static irc_result_t
tmode_remote(struct source *src, struct irc_msg *m)
{
	struct mode_line line = {.relay = link_relay_tmode};
	struct channel *ch;

	if (m->argc < 3 || (ch = channel_find(m->argv[1])) == NULL || link_ts(m->argv[0]) < 0 ||
	    link_ts(m->argv[0]) > ch->ts)
		return IRC_OK;
	mode_proceed_ts6(src, ch, m->argv[2], m->argv + 3, m->argc - 3, &line);
	mode_proceed_channel(src, ch, &line);
	link_relay_tmode(src, ch, &line);
	return IRC_OK;
}

HANDLER(mr_tmode)
{
	struct source src = {ORIGIN_REMOTE, c, c->server, c->server->via};

	return tmode_remote(&src, m);
}

SERVER_HANDLER(ms_tmode)
{
	return tmode_remote(src, m);
}

/* The masks a BMASK added, on to the other links (all one letter: +bbb). */
static void
bmask_relay(const struct source *src, const struct channel *ch, const struct mode_line *line)
{
	struct link *l;

	if (line->nletters < 2)
		return;
	if (line->letters[1] != 'q') {
		links_send(src->link->link, ":%s BMASK %lld %s %c :%s", src->server->sid,
		           (long long)ch->ts, ch->name, line->letters[1], line->params + 1);
		return;
	}
	LIST_FOREACH (l, &links, entry) /* hybrid has no +q */
		if (l != src->link->link && l->server != NULL && link_has_quiet(l))
			link_send(l, ":%s BMASK %lld %s q :%s", src->server->sid,
			          (long long)ch->ts, ch->name, line->params + 1);
}

/* :<sid> BMASK <chanTS> <#chan> <b|e|I|q> :<masks> */
SERVER_HANDLER(ms_bmask)
{
	struct mode_line line = {.relay = bmask_relay};
	struct channel *ch;
	char *masks, *mask;

	if (m->argc < 4 || (ch = channel_find(m->argv[1])) == NULL || link_ts(m->argv[0]) < 0 ||
	    link_ts(m->argv[0]) > ch->ts || m->argv[2][0] == '\0' || m->argv[2][1] != '\0' ||
	    strchr("beIq", m->argv[2][0]) == NULL)
		return IRC_OK;
	masks = m->argv[3];
	while ((mask = strsep(&masks, " ")) != NULL) {
		struct mode_change mc = {'+', m->argv[2][0], mask, 0, NULL};
		if (*mask != '\0' && *mask != ':' && strlen(mask) <= BANMASK_MAX)
			mode_proceed_change(src, ch, &mc, &line);
	}
	mode_proceed_channel(src, ch, &line);
	bmask_relay(src, ch, &line);
	return IRC_OK;
}

/* ":<UID> MODE <UID> :+modes" from a link: the user's own modes. */
HANDLER(mr_mode)
{
	struct mode_line line = {0};
	char dir = '+';

	if (m->argc < 2 || client_find(m->argv[0]) != c)
		return IRC_OK;
	for (const char *p = m->argv[1]; *p != '\0'; p++) {
		if (*p == '+' || *p == '-')
			dir = *p;
		else if (strchr("iwor", *p) != NULL)
			umode_proceed(c, dir, *p, &line);
	}
	if (line.nletters > 0)
		links_send(link_of_client(c), ":%s MODE %s :%s", c->uid, c->uid, line.letters);
	return IRC_OK;
}
