/* test_http_limits.c - tests the request framing of server/http_limits.c: what libevent
 * would see for a given byte stream, whole or in pieces. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "http.h"
#include "http_limits.h"

#define SECRET "0123456789abcdef0123456789abcdef"

static const struct http_limits lim = {8192, 65536};

static int set_secret(void **state)
{
	(void)state;
	memcpy(http_reject_secret, SECRET, sizeof(http_reject_secret));
	return 0;
}

/* The made-up request that replaces a refused one. */
static char *reject_text(int status, int minor)
{
	char *s;
	if (asprintf(&s, "GET /.pakn/reject/%d HTTP/1.%d\r\nX-Pakn-Reject: %s\r\n\r\n", status,
		     minor, SECRET) < 0)
		abort();
	return s;
}

/* Feeds data through a fresh filter state in pieces of step bytes (0: all at once) and
 * returns what came out, NUL-terminated; *outlen gets its length. */
static char *run_feed(const char *data, size_t len, size_t step, size_t *outlen)
{
	struct limits_state *st = limits_state_new(&lim);
	assert_non_null(st);
	struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
	assert_non_null(in);
	assert_non_null(out);
	if (step == 0)
		step = len ? len : 1;
	for (size_t off = 0; off < len; off += step) {
		size_t n = len - off < step ? len - off : step;
		evbuffer_add(in, data + off, n);
		limits_feed(st, in, out);
		/* The filter always consumes what it is given. */
		assert_int_equal(evbuffer_get_length(in), 0);
	}
	size_t n = evbuffer_get_length(out);
	char *s = malloc(n + 1);
	assert_non_null(s);
	evbuffer_remove(out, s, n);
	s[n] = '\0';
	if (outlen)
		*outlen = n;
	evbuffer_free(in);
	evbuffer_free(out);
	limits_state_free(st);
	return s;
}

/* Asserts that data gives want, fed whole, one byte at a time and in 7-byte pieces. */
static void expect_output(const char *data, size_t len, const char *want, size_t wantlen)
{
	static const size_t steps[] = {0, 1, 7};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		size_t n;
		char *got = run_feed(data, len, steps[i], &n);
		if (n != wantlen || memcmp(got, want, n) != 0) {
			print_error("fed in pieces of %zu: output (%zu bytes)\n%.300s\nwant (%zu bytes)\n"
				    "%.300s\n",
				    steps[i], n, got, wantlen, want);
			free(got);
			fail();
		}
		free(got);
	}
}

static void expect_str(const char *data, const char *want)
{
	expect_output(data, strlen(data), want, strlen(want));
}

/* --- requests that pass ---------------------------------------------------------------- */

static void test_get_passes(void **state)
{
	(void)state;
	const char *req = "GET /api/v1/items?q=s%E1%BB%91 HTTP/1.1\r\nHost: x\r\n"
			  "Accept: application/json\r\n\r\n";
	expect_str(req, req);
}

static void test_get_lf_only_passes(void **state)
{
	(void)state;
	const char *req = "GET / HTTP/1.1\nHost: x\n\n";
	expect_str(req, req);
}

static void test_post_with_body_passes(void **state)
{
	(void)state;
	const char *req = "POST /api/v1/feedback HTTP/1.1\r\nHost: x\r\nContent-Type: "
			  "application/json\r\nContent-Length: 13\r\n\r\n{\"a\":\"b\\r\\n\"}";
	expect_str(req, req);
}

/* A body that looks like a request is still a body. */
static void test_body_is_not_parsed(void **state)
{
	(void)state;
	const char *body = "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
	char req[256];
	snprintf(req, sizeof(req), "POST /a HTTP/1.1\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(body), body);
	expect_str(req, req);
}

static void test_pipelined_pass(void **state)
{
	(void)state;
	const char *req = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
			  "POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
			  "GET /c HTTP/1.1\r\nHost: x\r\n\r\n";
	expect_str(req, req);
}

static void test_leading_blank_lines_dropped(void **state)
{
	(void)state;
	expect_str("\r\n\r\n\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	/* …also between pipelined requests, after a body */
	expect_str("POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nok\r\n"
		   "GET /b HTTP/1.1\r\n\r\n",
		   "POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nok"
		   "GET /b HTTP/1.1\r\n\r\n");
}

static void test_header_names_case_insensitive(void **state)
{
	(void)state;
	const char *req = "POST /a HTTP/1.1\r\ncontent-length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n\r\n";
	expect_str(req, req);
	const char *spaced = "POST /a HTTP/1.1\r\nCONTENT-LENGTH:   3  \r\n\r\nabc";
	expect_str(spaced, spaced);
	/* the same length twice is not a conflict */
	const char *twice = "POST /a HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc";
	expect_str(twice, twice);
}

/* A request whose body has not arrived yet gives the head at once, the body as it comes. */
static void test_partial_body_streams(void **state)
{
	(void)state;
	struct limits_state *st = limits_state_new(&lim);
	struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
	const char *head = "POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\n";
	evbuffer_add(in, head, strlen(head));
	evbuffer_add(in, "01234", 5);
	limits_feed(st, in, out);
	assert_int_equal(evbuffer_get_length(out), strlen(head) + 5);
	evbuffer_add(in, "56789GET /b HTTP/1.1\r\n\r\n", 24);
	limits_feed(st, in, out);
	size_t n = evbuffer_get_length(out);
	char *got = calloc(1, n + 1);
	evbuffer_remove(out, got, n);
	assert_string_equal(got, "POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789"
				 "GET /b HTTP/1.1\r\n\r\n");
	free(got);
	evbuffer_free(in);
	evbuffer_free(out);
	limits_state_free(st);
}

/* An incomplete head gives nothing yet. */
static void test_incomplete_head_waits(void **state)
{
	(void)state;
	size_t n;
	char *got = run_feed("GET / HTTP/1.1\r\nHost: x\r\n", 25, 0, &n);
	assert_int_equal(n, 0);
	free(got);
}

/* --- header size: 431 ------------------------------------------------------------------ */

/* A request whose head (request line, headers and the blank line) is exactly size bytes. */
static char *request_of_head_size(size_t size, const char *tail)
{
	const char *start = "GET / HTTP/1.1\r\nX-Pad: ";
	const char *end = "\r\n\r\n";
	size_t pad = size - strlen(start) - strlen(end);
	char *s = malloc(size + strlen(tail) + 1);
	assert_non_null(s);
	strcpy(s, start);
	memset(s + strlen(start), 'p', pad);
	strcpy(s + strlen(start) + pad, end);
	strcat(s, tail);
	assert_int_equal(strlen(s), size + strlen(tail));
	return s;
}

static void test_head_at_limit_passes(void **state)
{
	(void)state;
	char *req = request_of_head_size(8192, "");
	expect_str(req, req);
	free(req);
}

static void test_head_over_limit_431(void **state)
{
	(void)state;
	char *want = reject_text(431, 0);
	/* complete head one byte too long; what follows is dropped */
	char *req = request_of_head_size(8193, "GET /next HTTP/1.1\r\n\r\n");
	expect_str(req, want);
	free(req);
	/* a head that never ends */
	size_t len = 20000;
	char *endless = malloc(len + 1);
	memcpy(endless, "GET / HTTP/1.1\r\nX-Pad: ", 23);
	memset(endless + 23, 'p', len - 23);
	endless[len] = '\0';
	expect_str(endless, want);
	free(endless);
	free(want);
}

/* --- body size: 413, and the connection goes on ---------------------------------------- */

static char *post_with_body(size_t declared, size_t sent, const char *tail)
{
	char head[128];
	int hn = snprintf(head, sizeof(head), "POST /api/v1/feedback HTTP/1.1\r\nHost: x\r\n"
					      "Content-Length: %zu\r\n\r\n", declared);
	char *s = malloc((size_t)hn + sent + strlen(tail) + 1);
	assert_non_null(s);
	memcpy(s, head, (size_t)hn);
	memset(s + hn, 'b', sent);
	strcpy(s + (size_t)hn + sent, tail);
	return s;
}

static void test_body_at_limit_passes(void **state)
{
	(void)state;
	char *req = post_with_body(65536, 65536, "GET /after HTTP/1.1\r\n\r\n");
	size_t len = strlen(req);
	size_t n;
	char *got = run_feed(req, len, 0, &n);
	assert_int_equal(n, len);
	assert_memory_equal(got, req, len);
	free(got);
	got = run_feed(req, len, 4096, &n);
	assert_int_equal(n, len);
	assert_memory_equal(got, req, len);
	free(got);
	free(req);
}

static void test_body_over_limit_413_skips_body(void **state)
{
	(void)state;
	const char *next = "GET /api/v1/items HTTP/1.1\r\nHost: x\r\n\r\n";
	char *req = post_with_body(65537, 65537, next);
	char *reject = reject_text(413, 1);
	char *want = malloc(strlen(reject) + strlen(next) + 1);
	strcpy(want, reject);
	strcat(want, next);
	size_t len = strlen(req);
	static const size_t steps[] = {0, 1, 1000, 65536};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		size_t n;
		char *got = run_feed(req, len, steps[i], &n);
		if (strcmp(got, want) != 0) {
			print_error("pieces of %zu: got %.200s\n", steps[i], got);
			free(got);
			fail();
		}
		free(got);
	}
	free(want);
	free(reject);
	free(req);
}

/* The 413 answer comes as soon as the head is read, before any body byte. */
static void test_413_before_body(void **state)
{
	(void)state;
	char *req = post_with_body(1000000, 0, "");
	char *want = reject_text(413, 1);
	expect_str(req, want);
	free(want);
	free(req);
}

/* A client that asked to close gets its 413 with Connection: close, so the connection ends
 * after the reply; the body is still skipped. */
static void test_413_keeps_connection_close(void **state)
{
	(void)state;
	const char *req = "POST /a HTTP/1.1\r\nConnection: close\r\nContent-Length: 70000\r\n\r\n";
	char want[256];
	snprintf(want, sizeof(want), "GET /.pakn/reject/413 HTTP/1.1\r\nX-Pakn-Reject: %s\r\n"
				     "Connection: close\r\n\r\n", SECRET);
	expect_str(req, want);
	const char *lower = "POST /a HTTP/1.1\r\ncontent-length: 70000\r\nconnection: CLOSE\r\n\r\n";
	expect_str(lower, want);
	/* keep-alive (or nothing) adds no header */
	char *plain = reject_text(413, 1);
	expect_str("POST /a HTTP/1.1\r\nConnection: keep-alive\r\nContent-Length: 70000\r\n\r\n",
		   plain);
	free(plain);
	/* refusals that discard the connection never need it */
	char *discard = reject_text(411, 0);
	expect_str("POST /a HTTP/1.1\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n",
		   discard);
	free(discard);
}

/* --- malformed framing: 400 and 411, and the rest is dropped ----------------------------- */

struct refuse_case {
	const char *name;
	const char *req;
	int status;
};

static const struct refuse_case refuse_cases[] = {
	{"chunked", "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
		    "GET /b HTTP/1.1\r\n\r\n", 411},
	{"chunked, lower case", "POST /a HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n", 411},
	{"identity encoding", "GET /a HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n", 411},
	{"non-numeric length", "POST /a HTTP/1.1\r\nContent-Length: abc\r\n\r\nabc", 400},
	{"empty length", "POST /a HTTP/1.1\r\nContent-Length: \r\n\r\n", 400},
	{"signed length", "POST /a HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello", 400},
	{"negative length", "POST /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
	{"length with junk", "POST /a HTTP/1.1\r\nContent-Length: 5x\r\n\r\nhello", 400},
	{"two lengths", "POST /a HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"
			"GET /b HTTP/1.1\r\n\r\n", 400},
	{"two lengths, other case", "POST /a HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 50\r\n"
				    "\r\nhello", 400},
};

static void test_refused_framing_table(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(refuse_cases) / sizeof(refuse_cases[0]); i++) {
		const struct refuse_case *c = &refuse_cases[i];
		char *want = reject_text(c->status, 0);
		static const size_t steps[] = {0, 1};
		for (size_t k = 0; k < 2; k++) {
			size_t n;
			char *got = run_feed(c->req, strlen(c->req), steps[k], &n);
			if (strcmp(got, want) != 0) {
				print_error("%s (pieces of %zu): got \"%s\", want %d\n", c->name,
					    steps[k], got, c->status);
				failures++;
			}
			free(got);
		}
		free(want);
	}
	assert_int_equal(failures, 0);
}

/* After a refusal whose end is unknown, later input on the connection is dropped too. */
static void test_discard_after_refusal(void **state)
{
	(void)state;
	struct limits_state *st = limits_state_new(&lim);
	struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
	const char *bad = "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
	evbuffer_add(in, bad, strlen(bad));
	limits_feed(st, in, out);
	char *want = reject_text(411, 0);
	assert_int_equal(evbuffer_get_length(out), strlen(want));
	evbuffer_add(in, "GET /later HTTP/1.1\r\n\r\n", 23);
	limits_feed(st, in, out);
	assert_int_equal(evbuffer_get_length(in), 0);
	assert_int_equal(evbuffer_get_length(out), strlen(want));
	free(want);
	evbuffer_free(in);
	evbuffer_free(out);
	limits_state_free(st);
	limits_state_free(NULL);
}

/* A Content-Length too long to hold (more than 18 digits) is refused with 413. The body
 * that follows cannot be skipped, so the connection has to be discarded like any refusal
 * whose end is unknown: nothing after the head may reach libevent as a request. */
static void test_huge_content_length_body_not_passed(void **state)
{
	(void)state;
	const char *req = "POST /a HTTP/1.1\r\nContent-Length: 1000000000000000000000\r\n\r\n"
			  "GET /smuggled HTTP/1.1\r\n\r\n";
	size_t n;
	char *got = run_feed(req, strlen(req), 0, &n);
	const char *prefix = "GET /.pakn/reject/413 HTTP/1.";
	bool is_413 = strncmp(got, prefix, strlen(prefix)) == 0;
	bool smuggled = strstr(got, "/smuggled") != NULL;
	const char *end = strstr(got, "\r\n\r\n");
	bool one_request = end && (size_t)(end - got) + 4 == n;
	free(got);
	assert_true(is_413);
	assert_false(smuggled);
	assert_true(one_request);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_passes),
		cmocka_unit_test(test_get_lf_only_passes),
		cmocka_unit_test(test_post_with_body_passes),
		cmocka_unit_test(test_body_is_not_parsed),
		cmocka_unit_test(test_pipelined_pass),
		cmocka_unit_test(test_leading_blank_lines_dropped),
		cmocka_unit_test(test_header_names_case_insensitive),
		cmocka_unit_test(test_partial_body_streams),
		cmocka_unit_test(test_incomplete_head_waits),
		cmocka_unit_test(test_head_at_limit_passes),
		cmocka_unit_test(test_head_over_limit_431),
		cmocka_unit_test(test_body_at_limit_passes),
		cmocka_unit_test(test_body_over_limit_413_skips_body),
		cmocka_unit_test(test_413_before_body),
		cmocka_unit_test(test_413_keeps_connection_close),
		cmocka_unit_test(test_refused_framing_table),
		cmocka_unit_test(test_discard_after_refusal),
		cmocka_unit_test(test_huge_content_length_body_not_passed),
	};
	return cmocka_run_group_tests(tests, set_secret, NULL);
}
