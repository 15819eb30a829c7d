/* test_ratelimit.c - tests server/http/ratelimit.c: a token bucket per key, rate tokens per
 * minute up to burst, the Retry-After it computes, and that keys sharing a set of the table
 * (forced with a table of one set) never get more than their own bucket allows. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "http/ratelimit.h"

#define RATE 60.0 /* per minute: one token a second */
#define BURST 3.0

/* One step of a scenario: at time t, client takes a token; want is the outcome and, when
 * refused, retry the Retry-After in seconds. */
struct step {
	double t;
	uint64_t client;
	bool want;
	int retry;
};

/* Runs steps on a fresh limiter; prints every step that went otherwise. */
static int run_steps(const char *name, const struct step *steps, size_t n)
{
	struct ratelimit *rl = ratelimit_new(RATE, BURST);
	assert_non_null(rl);
	int failures = 0;
	for (size_t i = 0; i < n; i++) {
		int retry = -1;
		bool ok = ratelimit_take(rl, steps[i].client, steps[i].t, &retry);
		if (ok != steps[i].want || (!ok && retry != steps[i].retry)) {
			print_error("%s, step %zu (t=%.3f, client %llu): %s retry %d, want %s retry %d\n",
				    name, i, steps[i].t, (unsigned long long)steps[i].client,
				    ok ? "allowed" : "refused", retry, steps[i].want ? "allowed" : "refused",
				    steps[i].retry);
			failures++;
		}
	}
	ratelimit_free(rl);
	return failures;
}

#define RUN(name, steps) run_steps(name, steps, sizeof(steps) / sizeof(steps[0]))

/* The scenario of the brief, starting at t = 0 (a monotonic clock may read 0: a test clock,
 * or seconds since start). */
static void test_burst_then_refill_from_zero(void **state)
{
	(void)state;
	struct ratelimit *rl = ratelimit_new(RATE, BURST);
	assert_non_null(rl);
	int retry = -1;
	bool allowed[4];
	for (int i = 0; i < 4; i++)
		allowed[i] = ratelimit_take(rl, 42, 0.0, &retry);
	ratelimit_free(rl);
	assert_true(allowed[0] && allowed[1] && allowed[2]);

	static const struct step steps[] = {
		{0.0, 42, true, 0},
		{0.0, 42, true, 0},
		{0.0, 42, true, 0},
		{0.0, 42, false, 1},
		{1.0, 42, true, 0},
		{1.0, 42, false, 1},
	};
	assert_int_equal(RUN("from t=0", steps), 0);
}

/* The same at a typical monotonic time (seconds since boot). */
static void test_burst_then_refill(void **state)
{
	(void)state;
	static const struct step steps[] = {
		{1000.0, 7, true, 0},
		{1000.0, 7, true, 0},
		{1000.0, 7, true, 0},
		{1000.0, 7, false, 1},  /* empty: a token in 1 s */
		{1000.0, 7, false, 1},  /* a refused take costs nothing */
		{1000.5, 7, false, 1},  /* half a token: still 1 s, rounded up */
		{1001.0, 7, true, 0},   /* one token back */
		{1001.0, 7, false, 1},
		{1001.25, 7, false, 1}, /* 0.25 of a token: 0.75 s, rounded up to 1 */
		{1003.0, 7, true, 0},   /* 2 tokens back */
		{1003.0, 7, true, 0},
		{1003.0, 7, false, 1},
	};
	assert_int_equal(RUN("from t=1000", steps), 0);
}

static void test_clients_independent(void **state)
{
	(void)state;
	static const struct step steps[] = {
		{500.0, 1, true, 0},
		{500.0, 1, true, 0},
		{500.0, 1, true, 0},
		{500.0, 1, false, 1},
		{500.0, 2, true, 0}, /* another client has its own bucket */
		{500.0, 2, true, 0},
		{500.0, 3, true, 0},
		{500.0, 2, true, 0},
		{500.0, 2, false, 1},
		{500.0, 1, false, 1}, /* the first is still empty */
		{500.0, 3, true, 0},
		{500.0, 3, true, 0},
		{500.0, 3, false, 1},
		{501.0, 1, true, 0},
		{501.0, 1, false, 1},
		{501.0, 2, true, 0},
	};
	assert_int_equal(RUN("three clients", steps), 0);
}

static void test_long_pause_full_not_more(void **state)
{
	(void)state;
	static const struct step steps[] = {
		{2000.0, 9, true, 0},
		{2000.0, 9, true, 0},
		{2000.0, 9, true, 0},
		{2000.0, 9, false, 1},
		/* an hour later: 3600 tokens' worth of time, but the bucket holds 3 */
		{5600.0, 9, true, 0},
		{5600.0, 9, true, 0},
		{5600.0, 9, true, 0},
		{5600.0, 9, false, 1},
		/* a pause of a day with no takes at all in between, same */
		{92000.0, 9, true, 0},
		{92000.0, 9, true, 0},
		{92000.0, 9, true, 0},
		{92000.0, 9, false, 1},
	};
	assert_int_equal(RUN("long pause", steps), 0);
}

/* Retry-After with a slower rate: 7.5 per minute is a token every 8 s (binary fractions
 * only, so the arithmetic is exact). */
static void test_retry_after_slow_rate(void **state)
{
	(void)state;
	struct ratelimit *rl = ratelimit_new(7.5, 1.0);
	assert_non_null(rl);
	int retry = -1;
	assert_true(ratelimit_take(rl, 5, 100.0, &retry));
	assert_false(ratelimit_take(rl, 5, 100.0, &retry));
	assert_int_equal(retry, 8);
	assert_false(ratelimit_take(rl, 5, 104.0, &retry)); /* half a token: 4 s to go */
	assert_int_equal(retry, 4);
	assert_false(ratelimit_take(rl, 5, 107.5, &retry)); /* 15/16 of a token: 0.5 s, rounded up */
	assert_int_equal(retry, 1);
	assert_true(ratelimit_take(rl, 5, 108.0, &retry));
	assert_false(ratelimit_take(rl, 5, 108.0, &retry));
	assert_int_equal(retry, 8);
	ratelimit_free(rl);
	ratelimit_free(NULL); /* safe */
}

/* --- collisions: a table of one set (16 buckets), so every key collides ----------------- */

#define ONE_SET 16

/* Takes for key at now until refused; returns how many were allowed. */
static int drain(struct ratelimit *rl, uint64_t key, double now)
{
	int retry, n = 0;
	while (ratelimit_take(rl, key, now, &retry))
		n++;
	return n;
}

/* The old table gave a colliding key's slot a full bucket: a drained key then had its
 * tokens back after anyone else took a token in its slot. */
static void test_collision_never_resets_a_bucket(void **state)
{
	(void)state;
	struct ratelimit *rl = ratelimit_new_sized(RATE, BURST, ONE_SET);
	assert_non_null(rl);
	assert_int_equal(drain(rl, 1, 100.0), 3);
	int retry = -1, allowed = 0;
	for (uint64_t k = 1000; k < 11000; k++)
		allowed += ratelimit_take(rl, k, 100.0, &retry);
	assert_int_equal(allowed, ONE_SET - 1); /* the 15 free buckets, one token each */
	assert_false(ratelimit_take(rl, 1, 100.0, &retry));
	assert_int_equal(retry, 1);
	ratelimit_free(rl);
}

/* A key the full set has no room for waits until a bucket has refilled completely, and is
 * told how long. */
static void test_full_set_waits_for_a_refilled_bucket(void **state)
{
	(void)state;
	struct ratelimit *rl = ratelimit_new_sized(RATE, BURST, ONE_SET);
	assert_non_null(rl);
	int retry = -1;
	assert_int_equal(drain(rl, 1, 0.0), 3); /* full again at t = 3 */
	for (uint64_t k = 2; k <= ONE_SET; k++)
		assert_true(ratelimit_take(rl, k, 0.5, &retry)); /* full again at t = 1.5 */
	assert_false(ratelimit_take(rl, 99, 0.5, &retry));
	assert_int_equal(retry, 1);
	assert_false(ratelimit_take(rl, 99, 1.0, &retry)); /* half a second still missing */
	assert_true(ratelimit_take(rl, 99, 1.5, &retry));  /* takes a refilled bucket */
	assert_true(ratelimit_take(rl, 99, 1.5, &retry));
	assert_true(ratelimit_take(rl, 99, 1.5, &retry));
	assert_false(ratelimit_take(rl, 99, 1.5, &retry));
	/* Key 1 kept its own state: 1.5 tokens back, not 3. */
	assert_int_equal(drain(rl, 1, 1.5), 1);
	ratelimit_free(rl);
}

/* Over a minute of a key's attempts with thousands of others sprayed in between, the key
 * gets exactly what its own bucket allows: burst + rate * time. */
static void test_spraying_gives_no_extra_tries(void **state)
{
	(void)state;
	struct ratelimit *rl = ratelimit_new_sized(RATE, BURST, ONE_SET);
	assert_non_null(rl);
	int retry = -1, allowed = 0;
	uint64_t sprayed = 1u << 20;
	for (int step = 0; step <= 240; step++) {
		double now = 500.0 + step * 0.25;
		allowed += ratelimit_take(rl, 7, now, &retry);
		for (int i = 0; i < 200; i++)
			ratelimit_take(rl, sprayed++, now, &retry);
	}
	assert_int_equal(allowed, 3 + 60); /* 60 s at one token a second */
	ratelimit_free(rl);
}

/* Refunds go to the key's own bucket only. */
static void test_refund_only_own_bucket(void **state)
{
	(void)state;
	struct ratelimit *rl = ratelimit_new_sized(RATE, BURST, ONE_SET);
	assert_non_null(rl);
	assert_int_equal(drain(rl, 1, 10.0), 3);
	ratelimit_refund(rl, 2); /* a key without a bucket: nothing happens */
	assert_int_equal(drain(rl, 1, 10.0), 0);
	ratelimit_refund(rl, 1);
	assert_int_equal(drain(rl, 1, 10.0), 1);
	for (int i = 0; i < 10; i++)
		ratelimit_refund(rl, 1);
	assert_int_equal(drain(rl, 1, 10.0), 3); /* never above burst */
	ratelimit_free(rl);
}

/* The default table: thousands of keys at once each have their own bucket. */
static void test_default_table_keeps_many_keys(void **state)
{
	(void)state;
	struct ratelimit *rl = ratelimit_new(RATE, BURST);
	assert_non_null(rl);
	int retry = -1, allowed = 0;
	for (uint64_t k = 0; k < 20000; k++)
		allowed += ratelimit_take(rl, k * 0x9e3779b97f4a7c15ull, 50.0, &retry);
	assert_int_equal(allowed, 20000);
	for (uint64_t k = 0; k < 20000; k++)
		allowed += ratelimit_take(rl, k * 0x9e3779b97f4a7c15ull, 50.0, &retry);
	assert_int_equal(allowed, 40000);
	ratelimit_free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_refill_from_zero),
		cmocka_unit_test(test_burst_then_refill),
		cmocka_unit_test(test_clients_independent),
		cmocka_unit_test(test_long_pause_full_not_more),
		cmocka_unit_test(test_retry_after_slow_rate),
		cmocka_unit_test(test_collision_never_resets_a_bucket),
		cmocka_unit_test(test_full_set_waits_for_a_refilled_bucket),
		cmocka_unit_test(test_spraying_gives_no_extra_tries),
		cmocka_unit_test(test_refund_only_own_bucket),
		cmocka_unit_test(test_default_table_keeps_many_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
