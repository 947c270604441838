/* m_cap.c - CAP LS/LIST/REQ/END: IRCv3 capability negotiation. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/conf.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "proto/cap.h"
#include "proto/metasync.h"
#include "proto/numeric.h"
#include "proto/sasl.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/local.h"
#include "state/metadata.h"
#include "state/server.h"

struct capability {
	const char *name;
	uint32_t bit;
	const char *value; /* shown to CAP LS 302 clients, or NULL */
	int sticky;        /* cannot be removed once enabled */
};

/* Every capability this server offers, in the order LS lists them. */
static const struct capability caps[] = {
    {"account-notify", CAP_ACCOUNT_NOTIFY, NULL, 0},
    {"account-tag", CAP_ACCOUNT_TAG, NULL, 0},
    {"away-notify", CAP_AWAY_NOTIFY, NULL, 0},
    {"batch", CAP_BATCH, NULL, 0},
    {"cap-notify", CAP_CAP_NOTIFY, NULL, 0},
    {"chghost", CAP_CHGHOST, NULL, 0},
    {"draft/account-registration", CAP_ACCOUNT_REGISTRATION, NULL, 0}, /* register_cap_value */
    {"draft/channel-rename", CAP_CHANNEL_RENAME, NULL, 0},
    {"draft/chathistory", CAP_CHATHISTORY, NULL, 0},
    {"draft/event-playback", CAP_EVENT_PLAYBACK, NULL, 0},
    {"draft/message-redaction", CAP_MESSAGE_REDACTION, NULL, 0},
    {"draft/metadata-3", CAP_METADATA, METADATA_CAP_VALUE, 0},
    {"draft/multiline", CAP_MULTILINE, "max-bytes=4096,max-lines=32", 0},
    {"draft/no-implicit-names", CAP_NO_IMPLICIT_NAMES, NULL, 0},
    {"draft/read-marker", CAP_READ_MARKER, NULL, 0},
    {"echo-message", CAP_ECHO_MESSAGE, NULL, 0},
    {"extended-join", CAP_EXTENDED_JOIN, NULL, 0},
    {"extended-monitor", CAP_EXTENDED_MONITOR, NULL, 0},
    {"invite-notify", CAP_INVITE_NOTIFY, NULL, 0},
    {"labeled-response", CAP_LABELED_RESPONSE, NULL, 0},
    {"message-tags", CAP_MESSAGE_TAGS, NULL, 0},
    {"multi-prefix", CAP_MULTI_PREFIX, NULL, 0},
    {"sasl", CAP_SASL, SASL_MECHS, 0},
    {"server-time", CAP_SERVER_TIME, NULL, 0},
    {"setname", CAP_SETNAME, NULL, 0},
    {"standard-replies", CAP_STANDARD_REPLIES, NULL, 0},
    {"userhost-in-names", CAP_USERHOST_IN_NAMES, NULL, 0},
};

/* Room in one CAP line after ":server CAP nick LS * :". */
#define CAP_LINE_ROOM 400

static const struct capability *
cap_find(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(caps); i++)
		if (strlen(caps[i].name) == len && strncasecmp(caps[i].name, name, len) == 0)
			return &caps[i];
	return NULL;
}

static void
cap_reply(struct client *c, const char *sub, int more, const char *list)
{
	send_line(c, ":%s CAP %s %s%s :%s", me.name, client_name(c), sub, more ? " *" : "",
	          list);
}

/* sts: a port to move to on plaintext, a duration to keep to TLS on TLS. */
static int
sts_value(const struct client *c, char *out, size_t size)
{
	const struct conf_tls *t = &conf->tls;

	if (t->sts_duration == 0 || !t->trusted)
		return 0;
	if (c->secure)
		snprintf(out, size, "sts=duration=%u%s", t->sts_duration,
		         t->sts_preload ? ",preload" : "");
	else
		snprintf(out, size, "sts=port=%d", t->sts_port);
	return 1;
}

/* LS and LIST: split over several lines ("*" before the last) when long. */
static void
cap_list(struct client *c, const char *sub, uint32_t mask, int values)
{
	char line[CAP_LINE_ROOM + 1] = "";
	size_t n = 0;

	for (size_t i = 0; i <= ARRAY_LEN(caps); i++) {
		char item[128];
		int len;
		if (i == ARRAY_LEN(caps)) {
			/* sts is listed by LS only, never enabled by REQ. */
			if (mask != ~0u || !sts_value(c, item, sizeof(item)))
				break;
			if (!values)
				item[3] = '\0';
			len = (int)strlen(item);
		} else if (!(caps[i].bit & mask) ||
		           (mask == ~0u && caps[i].bit == CAP_SASL && !sasl_available())) {
			continue; /* sasl: not while the services to relay to are away */
		} else {
			/* sasl=: our mechanisms, or those of the services relayed to */
			const char *value = caps[i].bit == CAP_SASL ? sasl_mechanisms()
			                    : caps[i].bit == CAP_ACCOUNT_REGISTRATION
			                        ? register_cap_value()
			                        : caps[i].value;
			len =
			    snprintf(item, sizeof(item), "%s%s%s", caps[i].name,
			             values && value ? "=" : "", values && value ? value : "");
		}
		if (n > 0 && n + 1 + (size_t)len > CAP_LINE_ROOM) {
			/* Pre-302 clients cannot take continuation lines. */
			if (c->local->cap_version >= 302) {
				cap_reply(c, sub, 1, line);
				n = 0;
			} else {
				break;
			}
		}
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", n ? " " : "", item);
	}
	cap_reply(c, sub, 0, line);
}

static void
caps_changed(struct client *c)
{
	c->local->tags_wanted = client_wanted_tags(c);
	metasync_caps_changed(c);
}

/* All or nothing, as the spec requires. */
static void
cap_req(struct client *c, char *req)
{
	uint32_t add = 0, del = 0;
	char *p = req + strspn(req, " ");

	if (*p == '\0') {
		cap_reply(c, "NAK", 0, req);
		return;
	}
	while (*p != '\0') {
		char *end = p + strcspn(p, " ");
		int remove = *p == '-';
		const struct capability *cap = cap_find(p + remove, (size_t)(end - p - remove));
		if (cap == NULL || (remove && cap->sticky)) {
			cap_reply(c, "NAK", 0, req);
			return;
		}
		if (remove)
			del |= cap->bit;
		else
			add |= cap->bit;
		p = end + strspn(end, " ");
	}
	/* A 302 client keeps cap-notify: it cannot turn it off. */
	if (c->local->cap_version >= 302)
		del &= ~CAP_CAP_NOTIFY;
	c->local->caps = (c->local->caps | add) & ~del;
	caps_changed(c);
	cap_reply(c, "ACK", 0, req);
}

HANDLER(m_cap)
{
	struct local *cn = c->local;
	const char *sub = m->argv[0];

	if (strcasecmp(sub, "LS") == 0) {
		if (!c->registered)
			cn->flags |= LOCAL_CAP_NEGOTIATING;
		if (m->argc > 1) {
			long v;
			if (str_to_long(m->argv[1], 0, 100000, &v) == 0 && v >= 302) {
				cn->cap_version = 302;
				cn->caps |= CAP_CAP_NOTIFY;
			}
		}
		cap_list(c, "LS", ~0u, cn->cap_version >= 302);
	} else if (strcasecmp(sub, "LIST") == 0) {
		cap_list(c, "LIST", cn->caps, 0);
	} else if (strcasecmp(sub, "REQ") == 0) {
		if (!c->registered)
			cn->flags |= LOCAL_CAP_NEGOTIATING;
		cap_req(c, m->argc > 1 ? m->argv[1] : (char *)"");
	} else if (strcasecmp(sub, "END") == 0) {
		if (c->registered || !(cn->flags & LOCAL_CAP_NEGOTIATING))
			return IRC_OK;
		cn->flags &= ~LOCAL_CAP_NEGOTIATING;
		return register_try(c);
	} else {
		reply(c, ERR_INVALIDCAPCMD, "%.20s :Invalid CAP command", param_word(sub));
	}
	return IRC_OK;
}
