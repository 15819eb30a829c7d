/* test_http_limits.c - tests the request framing of server/http/http_limits.c: what libevent
 * would see for a given byte stream, whole or in pieces, and what the deadlines do. */
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

#include "core/xalloc.h"
#include "http/http_limits.h"

static const struct http_limits lim = {8192, 65536, 5, 10, 4096};

/* The made-up request that replaces a refused one. */
static char *reject_text(int status, int minor)
{
	char *s;
	if (asprintf(&s, "GET /.pakn/reject/%d HTTP/1.%d\r\n\r\n", status, minor) < 0)
		abort();
	return s;
}

/* Feeds len bytes through st in pieces of step bytes (0: all at once), appending what
 * comes out to out; returns the strongest result of the feeds. */
static enum limits_result feed_pieces(struct limits_state *st, const char *data, size_t len,
				      size_t step, struct evbuffer *out)
{
	struct evbuffer *in = evbuffer_new();
	assert_non_null(in);
	enum limits_result res = LIMITS_WAIT;
	if (step == 0)
		step = len ? len : 1;
	for (size_t off = 0; off < len; off += step) {
		size_t n = len - off < step ? len - off : step;
		evbuffer_add(in, data + off, n);
		enum limits_result r = limits_feed(st, in, out);
		if (r > res)
			res = r;
		/* The filter always consumes what it is given. */
		assert_int_equal(evbuffer_get_length(in), 0);
	}
	evbuffer_free(in);
	return res;
}

/* Empties buf into a NUL-terminated string; *len gets its length. */
static char *drain_string(struct evbuffer *buf, size_t *len)
{
	size_t n = evbuffer_get_length(buf);
	char *s = malloc(n + 1);
	assert_non_null(s);
	evbuffer_remove(buf, s, n);
	s[n] = '\0';
	if (len)
		*len = n;
	return s;
}

/* Feeds data through a fresh filter state and returns what came out. */
static char *run_feed(const char *data, size_t len, size_t step, size_t *outlen,
		      enum limits_result *res)
{
	struct limits_state *st = limits_state_new(&lim);
	assert_non_null(st);
	struct evbuffer *out = evbuffer_new();
	assert_non_null(out);
	enum limits_result r = feed_pieces(st, data, len, step, out);
	if (res)
		*res = r;
	char *s = drain_string(out, outlen);
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
		char *got = run_feed(data, len, steps[i], &n, NULL);
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

/* --- requests that pass, in canonical form ----------------------------------------------- */

static void test_get_passes(void **state)
{
	(void)state;
	const char *req = "GET /api/v1/items?q=s%E1%BB%91 HTTP/1.1\r\nHost: x\r\n"
			  "Accept: application/json\r\n\r\n";
	expect_str(req, req);
}

static void test_lf_only_becomes_crlf(void **state)
{
	(void)state;
	expect_str("GET / HTTP/1.1\nHost: x\n\n", "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
}

/* Whitespace around a value is not part of it; a name keeps its spelling. */
static void test_values_trimmed(void **state)
{
	(void)state;
	expect_str("GET / HTTP/1.1\r\nhOsT:x\r\nX-A: \t a  b \t\r\nX-Empty:\r\n\r\n",
		   "GET / HTTP/1.1\r\nhOsT: x\r\nX-A: a  b\r\nX-Empty: \r\n\r\n");
}

/* Every blank line libevent would take as the end of the headers ends them here too, and
 * what follows is the next request, checked like any other. */
static void test_every_end_of_headers(void **state)
{
	(void)state;
	static const char *const ends[] = {"\n\n", "\n\r\n", "\r\n\n", "\r\n\r\n"};
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		char req[256];
		snprintf(req, sizeof(req), "GET /a HTTP/1.1\r\nHost: x%sGET /b HTTP/1.1\r\nHost: y%s",
			 ends[i], ends[i]);
		expect_str(req, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: y\r\n\r\n");
	}
}

/* The attack of issue 19: a chunked POST hidden behind "\n\r\n" is refused, not passed. */
static void test_hidden_request_is_checked(void **state)
{
	(void)state;
	static const char *const ends[] = {"\n\n", "\n\r\n", "\r\n\n", "\r\n\r\n"};
	char *reject = reject_text(411, 0);
	char want[256];
	snprintf(want, sizeof(want), "GET /a HTTP/1.1\r\nHost: x\r\n\r\n%s", reject);
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		char req[512];
		snprintf(req, sizeof(req),
			 "GET /a HTTP/1.1\r\nHost: x%sPOST /api/v1/feedback HTTP/1.1\r\nHost: x\r\n"
			 "Transfer-Encoding: chunked%s2\r\n{}\r\n0\r\n\r\nGET /c HTTP/1.1\r\n\r\n",
			 ends[i], ends[i]);
		expect_str(req, want);
	}
	free(reject);
}

static void test_mixed_line_ends(void **state)
{
	(void)state;
	expect_str("POST /a HTTP/1.1\nHost: x\r\nContent-Length: 2\n\r\nokGET /b HTTP/1.0\r\n\n",
		   "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok"
		   "GET /b HTTP/1.0\r\n\r\n");
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
	snprintf(req, sizeof(req), "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(body), body);
	expect_str(req, req);
}

static void test_pipelined_pass(void **state)
{
	(void)state;
	const char *req = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
			  "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
			  "GET /c HTTP/1.1\r\nHost: x\r\n\r\n";
	expect_str(req, req);
}

static void test_leading_blank_lines_dropped(void **state)
{
	(void)state;
	expect_str("\r\n\r\n\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	/* …also between pipelined requests, after a body */
	expect_str("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok\r\n"
		   "GET /b HTTP/1.0\r\n\r\n",
		   "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok"
		   "GET /b HTTP/1.0\r\n\r\n");
	/* A CR that ends no blank line begins a bad request line. */
	char *bad = reject_text(400, 0);
	expect_str("\rGET / HTTP/1.1\r\nHost: x\r\n\r\n", bad);
	free(bad);
}

/* Blank lines alone are no progress: they must not keep an idle connection open. */
static void test_blank_lines_are_no_progress(void **state)
{
	(void)state;
	enum limits_result res;
	size_t n;
	char *got = run_feed("\r\n\r\n\n", 5, 1, &n, &res);
	assert_int_equal(n, 0);
	assert_int_equal(res, LIMITS_WAIT);
	free(got);
	got = run_feed("G", 1, 0, &n, &res);
	assert_int_equal(res, LIMITS_PROGRESS);
	free(got);
}

static void test_header_names_case_insensitive(void **state)
{
	(void)state;
	const char *req = "POST /a HTTP/1.1\r\nHost: x\r\ncontent-length: 3\r\n\r\nabc"
			  "GET /b HTTP/1.1\r\nHOST: x\r\n\r\n";
	expect_str(req, req);
	expect_str("POST /a HTTP/1.1\r\nHost: x\r\nCONTENT-LENGTH:   3  \r\n\r\nabc",
		   "POST /a HTTP/1.1\r\nHost: x\r\nCONTENT-LENGTH: 3\r\n\r\nabc");
	/* the same length twice is not a conflict; libevent gets it once */
	expect_str("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc",
		   "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
}

static void test_http10_without_host_and_options_asterisk(void **state)
{
	(void)state;
	expect_str("GET / HTTP/1.0\r\n\r\n", "GET / HTTP/1.0\r\n\r\n");
	expect_str("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
	expect_str("GET http://x/a HTTP/1.1\r\nHost: x\r\n\r\n", "GET http://x/a HTTP/1.1\r\nHost: x\r\n\r\n");
}

/* The head goes on at once; the body only when all of it is in, in one piece. */
static void test_body_passed_whole(void **state)
{
	(void)state;
	struct limits_state *st = limits_state_new(&lim);
	struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
	const char *head = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n";
	evbuffer_add(in, head, strlen(head));
	evbuffer_add(in, "01234", 5);
	assert_int_equal(limits_feed(st, in, out), LIMITS_PROGRESS);
	assert_int_equal(evbuffer_get_length(out), strlen(head));
	for (const char *c = "5678"; *c; c++) {
		evbuffer_add(in, c, 1);
		assert_int_equal(limits_feed(st, in, out), LIMITS_PROGRESS);
		assert_int_equal(evbuffer_get_length(out), strlen(head));
	}
	evbuffer_add(in, "9GET /b HTTP/1.1\r\nHost: x\r\n\r\n", 30);
	limits_feed(st, in, out);
	char *got = drain_string(out, NULL);
	assert_string_equal(got, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"
				 "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
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
	char *got = run_feed("GET / HTTP/1.1\r\nHost: x\r\n", 25, 0, &n, NULL);
	assert_int_equal(n, 0);
	free(got);
}

/* --- header size: 431 ------------------------------------------------------------------ */

/* A request whose head (request line, headers and the blank line) is exactly size bytes. */
static char *request_of_head_size(size_t size, const char *tail)
{
	const char *start = "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ";
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
	char *req = request_of_head_size(8193, "GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
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
	/* many short header lines */
	char *lines = malloc(len + 1);
	strcpy(lines, "GET / HTTP/1.1\r\n");
	for (size_t n = strlen(lines); n + 5 < len; n += 5)
		strcat(lines, "a:b\r\n");
	expect_str(lines, want);
	free(lines);
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
	char *req = post_with_body(65536, 65536, "GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
	size_t len = strlen(req);
	static const size_t steps[] = {0, 1, 4096};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		size_t n;
		char *got = run_feed(req, len, steps[i], &n, NULL);
		assert_int_equal(n, len);
		assert_memory_equal(got, req, len);
		free(got);
	}
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
		char *got = run_feed(req, len, steps[i], &n, NULL);
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
	const char *want = "GET /.pakn/reject/413 HTTP/1.1\r\nConnection: close\r\n\r\n";
	expect_str("POST /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 70000\r\n\r\n",
		   want);
	expect_str("POST /a HTTP/1.1\r\nHost: x\r\ncontent-length: 70000\r\nconnection: CLOSE\r\n\r\n",
		   want);
	/* keep-alive (or nothing) adds no header */
	char *plain = reject_text(413, 1);
	expect_str("POST /a HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nContent-Length: 70000\r\n\r\n",
		   plain);
	free(plain);
	/* a client waiting for 100 Continue may never send the body: nothing is skipped */
	char *closing = reject_text(413, 0);
	expect_str("POST /a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 70000\r\n"
		   "\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n",
		   closing);
	free(closing);
	/* refusals that discard the connection never need it */
	char *discard = reject_text(411, 0);
	expect_str("POST /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n",
		   discard);
	free(discard);
}

/* --- malformed framing: refused, and the rest is dropped ------------------------------- */

struct refuse_case {
	const char *name;
	const char *req;
	size_t len; /* 0: strlen(req) */
	int status;
};

/* A string literal and its length, for requests with a NUL in them. */
#define RAW(s) s, sizeof(s) - 1

static const struct refuse_case refuse_cases[] = {
	{"chunked", "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
		    "GET /b HTTP/1.1\r\nHost: x\r\n\r\n", 0, 411},
	{"chunked, lower case", "POST /a HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked\r\n\r\n", 0, 411},
	{"identity encoding", "GET /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", 0, 411},
	{"non-numeric length", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\nabc", 0, 400},
	{"empty length", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n", 0, 400},
	{"signed length", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", 0, 400},
	{"negative length", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 0, 400},
	{"length with junk", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5x\r\n\r\nhello", 0, 400},
	{"two lengths", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
			"hello!GET /b HTTP/1.1\r\n\r\n", 0, 400},
	{"two lengths, other case", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
				    "content-length: 50\r\n\r\nhello", 0, 400},
	{"HTTP/1.1 without Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 0, 400},
	{"two Hosts", "GET / HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n", 0, 400},
	{"two Hosts in HTTP/1.0", "GET / HTTP/1.0\r\nHost: x\r\nhost: y\r\n\r\n", 0, 400},
	{"Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 0, 400},
	{"Host with a slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 0, 400},
	{"space before the colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 0, 400},
	{"tab before the colon", "GET / HTTP/1.1\r\nHost: x\r\nX-A\t: 1\r\n\r\n", 0, 400},
	{"name not a token", "GET / HTTP/1.1\r\nHost: x\r\nX\"A: 1\r\n\r\n", 0, 400},
	{"no colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 0, 400},
	{"empty name", "GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n", 0, 400},
	{"folded line", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n", 0, 400},
	{"bare CR in a value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 0, 400},
	{"bare CR ending a value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\r\n\r\n", 0, 400},
	{"bare CR as a line end", "GET / HTTP/1.1\r\nHost: x\rX-A: a\r\n\r\n", 0, 400},
	{"NUL in a value", RAW("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n"), 400},
	{"NUL in a name", RAW("GET / HTTP/1.1\r\nHost: x\r\nX\0A: b\r\n\r\n"), 400},
	{"control in a value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x1b b\r\n\r\n", 0, 400},
	{"DEL in a value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x7f\r\n\r\n", 0, 400},
	{"bare CR in the request line", "GET /\r HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
	{"NUL in the target", RAW("GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n"), 400},
	{"double space", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
	{"trailing space", "GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 0, 400},
	{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 0, 400},
	{"lower-case version", "GET / http/1.1\r\nHost: x\r\n\r\n", 0, 400},
	{"no target form", "GET foo HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
	{"asterisk with GET", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
	{"unparsable target", "GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
	{"no spaces", "GARBAGE\r\n\r\n", 0, 400},
	{"body on GET", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok", 0, 400},
	{"body on HEAD", "HEAD / HTTP/1.1\r\nHost: x\r\nContent-Length: 58\r\n\r\n", 0, 400},
	{"unknown method", "BREW /pot HTTP/1.1\r\n\r\n", 0, 501},
	{"CONNECT", "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", 0, 501},
	{"other scheme", "GET ftp://x/ HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
	{"method not a token", "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
	{"other expectation", "POST /a HTTP/1.1\r\nHost: x\r\nExpect: x\r\nContent-Length: 2\r\n\r\nok", 0, 417},
};

static void test_refused_framing_table(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(refuse_cases) / sizeof(refuse_cases[0]); i++) {
		const struct refuse_case *c = &refuse_cases[i];
		size_t len = c->len ? c->len : strlen(c->req);
		char *want = reject_text(c->status, 0);
		static const size_t steps[] = {0, 1};
		for (size_t k = 0; k < 2; k++) {
			size_t n;
			char *got = run_feed(c->req, len, steps[k], &n, NULL);
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

/* A client's request for a path the filter makes up is an unknown path; its end is known,
 * so the connection goes on. */
static void test_our_paths_refused(void **state)
{
	(void)state;
	char *reject = reject_text(404, 1);
	char want[256];
	snprintf(want, sizeof(want), "%sGET /b HTTP/1.1\r\nHost: x\r\n\r\n", reject);
	expect_str("GET /.pakn/reject/400 HTTP/1.1\r\nHost: x\r\nX-Pakn-Reject: 0123\r\n\r\n"
		   "GET /b HTTP/1.1\r\nHost: x\r\n\r\n",
		   want);
	expect_str("POST http://x/.pakn/reject/413 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n"
		   "abcGET /b HTTP/1.1\r\nHost: x\r\n\r\n",
		   want);
	free(reject);
}

/* HTTP/0.9 ("GET /", no version) gets no reply: the connection is closed at once. */
static void test_http09_closes(void **state)
{
	(void)state;
	static const char *const reqs[] = {"GET /\r\n", "GET /healthz\nHost: x\n\n",
					   "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /\r\n"};
	static const char *const wants[] = {"", "", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"};
	for (size_t i = 0; i < 3; i++) {
		enum limits_result res;
		size_t n;
		char *got = run_feed(reqs[i], strlen(reqs[i]), 1, &n, &res);
		assert_int_equal(res, LIMITS_CLOSE);
		assert_string_equal(got, wants[i]);
		free(got);
	}
}

/* After a refusal whose end is unknown, later input on the connection is dropped too. */
static void test_discard_after_refusal(void **state)
{
	(void)state;
	struct limits_state *st = limits_state_new(&lim);
	struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
	const char *bad = "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
	evbuffer_add(in, bad, strlen(bad));
	limits_feed(st, in, out);
	char *want = reject_text(411, 0);
	assert_int_equal(evbuffer_get_length(out), strlen(want));
	evbuffer_add(in, "GET /later HTTP/1.1\r\nHost: x\r\n\r\n", 32);
	assert_int_equal(limits_feed(st, in, out), LIMITS_WAIT);
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
	char *want = reject_text(413, 0);
	expect_str("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000000000000\r\n\r\n"
		   "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
		   want);
	free(want);
}

/* --- deadlines ------------------------------------------------------------------------- */

static void test_deadlines_follow_the_request(void **state)
{
	(void)state;
	struct limits_state *st = limits_state_new(&lim);
	struct evbuffer *out = evbuffer_new();
	assert_int_equal(limits_deadline(st), 0);
	/* blank lines start nothing */
	feed_pieces(st, "\r\n", 2, 0, out);
	assert_int_equal(limits_deadline(st), 0);
	/* a request's first byte starts the header deadline */
	feed_pieces(st, "P", 1, 0, out);
	assert_int_equal(limits_deadline(st), lim.header_timeout);
	/* the end of its headers starts the body's: body_timeout + length / body_min_rate */
	const char *head = "OST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\n";
	feed_pieces(st, head, strlen(head), 0, out);
	assert_int_equal(limits_deadline(st), lim.body_timeout + (20000 + 4095) / 4096);
	/* the whole body ends it */
	char *body = calloc(1, 20000);
	feed_pieces(st, body, 20000, 0, out);
	assert_int_equal(limits_deadline(st), 0);
	/* a refused body being skipped has one too, no longer than the largest accepted body's
	 * however long the body it declared */
	const unsigned skip_max = lim.body_timeout + (65536 + 4095) / 4096;
	const char *huge = "POST /a HTTP/1.1\r\nHost: x\r\n"
			   "Content-Length: 999999999999999999\r\n\r\n";
	feed_pieces(st, huge, strlen(huge), 0, out);
	assert_int_equal(limits_deadline(st), skip_max);
	limits_state_free(st);
	st = limits_state_new(&lim);
	char *big = post_with_body(100000, 0, "");
	feed_pieces(st, big, strlen(big), 0, out);
	assert_int_equal(limits_deadline(st), skip_max);
	free(big);
	free(body);
	evbuffer_free(out);
	limits_state_free(st);
}

/* Headers too slow: the request is answered 408 (nothing of it reached libevent) and the
 * rest of the connection's input is dropped. */
static void test_late_headers_get_408(void **state)
{
	(void)state;
	struct limits_state *st = limits_state_new(&lim);
	struct evbuffer *out = evbuffer_new();
	assert_int_equal(limits_expire(st, out), LIMITS_WAIT); /* idle: nothing to do */
	assert_int_equal(evbuffer_get_length(out), 0);
	feed_pieces(st, "GET / HTTP/1.1\r\nHo", 18, 1, out);
	assert_int_equal(limits_expire(st, out), LIMITS_PROGRESS);
	char *want = reject_text(408, 0);
	char *got = drain_string(out, NULL);
	assert_string_equal(got, want);
	free(got);
	assert_int_equal(feed_pieces(st, "st: x\r\n\r\n", 9, 0, out), LIMITS_WAIT);
	assert_int_equal(evbuffer_get_length(out), 0);
	limits_state_free(st);
	/* …and a refused body skipped too slowly */
	st = limits_state_new(&lim);
	char *big = post_with_body(100000, 10, "");
	feed_pieces(st, big, strlen(big), 0, out);
	evbuffer_drain(out, evbuffer_get_length(out));
	assert_int_equal(limits_expire(st, out), LIMITS_PROGRESS);
	got = drain_string(out, NULL);
	assert_string_equal(got, want);
	free(got);
	free(big);
	free(want);
	evbuffer_free(out);
	limits_state_free(st);
}

/* A body too slow: libevent already has the head, so the connection is closed. */
static void test_late_body_closes(void **state)
{
	(void)state;
	struct limits_state *st = limits_state_new(&lim);
	struct evbuffer *out = evbuffer_new();
	char *req = post_with_body(1000, 10, "");
	feed_pieces(st, req, strlen(req), 1, out);
	size_t before = evbuffer_get_length(out);
	assert_int_equal(limits_expire(st, out), LIMITS_CLOSE);
	assert_int_equal(evbuffer_get_length(out), before);
	assert_int_equal(limits_deadline(st), 0);
	assert_int_equal(feed_pieces(st, "bbbb", 4, 0, out), LIMITS_WAIT);
	assert_int_equal(evbuffer_get_length(out), before);
	free(req);
	evbuffer_free(out);
	limits_state_free(st);
}

/* Each buffer a client's request sizes, refused in turn (xalloc_fail_after): that request
 * alone is refused (503 in its place, or the connection closed once the body has begun),
 * nothing leaks (ASan's leak check at exit); then it passes as with memory. */
static void test_out_of_memory(void **state)
{
	(void)state;
	const char *req = "POST /api/v1/feedback?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"
			  "hello";
	size_t wantlen, n;
	enum limits_result res;
	char *want = run_feed(req, strlen(req), 0, &wantlen, NULL);
	/* HTTP/1.0 or 1.1: a failure may come before the request line is read. */
	const char *refused = "GET /.pakn/reject/503 HTTP/1.";
	long k = 0;
	for (;; k++) {
		assert_true(k < 64);
		xalloc_fail_after(k);
		char *got = run_feed(req, strlen(req), 0, &n, &res);
		xalloc_fail_after(-1);
		bool passed = n == wantlen && memcmp(got, want, n) == 0;
		if (!passed)
			assert_true(res == LIMITS_CLOSE ||
				    strncmp(got, refused, strlen(refused)) == 0);
		free(got);
		if (passed)
			break;
	}
	assert_true(k >= 1);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_passes),
		cmocka_unit_test(test_lf_only_becomes_crlf),
		cmocka_unit_test(test_values_trimmed),
		cmocka_unit_test(test_every_end_of_headers),
		cmocka_unit_test(test_hidden_request_is_checked),
		cmocka_unit_test(test_mixed_line_ends),
		cmocka_unit_test(test_post_with_body_passes),
		cmocka_unit_test(test_body_is_not_parsed),
		cmocka_unit_test(test_pipelined_pass),
		cmocka_unit_test(test_leading_blank_lines_dropped),
		cmocka_unit_test(test_blank_lines_are_no_progress),
		cmocka_unit_test(test_header_names_case_insensitive),
		cmocka_unit_test(test_http10_without_host_and_options_asterisk),
		cmocka_unit_test(test_body_passed_whole),
		cmocka_unit_test(test_incomplete_head_waits),
		cmocka_unit_test(test_head_at_limit_passes),
		cmocka_unit_test(test_head_over_limit_431),
		cmocka_unit_test(test_body_at_limit_passes),
		cmocka_unit_test(test_body_over_limit_413_skips_body),
		cmocka_unit_test(test_413_before_body),
		cmocka_unit_test(test_413_keeps_connection_close),
		cmocka_unit_test(test_refused_framing_table),
		cmocka_unit_test(test_our_paths_refused),
		cmocka_unit_test(test_http09_closes),
		cmocka_unit_test(test_discard_after_refusal),
		cmocka_unit_test(test_huge_content_length_body_not_passed),
		cmocka_unit_test(test_deadlines_follow_the_request),
		cmocka_unit_test(test_late_headers_get_408),
		cmocka_unit_test(test_late_body_closes),
		cmocka_unit_test(test_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
