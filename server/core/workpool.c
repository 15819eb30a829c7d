/* workpool.c - owns the blocking-work threads and their fair queue (see workpool.h). The
 * sources with jobs waiting form a ring per class; a thread takes the oldest job of the
 * source at the cursor of the first ring that has one, and moves that cursor on. A new
 * source joins just behind the cursor, at the end of the current round. At most max_queued
 * sources are in the rings, so the linear look-ups below are short. */
#include "core/workpool.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/queue.h>
#include <time.h>

#include "core/util.h"
#include "core/xalloc.h"

struct job {
	work_fn fn;
	work_done_fn done;
	void *arg;
	struct event *done_ev;
	bool cancelled;
	double deadline; /* monotonic seconds */
	TAILQ_ENTRY(job) next;
};

/* A source with jobs waiting; freed when its last job leaves. */
struct source {
	uint64_t id;
	enum work_class cls;
	TAILQ_HEAD(job_list, job) jobs; /* oldest first; the newest is the one evicted */
	int queued;
	struct source *prev, *next; /* the ring */
};

struct workpool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct source *cursor[WORK_CLASSES]; /* the next source served; NULL: none waits */
	int queued, max_queued, max_per_source;
	double deadline_s;
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

static void job_finish(struct job *job, bool cancelled)
{
	job->cancelled = cancelled;
	event_active(job->done_ev, EV_TIMEOUT, 0); /* thread-safe: evthread is on */
}

static struct source *source_find(const struct workpool *wp, enum work_class cls, uint64_t id)
{
	struct source *s = wp->cursor[cls];
	if (s)
		do {
			if (s->id == id)
				return s;
			s = s->next;
		} while (s != wp->cursor[cls]);
	return NULL;
}

/* The source of cls with the most jobs waiting, or NULL; of equals, the one served last in
 * the round, whose job would wait longest. */
static struct source *source_longest(const struct workpool *wp, enum work_class cls)
{
	struct source *last = wp->cursor[cls] ? wp->cursor[cls]->prev : NULL;
	struct source *s = last, *best = s;
	if (s)
		do {
			if (s->queued > best->queued)
				best = s;
			s = s->prev;
		} while (s != last);
	return best;
}

/* Adds a source to its class's ring behind the cursor: it is served after every source
 * already waiting there has been served once. */
static struct source *source_join(struct workpool *wp, enum work_class cls, uint64_t id)
{
	struct source *s = xcalloc(1, sizeof(*s));
	s->id = id;
	s->cls = cls;
	TAILQ_INIT(&s->jobs);
	struct source *cursor = wp->cursor[cls];
	if (!cursor) {
		s->prev = s->next = s;
		wp->cursor[cls] = s;
	} else {
		s->next = cursor;
		s->prev = cursor->prev;
		s->prev->next = s;
		cursor->prev = s;
	}
	return s;
}

static void source_leave(struct workpool *wp, struct source *s)
{
	if (s->next == s) {
		wp->cursor[s->cls] = NULL;
	} else {
		s->prev->next = s->next;
		s->next->prev = s->prev;
		if (wp->cursor[s->cls] == s)
			wp->cursor[s->cls] = s->next;
	}
	free(s);
}

/* The first class with a job waiting, or WORK_CLASSES. */
static enum work_class class_waiting(const struct workpool *wp)
{
	enum work_class cls = 0;
	while (cls < WORK_CLASSES && !wp->cursor[cls])
		cls++;
	return cls;
}

/* Takes the next job: the first class that has one, round-robin between its sources; the
 * pool's lock is held and a job waits. */
static struct job *job_next(struct workpool *wp)
{
	struct source *s = wp->cursor[class_waiting(wp)];
	struct job *job = TAILQ_FIRST(&s->jobs);
	TAILQ_REMOVE(&s->jobs, job, next);
	s->queued--;
	wp->queued--;
	wp->cursor[s->cls] = s->next;
	if (s->queued == 0)
		source_leave(wp, s);
	return job;
}

/* Removes the newest job of s (to make room for a source with fewer, or a higher class). */
static struct job *job_pop_newest(struct workpool *wp, struct source *s)
{
	struct job *job = TAILQ_LAST(&s->jobs, job_list);
	TAILQ_REMOVE(&s->jobs, job, next);
	s->queued--;
	wp->queued--;
	if (s->queued == 0)
		source_leave(wp, s);
	return job;
}

static void *worker(void *arg)
{
	struct workpool *wp = arg;
	pthread_mutex_lock(&wp->lock);
	for (;;) {
		while (class_waiting(wp) == WORK_CLASSES && !wp->stopping)
			pthread_cond_wait(&wp->cond, &wp->lock);
		if (wp->stopping)
			break;
		struct job *job = job_next(wp);
		pthread_mutex_unlock(&wp->lock);
		bool late = now_seconds() > job->deadline;
		if (!late)
			job->fn(job->arg);
		job_finish(job, late);
		pthread_mutex_lock(&wp->lock);
	}
	pthread_mutex_unlock(&wp->lock);
	return NULL;
}

struct workpool *workpool_new(int threads, int max_queued, int max_per_source,
			      double deadline_s)
{
	struct workpool *wp = xcalloc(1, sizeof(*wp));
	pthread_mutex_init(&wp->lock, NULL);
	pthread_cond_init(&wp->cond, NULL);
	wp->max_queued = max_queued;
	wp->max_per_source = max_per_source;
	wp->deadline_s = deadline_s;
	wp->threads = xcalloc((size_t)threads, sizeof(*wp->threads));
	for (int i = 0; i < threads; i++)
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
	while (class_waiting(wp) < WORK_CLASSES)
		job_finish(job_next(wp), true);
	pthread_cond_destroy(&wp->cond);
	pthread_mutex_destroy(&wp->lock);
	free(wp->threads);
	free(wp);
}

/* Whether a job of class cls and source s (NULL: not waiting yet) may be queued. When the
 * pool is full, the newest job of the longest source of the lowest class below cls is
 * pushed out, else that of the longest source of cls if it would keep more than s; the
 * pushed-out job goes to *evicted. */
static bool admit(struct workpool *wp, enum work_class cls, const struct source *s,
		  struct job **evicted)
{
	int mine = s ? s->queued : 0;
	if (mine >= wp->max_per_source)
		return false;
	if (wp->queued < wp->max_queued)
		return true;
	for (enum work_class c = WORK_CLASSES - 1; c > cls; c--) {
		struct source *lower = source_longest(wp, c);
		if (lower) {
			*evicted = job_pop_newest(wp, lower);
			return true;
		}
	}
	struct source *longest = source_longest(wp, cls);
	if (!longest || longest->queued <= mine + 1)
		return false;
	*evicted = job_pop_newest(wp, longest);
	return true;
}

bool workpool_submit(struct workpool *wp, struct event_base *base, enum work_class cls,
		     uint64_t source, work_fn fn, work_done_fn done, void *arg)
{
	struct job *job = xcalloc(1, sizeof(*job)), *evicted = NULL;
	job->fn = fn;
	job->done = done;
	job->arg = arg;
	job->done_ev = event_new(base, -1, 0, done_cb, job);
	pthread_mutex_lock(&wp->lock);
	job->deadline = now_seconds() + wp->deadline_s;
	struct source *s = source_find(wp, cls, source);
	bool ok = job->done_ev && !wp->stopping && admit(wp, cls, s, &evicted);
	if (ok && !s && !(s = source_join(wp, cls, source)))
		ok = false;
	if (ok) {
		TAILQ_INSERT_TAIL(&s->jobs, job, next);
		s->queued++;
		wp->queued++;
		pthread_cond_signal(&wp->cond);
	}
	pthread_mutex_unlock(&wp->lock);
	if (evicted)
		job_finish(evicted, true);
	if (!ok) {
		if (job->done_ev)
			event_free(job->done_ev);
		free(job);
	}
	return ok;
}
