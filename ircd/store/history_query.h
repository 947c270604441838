/* history_query.h - CHATHISTORY's questions, answered from memory or the database. */
#ifndef EVIRCD_HISTORY_QUERY_H
#define EVIRCD_HISTORY_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "store/history_row.h"

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

struct history_request {
	enum history_query_kind kind;
	char key[HISTORY_KEY_MAX]; /* history_target_key; unused by TARGETS */
	struct history_ref a, b;
	int limit;
	int events; /* draft/event-playback: joins, parts, ... too */
};

/*
 * The lines found, oldest first; for TARGETS, one row per key with only
 * target and time_ms set, every key in the range (the asker filters).
 * The rows are the query's: copy what must outlive the call.
 */
typedef void history_answer_fn(void *arg, const struct history_row *rows, size_t nrows,
                               int failed);

/*
 * Ask; answer(arg, ...) is called once, on the loop.  Returns 1 when it
 * was called already (LATEST answered from memory), 0 when the answer
 * comes from the history lane, after every line sent before the query.
 */
int history_query(const struct history_request *rq, history_answer_fn *answer, void *arg);
/* Queries answered from memory, and from the database. */
void history_query_stats(uint64_t *from_memory, uint64_t *from_db);

#endif
