/* history_replay.h - CHATHISTORY's answer: stored lines, replayed to one client. */
#ifndef EVIRCD_HISTORY_REPLAY_H
#define EVIRCD_HISTORY_REPLAY_H

#include "store/history_query.h"

struct client;

/*
 * Query target's history and send what is found as a chathistory batch
 * (draft/chathistory-targets for TARGETS), each line with the tags c's
 * capabilities ask for.  The answer may come later, from the history lane:
 * then it carries the command's label itself.
 */
void history_replay(struct client *c, enum history_query_kind kind, const char *target,
                    const struct history_ref *a, const struct history_ref *b, int limit);

#endif
