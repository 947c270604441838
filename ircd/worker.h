/* worker.h - slow work (password hashing, sqlite writes) off the loop. */
#ifndef EVIRCD_WORKER_H
#define EVIRCD_WORKER_H

/*
 * work() runs on the worker thread and must touch nothing shared; done()
 * runs afterwards on the loop thread, where it may use the database.  The
 * job owns arg; done() frees it.  A job outlives the client that asked for
 * it, so arg names its client by UID, never by pointer.
 */
typedef void (*worker_fn)(void *arg);

void worker_start(void);
void worker_stop(void);
void worker_submit(worker_fn work, worker_fn done, void *arg);
/* Run queued work inline and deliver every result (shutdown, tests). */
void worker_drain(void);
unsigned worker_queue_length(void);

#endif
