/* clientjob.c - hold a client's input while a command of its waits for a lane. */
#include <stdlib.h>
#include <sys/queue.h>

#include "base/util.h"
#include "net/conn.h"
#include "proto/authlimit.h"
#include "proto/batch.h"
#include "proto/clientjob.h"
#include "state/client.h"
#include "state/local.h"

struct client_wait {
	struct client *client; /* NULL once the client has gone */
	LIST_ENTRY(client_wait) link;
};

/* A job with its client wait and the label its replies carry. */
struct client_job {
	struct client_wait *wait;
	worker_fn work;
	client_job_done done;
	void *arg;
	char label[LABEL_MAX + 1];
	char
	    place[AUTHLIMIT_KEY_MAX]; /* the address holding a place in a bounded lane, or "" */
};

struct client_wait *
client_wait_begin(struct client *c)
{
	struct client_wait *w = xcalloc(1, sizeof(*w));
	struct local *l = c->local;

	w->client = c;
	if (LIST_EMPTY(&l->waits))
		conn_hold_input(l->conn, 1);
	LIST_INSERT_HEAD(&l->waits, w, link);
	l->nwaits++;
	return w;
}

struct client *
client_wait_end(struct client_wait *w)
{
	struct client *c = w->client;

	if (c != NULL) {
		LIST_REMOVE(w, link);
		c->local->nwaits--;
	}
	free(w);
	if (c == NULL)
		return NULL;
	if (LIST_EMPTY(&c->local->waits))
		conn_hold_input(c->local->conn, 0);
	/* A client being closed (KILL, SendQ) gets no more answers. */
	return c->local->conn->state == CONN_CLOSING ? NULL : c;
}

void
client_jobs_orphan(struct client *c)
{
	struct client_wait *w;

	while ((w = LIST_FIRST(&c->local->waits)) != NULL) {
		LIST_REMOVE(w, link);
		w->client = NULL;
	}
	c->local->nwaits = 0;
}

unsigned
client_waits(const struct client *c)
{
	return c->local != NULL ? c->local->nwaits : 0;
}

static void
job_work(void *arg)
{
	struct client_job *j = arg;

	j->work(j->arg);
}

static void
job_done(void *arg)
{
	struct client_job *j = arg;
	struct client *c = client_wait_end(j->wait);

	if (j->place[0] != '\0')
		authlimit_place_give(j->place);
	if (c != NULL && j->label[0] != '\0')
		label_begin(c, j->label);
	j->done(c, j->arg);
	if (c != NULL && j->label[0] != '\0')
		label_end(c);
	free(j);
}

int
client_job_submit(struct client *c, enum worker_lane lane, worker_fn work, client_job_done done,
                  void *arg)
{
	struct client_job *j;
	char place[AUTHLIMIT_KEY_MAX] = "";

	if (worker_lane_full(lane))
		return -1;
	/* A bounded lane is shared by everyone: one address gets a few places. */
	if (worker_lane_bounded(lane)) {
		authlimit_key(c, place, sizeof(place));
		if (!authlimit_place_take(place))
			return -1;
	}
	j = xcalloc(1, sizeof(*j));
	str_copy(j->place, place, sizeof(j->place));
	j->work = work;
	j->done = done;
	j->arg = arg;
	label_take(c, j->label, sizeof(j->label));
	j->wait = client_wait_begin(c);
	worker_submit_to(lane, job_work, job_done, j);
	return 0;
}

static void
nothing(void *arg)
{
	(void)arg;
}

void
client_after_writes(struct client *c, client_job_done done, void *arg)
{
	(void)client_job_submit(c, LANE_STORE, nothing, done, arg);
}
