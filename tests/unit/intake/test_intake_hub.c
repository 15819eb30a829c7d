/* test_intake_hub.c - tests server/intake/intake_hub.c against a database of its own in
 * the test cluster: submissions handed over from a worker's loop are stored by the hub's own
 * thread and answered back on that worker's loop (never inside the submit call), with a
 * signed receipt and the submitter's secret; submissions handed over while a batch is out
 * are taken by the queue itself and answered too; stopping the hub answers what it still
 * holds, and a submission after the stop is answered INTAKE_UNAVAILABLE. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "core/config.h"
#include "core/prometheus.h"
#include "core/util.h"
#include "crypto/keys.h"
#include "crypto/receipt.h"
#include "intake/intake_hub.h"
#include "tlog/tlog_receipt.h"
#include "../unit_db.h"
#include "../unit_dir.h"

struct answer {
	int calls;
	bool on_origin_thread;
	enum intake_outcome outcome;
	bool has_receipt;
	struct receipt r;
	char secret[RECEIPT_SECRET_LEN + 1];
};

static pthread_t origin_thread;

static void answer_cb(void *arg, enum intake_outcome outcome, const struct receipt *r,
		      const char *secret)
{
	struct answer *a = arg;
	a->calls++;
	a->on_origin_thread = pthread_equal(pthread_self(), origin_thread);
	a->outcome = outcome;
	a->has_receipt = r != NULL;
	if (r)
		a->r = *r;
	snprintf(a->secret, sizeof(a->secret), "%s", secret ? secret : "");
}

struct fixture {
	struct config cfg;
	struct keyring *keys;
	struct intake_hub *hub;
	struct event_base *origin;
	char dir[256];
	char item[65];
	char run[17];
};

static int setup(void **state)
{
	*state = NULL;
	if (!getenv("PAKN_DATABASE_URL"))
		return 0;
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];
	const char *url = unit_db_own("pakn_unit_intake_hub");
	if (!url || config_load(&f->cfg, NULL, err, sizeof(err)) != 0 ||
	    config_set(&f->cfg, "database_url", url, err, sizeof(err)) != 0)
		return -1;
	if (!(f->keys = unit_keys_new("test_intake_hub", f->dir, sizeof(f->dir))))
		return -1;
	if (unit_db_value(url, "SELECT code FROM plan_item ORDER BY code DESC LIMIT 1", f->item,
			  sizeof(f->item)) < 0)
		return -1;
	unit_run_tag(f->run);
	f->origin = event_loop_new();
	f->hub = intake_hub_new(&f->cfg, f->keys);
	if (!f->hub || intake_hub_start(f->hub) != 0)
		return -1;
	origin_thread = pthread_self();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (!f)
		return 0;
	intake_hub_stop(f->hub, 5);
	event_base_loop(f->origin, EVLOOP_NONBLOCK); /* the answers the stop left pending */
	intake_hub_free(f->hub);
	event_base_free(f->origin);
	keys_free(f->keys);
	unit_rm_dir(f->dir);
	free(f);
	return 0;
}

static void submit(struct fixture *f, int n, struct answer *a)
{
	struct submission s = {0};
	snprintf(s.item_code, sizeof(s.item_code), "%s", f->item);
	s.rating = 1 + n % 5;
	snprintf(s.kind, sizeof(s.kind), "question");
	char body[128];
	snprintf(body, sizeof(body), "Câu hỏi thử số %d của lần chạy %s?", n, f->run);
	s.body = strdup(body);
	intake_hub_submit(f->hub, f->origin, &s, NULL, answer_cb, a);
	assert_null(s.body); /* taken */
}

#define FIXTURE(f)                                                                           \
	struct fixture *f = *state;                                                          \
	if (!f)                                                                              \
		skip() /* tests/run.sh gives a migrated database */

/* A version 2 receipt is proven by the signed head it carries, with the service's key. */
static void assert_proven(const struct fixture *f, const struct receipt *r)
{
	char err[256];
	uint64_t size;
	assert_int_equal(r->version, 2);
	assert_int_equal(tlog_receipt_check(r, &keys_current(f->keys)->pk, 1, NULL, &size, err,
					    sizeof(err)),
			 RECEIPT_VALID);
}

static void test_answers_on_origin_loop(void **state)
{
	FIXTURE(f);
	for (int i = 0; i < 200 && !intake_hub_ready(f->hub); i++)
		usleep(10000);
	assert_true(intake_hub_ready(f->hub));
	enum { N = 6 };
	struct answer a[N];
	memset(a, 0, sizeof(a));
	for (int i = 0; i < N; i++)
		submit(f, i, &a[i]);
	/* answers wait for the origin loop to turn, whatever the hub's thread did meanwhile */
	usleep(200000);
	for (int i = 0; i < N; i++)
		assert_int_equal(a[i].calls, 0);
	for (int i = 0; i < N; i++)
		unit_loop_until(f->origin, &a[i].calls, 10);
	for (int i = 0; i < N; i++) {
		assert_int_equal(a[i].calls, 1);
		assert_true(a[i].on_origin_thread);
		assert_int_equal(a[i].outcome, INTAKE_CREATED);
		assert_true(a[i].has_receipt);
		assert_string_equal(a[i].r.item_code, f->item);
		assert_proven(f, &a[i].r);
		char secret[RECEIPT_SECRET_LEN + 1];
		receipt_secret(f->keys, a[i].r.tracking_code, secret);
		assert_string_equal(a[i].secret, secret);
	}
	struct prometheus_counters *c = intake_hub_counters(f->hub);
	assert_int_equal(c->batch_sum, N);
	assert_in_range(c->batch_count, 1, N);
}

/* Submissions handed over while a batch is at the database do not wake the hub: the queue
 * takes them when it looks for its next batch. None is left behind, in bursts or alone. */
static void test_handed_over_while_a_batch_is_out(void **state)
{
	FIXTURE(f);
	for (int i = 0; i < 200 && !intake_hub_ready(f->hub); i++)
		usleep(10000);
	assert_true(intake_hub_ready(f->hub));
	enum { N = 40 };
	struct answer a[N];
	memset(a, 0, sizeof(a));
	for (int i = 0; i < N; i++) {
		submit(f, 300 + i, &a[i]);
		if (i % 4 == 3)
			usleep(i % 8 == 7 ? 20000 : 1000); /* some during a batch, some after it */
	}
	for (int i = 0; i < N; i++)
		unit_loop_until(f->origin, &a[i].calls, 10);
	for (int i = 0; i < N; i++) {
		assert_int_equal(a[i].calls, 1);
		assert_int_equal(a[i].outcome, INTAKE_CREATED);
		assert_proven(f, &a[i].r);
	}
	struct answer last = {0};
	submit(f, 399, &last); /* the queue is idle again: this one wakes the hub */
	unit_loop_until(f->origin, &last.calls, 10);
	assert_int_equal(last.outcome, INTAKE_CREATED);
	struct prometheus_counters *c = intake_hub_counters(f->hub);
	assert_int_equal(c->batch_sum, N + 1);
	assert_in_range(c->batch_count, 2, N);
}

static void test_stop_answers_everything(void **state)
{
	FIXTURE(f);
	enum { N = 8 };
	struct answer a[N], late = {0};
	memset(a, 0, sizeof(a));
	for (int i = 0; i < N; i++)
		submit(f, 100 + i, &a[i]);
	intake_hub_stop(f->hub, 5);
	submit(f, 200, &late);
	event_base_loop(f->origin, EVLOOP_NONBLOCK);
	for (int i = 0; i < N; i++) {
		assert_int_equal(a[i].calls, 1);
		assert_true(a[i].on_origin_thread);
		/* stored before the stop, or not at all */
		if (a[i].outcome == INTAKE_CREATED)
			assert_proven(f, &a[i].r);
		else
			assert_int_equal(a[i].outcome, INTAKE_UNAVAILABLE);
	}
	assert_int_equal(late.calls, 1);
	assert_int_equal(late.outcome, INTAKE_UNAVAILABLE);
	assert_false(late.has_receipt);
	assert_string_equal(late.secret, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_answers_on_origin_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handed_over_while_a_batch_is_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_answers_everything, setup, teardown),
	};
	if (sodium_init() < 0 || evthread_use_pthreads() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
