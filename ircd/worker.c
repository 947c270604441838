/* worker.c - one worker thread, two queues, results through ev_async. */
#include <pthread.h>
#include <stdlib.h>

#include "reactor.h"
#include "util.h"
#include "worker.h"

struct job {
	worker_fn work;
	worker_fn done;
	void *arg;
	struct job *next;
};

struct job_queue {
	struct job *head, *tail;
	unsigned length;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct job_queue todo, finished;
static pthread_t thread;
static int running, stopping;

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
queue_take_all(struct job_queue *q)
{
	struct job *all = q->head;

	q->head = q->tail = NULL;
	q->length = 0;
	return all;
}

static void *
worker_main(void *unused)
{
	pthread_mutex_lock(&lock);
	for (;;) {
		struct job *j;
		while (todo.head == NULL && !stopping)
			pthread_cond_wait(&wake, &lock);
		if (todo.head == NULL)
			break;
		j = todo.head;
		todo.head = j->next;
		if (todo.head == NULL)
			todo.tail = NULL;
		todo.length--;
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
	if (pthread_create(&thread, NULL, worker_main, NULL) == 0)
		running = 1;
}

void
worker_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	running = 0;
	worker_drain();
}

void
worker_submit(worker_fn work, worker_fn done, void *arg)
{
	struct job *j = xmalloc(sizeof(*j));

	j->work = work;
	j->done = done;
	j->arg = arg;
	if (!running) {
		work(arg);
		done(arg);
		free(j);
		return;
	}
	pthread_mutex_lock(&lock);
	queue_push(&todo, j);
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

void
worker_drain(void)
{
	struct job *all, *j;

	pthread_mutex_lock(&lock);
	all = queue_take_all(&todo);
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
	deliver();
}

unsigned
worker_queue_length(void)
{
	unsigned n;

	pthread_mutex_lock(&lock);
	n = todo.length;
	pthread_mutex_unlock(&lock);
	return n;
}
