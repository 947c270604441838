/* command.c - the command table, validated dispatch, 421/451/461/462. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/casemap.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/stats.h"
#include "net/conn.h"
#include "proto/batch.h"
#include "proto/cap.h"
#include "proto/command.h"
#include "proto/link.h"
#include "proto/multiline.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"

static struct command *commands;
static size_t ncommands;

/* Open-addressed index over the table, hashed case-insensitively. */
#define INDEX_SIZE 128
static struct command *index_slots[INDEX_SIZE];

static unsigned
name_hash(const char *s)
{
	unsigned h = 5381;
	for (; *s != '\0'; s++)
		h = h * 33 + (unsigned char)(*s & ~0x20);
	return h;
}

void
command_table_install(struct command *table, size_t n)
{
	commands = table;
	ncommands = n;
	memset(index_slots, 0, sizeof(index_slots));
	for (size_t i = 0; i < ncommands; i++) {
		unsigned h = name_hash(commands[i].name) & (INDEX_SIZE - 1);
		while (index_slots[h] != NULL)
			h = (h + 1) & (INDEX_SIZE - 1);
		index_slots[h] = &commands[i];
	}
}

struct command *
command_find(const char *name)
{
	unsigned h = name_hash(name) & (INDEX_SIZE - 1);

	while (index_slots[h] != NULL) {
		if (strcasecmp(index_slots[h]->name, name) == 0)
			return index_slots[h];
		h = (h + 1) & (INDEX_SIZE - 1);
	}
	return NULL;
}

size_t
command_table(struct command **table)
{
	*table = commands;
	return ncommands;
}

static irc_result_t
reject_parse(struct client *c, enum parse_result r)
{
	stats.parse_errors++;
	switch (r) {
	case PARSE_TOO_LONG: reply(c, ERR_INPUTTOOLONG, ":Input line was too long"); break;
	case PARSE_BAD_TAGS:
	case PARSE_NO_COMMAND: send_notice(c, "*** Malformed line ignored"); break;
	default: break;
	}
	return IRC_OK;
}

/* The state checks every handler may rely on. */
static int
command_allowed(struct client *c, const struct command *cmd)
{
	if (!c->registered) {
		if (!(cmd->allowed & CMD_UNREG)) {
			reply(c, ERR_NOTREGISTERED, ":You have not registered");
			return 0;
		}
		return 1;
	}
	if (!(cmd->allowed & CMD_USER)) {
		reply(c, ERR_ALREADYREGISTERED, ":You may not reregister");
		return 0;
	}
	if ((cmd->allowed & CMD_OPER) && !(c->umodes & UMODE_OPER)) {
		reply(c, ERR_NOPRIVILEGES, ":Permission Denied - You're not an IRC operator");
		return 0;
	}
	return 1;
}

/* The value of tag key in a raw tag section, unescaped into out; 0 if found. */
static int
tag_find(const char *tags, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);

	while (tags != NULL && *tags != '\0') {
		size_t len = strcspn(tags, ";");
		if (len >= klen && strncmp(tags, key, klen) == 0 &&
		    (len == klen || tags[klen] == '=')) {
			size_t vlen = len > klen ? len - klen - 1 : 0;
			snprintf(out, size, "%.*s", (int)vlen, tags + klen + 1);
			tag_unescape(out);
			return 0;
		}
		tags += len;
		if (*tags == ';')
			tags++;
	}
	return -1;
}

static irc_result_t
command_run(struct client *c, struct irc_msg *m, struct command *cmd, size_t len)
{
	/* Commands only servers send are unknown to clients. */
	if (cmd == NULL || cmd->local == NULL) {
		stats.unknown_commands++;
		reply(c, ERR_UNKNOWNCOMMAND, "%.32s :Unknown command", m->command);
		return IRC_OK;
	}
	cmd->count++;
	cmd->bytes += len + 2;
	if (!command_allowed(c, cmd))
		return IRC_OK;
	if (m->argc < cmd->min_params) {
		reply(c, ERR_NEEDMOREPARAMS, "%s :Not enough parameters", cmd->name);
		return IRC_OK;
	}
	return cmd->local(c, m);
}

/*
 * Only for clients connected here: fake lag, UTF-8, multiline gathering
 * and labels.  A line from a link goes through none of these.
 */
irc_result_t
command_dispatch_local(struct client *c, char *line, size_t len)
{
	struct irc_msg m;
	struct command *cmd;
	enum parse_result r = irc_parse(line, len, IRC_CLIENT_TAGS_MAX, &m);
	char label[LABEL_MAX + 1];
	int labeled;
	irc_result_t result;

	if (r == PARSE_EMPTY)
		return IRC_OK;
	cmd = r == PARSE_OK ? command_find(m.command) : NULL;
	conn_charge(c->local->conn, cmd != NULL ? cmd->penalty : 1);
	if (r != PARSE_OK)
		return reject_parse(c, r);
	if (conf->utf8only && !utf8_valid(line, len)) {
		send_fail(c, m.command, "INVALID_UTF8", NULL,
		          "Message rejected: this server accepts only UTF-8");
		return IRC_OK;
	}
	if (c->local->multiline != NULL && m.tags != NULL &&
	    tag_find(m.tags, "batch", label, sizeof(label)) == 0 &&
	    multiline_take(c, &m, label))
		return IRC_OK;
	labeled = (c->local->caps & CAP_LABELED_RESPONSE) && m.tags != NULL &&
	          tag_find(m.tags, "label", label, sizeof(label)) == 0 && label[0] != '\0';
	if (labeled)
		label_begin(c, label);
	result = command_run(c, &m, cmd, len);
	batch_close_all(c, m.command);
	if (labeled)
		label_end(c);
	return result;
}

/*
 * Who sent a line that came over link: the link itself when there is no
 * prefix, else a server (SID or name) or a user (UID, or a nick).  A
 * source must sit on link's side of the tree: anything else is a fake
 * direction and is dropped, as every TS6 server does.
 */
static int
source_resolve(struct server *link, const char *prefix, struct source *src)
{
	memset(src, 0, sizeof(*src));
	src->link = link;
	if (prefix == NULL) {
		src->origin = ORIGIN_SERVER;
		src->server = link;
		return 0;
	}
	if (strchr(prefix, '.') != NULL ||
	    (isdigit((unsigned char)prefix[0]) && strlen(prefix) == SIDLEN)) {
		src->origin = ORIGIN_SERVER;
		src->server = server_find(prefix);
	} else if ((src->client = client_find(prefix)) != NULL && src->client->registered) {
		src->origin = ORIGIN_REMOTE;
		src->server = src->client->server;
	}
	if (src->server == NULL || src->server->via != link)
		return -1;
	return 0;
}

irc_result_t
command_dispatch_link(struct server *link, char *line, size_t len)
{
	struct irc_msg m;
	struct source src;
	struct command *cmd;
	enum parse_result r = irc_parse(line, len, IRC_TAGS_MAX, &m);

	if (r == PARSE_EMPTY)
		return IRC_OK;
	if (r != PARSE_OK) {
		stats.parse_errors++;
		log_debug("link %s: unparsable line dropped", link->name);
		return IRC_OK;
	}
	if (source_resolve(link, m.source, &src) != 0) {
		log_debug("link %s: %s from unknown or wrong-way source %s dropped", link->name,
		          m.command, m.source);
		return IRC_OK;
	}
	/* A numeric answers one of our users' queries: it goes to that user. */
	if (strlen(m.command) == 3 && isdigit((unsigned char)m.command[0]) &&
	    isdigit((unsigned char)m.command[1]) && isdigit((unsigned char)m.command[2])) {
		link_numeric(&src, &m);
		return IRC_OK;
	}
	cmd = command_find(m.command);
	if (cmd == NULL ||
	    (src.origin == ORIGIN_REMOTE ? cmd->remote == NULL : cmd->server == NULL)) {
		stats.unknown_commands++;
		log_debug("link %s: %s not taken from this origin", link->name, m.command);
		return IRC_OK;
	}
	cmd->count++;
	cmd->bytes += len + 2;
	if (src.origin == ORIGIN_REMOTE)
		return cmd->remote(src.client, &m);
	return cmd->server(&src, &m);
}
