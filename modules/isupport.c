/* isupport.c - RPL_ISUPPORT (005) tokens, built from the config. */
#include <stdio.h>
#include <string.h>

#include "base/conf.h"
#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/monitor.h"
#include "store/history.h"

#define TOKENS_PER_LINE 13
#define MODES_PER_LINE 4

/*
 * The tokens change only with the config: the lines are built at start and
 * at each rehash, not for every registration (which spent a third of its
 * time formatting them).
 */
static char lines[4][OUT_LINE_MAX];
static size_t nlines;

void
isupport_load(void)
{
	const struct conf_limits *l = &conf->limits;
	char tokens[40][96];
	size_t n = 0;

#define TOKEN(...) snprintf(tokens[n++], sizeof(tokens[0]), __VA_ARGS__)
	TOKEN("AWAYLEN=%u", l->awaylen);
	TOKEN("BOT=B");
	TOKEN("CASEMAPPING=rfc1459");
	TOKEN("CHANLIMIT=#:%u", l->max_channels);
	TOKEN("CHANMODES=beIq,k,l,COimnpst");
	if (history_enabled())
		TOKEN("CHATHISTORY=%u", HISTORY_QUERY_MAX);
	TOKEN("CHANNELLEN=%u", l->channellen);
	TOKEN("CHANTYPES=#");
	TOKEN("ELIST=CMNTU");
	TOKEN("EXCEPTS=e");
	TOKEN("EXTBAN=,m"); /* no prefix character: "m:mask", as InspIRCd writes it */
	TOKEN("INVEX=I");
	TOKEN("KICKLEN=%u", l->kicklen);
	TOKEN("MAXLIST=beIq:%u", l->max_list);
	TOKEN("MAXTARGETS=%u", l->max_targets);
	TOKEN("MODES=%u", MODES_PER_LINE);
	TOKEN("MONITOR=%u", MONITOR_MAX);
	if (history_enabled())
		TOKEN("MSGREFTYPES=msgid,timestamp");
	TOKEN("NETWORK=%s", conf->network);
	TOKEN("NICKLEN=%u", l->nicklen);
	TOKEN("PREFIX=(ov)@+");
	TOKEN("SAFELIST");
	TOKEN("STATUSMSG=@+");
	TOKEN("TARGMAX=JOIN:,KICK:%u,LIST:1,NAMES:%u,NOTICE:%u,PART:,PRIVMSG:%u,WHOIS:1",
	      l->max_targets, l->max_targets, l->max_targets, l->max_targets);
	TOKEN("TOPICLEN=%u", l->topiclen);
	TOKEN("USERLEN=%u", USERLEN);
	if (conf->utf8only)
		TOKEN("UTF8ONLY");
	TOKEN("WHOX");
#undef TOKEN

	nlines = 0;
	for (size_t i = 0; i < n && nlines < sizeof(lines) / sizeof(lines[0]);
	     i += TOKENS_PER_LINE) {
		char *line = lines[nlines++];
		size_t len = 0;
		for (size_t j = i; j < n && j < i + TOKENS_PER_LINE; j++)
			len += (size_t)snprintf(line + len, sizeof(lines[0]) - len, "%s ",
			                        tokens[j]);
	}
}

void
isupport_send(struct client *c)
{
	for (size_t i = 0; i < nlines; i++)
		reply(c, RPL_ISUPPORT, "%s:are supported by this server", lines[i]);
}
