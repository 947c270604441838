/* reactor.c - libev behind a small API; the tick hook flushes output. */
#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "base/log.h"
#include "base/util.h"
#include "net/reactor.h"

#define MAX_SIGNALS 8

static struct ev_loop *loop;
static ev_prepare tick_watcher;
static void (*tick_fn)(void);
static ev_async async_watcher;
static void (*async_fn)(void);
static ev_check wake_watcher;

/*
 * Loop stalls: how long each turn ran between two polls (callbacks and
 * the tick), the worst of each of the last STALL_SECONDS seconds.
 */
#define STALL_SECONDS 60
static double turn_started; /* monotonic seconds, 0 before the first wake */
static struct {
	time_t second;
	double worst;
} stall_ring[STALL_SECONDS];
static double stall_worst_ever;

static double
mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
on_check(struct ev_loop *l, ev_check *w, int revents)
{
	turn_started = mono_seconds();
}

static void
stall_record(double busy)
{
	time_t sec = (time_t)mono_seconds();
	size_t i = (size_t)sec % STALL_SECONDS;

	if (stall_ring[i].second != sec) {
		stall_ring[i].second = sec;
		stall_ring[i].worst = 0;
	}
	if (busy > stall_ring[i].worst)
		stall_ring[i].worst = busy;
	if (busy > stall_worst_ever)
		stall_worst_ever = busy;
}

double
reactor_stall_worst(unsigned seconds)
{
	time_t sec = (time_t)mono_seconds();
	double worst = 0;

	if (seconds > STALL_SECONDS)
		seconds = STALL_SECONDS;
	for (size_t i = 0; i < STALL_SECONDS; i++)
		if (sec - stall_ring[i].second < (time_t)seconds && stall_ring[i].worst > worst)
			worst = stall_ring[i].worst;
	return worst;
}

double
reactor_stall_worst_ever(void)
{
	return stall_worst_ever;
}

struct signal_slot {
	ev_signal w;
	void (*fn)(int);
};
static struct signal_slot signals[MAX_SIGNALS];
static int nsignals;

static void
on_prepare(struct ev_loop *l, ev_prepare *w, int revents)
{
	if (tick_fn != NULL)
		tick_fn();
	if (turn_started > 0)
		stall_record(mono_seconds() - turn_started);
}

void
reactor_init(void)
{
	/*
	 * Not the default loop: that one reaps every child on SIGCHLD, and the
	 * worker that runs verify_command must be able to wait for its own.
	 */
	loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOENV);
	if (loop == NULL)
		log_fatal("libev: cannot create the event loop");
	ev_prepare_init(&tick_watcher, on_prepare);
	ev_prepare_start(loop, &tick_watcher);
	ev_check_init(&wake_watcher, on_check);
	ev_check_start(loop, &wake_watcher);
	clock_update();
}

void
reactor_run(void)
{
	ev_run(loop, 0);
}

void
reactor_run_once(void)
{
	ev_run(loop, EVRUN_ONCE);
}

void
reactor_run_nowait(void)
{
	ev_run(loop, EVRUN_NOWAIT);
}

void
reactor_stop(void)
{
	ev_break(loop, EVBREAK_ALL);
}

void
reactor_on_tick(void (*fn)(void))
{
	tick_fn = fn;
}

static void
on_signal(struct ev_loop *l, ev_signal *w, int revents)
{
	struct signal_slot *s = (struct signal_slot *)w;
	s->fn(w->signum);
}

void
reactor_on_signal(int signum, void (*fn)(int))
{
	struct signal_slot *s;

	if (nsignals == MAX_SIGNALS)
		return;
	s = &signals[nsignals++];
	s->fn = fn;
	ev_signal_init(&s->w, on_signal, signum);
	ev_signal_start(loop, &s->w);
	ev_unref(loop); /* signal watchers alone do not keep the loop alive */
}

static void
on_async(struct ev_loop *l, ev_async *w, int revents)
{
	clock_update();
	async_fn();
}

void
reactor_async_init(void (*fn)(void))
{
	async_fn = fn;
	ev_async_init(&async_watcher, on_async);
	ev_async_start(loop, &async_watcher);
	ev_unref(loop);
}

void
reactor_async_send(void)
{
	ev_async_send(loop, &async_watcher);
}

static void
on_io(struct ev_loop *l, ev_io *w, int revents)
{
	struct rio *io = (struct rio *)w;
	clock_update();
	io->cb(io, revents);
}

void
rio_init(struct rio *io, int fd, rio_cb cb)
{
	ev_io_init(&io->w, on_io, fd, 0);
	io->cb = cb;
}

void
rio_set(struct rio *io, int events)
{
	if ((io->w.events & (EV_READ | EV_WRITE)) == events &&
	    (events == 0) == !ev_is_active(&io->w))
		return;
	ev_io_stop(loop, &io->w);
	ev_io_set(&io->w, io->w.fd, events);
	if (events != 0)
		ev_io_start(loop, &io->w);
}

int
rio_events(const struct rio *io)
{
	return ev_is_active(&io->w) ? io->w.events & (EV_READ | EV_WRITE) : 0;
}

static void
on_timer(struct ev_loop *l, ev_timer *w, int revents)
{
	struct rtimer *t = (struct rtimer *)w;
	clock_update();
	t->cb(t);
}

void
rtimer_start(struct rtimer *t, double after, double repeat, rtimer_cb cb)
{
	/* Re-initialising an active or pending watcher corrupts libev's heap. */
	if (t->cb != NULL && (ev_is_active(&t->w) || ev_is_pending(&t->w)))
		ev_timer_stop(loop, &t->w);
	t->cb = cb;
	ev_timer_init(&t->w, on_timer, after, repeat);
	ev_timer_start(loop, &t->w);
}

void
rtimer_stop(struct rtimer *t)
{
	ev_timer_stop(loop, &t->w);
}
