/* modules.h - every command handler, one file each in modules/. */
#ifndef EVIRCD_MODULES_H
#define EVIRCD_MODULES_H

#include <time.h>

#include "base/util.h"
#include "proto/command.h"
#include "proto/parse.h"

#define HANDLER(name) irc_result_t name(struct client *c, struct irc_msg *m)
/* What a server sends over a link (the command table's server slot). */
#define SERVER_HANDLER(name) irc_result_t name(struct source *src, struct irc_msg *m)

HANDLER(mr_away);
HANDLER(mr_encap);
HANDLER(mr_invite);
HANDLER(mr_join);
HANDLER(mr_kick);
HANDLER(mr_mode);
HANDLER(mr_part);
HANDLER(mr_tmode);
HANDLER(mr_topic);
HANDLER(mr_kill);
HANDLER(mr_nick);
HANDLER(mr_notice);
HANDLER(mr_privmsg);
HANDLER(mr_quit);
HANDLER(mr_squit);
HANDLER(mr_mlock);
HANDLER(mr_svsaccount);
HANDLER(mr_svshost);
HANDLER(mr_svsjoin);
HANDLER(mr_svskill);
HANDLER(mr_svslogin);
HANDLER(mr_svsmode);
HANDLER(mr_svsnick);
HANDLER(mr_svspart);
SERVER_HANDLER(ms_encap);
SERVER_HANDLER(ms_mlock);
SERVER_HANDLER(ms_svsaccount);
SERVER_HANDLER(ms_svshost);
SERVER_HANDLER(ms_svsjoin);
SERVER_HANDLER(ms_svskill);
SERVER_HANDLER(ms_svslogin);
SERVER_HANDLER(ms_svsmode);
SERVER_HANDLER(ms_svsnick);
SERVER_HANDLER(ms_svspart);
SERVER_HANDLER(ms_bmask);
SERVER_HANDLER(ms_eob);
SERVER_HANDLER(ms_kick);
SERVER_HANDLER(ms_sjoin);
SERVER_HANDLER(ms_tb);
SERVER_HANDLER(ms_tburst);
SERVER_HANDLER(ms_tmode);
SERVER_HANDLER(ms_kill);
SERVER_HANDLER(ms_error);
SERVER_HANDLER(ms_euid);
SERVER_HANDLER(ms_save);
SERVER_HANDLER(ms_kline);
SERVER_HANDLER(ms_unkline);
SERVER_HANDLER(ms_dline);
SERVER_HANDLER(ms_undline);
SERVER_HANDLER(ms_ping);
SERVER_HANDLER(ms_pong);
SERVER_HANDLER(ms_sid);
SERVER_HANDLER(ms_squit);
SERVER_HANDLER(ms_uid);

HANDLER(m_account);
HANDLER(m_admin);
HANDLER(m_authenticate);
HANDLER(m_away);
HANDLER(m_batch);
HANDLER(m_cap);
HANDLER(m_chathistory);
HANDLER(m_connect);
HANDLER(m_die);
HANDLER(m_dline);
HANDLER(mr_dline);
HANDLER(m_help);
HANDLER(m_info);
HANDLER(m_invite);
HANDLER(m_ison);
HANDLER(m_join);
HANDLER(m_kick);
HANDLER(m_kill);
HANDLER(m_kline);
HANDLER(mr_kline);
HANDLER(m_links);
HANDLER(m_list);
HANDLER(m_map);
HANDLER(m_markread);
HANDLER(m_metadata);
HANDLER(m_lusers);
HANDLER(m_mode);
HANDLER(m_monitor);
HANDLER(m_motd);
HANDLER(m_names);
HANDLER(m_nick);
HANDLER(m_notice);
HANDLER(m_oper);
HANDLER(m_part);
HANDLER(m_pass);
HANDLER(m_webirc);
HANDLER(m_ping);
HANDLER(m_pong);
HANDLER(m_privmsg);
HANDLER(m_quit);
HANDLER(m_redact);
HANDLER(m_register);
HANDLER(m_rename);
HANDLER(m_rehash);
HANDLER(m_restart);
HANDLER(m_setname);
HANDLER(m_squit);
HANDLER(m_stats);
HANDLER(m_tagmsg);
HANDLER(m_time);
HANDLER(m_topic);
HANDLER(m_undline);
HANDLER(mr_undline);
HANDLER(m_unkline);
HANDLER(mr_unkline);
HANDLER(m_user);
HANDLER(m_userhost);
HANDLER(m_verify);
HANDLER(m_version);
HANDLER(m_wallops);
HANDLER(m_who);
HANDLER(m_whois);
HANDLER(m_whowas);

/*
 * A query naming a server, or a user on it (target), is sent there when
 * that is another server (with arg after it, as WHOIS has its nick): 1
 * when sent, or when refused with 402; 0 when it is ours to answer.
 */
int route_query(struct client *c, const char *cmd, const char *target, const char *arg);
/* The same with the server last, as STATS and LUSERS name it: ":<UID> STATS u :<SID>". */
int route_query_last(struct client *c, const char *cmd, const char *first, const char *target);

/* The command table and the modules' session listeners, at start-up. */
void modules_init(void);

/* Shared by registration and the commands of the same name. */
void lusers_send(struct client *c);
void motd_send(struct client *c);
/* (Re)read the MOTD file into memory. */
void motd_load(void);
/* Build the 005 lines from the config (at start and rehash); send them. */
void isupport_load(void);
void isupport_send(struct client *c);
/* A connection is ready for IRC: start the host lookup. */
void register_start(struct client *c);
/* Finish registration once NICK, USER (and CAP END) are in. */
irc_result_t register_try(struct client *c);
struct channel;
/* 353 lines and 366 for one channel, as NAMES shows them. */
void names_send(struct client *c, struct channel *ch);
/* 332 and 333 when the channel has a topic. */
void topic_send(struct client *c, struct channel *ch);
/* KLINE/DLINE and their removal (xline_cmd.c). */
enum xline_kind;
int xline_command(struct client *c, struct irc_msg *m, enum xline_kind kind,
                  const char *(*mask_of)(struct client *c, const char *arg, char *buf,
                                         size_t size));
int unxline_command(struct client *c, struct irc_msg *m, const char *mask,
                    enum xline_kind kind);
/*
 * Bans from links: the plain forms (encap 0: "KLINE <target> <seconds>
 * <user> <host> :<reason>", "UNKLINE <target> <user> <host>", "DLINE
 * <target> <seconds> <host> :<reason>", "UNDLINE <target> <host>"), routed
 * on and applied when the target matches us; or ENCAP's (encap 1: the same
 * without the target, already routed).  From operators, servers, services.
 */
#define XLINE_LINK_COMMAND(name, fn)                                                           \
	SERVER_HANDLER(ms_##name)                                                              \
	{                                                                                      \
		fn(src, m, 0);                                                                 \
		return IRC_OK;                                                                 \
	}                                                                                      \
	HANDLER(mr_##name)                                                                     \
	{                                                                                      \
		struct source src = {ORIGIN_REMOTE, c, c->server, c->server->via};             \
		fn(&src, m, 0);                                                                \
		return IRC_OK;                                                                 \
	}
void xline_link_kline(const struct source *src, struct irc_msg *m, int encap);
void xline_link_unkline(const struct source *src, struct irc_msg *m, int encap);
void xline_link_dline(const struct source *src, struct irc_msg *m, int encap);
void xline_link_undline(const struct source *src, struct irc_msg *m, int encap);
/*
 * 1 when the ban of an ENCAP KLINE or DLINE (its arguments in m) is
 * malformed or too wide: encap drops it before passing it on (operators told).
 */
int xline_encap_refused(const struct source *src, struct irc_msg *m, enum xline_kind kind);
struct xline;
/* A temporary ban ran out: tell the operators (the once-a-minute expiry). */
void xline_expired(const struct xline *x);
/*
 * draft/account-registration's value: before-connect unless an [auth]
 * block wants a password (REGISTER must not get round PASS), and
 * email-required with [accounts] verify; NULL when neither.
 */
const char *register_cap_value(void);
/* Registered nicks: warn a user on one that is not theirs, and set the deadline. */
void nick_protect_check(struct client *c);
/* The deadline passed: rename the user to a guest nick if still unidentified. */
void nick_protect_expire(struct client *c);
/* draft/read-marker: tell a joining client where it stopped reading. */
void markread_on_join(struct client *c, const char *channel);
void markread_forget_account(const char *account);
/* Logged in, or leaving: a session's markers go to its account, if it has one. */
void markread_logged_in(struct client *c);
void markread_client_gone(struct client *c);
/* HELP text lookup for a command name; NULL when none. */
const char *const *help_text(const char *topic);

/*
 * JOIN, PART, KICK, MODE, TOPIC and INVITE (m_join.c ... m_invite.c).  The
 * handlers check a local client's request (parameters, permissions,
 * +i +k +l +b, error replies), then proceed: change the channel or
 * client, show it to local members, record history.  A proceed reads no
 * local state of its source, so a link module calls it for users behind
 * a link and, where a server may be the source (struct source: client
 * NULL), for TS6 SJOIN, TMODE, BMASK, KICK and TB/TBURST from a SID.
 * What only a local requester gets (JOIN's topic and NAMES, RPL_INVITING,
 * the user MODE echo) stays in the handlers, after the proceed.
 */
struct outmsg;
/* A line from src: ":nick!user@host " or ":server.name ", then the body (source.c). */
struct outmsg *source_msg(const struct source *src, const char *fmt, ...) PRINTF(2, 3);
/* nick!user@host of a user, or a server's name: who set a ban or a topic. */
const char *source_mask(const struct source *src, char *buf, size_t size);
/* How links name the source (its UID or SID), and the link it came through (NULL: here). */
const char *source_id(const struct source *src);
struct link *source_link(const struct source *src);
/* Event history keeps a user's changes; a server's are not recorded (no client to name). */
void source_history(const struct channel *ch, const struct source *src, const char *cmd,
                    struct outmsg *om);

/*
 * c joins ch with status flags (MEMBER_*); the caller made ch if new.
 * Members see JOIN (extended-join as they asked) and c's away status.
 * flags are not shown: a creator's op goes without saying, and SJOIN
 * shows statuses with a MODE from the server (mode_proceed_change).
 */
void join_proceed(struct client *c, struct channel *ch, unsigned flags);
/* RENAME: ch takes name; RENAME to members with draft/channel-rename, PART and JOIN to the
 * rest. */
void rename_proceed(const struct client *by, struct channel *ch, const char *name,
                    const char *reason);
/* c leaves ch, with an optional reason (NULL); every member sees the PART. */
void part_proceed(struct client *c, struct channel *ch, const char *reason);
/* src removes victim from ch, which ends if victim was its last member. */
void kick_proceed(const struct source *src, struct channel *ch, struct client *victim,
                  const char *reason);
/*
 * ch's topic becomes text ("" unsets it), set by setter at when; members
 * see src's TOPIC.  A local TOPIC passes the user's mask and now, TB and
 * TBURST their setter and topicTS.
 */
void topic_proceed(const struct source *src, struct channel *ch, const char *text,
                   const char *setter, time_t when);
/*
 * from invites target into ch: recorded (it lets target past +i +k +l +b
 * once), sent to target when it is here, and to ch's ops with invite-notify.
 */
void invite_proceed(struct client *from, struct client *target, struct channel *ch);

/* One channel mode change, checked (or from a peer), ready to apply. */
struct mode_change {
	char dir;              /* '+' or '-' */
	char letter;           /* b e I o v k l, or a flag: i m n p s t */
	const char *arg;       /* b e I: the mask as stored (mask_normalize); +k: the key */
	uint32_t limit;        /* +l */
	struct client *member; /* o v */
};
/*
 * What changed, shown as one MODE line ("+o-v" and " nick nick").  When a
 * line is full (an SJOIN's statuses, a TS change stripping a channel, a
 * long BMASK), mode_proceed_change first shows it to the channel, hands it
 * to relay when set, and starts a new one: every change is shown.
 */
struct mode_line {
	char letters[64];
	size_t nletters;
	char dir; /* the last direction written */
	char params[400];
	size_t nparams_len;
	char uid_params[400]; /* the same, members by UID: for TMODE to links */
	size_t nuid_params_len;
	/* Where a full line goes besides the channel (TMODE, BMASK to links). */
	void (*relay)(const struct source *, const struct channel *, const struct mode_line *);
};
/* The longest ban, exception or invex mask a link may set (as a local MODE). */
#define BANMASK_MAX (NICKLEN_MAX + USERLEN + HOSTLEN + 2)
/*
 * Apply mc to ch, src setting it (the setter of a ban); 1 when it changed
 * something, which is added to line, 0 when ch already was so.
 */
int mode_proceed_change(const struct source *src, struct channel *ch,
                        const struct mode_change *mc, struct mode_line *line);
/* Show line to ch's members as src's MODE and record it; nothing when empty. */
void mode_proceed_channel(const struct source *src, struct channel *ch,
                          const struct mode_line *line);
/*
 * A user mode of c: i w B o x (+s and the snomask concern this server's
 * own operators only).  -o drops all operator status; +o is only for a
 * peer's user (a local one opers up with OPER); +x shows the cloak, once
 * this server has a cloak key.  1 when it changed something, added to line.
 */
int umode_proceed(struct client *c, char dir, char letter, struct mode_line *line);
/*
 * A TS6 mode string from a link ("+ov-b uid uid mask", members by UID or
 * nick) applied to ch as src's changes (TMODE, BMASK, SJOIN's modes);
 * line gets what changed.  Letters we do not have are skipped with their
 * parameter.
 */
/* What changed in ch, as TMODE to the links with members (not where src came from). */
void link_relay_tmode(const struct source *src, const struct channel *ch,
                      const struct mode_line *line);
/* A channel's TS goes down to ts (a link's older channel): our modes and statuses go. */
void channel_ts_lower(const struct source *src, struct channel *ch, time_t ts);
void mode_proceed_ts6(const struct source *src, struct channel *ch, const char *modes,
                      char **params, int nparams, struct mode_line *line);
/* The same for an SJOIN of equal TS: a key or limit of ours that wins the merge stays. */
void mode_merge_ts6(const struct source *src, struct channel *ch, const char *modes,
                    char **params, int nparams, struct mode_line *line);
/*
 * c's shown host becomes host: users sharing a channel with c (and
 * extended-monitor watchers) that have chghost see CHGHOST; the others
 * see the new host next time.  Cached ban results of c are dropped.
 */
void chghost_proceed(struct client *c, const char *host);

/*
 * PRIVMSG, NOTICE and TAGMSG (m_privmsg.c).  The handlers check a local
 * sender's targets (replies, limits), then proceed: deliver to local
 * recipients and record history.  A proceed reads no local state of the
 * sender, so a link module calls it for senders behind a link; it returns
 * the message built (the caller echoes it or not, then releases it).
 */
struct delivery {
	struct client *from;
	const char *cmd;
	const char *text;        /* NULL for TAGMSG */
	const char *client_tags; /* the sender's "+tags", or NULL */
	int quiet;               /* NOTICE: no error replies */
	const char *time;        /* from an evircd link: the message's own time... */
	const char *msgid;       /* ...and msgid; NULL: stamped here */
};
struct outmsg *privmsg_proceed_channel(const struct delivery *d, struct channel *ch,
                                       const char *target, unsigned status);
struct outmsg *privmsg_proceed_user(const struct delivery *d, struct client *to);
/* To every user here on a server ($$mask) or host ($#mask) matching, and to every link. */
struct outmsg *privmsg_proceed_mass(const struct delivery *d, const char *target);

/*
 * NICK, QUIT, KILL, AWAY and SETNAME (m_nick.c, m_quit.c, m_kill.c,
 * m_away.c, m_setname.c).  The handlers check a local user's command
 * (parameters, permissions, limits; the error replies), then proceed:
 * change the record and tell the local users who see it.  A proceed reads
 * no local state, so a link module calls it for a user behind a link.
 * Replies only a local requester gets (305/306) stay in the handlers.
 * Account changes: account_proceed (proto/login.h).
 */
/*
 * c is now nick, with the nick's TS (now for a local change, the sender's
 * for a remote one): NICK to c and everyone sharing a channel, history,
 * whowas, MONITOR.  nick is free or c's own: collisions are settled first.
 */
void nick_proceed(struct client *c, const char *nick, time_t ts);
/*
 * A nick collision's loser keeps its life: its nick becomes its UID (TS
 * SAVE_NICKTS), SAVE from src_id to the links with SAVE, NICK to the rest,
 * 043 to the user if it is ours.  A user behind a link without SAVE is
 * KILLed instead.  skip: the link it came from.
 */
struct link;
void nick_save(struct client *c, struct link *skip, const char *src_id);
/*
 * c leaves with reason as given (the local handler adds "Quit: ").  A
 * local user's connection closes and its session ends it at the end of
 * the tick; a user behind a link ends now: c is freed on return.
 */
void quit_proceed(struct client *c, const char *reason);
/*
 * killer (a user) disconnects victim: the operators' notice, the KILL line
 * to a local victim, and its end as quit_proceed's with "Killed (killer
 * (reason))": a remote victim is freed on return.
 */
void kill_proceed(struct client *killer, struct client *victim, const char *reason);
/* c is away with text, kept as given, or back when text is NULL: away-notify. */
void away_proceed(struct client *c, const char *text);
/* c's realname is now name: SETNAME to those with the setname cap, c too if local. */
void setname_proceed(struct client *c, const char *name);

#endif
