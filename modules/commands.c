/* commands.c - the command table: one row per command, a handler slot per origin. */
#include "base/util.h"
#include "modules/modules.h"
#include "proto/command.h"
#include "proto/session.h"
#include "state/client.h"
#include "state/local.h"

#define U CMD_UNREG
#define R CMD_USER
#define O (CMD_USER | CMD_OPER)

/* A command only clients connected here send: name, handler, states, min params, penalty. */
#define LOCAL(name, handler, allowed, min, penalty)                                            \
	{                                                                                      \
		name, handler, NULL, NULL, allowed, min, penalty, 0, 0                         \
	}

/* Only servers send it: the server slot alone. */
#define SERVER(name, handler)                                                                  \
	{                                                                                      \
		name, NULL, NULL, handler, 0, 0, 0, 0, 0                                       \
	}

/* A command from clients here and from servers. */
#define BOTH(name, local, server, allowed, min, penalty)                                       \
	{                                                                                      \
		name, local, NULL, server, allowed, min, penalty, 0, 0                         \
	}

/* From clients here, users behind links and servers: every slot. */
#define ALL(name, local, remote, server, allowed, min, penalty)                                \
	{                                                                                      \
		name, local, remote, server, allowed, min, penalty, 0, 0                       \
	}

/* Only over links: from users behind them and from servers. */
#define LINKS(name, remote, server)                                                            \
	{                                                                                      \
		name, NULL, remote, server, 0, 0, 0, 0, 0                                      \
	}

/* Sorted by name. */
static struct command commands[] = {
    LOCAL("ACCOUNT", m_account, R, 1, 1),
    ALL("ADMIN", m_admin, m_admin, NULL, R, 0, 2),
    LOCAL("AUTHENTICATE", m_authenticate, U | R, 1, 1),
    ALL("AWAY", m_away, mr_away, NULL, R, 0, 1),
    LOCAL("BATCH", m_batch, R, 1, 1),
    SERVER("BMASK", ms_bmask),
    LOCAL("CAP", m_cap, U | R, 1, 1),
    LOCAL("CHATHISTORY", m_chathistory, R, 1, 2),
    LOCAL("CONNECT", m_connect, O, 1, 1),
    LOCAL("DIE", m_die, O, 0, 1),
    ALL("DLINE", m_dline, mr_dline, ms_dline, O, 1, 1),
    LINKS("ENCAP", mr_encap, ms_encap),
    SERVER("EOB", ms_eob),
    SERVER("ERROR", ms_error),
    SERVER("EUID", ms_euid),
    LOCAL("HELP", m_help, R, 0, 2),
    LOCAL("HELPOP", m_help, R, 0, 2), /* InspIRCd/Unreal clients ask HELPOP */
    ALL("INFO", m_info, m_info, NULL, R, 0, 2),
    ALL("INVITE", m_invite, mr_invite, NULL, R, 0, 1),
    LOCAL("ISON", m_ison, R, 1, 1),
    ALL("JOIN", m_join, mr_join, NULL, R, 1, 2),
    ALL("KICK", m_kick, mr_kick, ms_kick, R, 2, 1),
    ALL("KILL", m_kill, mr_kill, ms_kill, O, 1, 1),
    ALL("KLINE", m_kline, mr_kline, ms_kline, O, 1, 1),
    LOCAL("LINKS", m_links, R, 0, 2),
    LOCAL("LIST", m_list, R, 0, 2),
    ALL("LUSERS", m_lusers, m_lusers, NULL, R, 0, 2),
    LOCAL("MAP", m_map, R, 0, 2),
    LOCAL("MARKREAD", m_markread, R, 1, 1),
    LOCAL("METADATA", m_metadata, U | R, 0, 1),
    LINKS("MLOCK", mr_mlock, ms_mlock),
    ALL("MODE", m_mode, mr_mode, NULL, R, 1, 1),
    LOCAL("MONITOR", m_monitor, R, 1, 1),
    ALL("MOTD", m_motd, m_motd, NULL, R, 0, 2),
    LOCAL("NAMES", m_names, R, 0, 2),
    ALL("NICK", m_nick, mr_nick, NULL, U | R, 0, 2),
    ALL("NOTICE", m_notice, mr_notice, NULL, R, 0, 1),
    LOCAL("OPER", m_oper, R, 1, 3),
    ALL("PART", m_part, mr_part, NULL, R, 1, 2),
    LOCAL("PASS", m_pass, U | R, 1, 0),
    BOTH("PING", m_ping, ms_ping, U | R, 0, 0),
    BOTH("PONG", m_pong, ms_pong, U | R, 0, 0),
    ALL("PRIVMSG", m_privmsg, mr_privmsg, NULL, R, 0, 1),
    ALL("QUIT", m_quit, mr_quit, NULL, U | R, 0, 0),
    LOCAL("REDACT", m_redact, R, 2, 1),
    LOCAL("REGISTER", m_register, U | R, 3, 5),
    LOCAL("REHASH", m_rehash, O, 0, 1),
    LOCAL("RENAME", m_rename, R, 2, 2),
    LOCAL("RESTART", m_restart, O, 0, 1),
    SERVER("SAVE", ms_save),
    LOCAL("SETNAME", m_setname, R, 1, 1),
    SERVER("SID", ms_sid),
    SERVER("SJOIN", ms_sjoin),
    ALL("SQUIT", m_squit, mr_squit, ms_squit, O, 1, 1),
    ALL("STATS", m_stats, m_stats, NULL, R, 0, 2),
    LINKS("SVSACCOUNT", mr_svsaccount, ms_svsaccount),
    LINKS("SVSHOST", mr_svshost, ms_svshost),
    LINKS("SVSJOIN", mr_svsjoin, ms_svsjoin),
    LINKS("SVSKILL", mr_svskill, ms_svskill),
    LINKS("SVSLOGIN", mr_svslogin, ms_svslogin),
    LINKS("SVSMODE", mr_svsmode, ms_svsmode),
    LINKS("SVSNICK", mr_svsnick, ms_svsnick),
    LINKS("SVSPART", mr_svspart, ms_svspart),
    LOCAL("TAGMSG", m_tagmsg, R, 1, 1),
    SERVER("TB", ms_tb),
    SERVER("TBURST", ms_tburst),
    ALL("TIME", m_time, m_time, NULL, R, 0, 1),
    {"TMODE", NULL, mr_tmode, ms_tmode, 0, 0, 0, 0, 0},
    ALL("TOPIC", m_topic, mr_topic, NULL, R, 1, 1),
    SERVER("UID", ms_uid),
    ALL("UNDLINE", m_undline, mr_undline, ms_undline, O, 1, 1),
    ALL("UNKLINE", m_unkline, mr_unkline, ms_unkline, O, 1, 1),
    LOCAL("USER", m_user, U | R, 4, 0),
    LOCAL("USERHOST", m_userhost, R, 1, 1),
    LOCAL("VERIFY", m_verify, U | R, 2, 5),
    ALL("VERSION", m_version, m_version, NULL, R, 0, 2),
    LOCAL("WALLOPS", m_wallops, O, 1, 1),
    LOCAL("WEBIRC", m_webirc, U, 4, 0),
    LOCAL("WHO", m_who, R, 0, 2),
    ALL("WHOIS", m_whois, m_whois, NULL, R, 0, 2),
    LOCAL("WHOWAS", m_whowas, R, 0, 2),
};

#undef U
#undef R
#undef O

/* Registered nicks: the grace period to log in ran out. */
static void
nick_deadline_check(struct client *c)
{
	if (c->local->nick_deadline != 0 && now >= c->local->nick_deadline)
		nick_protect_expire(c);
}

static const struct session_events events = {
    .ready = register_start,
    .second = nick_deadline_check,
    .exit = markread_client_gone,
    .logged_in = markread_logged_in,
};

void
modules_init(void)
{
	command_table_install(commands, ARRAY_LEN(commands));
	session_listen(&events);
}
