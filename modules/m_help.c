/* m_help.c - HELP: a short text for every command (704/705/706). */
#include <string.h>
#include <strings.h>

#include <stdio.h>

#include "modules/modules.h"
#include "proto/command.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"

struct help_entry {
	const char *topic;
	const char *const lines[6];
};

static const struct help_entry help[] = {
    {"ACCOUNT",
     {"ACCOUNT PASSWORD <new> | DROP <account> | CERT ADD|DEL",
      "Manages the account you are logged in to: change its password, drop it,",
      "or bind/unbind the TLS client certificate you connected with (EXTERNAL)."}},
    {"ADMIN", {"ADMIN", "Shows who administers this server."}},
    {"AUTHENTICATE",
     {"AUTHENTICATE <mechanism> | <base64> | *",
      "SASL login (PLAIN, EXTERNAL, SCRAM-SHA-256); needs the sasl capability",
      "before registration. * aborts."}},
    {"BATCH",
     {"BATCH +<ref> draft/multiline <target> ... BATCH -<ref>",
      "Sends one message of several lines (draft/multiline capability)."}},
    {"CHATHISTORY",
     {"CHATHISTORY LATEST|BEFORE|AFTER|AROUND <target> <ref> <limit>",
      "CHATHISTORY BETWEEN <target> <ref> <ref> <limit>",
      "CHATHISTORY TARGETS <timestamp> <timestamp> <limit>",
      "Replays stored messages; ref is *, msgid=... or timestamp=...",
      "Needs the draft/chathistory capability."}},
    {"CONNECT",
     {"CONNECT <server> [<port>]",
      "Links a server of a [link] block now (operators with the connect privilege)."}},
    {"DIE", {"DIE <server name>", "Stops the server (operators with the die privilege)."}},
    {"DLINE",
     {"DLINE [<minutes>] <ip[/bits]|nick> [:<reason>]",
      "Bans an address or range at connect time, stored across restarts."}},
    {"AWAY",
     {"AWAY [:<message>]", "Marks you away with a message, or back without one.",
      "People who message you see it (301)."}},
    {"CAP",
     {"CAP LS [302] | LIST | REQ :<caps> | END",
      "Negotiates IRCv3 capabilities. Registration waits for CAP END."}},
    {"HELP", {"HELP [<command>]", "Shows help for a command, or lists the commands."}},
    {"HELPOP", {"HELPOP [<command>]", "The same as HELP."}},
    {"INFO", {"INFO", "Shows information about this server software."}},
    {"INVITE",
     {"INVITE <nick> <#channel> | INVITE",
      "Invites a user into a channel; on +i channels only ops may invite.",
      "Without parameters: lists the channels you are invited to (336, 337)."}},
    {"ISON", {"ISON <nick> [<nick> ...]", "Shows which of the given nicks are online."}},
    {"JOIN",
     {"JOIN <#chan>[,<#chan>...] [<key>[,<key>...]]",
      "Joins channels, with keys for +k channels. JOIN 0 leaves all channels."}},
    {"KILL", {"KILL <nick> [:<reason>]", "Disconnects a user (operators)."}},
    {"KLINE",
     {"KLINE [<minutes>] <user@host|nick> [:<reason>]",
      "Bans user@host, disconnecting matching users now (operators)."}},
    {"KICK",
     {"KICK <#channel>[,<#channel>...] <nick>[,<nick>...] [:<reason>]",
      "Removes users from a channel. Needs channel operator status.",
      "One channel and several nicks, or as many channels as nicks (pairs)."}},
    {"LINKS",
     {"LINKS [<mask>]", "Lists the servers of the network: name, uplink, hops, description."}},
    {"LIST",
     {"LIST [<filters>]", "Lists channels. Filters (comma-separated):",
      ">n / <n: more / fewer than n users; C>n / C<n: created more / less",
      "than n minutes ago; T>n / T<n: topic age; a mask, or !mask to exclude."}},
    {"MARKREAD",
     {"MARKREAD <target> [timestamp=<time>]",
      "Gets or moves your read marker for a target (draft/read-marker)."}},
    {"METADATA",
     {"METADATA <target|*> GET <keys> | LIST | SET <key> [:<value>] | CLEAR",
      "METADATA * SUB|UNSUB <keys> | SUBS, METADATA <target|*ALL> SYNC",
      "User and channel metadata (draft/metadata-3 and batch)."}},
    {"MONITOR",
     {"MONITOR + <nicks> | - <nicks> | C | L | S",
      "Watches nicks for coming online and going offline (730/731)."}},
    {"LUSERS", {"LUSERS", "Shows how many users, operators and channels there are."}},
    {"MAP", {"MAP", "Shows the network's server tree with the users on each server."}},
    {"MODE",
     {"MODE <nick> [<+|-modes>]", "MODE <#channel> [<+|-modes> [<params>]]",
      "User modes: i (invisible), w (wallops), o (operator), s (server",
      "notices), x (cloaked host), B (bot).",
      "Channel modes: b e I (lists), k (key), l (limit), i m n p s t,",
      "o v (status). MODE #chan b lists bans."}},
    {"MOTD", {"MOTD", "Shows the message of the day."}},
    {"NAMES", {"NAMES <#channel>[,<#channel>...]", "Lists the members of channels."}},
    {"NICK", {"NICK <nickname>", "Sets or changes your nickname."}},
    {"NOTICE",
     {"NOTICE <target>[,<target>...] :<text>",
      "Like PRIVMSG, but never triggers automatic replies."}},
    {"OPER",
     {"OPER <name> [<password>]",
      "Logs in as an IRC operator (password and/or TLS certificate)."}},
    {"PART", {"PART <#chan>[,<#chan>...] [:<reason>]", "Leaves channels."}},
    {"PASS", {"PASS <password>", "Sends the connection password before NICK/USER."}},
    {"PING", {"PING <token>", "Asks the server to answer with PONG <token>."}},
    {"PONG", {"PONG <token>", "Answers a PING from the server."}},
    {"PRIVMSG",
     {"PRIVMSG <target>[,<target>...] :<text>",
      "Sends a message to users or channels. @#chan reaches only ops,",
      "+#chan voiced users and ops."}},
    {"QUIT", {"QUIT [:<reason>]", "Disconnects from the server."}},
    {"REDACT",
     {"REDACT <target> <msgid> [:<reason>]",
      "Withdraws one of your messages (draft/message-redaction)."}},
    {"REGISTER",
     {"REGISTER <account|*> <email|*> <password>",
      "Creates an account (draft/account-registration)."}},
    {"REHASH", {"REHASH", "Reloads the configuration, TLS certificate and MOTD (operators)."}},
    {"RENAME",
     {"RENAME <#channel> <#new-name> [:<reason>]",
      "Renames a channel, keeping its members, modes, lists, topic and history.",
      "Needs channel operator status; not while the server is linked (FAIL)."}},
    {"RESTART", {"RESTART <server name>", "Restarts the server (operators)."}},
    {"SETNAME", {"SETNAME :<realname>", "Changes your real name (setname capability)."}},
    {"SQUIT",
     {"SQUIT <server> [:<reason>]",
      "Splits a server (and all behind it) from the network (operators with the",
      "connect privilege)."}},
    {"STATS",
     {"STATS <letter> [<nick>]",
      "m commands, l links, u uptime, y classes, p operators; operators also",
      "get c (link blocks) k d o z t; l shows them server links too."}},
    {"TAGMSG", {"TAGMSG <target>", "Sends only tags (message-tags capability)."}},
    {"TIME", {"TIME", "Shows the server's time (UTC)."}},
    {"TOPIC",
     {"TOPIC <#channel> [:<topic>]",
      "Shows or sets the topic; on +t channels only ops may set it."}},
    {"UNDLINE", {"UNDLINE <ip[/bits]>", "Removes a D-line (operators)."}},
    {"UNKLINE", {"UNKLINE <user@host>", "Removes a K-line (operators)."}},
    {"USER",
     {"USER <username> 0 * :<realname>", "Sets your username and real name at "
                                         "registration."}},
    {"USERHOST", {"USERHOST <nick> [<nick> ...]", "Shows user@host for up to five nicks."}},
    {"VERIFY", {"VERIFY <account> <code>", "Confirms a registration with the emailed code."}},
    {"VERSION", {"VERSION", "Shows the server version and supported features."}},
    {"WALLOPS", {"WALLOPS :<text>", "Sends a message to every +w user (operators)."}},
    {"WHO",
     {"WHO <#channel|mask> [o]",
      "Lists users in a channel or matching a mask; o: operators only."}},
    {"WHOIS", {"WHOIS <nick>", "Shows information about a user."}},
    {"WHOWAS", {"WHOWAS <nick> [<count>]", "Shows who recently used a nickname."}},
};

const char *const *
help_text(const char *topic)
{
	for (size_t i = 0; i < ARRAY_LEN(help); i++)
		if (strcasecmp(help[i].topic, topic) == 0)
			return help[i].lines;
	return NULL;
}

static void
help_index(struct client *c)
{
	struct command *table;
	size_t n = command_table(&table);
	char line[OUT_LINE_MAX];
	size_t len = 0;

	reply(c, RPL_HELPSTART, "* :evircd help - HELP <command> for details");
	reply(c, RPL_HELPTXT, "* :");
	for (size_t i = 0; i < n; i++) {
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%-13s", table[i].name);
		if ((i + 1) % 6 == 0 || i + 1 == n) {
			reply(c, RPL_HELPTXT, "* :%s", line);
			len = 0;
		}
	}
	reply(c, RPL_ENDOFHELP, "* :End of /HELP");
}

HANDLER(m_help)
{
	const char *topic = m->argc > 0 ? m->argv[0] : "";
	const char *const *lines;
	char name[32];

	if (*topic == '\0') {
		help_index(c);
		return IRC_OK;
	}
	lines = help_text(topic);
	if (lines == NULL) {
		reply(c, ERR_HELPNOTFOUND, "%.30s :No help available on this topic",
		      param_word(topic));
		return IRC_OK;
	}
	str_copy(name, lines[0], sizeof(name));
	name[strcspn(name, " ")] = '\0';
	reply(c, RPL_HELPSTART, "%s :%s", name, lines[0]);
	for (size_t i = 1; i < 6 && lines[i] != NULL; i++)
		reply(c, RPL_HELPTXT, "%s :%s", name, lines[i]);
	reply(c, RPL_ENDOFHELP, "%s :End of /HELP", name);
	return IRC_OK;
}
