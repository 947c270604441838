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

/*
 * Logins (OPER, SASL) have lanes of their own, so that a flood of account
 * creations (scrypt hashing, ~50 ms each) never sits in front of them.
 */
enum worker_lane {
	LANE_CRYPTO,  /* new password hashes: REGISTER, ACCOUNT PASSWORD */
	LANE_HISTORY, /* chat history writes and queries */
	LANE_COMMAND, /* external commands (account verification mail) */
	LANE_OPER,    /* OPER and link password checks */
	LANE_AUTH,    /* SASL password checks */
	LANE_STORE,   /* every other database write (accounts, bans, markers, ...) */
	LANES
};

void worker_start(void);
void worker_stop(void);
void worker_submit_to(enum worker_lane lane, worker_fn work, worker_fn done, void *arg);
/*
 * As worker_submit_to, unless the lane already has its limit of jobs
 * waiting (worker_set_limit): then -1, and nothing is queued.
 */
int worker_try_submit(enum worker_lane lane, worker_fn work, worker_fn done, void *arg);
/* At most max jobs waiting on lane for worker_try_submit (0: no limit). */
void worker_set_limit(enum worker_lane lane, unsigned max);
unsigned worker_lane_length(enum worker_lane lane);
/* 1 when every job submitted to lane has had its done() (loop thread only). */
int worker_lane_idle(enum worker_lane lane);
/* 1 when lane has a limit (worker_set_limit). */
int worker_lane_bounded(enum worker_lane lane);
/* 1 when worker_try_submit would refuse a job for lane now. */
int worker_lane_full(enum worker_lane lane);
/* Run queued work inline and deliver every result (shutdown, tests). */
void worker_drain(void);
unsigned worker_queue_length(void);

#endif
