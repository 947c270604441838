/* reactor.h - the event loop: a thin wrapper over libev (Redis ae.c style). */
#ifndef EVIRCD_REACTOR_H
#define EVIRCD_REACTOR_H

#include <ev.h>

#define RIO_READ EV_READ
#define RIO_WRITE EV_WRITE

struct rio;
typedef void (*rio_cb)(struct rio *io, int events);

/* An fd watcher; embed it and recover the owner with container_of. */
struct rio {
	ev_io w;
	rio_cb cb;
};

struct rtimer;
typedef void (*rtimer_cb)(struct rtimer *t);

struct rtimer {
	ev_timer w;
	rtimer_cb cb;
};

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

void reactor_init(void);
void reactor_run(void);
void reactor_stop(void);
/* One pass of the loop, waiting for events (benchmarks and tests). */
void reactor_run_once(void);
/* One pass without waiting: what is ready runs, then it returns (fuzzing). */
void reactor_run_nowait(void);
/*
 * The longest loop turn (from waking to sleeping again: how long nobody
 * was served) in the last seconds (at most 60), and since start; seconds.
 */
double reactor_stall_worst(unsigned seconds);
double reactor_stall_worst_ever(void);
/* Called once per loop iteration, before the loop sleeps. */
void reactor_on_tick(void (*fn)(void));
/* Signal handlers run from the loop, not from signal context. */
void reactor_on_signal(int signum, void (*fn)(int));
/* Wake the loop from another thread; fn runs in the loop thread. */
void reactor_async_init(void (*fn)(void));
void reactor_async_send(void);

void rio_init(struct rio *io, int fd, rio_cb cb);
/* Watch for exactly these events (0 stops the watcher). */
void rio_set(struct rio *io, int events);
int rio_events(const struct rio *io);

void rtimer_start(struct rtimer *t, double after, double repeat, rtimer_cb cb);
void rtimer_stop(struct rtimer *t);

#endif
