/* test_http_router.c - tests server/http/http_router.c: route matching over a table like
 * server/routes.c, the Allow header and percent-decoding. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/http_router.h"

/* Handlers are only compared by address; they are never called. */
static void h_index(struct http_req *req) { (void)req; }
static void h_healthz(struct http_req *req) { (void)req; }
static void h_items(struct http_req *req) { (void)req; }
static void h_item(struct http_req *req) { (void)req; }
static void h_plan(struct http_req *req) { (void)req; }
static void h_submit(struct http_req *req) { (void)req; }

static const struct route table[] = {
	{HTTP_GET, "/", h_index},
	{HTTP_GET, "/healthz", h_healthz},
	{HTTP_GET, "/api/v1/items", h_items},
	{HTTP_GET, "/api/v1/items/{code}", h_item},
	{HTTP_GET, "/api/v1/plans/{code}", h_plan},
	{HTTP_POST, "/api/v1/feedback", h_submit},
};
#define NTABLE (sizeof(table) / sizeof(table[0]))

/* --- router_match: one table of requests and what the router must answer ---------------- */

struct match_case {
	unsigned method;
	const char *path;
	enum route_result result;
	http_handler handler;   /* ROUTE_FOUND */
	const char *param;      /* value of "code" when ROUTE_FOUND, NULL = no params */
	unsigned allowed;       /* ROUTE_METHOD_NOT_ALLOWED */
};

static const struct match_case match_cases[] = {
	/* found */
	{HTTP_GET, "/", ROUTE_FOUND, h_index, NULL, 0},
	{HTTP_GET, "/healthz", ROUTE_FOUND, h_healthz, NULL, 0},
	{HTTP_GET, "/api/v1/items", ROUTE_FOUND, h_items, NULL, 0},
	{HTTP_GET, "/api/v1/items/LC-T25", ROUTE_FOUND, h_item, "LC-T25", 0},
	{HTTP_GET, "/api/v1/plans/LC-2026", ROUTE_FOUND, h_plan, "LC-2026", 0},
	{HTTP_POST, "/api/v1/feedback", ROUTE_FOUND, h_submit, NULL, 0},
	/* HEAD is answered by a GET route */
	{HTTP_HEAD, "/healthz", ROUTE_FOUND, h_healthz, NULL, 0},
	{HTTP_HEAD, "/api/v1/items/DB-I01", ROUTE_FOUND, h_item, "DB-I01", 0},
	/* percent-decoded parameters */
	{HTTP_GET, "/api/v1/items/LC%2DT25", ROUTE_FOUND, h_item, "LC-T25", 0},
	{HTTP_GET, "/api/v1/items/s%E1%BB%91", ROUTE_FOUND, h_item, "s\xe1\xbb\x91", 0},
	{HTTP_GET, "/api/v1/items/a+b", ROUTE_FOUND, h_item, "a+b", 0}, /* '+' is literal in paths */
	/* not found */
	{HTTP_GET, "", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "/nope", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "/healthz/", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "/api/v1/items/", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "//healthz", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "/api//v1/items", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "/api/v1//items/X", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "/api/v1/items//X", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "/health", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "/healthzz", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "/api/v1", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "/api/v1/item", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "/api/v1/items/X/extra", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "/API/v1/items", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "/api/v1/plans", ROUTE_NOT_FOUND, NULL, NULL, 0},
	/* bad escapes and encoded NUL never match */
	{HTTP_GET, "/api/v1/items/%zz", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "/api/v1/items/%4", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "/api/v1/items/%", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "/api/v1/items/A%00B", ROUTE_NOT_FOUND, NULL, NULL, 0},
	{HTTP_GET, "/api/v1/items/%4/x", ROUTE_NOT_FOUND, NULL, NULL, 0},
	/* method not allowed, with the methods the path does take */
	{HTTP_POST, "/healthz", ROUTE_METHOD_NOT_ALLOWED, NULL, NULL, HTTP_GET | HTTP_HEAD},
	{HTTP_DELETE, "/api/v1/items/LC-T1", ROUTE_METHOD_NOT_ALLOWED, NULL, NULL,
	 HTTP_GET | HTTP_HEAD},
	{HTTP_PUT, "/", ROUTE_METHOD_NOT_ALLOWED, NULL, NULL, HTTP_GET | HTTP_HEAD},
	{HTTP_GET, "/api/v1/feedback", ROUTE_METHOD_NOT_ALLOWED, NULL, NULL, HTTP_POST},
	{HTTP_HEAD, "/api/v1/feedback", ROUTE_METHOD_NOT_ALLOWED, NULL, NULL, HTTP_POST},
	{HTTP_OPTIONS, "/api/v1/feedback", ROUTE_METHOD_NOT_ALLOWED, NULL, NULL, HTTP_POST},
	{HTTP_OTHER, "/api/v1/items", ROUTE_METHOD_NOT_ALLOWED, NULL, NULL, HTTP_GET | HTTP_HEAD},
};

static const char *result_name(enum route_result r)
{
	switch (r) {
	case ROUTE_FOUND:
		return "found";
	case ROUTE_NOT_FOUND:
		return "not found";
	case ROUTE_METHOD_NOT_ALLOWED:
		return "method not allowed";
	}
	return "?";
}

static void test_match_table(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *c = &match_cases[i];
		const struct route *found = NULL;
		struct route_params params;
		memset(&params, 0xAB, sizeof(params));
		unsigned allowed = 0xFFFF;
		enum route_result r =
			router_match(table, NTABLE, c->method, c->path, &found, &params, &allowed);
		if (r != c->result) {
			print_error("method %#x %s: got %s, want %s\n", c->method, c->path,
				    result_name(r), result_name(c->result));
			failures++;
			continue;
		}
		if (r == ROUTE_FOUND) {
			if (!found || found->handler != c->handler) {
				print_error("%s: matched the wrong route (%s)\n", c->path,
					    found ? found->pattern : "none");
				failures++;
				continue;
			}
			int want_n = c->param ? 1 : 0;
			if (params.n != want_n) {
				print_error("%s: %d params, want %d\n", c->path, params.n, want_n);
				failures++;
				continue;
			}
			if (c->param && (strcmp(params.p[0].name, "code") != 0 ||
					 strcmp(params.p[0].value, c->param) != 0)) {
				print_error("%s: param %s=\"%s\", want code=\"%s\"\n", c->path,
					    params.p[0].name, params.p[0].value, c->param);
				failures++;
			}
		} else if (r == ROUTE_METHOD_NOT_ALLOWED && allowed != c->allowed) {
			print_error("method %#x %s: allowed %#x, want %#x\n", c->method, c->path,
				    allowed, c->allowed);
			failures++;
		} else if (r == ROUTE_NOT_FOUND && allowed != 0) {
			print_error("%s: not found but allowed = %#x\n", c->path, allowed);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* A parameter of exactly ROUTE_PARAM_MAX decoded bytes matches; one byte more does not,
 * however it is spelled. */
static void test_param_length_limit(void **state)
{
	(void)state;
	char path[64 + 3 * (ROUTE_PARAM_MAX + 1)];
	const struct route *found = NULL;
	struct route_params params;
	unsigned allowed;

	int n = snprintf(path, sizeof(path), "/api/v1/items/");
	memset(path + n, 'A', ROUTE_PARAM_MAX);
	path[n + ROUTE_PARAM_MAX] = '\0';
	assert_int_equal(router_match(table, NTABLE, HTTP_GET, path, &found, &params, &allowed),
			 ROUTE_FOUND);
	assert_int_equal(params.n, 1);
	assert_int_equal(strlen(params.p[0].value), ROUTE_PARAM_MAX);
	assert_ptr_equal(found->handler, h_item);

	path[n + ROUTE_PARAM_MAX] = 'A';
	path[n + ROUTE_PARAM_MAX + 1] = '\0';
	assert_int_equal(router_match(table, NTABLE, HTTP_GET, path, &found, &params,
				      &allowed),
			 ROUTE_NOT_FOUND);

	/* ROUTE_PARAM_MAX bytes spelled as %41 escapes: three times as long encoded, fits. */
	char *o = path + n;
	for (int i = 0; i < ROUTE_PARAM_MAX; i++)
		o += sprintf(o, "%%41");
	assert_int_equal(router_match(table, NTABLE, HTTP_GET, path, &found, &params, &allowed),
			 ROUTE_FOUND);
	assert_int_equal(strlen(params.p[0].value), ROUTE_PARAM_MAX);
	assert_int_equal(params.p[0].value[0], 'A');

	/* One more escaped byte is too long. */
	sprintf(o, "%%41");
	assert_int_equal(router_match(table, NTABLE, HTTP_GET, path, &found, &params, &allowed),
			 ROUTE_NOT_FOUND);
}

/* The first route whose pattern and method match wins, and params hold only its values. */
static void test_two_params_and_order(void **state)
{
	(void)state;
	static const struct route nested[] = {
		{HTTP_GET, "/api/v1/plans/{plan}/items/{code}", h_item},
		{HTTP_GET, "/api/v1/plans/{code}", h_plan},
		{HTTP_POST, "/api/v1/plans/{code}", h_submit},
	};
	const struct route *found = NULL;
	struct route_params params;
	unsigned allowed;
	assert_int_equal(router_match(nested, 3, HTTP_GET, "/api/v1/plans/LC-2026/items/LC-T3",
				      &found, &params, &allowed),
			 ROUTE_FOUND);
	assert_ptr_equal(found, &nested[0]);
	assert_int_equal(params.n, 2);
	assert_string_equal(params.p[0].name, "plan");
	assert_string_equal(params.p[0].value, "LC-2026");
	assert_string_equal(params.p[1].name, "code");
	assert_string_equal(params.p[1].value, "LC-T3");

	/* GET and POST on the same pattern: each method finds its own route. */
	assert_int_equal(router_match(nested, 3, HTTP_POST, "/api/v1/plans/DB-2026", &found,
				      &params, &allowed),
			 ROUTE_FOUND);
	assert_ptr_equal(found, &nested[2]);
	assert_string_equal(params.p[0].value, "DB-2026");
	/* …and a third method is told both. */
	assert_int_equal(router_match(nested, 3, HTTP_DELETE, "/api/v1/plans/DB-2026", &found,
				      &params, &allowed),
			 ROUTE_METHOD_NOT_ALLOWED);
	assert_int_equal(allowed, HTTP_GET | HTTP_HEAD | HTTP_POST);
}

/* --- router_allow_header ---------------------------------------------------------------- */

static void test_allow_header(void **state)
{
	(void)state;
	static const struct {
		unsigned mask;
		const char *want;
	} cases[] = {
		{HTTP_GET | HTTP_HEAD, "GET, HEAD"},
		{HTTP_POST, "POST"},
		{HTTP_HEAD | HTTP_GET | HTTP_POST, "GET, HEAD, POST"},
		{HTTP_GET | HTTP_HEAD | HTTP_POST | HTTP_PUT | HTTP_DELETE | HTTP_OPTIONS | HTTP_PATCH,
		 "GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH"},
		{HTTP_DELETE | HTTP_OTHER, "DELETE"}, /* OTHER has no name to send */
		{0, ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[64];
		memset(out, 'x', sizeof(out));
		router_allow_header(cases[i].mask, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
	}
}

/* What the router says for a path is what the Allow header of a 405 carries. */
static void test_allow_header_from_match(void **state)
{
	(void)state;
	const struct route *found = NULL;
	struct route_params params;
	unsigned allowed;
	char out[64];
	assert_int_equal(router_match(table, NTABLE, HTTP_POST, "/api/v1/items", &found, &params,
				      &allowed),
			 ROUTE_METHOD_NOT_ALLOWED);
	router_allow_header(allowed, out, sizeof(out));
	assert_string_equal(out, "GET, HEAD");
}

/* A buffer too small for the whole list never overflows and stays NUL-terminated. */
static void test_allow_header_small_buffer(void **state)
{
	(void)state;
	char out[8];
	memset(out, 'x', sizeof(out));
	router_allow_header(HTTP_GET | HTTP_HEAD | HTTP_POST, out, sizeof(out));
	assert_non_null(memchr(out, '\0', sizeof(out)));
	assert_true(strncmp(out, "GET", 3) == 0);

	char one[4];
	router_allow_header(HTTP_GET, one, sizeof(one));
	assert_string_equal(one, "GET");
}

/* --- percent_decode -------------------------------------------------------------------- */

struct decode_case {
	const char *in;
	int plus_is_space;
	size_t outlen;
	long want_len; /* -1: refused */
	const char *want;
};

static const struct decode_case decode_cases[] = {
	{"", 0, 8, 0, ""},
	{"abc", 0, 8, 3, "abc"},
	{"LC%2DT25", 0, 16, 6, "LC-T25"},
	{"%41%62%63", 0, 8, 3, "Abc"},
	{"%e1%BB%91", 0, 8, 3, "\xe1\xbb\x91"},  /* hex digits in either case */
	{"a+b", 0, 8, 3, "a+b"},
	{"a+b", 1, 8, 3, "a b"},
	{"%2B", 1, 8, 1, "+"},                    /* an escaped '+' stays a '+' */
	{"%20", 0, 8, 1, " "},
	{"100%25", 0, 8, 4, "100%"},
	{"%zz", 0, 8, -1, NULL},
	{"%4", 0, 8, -1, NULL},
	{"%", 0, 8, -1, NULL},
	{"ab%", 0, 8, -1, NULL},
	{"%g1", 0, 8, -1, NULL},
	{"%1g", 0, 8, -1, NULL},
	{"%00", 0, 8, -1, NULL},
	{"a%00b", 0, 8, -1, NULL},
	/* room: outlen counts the NUL */
	{"abc", 0, 4, 3, "abc"},
	{"abc", 0, 3, -1, NULL},
	{"%41%42", 0, 3, 2, "AB"},
	{"%41%42", 0, 2, -1, NULL},
	{"", 0, 1, 0, ""},
	{"a", 0, 1, -1, NULL},
};

static void test_percent_decode_table(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
		const struct decode_case *c = &decode_cases[i];
		char out[32];
		memset(out, 'x', sizeof(out));
		long n = percent_decode(c->in, strlen(c->in), out, c->outlen, c->plus_is_space);
		if (n != c->want_len) {
			print_error("percent_decode(\"%s\", outlen %zu): %ld, want %ld\n", c->in,
				    c->outlen, n, c->want_len);
			failures++;
			continue;
		}
		if (c->want && strcmp(out, c->want) != 0) {
			print_error("percent_decode(\"%s\"): \"%s\", want \"%s\"\n", c->in, out,
				    c->want);
			failures++;
		}
		/* Never writes past outlen. */
		if (out[c->outlen] != 'x') {
			print_error("percent_decode(\"%s\"): wrote past outlen %zu\n", c->in,
				    c->outlen);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* Only len bytes are read: an escape cut by len is bad even if the string goes on. */
static void test_percent_decode_respects_len(void **state)
{
	(void)state;
	char out[16];
	assert_int_equal(percent_decode("%41BC", 2, out, sizeof(out), 0), -1);
	assert_int_equal(percent_decode("abc/def", 3, out, sizeof(out), 0), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(percent_decode("x", 0, out, 0, 0), -1); /* no room even for the NUL */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_param_length_limit),
		cmocka_unit_test(test_two_params_and_order),
		cmocka_unit_test(test_allow_header),
		cmocka_unit_test(test_allow_header_from_match),
		cmocka_unit_test(test_allow_header_small_buffer),
		cmocka_unit_test(test_percent_decode_table),
		cmocka_unit_test(test_percent_decode_respects_len),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
