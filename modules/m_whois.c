/* m_whois.c - WHOIS: one user's details, hiding what the asker may not see. */
#include <stdio.h>
#include <string.h>

#include "modules/modules.h"
#include "net/conn.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/metadata.h"
#include "state/server.h"

static void
whois_channels(struct client *c, struct client *u)
{
	char prefix[128], buf[OUT_LINE_MAX];
	size_t plen, len = 0;
	struct membership *m;

	plen = (size_t)snprintf(prefix, sizeof(prefix), "%s :", u->nick);
	LIST_FOREACH (m, &u->channels, client_link) {
		struct channel *ch = m->channel;
		char entry[CHANNELLEN_MAX + 4];
		size_t elen;
		if (!channel_visible(ch, c) && c != u)
			continue;
		elen = (size_t)snprintf(entry, sizeof(entry), "%s%s", member_prefix(m, 0),
		                        ch->name);
		/* ":server 319 nick " takes up to ~150 bytes of the 512. */
		if (len > 0 && plen + len + 1 + elen > 350) {
			reply(c, RPL_WHOISCHANNELS, "%s%.*s", prefix, (int)len, buf);
			len = 0;
		}
		if (len > 0)
			buf[len++] = ' ';
		memcpy(buf + len, entry, elen);
		len += elen;
	}
	if (len > 0)
		reply(c, RPL_WHOISCHANNELS, "%s%.*s", prefix, (int)len, buf);
}

/* 320: how a local user came in, when it was not plain IRC (WebSocket, a WebIRC gateway). */
static void
whois_transport(struct client *c, struct client *u)
{
	if (u->local == NULL)
		return;
	if (conn_is_websocket(u->local->conn))
		reply(c, RPL_WHOISSPECIAL, "%s :is connected over WebSocket", u->nick);
	if (u->local->gateway != NULL)
		reply(c, RPL_WHOISSPECIAL, "%s :is connected via the WebIRC gateway %s",
		      u->nick, u->local->gateway);
}

/* draft/metadata-3: every key is visible to everyone here, so WHOIS shows them all. */
static void
whois_metadata(struct client *c, struct client *u)
{
	struct metadata *md;

	TAILQ_FOREACH (md, &u->metadata.head, link)
		reply(c, RPL_WHOISKEYVALUE, "%s %s * :%s", u->nick, md->key, md->value);
}

static void
whois_one(struct client *c, struct client *u)
{
	reply(c, RPL_WHOISUSER, "%s %s %s * :%s", u->nick, u->user, u->host,
	      u->realname ? u->realname : "");
	whois_channels(c, u);
	reply(c, RPL_WHOISSERVER, "%s %s :%s", u->nick, u->server->name,
	      u->server->description ? u->server->description : "");
	if (u->away != NULL)
		reply(c, RPL_AWAY, "%s :%s", u->nick, u->away);
	if (u->umodes & UMODE_REGNICK) /* services said so (+r) */
		reply(c, RPL_WHOISREGNICK, "%s :has identified for this nick", u->nick);
	if (u->umodes & UMODE_OPER)
		reply(c, RPL_WHOISOPERATOR, "%s :is an IRC operator", u->nick);
	if (c == u || (c->umodes & UMODE_OPER))
		reply(c, RPL_WHOISHOST, "%s :is connecting from *@%s %s", u->nick, u->realhost,
		      u->ip);
	if (u->account != NULL)
		reply(c, RPL_WHOISACCOUNT, "%s %s :is logged in as", u->nick, u->account);
	if (u->umodes & UMODE_BOT)
		reply(c, RPL_WHOISBOT, "%s :is a bot", u->nick);
	if (u->secure)
		reply(c, RPL_WHOISSECURE, "%s :is using a secure connection", u->nick);
	whois_transport(c, u);
	/* The fingerprint is an identity: shown to its owner and to opers. */
	if (u->certfp != NULL && (c == u || (c->umodes & UMODE_OPER)))
		reply(c, RPL_WHOISCERTFP, "%s :has client certificate fingerprint %s", u->nick,
		      u->certfp);
	whois_metadata(c, u);
	if (u->local != NULL)
		reply(c, RPL_WHOISIDLE, "%s %lld %lld :seconds idle, signon time", u->nick,
		      (long long)(now - u->local->last_message), (long long)u->signon);
}

HANDLER(m_whois)
{
	/* "WHOIS server nick" asks a given server; we answer for all. */
	const char *target = m->argc > 1 ? m->argv[1] : m->argc > 0 ? m->argv[0] : "";
	char first[NICKLEN_MAX + 1];
	struct client *u;

	if (*target == '\0') {
		reply(c, ERR_NONICKNAMEGIVEN, ":No nickname given");
		return IRC_OK;
	}
	/* The idle time is the user's own server's to tell. */
	if (m->argc > 1 && route_query(c, "WHOIS", m->argv[0], target))
		return IRC_OK;
	/* TARGMAX WHOIS:1 - the first nick of a list. */
	str_copy(first, target, sizeof(first));
	first[strcspn(first, ",")] = '\0';
	u = client_find_nick(first);
	if (u == NULL || !u->registered)
		reply(c, ERR_NOSUCHNICK, "%s :No such nick/channel", param_word(first));
	else
		whois_one(c, u);
	reply(c, RPL_ENDOFWHOIS, "%s :End of /WHOIS list",
	      u && u->registered ? u->nick : param_word(first));
	return IRC_OK;
}
