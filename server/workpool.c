/* workpool.c - owns the blocking-work threads and their queue (see workpool.h). */
#include "workpool.h"

#include <pthread.h>
#include <stdlib.h>

struct job {
	work_fn fn;
	work_done_fn done;
	void *arg;
	struct event *done_ev;
	bool cancelled;
	struct job *next;
};

struct workpool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *head, *tail;
	int queued, max_queued;
	bool stopping;
	int nthreads;
	pthread_t *threads;
};

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct job *job = arg;
	job->done(job->arg, job->cancelled);
	event_free(job->done_ev);
	free(job);
}

static void *worker(void *arg)
{
	struct workpool *wp = arg;
	for (;;) {
		pthread_mutex_lock(&wp->lock);
		while (!wp->head && !wp->stopping)
			pthread_cond_wait(&wp->cond, &wp->lock);
		if (wp->stopping) {
			pthread_mutex_unlock(&wp->lock);
			return NULL;
		}
		struct job *job = wp->head;
		wp->head = job->next;
		if (!wp->head)
			wp->tail = NULL;
		wp->queued--;
		pthread_mutex_unlock(&wp->lock);
		job->fn(job->arg);
		event_active(job->done_ev, EV_TIMEOUT, 0); /* thread-safe: evthread is on */
	}
}

struct workpool *workpool_new(int threads, int max_queued)
{
	struct workpool *wp = calloc(1, sizeof(*wp));
	if (!wp)
		return NULL;
	pthread_mutex_init(&wp->lock, NULL);
	pthread_cond_init(&wp->cond, NULL);
	wp->max_queued = max_queued;
	wp->threads = calloc((size_t)threads, sizeof(*wp->threads));
	for (int i = 0; wp->threads && i < threads; i++)
		if (pthread_create(&wp->threads[i], NULL, worker, wp) == 0)
			wp->nthreads++;
	if (wp->nthreads == 0) {
		workpool_free(wp);
		return NULL;
	}
	return wp;
}

void workpool_free(struct workpool *wp)
{
	if (!wp)
		return;
	pthread_mutex_lock(&wp->lock);
	wp->stopping = true;
	pthread_cond_broadcast(&wp->cond);
	pthread_mutex_unlock(&wp->lock);
	for (int i = 0; i < wp->nthreads; i++)
		pthread_join(wp->threads[i], NULL);
	while (wp->head) {
		struct job *job = wp->head;
		wp->head = job->next;
		job->cancelled = true;
		event_active(job->done_ev, EV_TIMEOUT, 0);
	}
	pthread_cond_destroy(&wp->cond);
	pthread_mutex_destroy(&wp->lock);
	free(wp->threads);
	free(wp);
}

bool workpool_submit(struct workpool *wp, struct event_base *base, work_fn fn,
		     work_done_fn done, void *arg)
{
	struct job *job = calloc(1, sizeof(*job));
	if (!job)
		return false;
	job->fn = fn;
	job->done = done;
	job->arg = arg;
	job->done_ev = event_new(base, -1, 0, done_cb, job);
	pthread_mutex_lock(&wp->lock);
	bool ok = job->done_ev && !wp->stopping && wp->queued < wp->max_queued;
	if (ok) {
		if (wp->tail)
			wp->tail->next = job;
		else
			wp->head = job;
		wp->tail = job;
		wp->queued++;
		pthread_cond_signal(&wp->cond);
	}
	pthread_mutex_unlock(&wp->lock);
	if (!ok) {
		if (job->done_ev)
			event_free(job->done_ev);
		free(job);
	}
	return ok;
}
