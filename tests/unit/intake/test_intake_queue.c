/* test_intake_queue.c - tests server/intake/intake_queue.c against a database of its own
 * in the test cluster: what arrives while a batch is out waits and goes in the next one (at most
 * max_batch, counted in the batch histogram); each submission gets its own id from one
 * reserved block, tracking code, log index, handle and salt, and a version 2 receipt proven
 * at once by its batch's signed head; a retry with the same idempotency key gets the first
 * receipt back byte for byte, another text under that key is a conflict; an unknown item is refused;
 * closing answers what waits; no database is INTAKE_UNAVAILABLE. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "core/prometheus.h"
#include "crypto/keys.h"
#include "crypto/receipt.h"
#include "intake/intake_queue.h"
#include "tlog/tlog_receipt.h"
#include "../unit_db.h"
#include "../unit_dir.h"

/* What one callback saw. */
struct answer {
	int calls;
	enum intake_outcome outcome;
	bool has_receipt;
	struct receipt r;
};

static void answer_cb(void *arg, enum intake_outcome outcome, const struct receipt *r)
{
	struct answer *a = arg;
	a->calls++;
	a->outcome = outcome;
	a->has_receipt = r != NULL;
	if (r)
		a->r = *r;
}

struct fixture {
	struct event_base *base;
	struct db_pool *pool;
	struct keyring *keys;
	struct prometheus_counters *stats;
	struct intake_queue *q;
	char dir[256];
	char item[65]; /* an item of the imported plans */
	char run[17];  /* makes this run's texts unlike an earlier run's */
};

static int setup(void **state)
{
	*state = NULL;
	if (!getenv("PAKN_DATABASE_URL"))
		return 0;
	const char *url = unit_db_own("pakn_unit_intake_queue");
	if (!url)
		return -1;
	struct fixture *f = calloc(1, sizeof(*f));
	if (!(f->keys = unit_keys_new("test_intake_queue", f->dir, sizeof(f->dir))))
		return -1;
	if (unit_db_value(url, "SELECT code FROM plan_item ORDER BY code LIMIT 1", f->item,
			  sizeof(f->item)) < 0)
		return -1;
	unit_run_tag(f->run);
	f->base = event_base_new();
	f->pool = db_pool_new(f->base, url, 1, 10);
	f->stats = calloc(1, sizeof(*f->stats));
	unit_wait_up(f->base, f->pool, 1, 0);
	f->q = intake_queue_new(f->pool, f->keys, 2, "pakn57.local/log", f->stats);
	*state = f;
	return f->q ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (!f)
		return 0;
	intake_queue_close(f->q);
	db_pool_free(f->pool);
	intake_queue_free(f->q);
	event_base_free(f->base);
	keys_free(f->keys);
	unit_rm_dir(f->dir);
	free(f->stats);
	free(f);
	return 0;
}

/* A submission of the fixture's item with a text of its own (n tells them apart). */
static void submission_of(const struct fixture *f, const char *item, int n, const char *key,
			  struct submission *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->item_code, sizeof(s->item_code), "%s", item ? item : f->item);
	s->rating = 1 + n % 5;
	snprintf(s->kind, sizeof(s->kind), "opinion");
	char body[128];
	snprintf(body, sizeof(body), "Ý kiến thử số %d của lần chạy %s.", n, f->run);
	s->body = strdup(body);
	if (key)
		snprintf(s->idempotency_key, sizeof(s->idempotency_key), "%s", key);
}

#define FIXTURE(f)                                                                           \
	struct fixture *f = *state;                                                          \
	if (!f)                                                                              \
		skip() /* tests/run.sh gives a migrated database */

static void test_batches_and_receipts(void **state)
{
	FIXTURE(f);
	enum { N = 5 };
	struct answer a[N];
	memset(a, 0, sizeof(a));
	for (int i = 0; i < N; i++) {
		struct submission s;
		submission_of(f, NULL, i, NULL, &s);
		intake_queue_submit(f->q, &s, NULL, answer_cb, &a[i]);
		assert_null(s.body); /* taken */
	}
	assert_int_equal(a[0].calls, 0); /* never inside submit */
	assert_true(intake_queue_busy(f->q));
	unit_loop_until(f->base, &a[N - 1].calls, 20);
	for (int i = 0; i < N; i++) {
		assert_int_equal(a[i].calls, 1);
		assert_int_equal(a[i].outcome, INTAKE_CREATED);
		assert_true(a[i].has_receipt);
		assert_int_equal(a[i].r.version, 2);
		assert_string_equal(a[i].r.item_code, f->item);
		assert_int_equal(a[i].r.rating, 1 + i % 5);
		assert_int_equal(strlen(a[i].r.committed_at), 27); /* 2026-11-24T08:45:12.123456Z */
		assert_int_equal(strlen(a[i].r.handle), RECEIPT_HANDLE_LEN);
		assert_int_equal(strlen(a[i].r.salt), 2 * RECEIPT_SALT_BYTES);
		/* the text sent is the one committed to, with this receipt's salt */
		char body[128], hash[65];
		snprintf(body, sizeof(body), "Ý kiến thử số %d của lần chạy %s.", i, f->run);
		receipt_body_hash(a[i].r.salt, body, strlen(body), hash);
		assert_string_equal(a[i].r.body_hash, hash);
		/* log indexes in the order submitted; a handle and a salt of each one's own */
		if (i > 0) {
			assert_true(a[i].r.log_index > a[i - 1].r.log_index);
			assert_string_not_equal(a[i].r.tracking_code, a[i - 1].r.tracking_code);
			assert_string_not_equal(a[i].r.handle, a[i - 1].r.handle);
			assert_string_not_equal(a[i].r.salt, a[i - 1].r.salt);
		}
		char secret[RECEIPT_SECRET_LEN + 1];
		intake_receipt_finish(f->keys, &a[i].r, secret);
		assert_int_equal(strlen(secret), RECEIPT_SECRET_LEN);
		/* proven at once by the head it carries, with the service's key */
		char err[256];
		uint64_t size;
		assert_int_equal(tlog_receipt_check(&a[i].r, &keys_current(f->keys)->pk, 1, NULL, &size, err,
						    sizeof(err)),
				 RECEIPT_VALID);
		assert_true(size > (uint64_t)a[i].r.log_index);
	}
	/* two in a batch at most: 2 + 2 + 1, in one transaction and under one signed head
	 * each, a head that ends with its batch */
	assert_string_equal(a[0].r.committed_at, a[1].r.committed_at);
	assert_string_equal(a[0].r.checkpoint, a[1].r.checkpoint);
	assert_string_not_equal(a[1].r.committed_at, a[2].r.committed_at);
	assert_string_not_equal(a[1].r.checkpoint, a[2].r.checkpoint);
	assert_string_equal(a[2].r.committed_at, a[3].r.committed_at);
	assert_string_equal(a[2].r.checkpoint, a[3].r.checkpoint);
	assert_string_not_equal(a[3].r.checkpoint, a[4].r.checkpoint);
	for (int i = 1; i < N; i += 2)
		assert_int_equal(atoll(strchr(a[i].r.checkpoint, '\n') + 1), a[i].r.log_index + 1);
	assert_int_equal(f->stats->batch_count, 3);
	assert_int_equal(f->stats->batch_sum, N);
	assert_int_equal(f->stats->batch[0], 1); /* le=1 */
	assert_int_equal(f->stats->batch[1], 2); /* le=2 */
	assert_false(intake_queue_busy(f->q));
}

static void test_idempotency_key(void **state)
{
	FIXTURE(f);
	const char *client = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char key[40];
	snprintf(key, sizeof(key), "retry-%s", f->run);
	struct answer first = {0}, again = {0}, other = {0};
	struct submission s;
	submission_of(f, NULL, 100, key, &s);
	intake_queue_submit(f->q, &s, client, answer_cb, &first);
	unit_loop_until(f->base, &first.calls, 10);
	assert_int_equal(first.outcome, INTAKE_CREATED);

	submission_of(f, NULL, 100, key, &s);
	intake_queue_submit(f->q, &s, client, answer_cb, &again);
	unit_loop_until(f->base, &again.calls, 10);
	assert_int_equal(again.outcome, INTAKE_EXISTING);
	assert_true(again.has_receipt);
	/* the first receipt again, byte for byte: the same fields, head and proof */
	char secret[RECEIPT_SECRET_LEN + 1], secret2[RECEIPT_SECRET_LEN + 1];
	intake_receipt_finish(f->keys, &first.r, secret);
	intake_receipt_finish(f->keys, &again.r, secret2);
	struct sbuf j1 = {0}, j2 = {0};
	receipt_json(&j1, &first.r, secret);
	receipt_json(&j2, &again.r, secret2);
	assert_string_equal(j1.data, j2.data);
	assert_string_equal(again.r.salt, first.r.salt);
	assert_string_equal(again.r.checkpoint, first.r.checkpoint);
	sbuf_free(&j1);
	sbuf_free(&j2);
	submission_of(f, NULL, 101, key, &s);
	intake_queue_submit(f->q, &s, client, answer_cb, &other);
	unit_loop_until(f->base, &other.calls, 10);
	assert_int_equal(other.outcome, INTAKE_CONFLICT);
	assert_false(other.has_receipt);
}

static void test_unknown_item(void **state)
{
	FIXTURE(f);
	struct answer known = {0}, unknown = {0};
	struct submission s;
	submission_of(f, "ZZ-0-0", 200, NULL, &s);
	intake_queue_submit(f->q, &s, NULL, answer_cb, &unknown);
	submission_of(f, NULL, 201, NULL, &s);
	intake_queue_submit(f->q, &s, NULL, answer_cb, &known);
	unit_loop_until(f->base, &known.calls, 10);
	assert_int_equal(unknown.calls, 1);
	assert_int_equal(unknown.outcome, INTAKE_UNKNOWN_ITEM);
	assert_false(unknown.has_receipt);
	/* the other row of the same batch is stored all the same */
	assert_int_equal(known.outcome, INTAKE_CREATED);
}

/* Closed with a batch out and more waiting: what waits is answered now, unavailable. */
static void test_close_answers_waiting(void **state)
{
	FIXTURE(f);
	struct answer a[4];
	memset(a, 0, sizeof(a));
	for (int i = 0; i < 4; i++) {
		struct submission s;
		submission_of(f, NULL, 300 + i, NULL, &s);
		intake_queue_submit(f->q, &s, NULL, answer_cb, &a[i]);
	}
	intake_queue_close(f->q);
	for (int i = 0; i < 4; i++)
		if (a[i].calls) {
			assert_int_equal(a[i].outcome, INTAKE_UNAVAILABLE);
			assert_false(a[i].has_receipt);
		}
	/* the pool freed with the batch still out answers it too */
	db_pool_free(f->pool);
	f->pool = NULL;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(a[i].calls, 1);
		assert_int_equal(a[i].outcome, INTAKE_UNAVAILABLE);
	}
}

static void test_no_database(void **state)
{
	(void)state;
	const char *dir_root = getenv("PAKN_TEST_TMP");
	char dir[256], err[512];
	snprintf(dir, sizeof(dir), "%s/test_intake_queue_nodb.XXXXXX", dir_root ? dir_root : "/tmp");
	assert_non_null(mkdtemp(dir));
	struct keyring *keys = keys_load(dir, true, err, sizeof(err));
	assert_non_null(keys);
	struct event_base *base = event_base_new();
	struct db_pool *pool = db_pool_new(base, "postgresql://127.0.0.1:1/none", 1, 1);
	struct intake_queue *q = intake_queue_new(pool, keys, 8, "pakn57.local/log", NULL);
	struct answer a = {0};
	struct submission s = {0};
	snprintf(s.item_code, sizeof(s.item_code), "LC-1-1");
	s.rating = 3;
	snprintf(s.kind, sizeof(s.kind), "opinion");
	s.body = strdup("Không có cơ sở dữ liệu.");
	intake_queue_submit(q, &s, NULL, answer_cb, &a);
	unit_loop_until(base, &a.calls, 5);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.outcome, INTAKE_UNAVAILABLE);
	assert_false(a.has_receipt);
	intake_queue_close(q);
	db_pool_free(pool);
	intake_queue_free(q);
	event_base_free(base);
	keys_free(keys);
	unit_rm_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batches_and_receipts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotency_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_item, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_answers_waiting, setup, teardown),
		cmocka_unit_test(test_no_database),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
