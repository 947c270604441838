/* worker.c - one thread per lane, FIFO queues, results through ev_async. */
#include <pthread.h>
#include <stdlib.h>

#include "base/util.h"
#include "net/reactor.h"
#include "net/worker.h"

struct job {
	worker_fn work;
	worker_fn done;
	void *arg;
	enum worker_lane lane;
	struct job *next;
};

struct job_queue {
	struct job *head, *tail;
	unsigned length;
};

struct lane {
	pthread_t thread;
	pthread_cond_t wake;
	struct job_queue todo;
	int running;
	unsigned limit;    /* worker_try_submit refuses beyond this many waiting (0: none) */
	unsigned inflight; /* submitted, done() not yet run (the loop's count) */
};

/* One lock guards every queue: the critical sections are a few pointers. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct lane lanes[LANES];
static struct job_queue finished;
static int stopping, started;

static void
queue_push(struct job_queue *q, struct job *j)
{
	j->next = NULL;
	if (q->tail != NULL)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->length++;
}

static struct job *
queue_pop(struct job_queue *q)
{
	struct job *j = q->head;

	if (j != NULL) {
		q->head = j->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->length--;
	}
	return j;
}

static struct job *
queue_take_all(struct job_queue *q)
{
	struct job *all = q->head;

	q->head = q->tail = NULL;
	q->length = 0;
	return all;
}

static void *
lane_main(void *arg)
{
	struct lane *l = arg;

	pthread_mutex_lock(&lock);
	for (;;) {
		struct job *j;
		while (l->todo.head == NULL && !stopping)
			pthread_cond_wait(&l->wake, &lock);
		if ((j = queue_pop(&l->todo)) == NULL)
			break;
		pthread_mutex_unlock(&lock);
		j->work(j->arg);
		pthread_mutex_lock(&lock);
		queue_push(&finished, j);
		reactor_async_send();
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* On the loop thread: hand every finished job its done() call. */
static void
deliver(void)
{
	struct job *j;

	pthread_mutex_lock(&lock);
	j = queue_take_all(&finished);
	pthread_mutex_unlock(&lock);
	while (j != NULL) {
		struct job *next = j->next;
		lanes[j->lane].inflight--;
		j->done(j->arg);
		free(j);
		j = next;
	}
}

void
worker_start(void)
{
	reactor_async_init(deliver);
	stopping = 0;
	for (int i = 0; i < LANES; i++) {
		pthread_cond_init(&lanes[i].wake, NULL);
		lanes[i].running =
		    pthread_create(&lanes[i].thread, NULL, lane_main, &lanes[i]) == 0;
	}
	started = 1;
}

void
worker_stop(void)
{
	if (!started)
		return;
	pthread_mutex_lock(&lock);
	stopping = 1;
	for (int i = 0; i < LANES; i++)
		pthread_cond_signal(&lanes[i].wake);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < LANES; i++) {
		if (lanes[i].running)
			pthread_join(lanes[i].thread, NULL);
		lanes[i].running = 0;
	}
	started = 0;
	worker_drain();
}

void
worker_submit_to(enum worker_lane lane, worker_fn work, worker_fn done, void *arg)
{
	struct job *j = xmalloc(sizeof(*j));

	j->work = work;
	j->done = done;
	j->arg = arg;
	j->lane = lane;
	lanes[lane].inflight++;
	if (!started) { /* start-up and shutdown: nobody waits on the loop yet */
		work(arg);
		lanes[lane].inflight--;
		done(arg);
		free(j);
		return;
	}
	if (!lanes[lane].running) {
		/* The lane's thread could not start: work here, done() as ever, later on the
		 * loop. */
		work(arg);
		pthread_mutex_lock(&lock);
		queue_push(&finished, j);
		pthread_mutex_unlock(&lock);
		reactor_async_send();
		return;
	}
	pthread_mutex_lock(&lock);
	queue_push(&lanes[lane].todo, j);
	pthread_cond_signal(&lanes[lane].wake);
	pthread_mutex_unlock(&lock);
}

int
worker_try_submit(enum worker_lane lane, worker_fn work, worker_fn done, void *arg)
{
	if (worker_lane_full(lane))
		return -1;
	worker_submit_to(lane, work, done, arg);
	return 0;
}

int
worker_lane_idle(enum worker_lane lane)
{
	return lanes[lane].inflight == 0;
}

int
worker_lane_bounded(enum worker_lane lane)
{
	return lanes[lane].limit > 0;
}

int
worker_lane_full(enum worker_lane lane)
{
	unsigned limit = lanes[lane].limit;

	return limit > 0 && worker_lane_length(lane) >= limit;
}

void
worker_set_limit(enum worker_lane lane, unsigned max)
{
	lanes[lane].limit = max;
}

unsigned
worker_lane_length(enum worker_lane lane)
{
	unsigned n;

	pthread_mutex_lock(&lock);
	n = lanes[lane].todo.length;
	pthread_mutex_unlock(&lock);
	return n;
}

void
worker_drain(void)
{
	for (int i = 0; i < LANES; i++) {
		struct job *all, *j;
		pthread_mutex_lock(&lock);
		all = queue_take_all(&lanes[i].todo);
		pthread_mutex_unlock(&lock);
		for (j = all; j != NULL; j = j->next)
			j->work(j->arg);
		pthread_mutex_lock(&lock);
		while (all != NULL) {
			struct job *next = all->next;
			queue_push(&finished, all);
			all = next;
		}
		pthread_mutex_unlock(&lock);
	}
	deliver();
}

unsigned
worker_queue_length(void)
{
	unsigned n = 0;

	pthread_mutex_lock(&lock);
	for (int i = 0; i < LANES; i++)
		n += lanes[i].todo.length;
	pthread_mutex_unlock(&lock);
	return n;
}
