/*
 * clientjob.h - slow work on behalf of a local client, answered in the
 * order of its commands.
 *
 * While a command of a client waits for a worker lane (a password check,
 * the database), the client's further input is held: its next lines run
 * only once the answer is out, so replies come in the order of the
 * commands.  Other clients are served meanwhile.  Every command that
 * waits goes through here; nothing else holds a client's input.
 */
#ifndef EVIRCD_CLIENTJOB_H
#define EVIRCD_CLIENTJOB_H

#include "net/worker.h"

struct client;

/*
 * On the loop once work(arg) has run: c is the client, or NULL when it
 * has gone meanwhile (then only free arg).  Replies sent here carry the
 * command's label (labeled-response) as if sent at once.  done may submit
 * another job for c: its input stays held until the last one is done.
 */
typedef void (*client_job_done)(struct client *c, void *arg);

/*
 * Run work(arg) on lane for c, then done(c, arg); c's input is held
 * until then.  -1 when the lane is full (worker_set_limit): nothing is
 * queued, nothing held, and the caller answers "try again later" and
 * frees arg.
 */
int client_job_submit(struct client *c, enum worker_lane lane, worker_fn work,
                      client_job_done done, void *arg);

/*
 * done(c, arg) once every database write queued so far is committed (a
 * job of the store lane, which runs writes in order): "done" answers that
 * survive a crash.  The store lane has no limit: this always queues.
 */
void client_after_writes(struct client *c, client_job_done done, void *arg);

/*
 * For a lower layer's own asynchronous call that answers through a
 * callback of its own (history queries): hold c's input now, and end the
 * wait in that callback.  client_wait_end releases the hold and returns
 * the client, or NULL when it has gone; call it exactly once.
 */
struct client_wait;
struct client_wait *client_wait_begin(struct client *c);
struct client *client_wait_end(struct client_wait *w);

/* c is leaving: its jobs and waits answer to no one (session exit). */
void client_jobs_orphan(struct client *c);
/* Waits in flight for c (tests, STATS). */
unsigned client_waits(const struct client *c);

#endif
