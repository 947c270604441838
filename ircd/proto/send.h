/* send.h - the broadcaster: build a line once, queue it to many. */
#ifndef EVIRCD_SEND_H
#define EVIRCD_SEND_H

#include "base/util.h"
#include "net/msgbuf.h"
#include "proto/outmsg.h"

struct client;
struct channel;

/*
 * Server links plug in here: a line for a user behind a link (numerics,
 * notices) goes to line(); NULL until a link module installs it.
 */
struct link_ops {
	void (*line)(struct client *to, const char *line, size_t len);
};
void send_set_link_ops(const struct link_ops *ops);

/* Raw line to one client ("\r\n" added, cut to 512 bytes). */
void send_line(struct client *to, const char *fmt, ...) PRINTF(2, 3);
/* ":server NNN nick " + text. */
void reply(struct client *to, int numeric, const char *fmt, ...) PRINTF(3, 4);
/* ":server NOTICE nick :" + text. */
void send_notice(struct client *to, const char *fmt, ...) PRINTF(2, 3);

/*
 * standard-replies: "FAIL|WARN|NOTE <command> <code> [<context>] :<text>".
 * Sent to every client (the capability only promises them in more places).
 */
void send_fail(struct client *to, const char *cmd, const char *code, const char *context,
               const char *fmt, ...) PRINTF(5, 6);
void send_warn(struct client *to, const char *cmd, const char *code, const char *context,
               const char *fmt, ...) PRINTF(5, 6);
void send_note(struct client *to, const char *cmd, const char *code, const char *context,
               const char *fmt, ...) PRINTF(5, 6);

/*
 * A message serialized once, to be queued to any number of recipients,
 * each getting the tag flavour its capabilities ask for (outmsg.h).
 * msg_from stamps time and msgid and carries the sender's account.
 */
struct outmsg *msg_build(const char *fmt, ...) PRINTF(1, 2);
struct outmsg *msg_from(const struct client *from, const char *fmt, ...) PRINTF(2, 3);
/* Attach the sender's client-only tags ("+a=b;+c"), relayed to message-tags users. */
void msg_set_client_tags(struct outmsg *om, const char *tags);
void msg_release(struct outmsg *om);

/* The tags a local client's capabilities ask for. */
unsigned client_wanted_tags(const struct client *c);
void send_msg(struct client *to, struct outmsg *om);
/* Every local member but skip; status: 0 all, or MEMBER_OP/MEMBER_VOICE. */
void send_channel(struct channel *ch, struct client *skip, struct outmsg *om, unsigned status);
/* Like send_channel, only to members with all of caps and none of without_caps. */
void send_channel_filtered(struct channel *ch, struct client *skip, struct outmsg *om,
                           unsigned status, uint32_t caps, uint32_t without_caps);
/*
 * A fresh serial for client->mark ("already visited in this pass"), from
 * the counter send_common uses, so passes never mistake each other's marks.
 */
uint32_t send_serial(void);
/* Every user sharing a channel with c, once each; c too when include_self. */
void send_common(struct client *c, struct outmsg *om, int include_self);
/*
 * A change to c (AWAY, SETNAME, CHGHOST, account) for users with cap who
 * share a channel with c or MONITOR c with extended-monitor.
 */
void send_common_ext(struct client *c, struct outmsg *om, int include_self, uint32_t cap);
/* As send_common, only to users with caps and without without_caps. */
void send_common_cap(struct client *c, struct outmsg *om, int include_self, uint32_t caps,
                     uint32_t without_caps);

#endif
