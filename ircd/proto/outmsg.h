/* outmsg.h - one message, serialized once per tag flavour, shared by all. */
#ifndef EVIRCD_OUTMSG_H
#define EVIRCD_OUTMSG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/bounds.h"
#include "net/msgbuf.h"

/* The IRCv3 tags a recipient may want; a flavour is a set of these. */
#define TAG_TIME 0x01    /* server-time */
#define TAG_MSGID 0x02   /* message-tags: msgid */
#define TAG_ACCOUNT 0x04 /* account-tag */
#define TAG_CLIENT 0x08  /* message-tags: the sender's client-only tags */
#define TAG_BOT 0x10     /* message-tags: bot (sender is +B) */
#define TAG_BATCH 0x20   /* batch=<ref>: part of a batch, whatever the caps */
#define TAG_FLAVOURS 64

/*
 * The body (":src CMD params\r\n") is formatted once; each flavour is the
 * body behind its tag section, built the first time a recipient needs it
 * and then shared by reference: N recipients cost one build per flavour.
 */
struct outmsg {
	struct msgbuf *flavour[TAG_FLAVOURS]; /* valid where built has the bit */
	uint64_t built;
	uint8_t available; /* tags this message can carry */
	/* Stamped cheaply; formatted only if a tagged flavour is built. */
	struct timespec when;
	uint64_t serial;
	char time[32];
	char msgid[24];
	char *account;
	char *client_tags; /* "+a=b;+c", as the sender wrote them */
	char batch[16];    /* the batch this line belongs to, or "" */
	uint32_t body_len;
	char body[OUT_LINE_MAX + 1];
};

struct outmsg *outmsg_new(void);
void outmsg_free(struct outmsg *om);
/* The flavour for a recipient wanting these tags (masked to what exists). */
struct msgbuf *outmsg_flavour(struct outmsg *om, unsigned tags);
/* Make the line part of batch ref (every recipient gets the batch tag). */
void outmsg_set_batch(struct outmsg *om, const char *ref);
/*
 * A copy of om (body, time, msgid, account, client tags) in batch ref: the
 * same message for recipients inside the batch, om stays for the others.
 */
struct outmsg *outmsg_batched(const struct outmsg *om, const char *ref);
/* Give it a time (now) and a fresh msgid. */
void outmsg_stamp(struct outmsg *om);
/* The msgid, formatted on first use (history and echo need it too). */
const char *outmsg_msgid(struct outmsg *om);
/*
 * A message sent before (history replay): its body as it was sent (no
 * CRLF), with the time, msgid, account and bot flag it had then.
 */
struct outmsg *outmsg_replayed(const char *body, int64_t time_ms, const char *msgid,
                               const char *account, int bot);

/*
 * Between evircd servers a message keeps its time and msgid: adopt those
 * a link sent (ISO time, msgid; either may be NULL), and write ours as a
 * tag section ("@time=..;msgid=..[;+client tags] ") for a link.
 */
void outmsg_adopt(struct outmsg *om, const char *time, const char *msgid);
/*
 * A line that is part of a message with a msgid of its own (a later line of
 * a draft/multiline batch): msgid is what history keeps it under, and no
 * recipient is shown one.
 */
void outmsg_part_of(struct outmsg *om, const char *msgid);
size_t outmsg_link_tags(struct outmsg *om, char *out, size_t size);

#endif
