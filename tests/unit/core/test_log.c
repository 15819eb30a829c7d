/* test_log.c - tests server/core/log.c: JSON lines (the line's own members, a caller's fields
 * and log_line's members, text escaped; lines held and written together), and log_limited's rate per source, with the count of
 * what it dropped, from several threads at once. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"

/* stderr goes to a temporary file while a test writes; lines() reads it back. */
static int saved_stderr = -1;
static FILE *capture;

static void capture_start(void)
{
	capture = tmpfile();
	assert_non_null(capture);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fileno(capture), STDERR_FILENO);
}

/* Restores stderr; returns the captured lines as parsed JSON objects in out (at most max),
 * failing the test on a line that is not a JSON object. Returns how many. */
static size_t capture_stop(json_object **out, size_t max)
{
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(capture);
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, capture)) > 0) {
		json_object *j = json_tokener_parse(line);
		if (!j || !json_object_is_type(j, json_type_object))
			fail_msg("not a JSON object: %s", line);
		if (n < max)
			out[n] = j;
		else
			json_object_put(j);
		n++;
	}
	free(line);
	fclose(capture);
	return n;
}

static const char *field(json_object *j, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(j, key, &v) ? json_object_get_string(v) : NULL;
}

/* Waits for the start of a second of the monotonic clock, so a burst falls in one. */
static void align_to_second(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	struct timespec wait = {0, 1000000000L - now.tv_nsec + 1000000L};
	nanosleep(&wait, NULL);
}

static void test_rate_per_source_then_count_of_dropped(void **state)
{
	(void)state;
	static struct log_source src = LOG_SOURCE_INIT("test");
	static struct log_source other = LOG_SOURCE_INIT("other");
	json_object *lines[64];
	align_to_second();
	capture_start();
	for (int i = 0; i < 100; i++)
		log_limited(&src, LOG_WARN, NULL, "flood %d", i);
	log_limited(&other, LOG_WARN, NULL, "another source is not held back");
	struct timespec second = {1, 0};
	nanosleep(&second, NULL);
	log_limited(&src, LOG_WARN, NULL, "after the flood");
	size_t n = capture_stop(lines, 64);
	assert_int_equal(n, LOG_SOURCE_LINES_PER_S + 3);
	for (int i = 0; i < LOG_SOURCE_LINES_PER_S; i++) {
		char want[32];
		snprintf(want, sizeof(want), "flood %d", i);
		assert_string_equal(field(lines[i], "msg"), want);
		assert_string_equal(field(lines[i], "source"), "test");
		assert_string_equal(field(lines[i], "level"), "warn");
	}
	assert_string_equal(field(lines[LOG_SOURCE_LINES_PER_S], "source"), "other");
	json_object *count = lines[LOG_SOURCE_LINES_PER_S + 1];
	assert_string_equal(field(count, "suppressed"), "80");
	assert_string_equal(field(count, "source"), "test");
	assert_string_equal(field(lines[LOG_SOURCE_LINES_PER_S + 2], "msg"), "after the flood");
	for (size_t i = 0; i < n; i++)
		json_object_put(lines[i]);
}

/* A flood that stops is still counted, by the timer's flush, once. */
static void test_flush_counts_a_flood_that_stopped(void **state)
{
	(void)state;
	static struct log_source src = LOG_SOURCE_INIT("flush");
	json_object *lines[64];
	align_to_second();
	capture_start();
	for (int i = 0; i < LOG_SOURCE_LINES_PER_S + 10; i++)
		log_limited(&src, LOG_INFO, NULL, "flood %d", i);
	log_flush_suppressed();
	log_flush_suppressed();
	size_t n = capture_stop(lines, 64);
	int counts = 0;
	const char *dropped = NULL;
	for (size_t i = LOG_SOURCE_LINES_PER_S; i < n && i < 64; i++) {
		const char *source = field(lines[i], "source");
		if (source && strcmp(source, "flush") == 0 && field(lines[i], "suppressed")) {
			counts++;
			dropped = field(lines[i], "suppressed");
		}
	}
	assert_int_equal(counts, 1);
	assert_string_equal(dropped, "10");
	for (size_t i = 0; i < n && i < 64; i++)
		json_object_put(lines[i]);
}

/* Each line is one JSON object with its own members first: the message escaped, a caller's
 * fields of every type, none of them replacing the line's own; log_line's members as given. */
static void test_lines_are_json_objects(void **state)
{
	(void)state;
	json_object *lines[4];
	capture_start();
	json_object *f = json_object_new_object();
	json_object_object_add(f, "n", json_object_new_int(7));
	json_object_object_add(f, "path", json_object_new_string("/a/\"b\"\n"));
	json_object_object_add(f, "ok", json_object_new_boolean(1));
	json_object_object_add(f, "msg", json_object_new_string("not the message"));
	json_object_object_add(f, "req", json_object_new_string("not the request"));
	log_write(LOG_WARN, "r1", f, "quote \" tab \t and %s", "dòng");
	log_line(LOG_INFO, "r2", "request", ",\"status\":201,\"ms\":0.070");
	log_line(LOG_DEBUG, "r3", "below the level", NULL);
	log_line(LOG_ERROR, NULL, "no request", NULL);
	struct sbuf held = {0};
	log_format_line(&held, LOG_INFO, "r4", "held", ",\"n\":1");
	log_format_line(&held, LOG_INFO, "r5", "held", NULL);
	log_put_lines(&held); /* both at once, whole */
	assert_int_equal(held.len, 0);
	log_put_lines(&held); /* nothing */
	sbuf_free(&held);
	json_object *more[8];
	size_t n = capture_stop(more, 8);
	assert_int_equal(n, 5);
	assert_string_equal(field(more[3], "req"), "r4");
	assert_string_equal(field(more[3], "n"), "1");
	assert_string_equal(field(more[4], "req"), "r5");
	for (size_t i = 0; i < 3; i++)
		lines[i] = more[i];
	for (size_t i = 3; i < n; i++)
		json_object_put(more[i]);
	n = 3;
	assert_string_equal(field(lines[0], "level"), "warn");
	assert_string_equal(field(lines[0], "req"), "r1");
	assert_string_equal(field(lines[0], "msg"), "quote \" tab \t and dòng");
	assert_string_equal(field(lines[0], "n"), "7");
	assert_string_equal(field(lines[0], "path"), "/a/\"b\"\n");
	assert_string_equal(field(lines[0], "ok"), "true");
	assert_non_null(field(lines[0], "ts"));
	assert_string_equal(field(lines[1], "msg"), "request");
	assert_string_equal(field(lines[1], "req"), "r2");
	assert_string_equal(field(lines[1], "status"), "201");
	assert_string_equal(field(lines[1], "ms"), "0.070");
	assert_string_equal(field(lines[2], "level"), "error");
	assert_null(field(lines[2], "req"));
	for (size_t i = 0; i < n; i++)
		json_object_put(lines[i]);
}

static void test_below_level_not_counted(void **state)
{
	(void)state;
	static struct log_source src = LOG_SOURCE_INIT("quiet");
	json_object *lines[4];
	capture_start();
	for (int i = 0; i < 100; i++)
		log_limited(&src, LOG_DEBUG, json_object_new_object(), "debug %d", i);
	size_t n = capture_stop(lines, 4);
	assert_int_equal(n, 0);
	assert_int_equal(src.suppressed, 0);
}

static struct log_source shared = LOG_SOURCE_INIT("threads");

static void *flood(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5000; i++) {
		json_object *f = json_object_new_object();
		json_object_object_add(f, "i", json_object_new_int(i));
		log_limited(&shared, LOG_ERROR, f, "from a thread %d", i);
	}
	return NULL;
}

/* Callbacks from libevent and libpq run on any worker: lines stay whole and the rate holds
 * across threads. */
static void test_threads_share_a_source(void **state)
{
	(void)state;
	enum { THREADS = 4 };
	json_object *lines[256];
	align_to_second();
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	capture_start();
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, flood, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	size_t n = capture_stop(lines, 256);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Each second the flood touched allows its lines and one count of the dropped. */
	size_t seconds = (size_t)(t1.tv_sec - t0.tv_sec) + 1;
	size_t max = seconds * (LOG_SOURCE_LINES_PER_S + 1);
	int others = 0;
	for (size_t i = 0; i < n && i < 256; i++) {
		const char *source = field(lines[i], "source");
		others += !source || strcmp(source, "threads") != 0;
		json_object_put(lines[i]);
	}
	assert_int_equal(others, 0);
	assert_true(n >= LOG_SOURCE_LINES_PER_S && n <= max);
}

int main(void)
{
	log_set_level(LOG_INFO);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_are_json_objects),
		cmocka_unit_test(test_rate_per_source_then_count_of_dropped),
		cmocka_unit_test(test_flush_counts_a_flood_that_stopped),
		cmocka_unit_test(test_below_level_not_counted),
		cmocka_unit_test(test_threads_share_a_source),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
