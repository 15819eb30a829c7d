/* test_workpool.c - tests server/core/workpool.c: sources served round-robin, the per-source
 * cap, a full pool making room for a source with fewer jobs, the first class going ahead,
 * the deadline, and cancelling on free. One thread, held by a first job until the queue is set up, so the order of
 * execution is exact. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "core/workpool.h"

#define MAX_JOBS 64

/* What happened, in order: ran[] lists the jobs run (by tag); done and cancelled count. */
struct record {
	pthread_mutex_t lock;
	int ran[MAX_JOBS], nran;
	int done, cancelled;
	bool cancelled_tag[MAX_JOBS];
};

static struct record rec;
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open, gate_started;

struct task {
	int tag;
	bool gate; /* waits for the gate before returning */
};

static struct task tasks[MAX_JOBS];

static void run(void *arg)
{
	struct task *t = arg;
	if (t->gate) {
		pthread_mutex_lock(&gate_lock);
		gate_started = true;
		pthread_cond_broadcast(&gate_cond);
		while (!gate_open)
			pthread_cond_wait(&gate_cond, &gate_lock);
		pthread_mutex_unlock(&gate_lock);
	}
	pthread_mutex_lock(&rec.lock);
	rec.ran[rec.nran++] = t->tag;
	pthread_mutex_unlock(&rec.lock);
}

static void done(void *arg, bool cancelled)
{
	struct task *t = arg;
	rec.done++;
	if (cancelled) {
		rec.cancelled++;
		rec.cancelled_tag[t->tag] = true;
	}
}

static void open_gate(void)
{
	pthread_mutex_lock(&gate_lock);
	gate_open = true;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
}

static int setup(void **state)
{
	(void)state;
	memset(&rec, 0, sizeof(rec));
	memset(tasks, 0, sizeof(tasks));
	pthread_mutex_init(&rec.lock, NULL);
	gate_open = gate_started = false;
	for (int i = 0; i < MAX_JOBS; i++)
		tasks[i].tag = i;
	return 0;
}

static bool submit_in(struct workpool *wp, struct event_base *base, enum work_class cls,
		      uint64_t source, int tag)
{
	return workpool_submit(wp, base, cls, source, run, done, &tasks[tag]);
}

static bool submit(struct workpool *wp, struct event_base *base, uint64_t source, int tag)
{
	return submit_in(wp, base, WORK_NORMAL, source, tag);
}

/* Runs base until n done callbacks have run (at most 5 s). */
static void wait_done(struct event_base *base, int n)
{
	for (int i = 0; i < 5000 && rec.done < n; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (rec.done < n)
			usleep(1000);
	}
	assert_int_equal(rec.done, n);
}

/* Holds the one thread with job 0 (source 99) until the queue is set up. */
static struct workpool *held_pool(struct event_base *base, int max_queued, int per_source,
				  double deadline_s)
{
	struct workpool *wp = workpool_new(1, max_queued, per_source, deadline_s);
	assert_non_null(wp);
	tasks[0].gate = true;
	assert_true(submit(wp, base, 99, 0));
	pthread_mutex_lock(&gate_lock);
	while (!gate_started)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	return wp;
}

/* Ten jobs from source 1, then one each from sources 2 and 3: they run after source 1's
 * first, not after all ten. */
static void test_round_robin_between_sources(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	struct workpool *wp = held_pool(base, 32, 16, 60.0);
	for (int i = 1; i <= 10; i++)
		assert_true(submit(wp, base, 1, i));
	assert_true(submit(wp, base, 2, 11));
	assert_true(submit(wp, base, 3, 12));
	open_gate();
	wait_done(base, 13);
	assert_int_equal(rec.cancelled, 0);
	static const int want[] = {0, 1, 11, 12, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	assert_int_equal(rec.nran, 13);
	for (int i = 0; i < 13; i++)
		assert_int_equal(rec.ran[i], want[i]);
	workpool_free(wp);
	event_base_free(base);
}

/* A source may have max_per_source jobs waiting; the next is refused at once, while
 * another source still gets in. */
static void test_per_source_cap(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	struct workpool *wp = held_pool(base, 32, 3, 60.0);
	for (int i = 1; i <= 3; i++)
		assert_true(submit(wp, base, 1, i));
	assert_false(submit(wp, base, 1, 4));
	assert_true(submit(wp, base, 2, 5));
	open_gate();
	wait_done(base, 5);
	assert_int_equal(rec.cancelled, 0);
	workpool_free(wp);
	event_base_free(base);
}

/* A full pool: a newcomer pushes out the newest job of the source with the most while that
 * source would keep more than the newcomer, and is refused once the sources are even. */
static void test_full_pool_makes_room_for_fewer(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	struct workpool *wp = held_pool(base, 4, 4, 60.0);
	for (int i = 1; i <= 4; i++)
		assert_true(submit(wp, base, 1, i)); /* source 1 fills the pool */
	assert_true(submit(wp, base, 2, 5));         /* pushes out job 4 */
	assert_true(submit(wp, base, 3, 6));         /* pushes out job 3 */
	assert_true(submit(wp, base, 4, 7));         /* pushes out job 2: one each now */
	assert_false(submit(wp, base, 2, 8));        /* would have 2 where others have 1 */
	assert_false(submit(wp, base, 5, 9));        /* even: nobody has more than 1 */
	open_gate();
	wait_done(base, 8);
	assert_int_equal(rec.cancelled, 3);
	assert_true(rec.cancelled_tag[4] && rec.cancelled_tag[3] && rec.cancelled_tag[2]);
	static const int want[] = {0, 1, 5, 6, 7};
	assert_int_equal(rec.nran, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(rec.ran[i], want[i]);
	workpool_free(wp);
	event_base_free(base);
}

/* A job of the first class runs before every waiting job of the normal class, and a full
 * pool makes room for it even when every normal source has a single job. */
static void test_first_class_goes_ahead(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	struct workpool *wp = held_pool(base, 4, 4, 60.0);
	for (int i = 1; i <= 4; i++)
		assert_true(submit(wp, base, (uint64_t)i, i)); /* four sources, one job each */
	assert_false(submit(wp, base, 5, 5));                /* full and even */
	assert_true(submit_in(wp, base, WORK_FIRST, 6, 6));  /* pushes out job 4 */
	assert_true(submit_in(wp, base, WORK_FIRST, 7, 7));  /* pushes out job 3 */
	open_gate();
	wait_done(base, 7);
	assert_true(rec.cancelled_tag[4] && rec.cancelled_tag[3]);
	static const int want[] = {0, 6, 7, 1, 2};
	assert_int_equal(rec.nran, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(rec.ran[i], want[i]);
	workpool_free(wp);
	event_base_free(base);
}

/* Jobs that waited past the deadline are not run, but answered (cancelled). */
static void test_deadline(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	struct workpool *wp = held_pool(base, 8, 8, 0.05);
	assert_true(submit(wp, base, 1, 1));
	assert_true(submit(wp, base, 2, 2));
	usleep(100 * 1000);
	open_gate();
	wait_done(base, 3);
	assert_int_equal(rec.nran, 1); /* only job 0, taken before the deadline */
	assert_int_equal(rec.cancelled, 2);
	workpool_free(wp);
	event_base_free(base);
}

/* Freeing the pool answers every waiting job, cancelled. */
static void test_free_cancels_waiting(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	struct workpool *wp = held_pool(base, 8, 8, 60.0);
	assert_true(submit(wp, base, 1, 1));
	assert_true(submit(wp, base, 2, 2));
	assert_true(submit(wp, base, 2, 3));
	open_gate();
	usleep(1000);
	workpool_free(wp);
	wait_done(base, 4);
	assert_int_equal(rec.nran + rec.cancelled, 4);
	workpool_free(NULL);
	event_base_free(base);
}

int main(void)
{
	evthread_use_pthreads();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_round_robin_between_sources, setup),
		cmocka_unit_test_setup(test_per_source_cap, setup),
		cmocka_unit_test_setup(test_full_pool_makes_room_for_fewer, setup),
		cmocka_unit_test_setup(test_first_class_goes_ahead, setup),
		cmocka_unit_test_setup(test_deadline, setup),
		cmocka_unit_test_setup(test_free_cancels_waiting, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
