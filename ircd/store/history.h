/* history.h - chat history (IRCv3 draft/chathistory) stored in sqlite3. */
#ifndef EVIRCD_HISTORY_H
#define EVIRCD_HISTORY_H

#include <stddef.h>
#include <stdint.h>

struct client;
struct channel;
struct config;
struct outmsg;

#define HISTORY_QUERY_MAX 100 /* ISUPPORT CHATHISTORY */

/*
 * Messages are appended to an in-memory batch and written by the history
 * worker lane in one transaction every flush_interval ms: the fan-out path
 * never waits for sqlite.  A kill -9 loses at most the unwritten batch.
 */
int history_open(const struct config *c);
/* At shutdown: hand over the last batch, stop the workers, then close. */
void history_flush(void);
void history_close(void);
int history_enabled(void);
void history_add_channel(const struct channel *ch, const struct client *from, const char *cmd,
                         struct outmsg *om, const char *text, const char *client_tags);
/* A channel event (JOIN PART KICK QUIT NICK TOPIC MODE) for event-playback. */
void history_add_event(const struct channel *ch, const struct client *from, const char *cmd,
                       struct outmsg *om, const char *params);
void history_add_private(const struct client *from, const struct client *to, const char *cmd,
                         struct outmsg *om, const char *text, const char *client_tags);

/* A CHATHISTORY request; the reply is sent when the lane answers. */
enum history_query_kind {
	HQ_LATEST,
	HQ_BEFORE,
	HQ_AFTER,
	HQ_AROUND,
	HQ_BETWEEN,
	HQ_TARGETS,
};

struct history_ref {
	int kind; /* 0 none ("*"), 1 msgid, 2 timestamp */
	char msgid[32];
	int64_t time_ms;
};

/* Parse "msgid=..." / "timestamp=..." / "*"; 0 on success. */
int history_ref_parse(const char *s, struct history_ref *ref);
void history_query(struct client *c, enum history_query_kind kind, const char *target,
                   const struct history_ref *a, const struct history_ref *b, int limit);
uint64_t history_written(void);
/*
 * A channel's history ends with the channel: when its last member leaves,
 * whoever creates the name next does not read what was said before.  A
 * shutdown keeps it (history_keep_channels first), so it survives restarts.
 */
void history_channel_ended(const char *name);
void history_keep_channels(void);
/* A dropped account's private history goes with it. */
void history_forget_account(const char *account);
/* The in-memory window cache: LATEST answers from memory, misses, targets held. */
void history_window_stats(uint64_t *hits, uint64_t *misses, size_t *targets);
/*
 * REDACT: remove msgid from target's history if c wrote it (or is_op),
 * then tell those who saw it; FAIL otherwise.  Answered from the lane.
 */
void history_redact(struct client *c, const char *target, const char *msgid, const char *reason,
                    int is_op);

#endif
