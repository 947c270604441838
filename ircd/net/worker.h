/* worker.h - slow work (password hashing, history storage) off the loop. */
#ifndef EVIRCD_WORKER_H
#define EVIRCD_WORKER_H

/*
 * work() runs on a worker thread and must touch nothing the loop owns;
 * done() runs afterwards on the loop thread.  The job owns arg; done()
 * frees it.  A job outlives the client that asked for it, so arg names its
 * client by UID (or a pointer the connection clears when it goes).
 *
 * Each lane is one thread with a FIFO queue, so jobs of a lane run in the
 * order submitted: a history query sees every history write before it.
 */
typedef void (*worker_fn)(void *arg);

enum worker_lane {
	LANE_CRYPTO,  /* password hashing and checks */
	LANE_HISTORY, /* chat history writes and queries */
	LANE_COMMAND, /* external commands (account verification mail) */
	LANES
};

void worker_start(void);
void worker_stop(void);
void worker_submit(worker_fn work, worker_fn done, void *arg);
void worker_submit_to(enum worker_lane lane, worker_fn work, worker_fn done, void *arg);
/* Run queued work inline and deliver every result (shutdown, tests). */
void worker_drain(void);
unsigned worker_queue_length(void);

#endif
