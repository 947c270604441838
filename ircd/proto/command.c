/* command.c - the command table, validated dispatch, 421/451/461/462. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/casemap.h"
#include "state/client.h"
#include "proto/command.h"
#include "base/conf.h"
#include "net/conn.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "base/stats.h"
#include "modules/modules.h"

#define U CMD_UNREG
#define R CMD_USER
#define O (CMD_USER | CMD_OPER)

/* Sorted by name; name, handler, allowed states, min params, penalty. */
static struct command commands[] = {
    {"ACCOUNT", m_account, R, 1, 1, 0, 0},
    {"ADMIN", m_admin, R, 0, 2, 0, 0},
    {"AUTHENTICATE", m_authenticate, U | R, 1, 1, 0, 0},
    {"AWAY", m_away, R, 0, 1, 0, 0},
    {"BATCH", m_batch, R, 1, 1, 0, 0},
    {"CAP", m_cap, U | R, 1, 1, 0, 0},
    {"CHATHISTORY", m_chathistory, R, 1, 2, 0, 0},
    {"DIE", m_die, O, 0, 1, 0, 0},
    {"DLINE", m_dline, O, 1, 1, 0, 0},
    {"HELP", m_help, R, 0, 2, 0, 0},
    {"INFO", m_info, R, 0, 2, 0, 0},
    {"INVITE", m_invite, R, 2, 1, 0, 0},
    {"ISON", m_ison, R, 1, 1, 0, 0},
    {"JOIN", m_join, R, 1, 2, 0, 0},
    {"KICK", m_kick, R, 2, 1, 0, 0},
    {"KILL", m_kill, O, 1, 1, 0, 0},
    {"KLINE", m_kline, O, 1, 1, 0, 0},
    {"LIST", m_list, R, 0, 2, 0, 0},
    {"LUSERS", m_lusers, R, 0, 2, 0, 0},
    {"MARKREAD", m_markread, R, 1, 1, 0, 0},
    {"METADATA", m_metadata, U | R, 0, 1, 0, 0},
    {"MODE", m_mode, R, 1, 1, 0, 0},
    {"MONITOR", m_monitor, R, 1, 1, 0, 0},
    {"MOTD", m_motd, R, 0, 2, 0, 0},
    {"NAMES", m_names, R, 0, 2, 0, 0},
    {"NICK", m_nick, U | R, 0, 2, 0, 0},
    {"NOTICE", m_notice, R, 0, 1, 0, 0},
    {"OPER", m_oper, R, 1, 3, 0, 0},
    {"PART", m_part, R, 1, 2, 0, 0},
    {"PASS", m_pass, U | R, 1, 0, 0, 0},
    {"PING", m_ping, U | R, 0, 0, 0, 0},
    {"PONG", m_pong, U | R, 0, 0, 0, 0},
    {"PRIVMSG", m_privmsg, R, 0, 1, 0, 0},
    {"QUIT", m_quit, U | R, 0, 0, 0, 0},
    {"REDACT", m_redact, R, 2, 1, 0, 0},
    {"REGISTER", m_register, U | R, 3, 5, 0, 0},
    {"REHASH", m_rehash, O, 0, 1, 0, 0},
    {"RESTART", m_restart, O, 0, 1, 0, 0},
    {"SETNAME", m_setname, R, 1, 1, 0, 0},
    {"STATS", m_stats, R, 0, 2, 0, 0},
    {"TAGMSG", m_tagmsg, R, 1, 1, 0, 0},
    {"TIME", m_time, R, 0, 1, 0, 0},
    {"TOPIC", m_topic, R, 1, 1, 0, 0},
    {"UNDLINE", m_undline, O, 1, 1, 0, 0},
    {"UNKLINE", m_unkline, O, 1, 1, 0, 0},
    {"USER", m_user, U | R, 4, 0, 0, 0},
    {"USERHOST", m_userhost, R, 1, 1, 0, 0},
    {"VERIFY", m_verify, U | R, 2, 5, 0, 0},
    {"VERSION", m_version, R, 0, 2, 0, 0},
    {"WALLOPS", m_wallops, O, 1, 1, 0, 0},
    {"WHO", m_who, R, 0, 2, 0, 0},
    {"WHOIS", m_whois, R, 0, 2, 0, 0},
    {"WHOWAS", m_whowas, R, 0, 2, 0, 0},
};

#undef U
#undef R
#undef O

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
command_init(void)
{
	memset(index_slots, 0, sizeof(index_slots));
	for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
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
	return ARRAY_LEN(commands);
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
	if (cmd == NULL) {
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
	return cmd->handler(c, m);
}

irc_result_t
command_dispatch(struct client *c, char *line, size_t len)
{
	struct irc_msg m;
	struct command *cmd;
	enum parse_result r = irc_parse(line, len, IRC_CLIENT_TAGS_MAX, &m);
	char label[65];
	int labeled;
	irc_result_t result;

	if (r == PARSE_EMPTY)
		return IRC_OK;
	cmd = r == PARSE_OK ? command_find(m.command) : NULL;
	conn_charge(c->conn, cmd != NULL ? cmd->penalty : 1);
	if (r != PARSE_OK)
		return reject_parse(c, r);
	if (conf->utf8only && !utf8_valid(line, len)) {
		send_fail(c, m.command, "INVALID_UTF8", NULL,
		          "Message rejected: this server accepts only UTF-8");
		return IRC_OK;
	}
	if (c->conn->multiline != NULL && m.tags != NULL &&
	    tag_find(m.tags, "batch", label, sizeof(label)) == 0 &&
	    multiline_take(c, &m, label))
		return IRC_OK;
	labeled = (c->conn->caps & CAP_LABELED_RESPONSE) && m.tags != NULL &&
	          tag_find(m.tags, "label", label, sizeof(label)) == 0 && label[0] != '\0';
	if (labeled)
		conn_label_begin(c->conn, label);
	result = command_run(c, &m, cmd, len);
	if (labeled)
		conn_label_end(c->conn);
	return result;
}
