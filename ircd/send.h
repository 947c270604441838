/* send.h - the broadcaster: build a line once, queue it to many. */
#ifndef EVIRCD_SEND_H
#define EVIRCD_SEND_H

#include "msgbuf.h"
#include "util.h"

struct client;
struct channel;

/* Raw line to one local client ("\r\n" added, cut to 512 bytes). */
void send_line(struct client *to, const char *fmt, ...) PRINTF(2, 3);
/* ":server NNN nick " + text. */
void reply(struct client *to, int numeric, const char *fmt, ...) PRINTF(3, 4);
/* ":server NOTICE nick :" + text. */
void send_notice(struct client *to, const char *fmt, ...) PRINTF(2, 3);

/* A line serialized once, to be queued to any number of recipients. */
struct msgbuf *msg_build(const char *fmt, ...) PRINTF(1, 2);
/* ":nick!user@host " + text, serialized once. */
struct msgbuf *msg_from(const struct client *from, const char *fmt, ...) PRINTF(2, 3);
void msg_release(struct msgbuf *mb);

void send_msg(struct client *to, struct msgbuf *mb);
/* Every local member but skip; status: 0 all, or MEMBER_OP/MEMBER_VOICE. */
void send_channel(struct channel *ch, struct client *skip, struct msgbuf *mb,
                  unsigned status);
/* Every user sharing a channel with c, once each; c too when include_self. */
void send_common(struct client *c, struct msgbuf *mb, int include_self);

#endif
