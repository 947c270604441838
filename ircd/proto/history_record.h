/* history_record.h - a line as it was sent to its target, handed to the history. */
#ifndef EVIRCD_HISTORY_RECORD_H
#define EVIRCD_HISTORY_RECORD_H

struct channel;
struct client;
struct outmsg;

/*
 * om is the line as the target saw it; its body is kept whole and its
 * tags (time, msgid, account, client-only tags, bot) apart, so a replay
 * gives each reader the tags it asked for.
 */
/* A channel message or event (JOIN PART KICK QUIT NICK TOPIC MODE). */
void history_record_channel(const struct channel *ch, const struct client *from,
                            const char *cmd, struct outmsg *om);
/* A private message (kept only between two logged-in users). */
void history_record_private(const struct client *from, const struct client *to, const char *cmd,
                            struct outmsg *om);

#endif
