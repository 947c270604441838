/* history.h - chat history (IRCv3 draft/chathistory): what is kept, and when it goes. */
#ifndef EVIRCD_HISTORY_H
#define EVIRCD_HISTORY_H

#include <stddef.h>
#include <stdint.h>

struct client;
struct channel;
struct config;

#define HISTORY_QUERY_MAX 100 /* ISUPPORT CHATHISTORY */

/* A line as it was sent: its body and, apart, its tags. */
struct history_line {
	const char *cmd;
	const char *body; /* without tags; a trailing CRLF is not kept */
	size_t body_len;
	const char *msgid;
	int64_t time_ms;
	const char *account;     /* the sender's, or NULL */
	const char *client_tags; /* the sender's client-only tags, or NULL */
	int bot;
};

/*
 * Lines are appended to an in-memory batch and written by the history
 * worker lane in one transaction every flush_interval ms: the fan-out path
 * never waits for sqlite.  A kill -9 loses at most the unwritten batch.
 */
int history_open(const struct config *c);
/* Hand the pending batch to the lane: what was sent before is written first
 * (unless the writer is write_backlog lines behind: then it is not written). */
void history_flush(void);
/* The same at shutdown, whatever the backlog: the lane is drained next. */
void history_flush_at_exit(void);
/* At shutdown, after history_flush and worker_stop. */
void history_close(void);
int history_enabled(void);
uint64_t history_written(void);
/* Lines not stored because the writer was write_backlog lines behind. */
uint64_t history_unwritten(void);
/* Lines handed to the writer and not yet committed. */
size_t history_writer_backlog(void);
/* The age limit, as the earliest time_ms a query may return (0: no limit). */
int64_t history_oldest_ms(void);

/* The key a target's lines are kept under (history_row.h), as asker names it. */
void history_target_key(const struct client *asker, const char *target, char *out, size_t size);
/* A channel message or event (JOIN PART KICK QUIT NICK TOPIC MODE). */
void history_add_channel(const struct channel *ch, const struct client *from,
                         const struct history_line *l);
/* A private message, kept only between two logged-in users. */
void history_add_private(const struct client *from, const struct client *to,
                         const struct history_line *l);

/*
 * A channel's history ends with the channel: when its last member leaves,
 * whoever creates the name next does not read what was said before.  A
 * shutdown keeps it (history_keep_channels first), so it survives restarts.
 */
void history_channel_ended(const char *name);
/* RENAME: the channel's history is kept under its new name (lines keep the name they had). */
void history_channel_renamed(const char *old_name, const char *new_name);
void history_keep_channels(void);
/* A dropped account's private history goes with it. */
void history_forget_account(const char *account);

/*
 * REDACT: remove msgid from target's history if c wrote it (or is_op).
 * done(arg, found, allowed) is called on the loop: at once when the line is
 * in the in-memory window (it returns 1), else when the lane has looked
 * in the database (it returns 0).
 */
typedef void history_redacted_fn(void *arg, int found, int allowed);
int history_redact(const struct client *c, const char *target, const char *msgid, int is_op,
                   history_redacted_fn *done, void *arg);

#endif
