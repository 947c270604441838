/* history_query.c - the query engine: a request, to the window or the lane, to rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"
#include "net/worker.h"
#include "store/history.h"
#include "store/history_db.h"
#include "store/history_query.h"
#include "store/history_window.h"

/* A query on its way to the lane and back. */
struct query {
	struct history_request rq;
	int64_t oldest_ms; /* retention by age: older rows wait for the pruner, unseen */
	struct history_row *rows;
	size_t nrows;
	int failed;
	history_answer_fn *answer;
	void *arg;
};

static uint64_t from_memory, from_db;

/* "2019-01-04T14:33:26.123Z" -> ms since the epoch; -1 if malformed. */
static int64_t
parse_timestamp(const char *s)
{
	struct tm tm;
	int ms = 0;
	const char *rest;

	memset(&tm, 0, sizeof(tm));
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest == NULL)
		return -1;
	if (*rest == '.') {
		if (sscanf(rest + 1, "%3d", &ms) != 1)
			return -1;
		rest += 1 + strspn(rest + 1, "0123456789");
	}
	if (*rest != 'Z' && *rest != '\0')
		return -1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

int
history_ref_parse(const char *s, struct history_ref *ref)
{
	memset(ref, 0, sizeof(*ref));
	if (strcmp(s, "*") == 0)
		return 0;
	if (strncmp(s, "msgid=", 6) == 0 && strlen(s + 6) > 0 &&
	    strlen(s + 6) < sizeof(ref->msgid)) {
		ref->kind = 1;
		str_copy(ref->msgid, s + 6, sizeof(ref->msgid));
		return 0;
	}
	if (strncmp(s, "timestamp=", 10) == 0 &&
	    (ref->time_ms = parse_timestamp(s + 10)) >= 0) {
		ref->kind = 2;
		return 0;
	}
	return -1;
}

/* The time of a reference (resolving a msgid); -1 when unknown. */
static int64_t
ref_time(const struct query *q, const struct history_ref *r)
{
	if (r->kind == 2)
		return r->time_ms;
	if (r->kind != 1)
		return -1;
	return history_db_time_of(q->rq.key, r->msgid);
}

/* Lines of the target with after < time < before, from one end of that range. */
static void
select_range(struct query *q, int64_t after, int64_t before, int limit, int newest)
{
	struct history_range r = {
	    .key = q->rq.key,
	    .after = MAX(after, q->oldest_ms - 1),
	    .before = before,
	    .limit = limit,
	    .newest = newest,
	    .events = q->rq.events,
	};

	if (history_db_range(&r, &q->rows, &q->nrows) != 0)
		q->failed = 1;
}

static void
query_messages(struct query *q)
{
	const struct history_request *rq = &q->rq;
	int64_t t1 = ref_time(q, &rq->a), t2 = ref_time(q, &rq->b);

	if ((rq->a.kind != 0 && t1 < 0) || (rq->kind == HQ_BETWEEN && t2 < 0)) {
		q->failed = rq->a.kind == 1 || rq->b.kind == 1 ? 0 : 1;
		return; /* an unknown msgid yields an empty batch */
	}
	switch (rq->kind) {
	case HQ_LATEST:
		select_range(q, rq->a.kind == 0 ? INT64_MIN : t1, INT64_MAX, rq->limit, 1);
		break;
	case HQ_BEFORE: select_range(q, INT64_MIN, t1, rq->limit, 1); break;
	case HQ_AFTER: select_range(q, t1, INT64_MAX, rq->limit, 0); break;
	case HQ_AROUND:
		select_range(q, INT64_MIN, t1, rq->limit / 2, 1);
		select_range(q, t1 - 1, INT64_MAX, rq->limit - (int)q->nrows, 0);
		break;
	case HQ_BETWEEN:
		/* From the first reference towards the second, shown oldest first. */
		select_range(q, MIN(t1, t2), MAX(t1, t2), rq->limit, t1 > t2);
		break;
	default: break;
	}
}

/* TARGETS: every key active in the range; the asker keeps those it may read. */
static void
query_targets(struct query *q)
{
	int64_t lo = MIN(q->rq.a.time_ms, q->rq.b.time_ms);
	int64_t hi = MAX(q->rq.a.time_ms, q->rq.b.time_ms);

	if (history_db_targets(MAX(lo, q->oldest_ms - 1), hi, q->rq.events, &q->rows,
	                       &q->nrows) != 0)
		q->failed = 1;
}

static void
query_work(void *arg)
{
	struct query *q = arg;

	if (!history_db_is_open())
		q->failed = 1;
	else if (q->rq.kind == HQ_TARGETS)
		query_targets(q);
	else
		query_messages(q);
}

static void
query_done(void *arg)
{
	struct query *q = arg;

	q->answer(q->arg, q->rows, q->nrows, q->failed);
	history_rows_free(q->rows, q->nrows);
	free(q);
}

/* LATEST * within the window: answered now, from memory. */
static int
window_answer(struct query *q)
{
	if (q->rq.kind != HQ_LATEST || q->rq.a.kind != 0 ||
	    !history_window_latest(q->rq.key, q->rq.limit, q->rq.events, q->oldest_ms, &q->rows,
	                           &q->nrows))
		return 0;
	from_memory++;
	query_done(q);
	return 1;
}

int
history_query(const struct history_request *rq, history_answer_fn *answer, void *arg)
{
	struct query *q = xcalloc(1, sizeof(*q));

	q->rq = *rq;
	q->oldest_ms = history_oldest_ms();
	q->answer = answer;
	q->arg = arg;
	if (window_answer(q))
		return 1;
	from_db++;
	history_flush(); /* what was sent before this query is written before it runs */
	worker_submit_to(LANE_HISTORY, query_work, query_done, q);
	return 0;
}

void
history_query_stats(uint64_t *memory, uint64_t *db)
{
	*memory = from_memory;
	*db = from_db;
}
