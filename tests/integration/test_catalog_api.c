/* test_catalog_api.c - the catalog API as a client sees it: the real server over HTTP on
 * loopback, against the test run's PostgreSQL holding both seed plans. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static struct th_server srv;

static int group_setup(void **state)
{
	(void)state;
	if (th_server_start(&srv, "catalog_api", NULL) < 0)
		return -1;
	return th_server_wait_ready(&srv, 10000);
}

static int group_teardown(void **state)
{
	(void)state;
	return th_server_stop(&srv) == 0 ? 0 : -1;
}

/* GETs path, expects status, returns the parsed body (caller puts). */
static json_object *get_json(const char *path, int status)
{
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", path, NULL, NULL, 0, &r), 0);
	if (r.status != status)
		fprintf(stderr, "GET %s: %d %s\n", path, r.status, r.body);
	assert_int_equal(r.status, status);
	assert_non_null(th_header(&r, "Content-Type"));
	assert_non_null(strstr(th_header(&r, "Content-Type"), "application/json"));
	json_object *doc = th_json(&r);
	assert_non_null(doc);
	th_resp_free(&r);
	return doc;
}

static int64_t int_at(json_object *doc, const char *key)
{
	json_object *v = th_get(doc, key, NULL);
	assert_non_null(v);
	return json_object_get_int64(v);
}

static void test_plans(void **state)
{
	(void)state;
	json_object *doc = get_json("/api/v1/plans", 200);
	json_object *plans = th_get(doc, "plans", NULL);
	assert_int_equal(json_object_array_length(plans), 2);
	json_object *db = json_object_array_get_idx(plans, 0);
	json_object *lc = json_object_array_get_idx(plans, 1);
	assert_string_equal(th_str(db, "code", NULL), "DB-2026");
	assert_string_equal(th_str(lc, "code", NULL), "LC-2026");
	assert_int_equal(int_at(lc, "item_count"), 40);
	assert_int_equal(int_at(lc, "task_count"), 40);
	assert_int_equal(int_at(db, "item_count"), 80);
	assert_int_equal(int_at(db, "indicator_count"), 46);
	assert_int_equal(int_at(db, "task_count"), 34);
	assert_int_equal(json_object_array_length(th_get(lc, "sections", NULL)), 10);
	assert_int_equal(json_object_array_length(th_get(db, "sections", NULL)), 12);
	assert_string_equal(th_str(lc, "province", NULL), "Lai Châu");
	json_object_put(doc);
}

static void test_plan_by_code(void **state)
{
	(void)state;
	json_object *doc = get_json("/api/v1/plans/DB-2026", 200);
	assert_string_equal(th_str(doc, "province", NULL), "Điện Biên");
	assert_string_equal(th_str(doc, "sections", "5", "kind", NULL), "task");
	assert_string_equal(th_str(doc, "sections", "5", "code", NULL), "I");
	json_object_put(doc);
	doc = get_json("/api/v1/plans/XX-2026", 404);
	assert_string_equal(th_str(doc, "error", "code", NULL), "not_found");
	json_object_put(doc);
}

static void test_all_items(void **state)
{
	(void)state;
	json_object *doc = get_json("/api/v1/items?limit=200", 200);
	assert_int_equal(int_at(doc, "total"), 120);
	json_object *items = th_get(doc, "items", NULL);
	assert_int_equal(json_object_array_length(items), 120);
	int lc = 0, dbi = 0, dbt = 0;
	for (size_t i = 0; i < 120; i++) {
		const char *code = th_str(json_object_array_get_idx(items, i), "code", NULL);
		lc += strncmp(code, "LC-T", 4) == 0;
		dbi += strncmp(code, "DB-I", 4) == 0;
		dbt += strncmp(code, "DB-T-", 5) == 0;
	}
	assert_int_equal(lc, 40);
	assert_int_equal(dbi, 46);
	assert_int_equal(dbt, 34);
	/* A plan's tasks before its indicators (docs/catalog.md, "Order"). */
	assert_string_equal(th_str(items, "0", "code", NULL), "DB-T-I.1");
	assert_string_equal(th_str(items, "34", "code", NULL), "DB-I01");
	assert_string_equal(th_str(items, "119", "code", NULL), "LC-T40");
	json_object_put(doc);
}

static void test_item_fields(void **state)
{
	(void)state;
	json_object *doc = get_json("/api/v1/items/DB-I11", 200);
	assert_string_equal(th_str(doc, "kind", NULL), "indicator");
	assert_string_equal(th_str(doc, "section", "code", NULL), "III");
	assert_string_equal(th_str(doc, "unit", NULL), "Công trình/năm");
	assert_string_equal(th_str(doc, "baseline", NULL), "12");
	assert_string_equal(th_str(doc, "target", NULL), "≥ 4");
	assert_string_equal(th_str(doc, "footnotes", "0", NULL),
			    "Căn cứ hợp đồng thực hiện các nhiệm vụ năm 2026 có 4 nhiệm vụ");
	json_object_put(doc);

	doc = get_json("/api/v1/items/LC-T25", 200);
	assert_string_equal(th_str(doc, "deadline", "text", NULL), "Quý II/2026");
	assert_string_equal(th_str(doc, "deadline", "kind", NULL), "quarter");
	assert_string_equal(th_str(doc, "deadline", "start", NULL), "2026-04-01");
	assert_string_equal(th_str(doc, "deadline", "end", NULL), "2026-06-30");
	assert_string_equal(th_str(doc, "lead_agencies", "0", "name", NULL), "Đảng ủy UBND tỉnh");
	assert_string_equal(th_str(doc, "lead_agencies", "0", "code", NULL), "lc-dang-uy-ubnd-tinh");
	json_object_put(doc);

	doc = get_json("/api/v1/items/LC-T5", 200);
	assert_string_equal(th_str(doc, "deadline", "kind", NULL), "quarterly");
	assert_null(th_get(doc, "deadline", "start", NULL)); /* JSON null: no single period */
	json_object_put(doc);

	doc = get_json("/api/v1/items/DB-T-V.2", 200);
	assert_string_equal(th_str(doc, "group", "code", NULL), "2");
	assert_string_equal(th_str(doc, "coordinating_agencies", "0", "name", NULL),
			    "Các cơ quan, địa phương, đơn vị");
	json_object_put(doc);

	doc = get_json("/api/v1/items/DB-T-IV.1", 200);
	assert_string_equal(th_str(doc, "deadline", "kind", NULL), "other");
	assert_int_equal(json_object_array_length(th_get(doc, "lead_agencies", NULL)), 2);
	json_object_put(doc);
}

static int64_t total_of(const char *path)
{
	json_object *doc = get_json(path, 200);
	int64_t n = int_at(doc, "total");
	json_object_put(doc);
	return n;
}

static void test_filters(void **state)
{
	(void)state;
	assert_int_equal(total_of("/api/v1/items?plan=LC-2026"), 40);
	assert_int_equal(total_of("/api/v1/items?kind=indicator"), 46);
	assert_int_equal(total_of("/api/v1/items?plan=DB-2026&kind=task&section=V"), 17);
	assert_int_equal(total_of("/api/v1/items?plan=DB-2026&kind=indicator&section=V"), 18);
	assert_int_equal(total_of("/api/v1/items?plan=NONE-1"), 0);

	json_object *doc = get_json("/api/v1/items?agency=db-so-khoa-hoc-va-cong-nghe&limit=200", 200);
	json_object *items = th_get(doc, "items", NULL);
	assert_true(json_object_array_length(items) >= 15);
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		json_object *it = json_object_array_get_idx(items, i);
		const char *all = json_object_to_json_string(it);
		assert_non_null(strstr(all, "db-so-khoa-hoc-va-cong-nghe"));
	}
	json_object_put(doc);

	doc = get_json("/api/v1/agencies?plan=DB-2026", 200);
	json_object *ags = th_get(doc, "agencies", NULL);
	bool found_split = false;
	for (size_t i = 0; i < json_object_array_length(ags); i++) {
		const char *name = th_str(json_object_array_get_idx(ags, i), "name", NULL);
		assert_null(strstr(name, "Sở Tài chính, Sở")); /* always split into two */
		found_split |= strcmp(name, "Sở Tài chính") == 0;
	}
	assert_true(found_split);
	json_object_put(doc);
}

/* Codes of every item a query finds, joined by spaces. */
static char *codes_of(const char *path)
{
	json_object *doc = get_json(path, 200);
	json_object *items = th_get(doc, "items", NULL);
	char *out = calloc(1, 4096);
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		strcat(out, th_str(json_object_array_get_idx(items, i), "code", NULL));
		strcat(out, " ");
	}
	json_object_put(doc);
	return out;
}

static void test_search_ignores_diacritics(void **state)
{
	(void)state;
	char *plain = codes_of("/api/v1/items?limit=200&q=so+hoa");
	char *marked = codes_of("/api/v1/items?limit=200&q=s%E1%BB%91%20h%C3%B3a");
	char *upper = codes_of("/api/v1/items?limit=200&q=S%E1%BB%90%20H%C3%93A");
	assert_string_equal(plain, marked);
	assert_string_equal(plain, upper);
	/* Items whose text says "số hóa" (digitisation). */
	assert_non_null(strstr(plain, "LC-T23 "));
	assert_non_null(strstr(plain, "DB-I30 "));
	assert_non_null(strstr(plain, "DB-T-V.4.4 "));
	assert_null(strstr(plain, "LC-T1 ")); /* GRDP share of the digital economy */
	free(plain);
	free(marked);
	free(upper);

	char *d = codes_of("/api/v1/items?limit=200&q=dien+bien");
	char *dd = codes_of("/api/v1/items?limit=200&q=%C4%90i%E1%BB%87n%20Bi%C3%AAn");
	assert_string_equal(d, dd);
	assert_non_null(strstr(d, "DB-T-V.1.1 "));
	free(d);
	free(dd);
	assert_int_equal(total_of("/api/v1/items?q=xyzzy"), 0);
	/* Words after punctuation are words: "(LGSP)". Only punctuation is no query. */
	char *lgsp = codes_of("/api/v1/items?q=lgsp");
	assert_string_equal(lgsp, "DB-T-V.4.1 ");
	free(lgsp);
	assert_int_equal(total_of("/api/v1/items?q=%20(%20"), 120);
}

static void test_paging(void **state)
{
	(void)state;
	char *a = codes_of("/api/v1/items?limit=5&offset=0");
	char *b = codes_of("/api/v1/items?limit=5&offset=5");
	char *ab = codes_of("/api/v1/items?limit=10");
	char joined[8192];
	snprintf(joined, sizeof(joined), "%s%s", a, b);
	assert_string_equal(joined, ab);
	json_object *doc = get_json("/api/v1/items?offset=500", 200);
	assert_int_equal(int_at(doc, "total"), 120);
	assert_int_equal(json_object_array_length(th_get(doc, "items", NULL)), 0);
	json_object_put(doc);
	free(a);
	free(b);
	free(ab);
}

struct bad_case {
	const char *method, *path;
	int status;
	const char *code;
	const char *field; /* first field error expected, or NULL */
};

static const struct bad_case bad_cases[] = {
	{"GET", "/nope", 404, "not_found", NULL},
	{"GET", "/.pakn/reject/413", 404, "not_found", NULL}, /* only the limits filter can */
	{"GET", "/api/v1/items/", 404, "not_found", NULL},
	{"GET", "/api/v1/items/lc-t25", 404, "not_found", NULL},
	{"GET", "/api/v1/items/%FF%FE", 404, "not_found", NULL},
	{"GET", "/api/v1/items/NO-SUCH", 404, "not_found", NULL},
	{"DELETE", "/api/v1/items", 405, "method_not_allowed", NULL},
	{"POST", "/api/v1/plans", 405, "method_not_allowed", NULL},
	{"PUT", "/api/v1/items/LC-T1", 405, "method_not_allowed", NULL},
	{"GET", "/api/v1/items?limit=0", 400, "invalid_parameter", "limit"},
	{"GET", "/api/v1/items?limit=201", 400, "invalid_parameter", "limit"},
	{"GET", "/api/v1/items?limit=abc", 400, "invalid_parameter", "limit"},
	{"GET", "/api/v1/items?limit=1e3", 400, "invalid_parameter", "limit"},
	{"GET", "/api/v1/items?offset=-1", 400, "invalid_parameter", "offset"},
	{"GET", "/api/v1/items?offset=99999999999999999999", 400, "invalid_parameter", "offset"},
	{"GET", "/api/v1/items?kind=project", 400, "invalid_parameter", "kind"},
	{"GET", "/api/v1/items?section=5", 400, "invalid_parameter", "section"},
	{"GET", "/api/v1/items?plan=lc-2026", 400, "invalid_parameter", "plan"},
	{"GET", "/api/v1/items?colour=red", 400, "invalid_parameter", "colour"},
	{"GET", "/api/v1/plans?x=1", 400, "invalid_parameter", "x"},
	{"GET", "/api/v1/items?q=%FF", 400, "invalid_query", "q"},
	{"GET", "/api/v1/items?q=%E1%BB", 400, "invalid_query", "q"},
	{"GET", "/api/v1/items?q=%C0%AF", 400, "invalid_query", "q"},
	{"GET", "/api/v1/items?q=%zz", 400, "invalid_query", "q"},
	{"GET", "/api/v1/items?q=a%00b", 400, "invalid_query", "q"},
};

static void test_bad_requests(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct th_resp r;
		assert_int_equal(th_http(&srv, c->method, c->path, NULL, NULL, 0, &r), 0);
		if (r.status != c->status)
			fprintf(stderr, "%s %s: got %d %s\n", c->method, c->path, r.status, r.body);
		assert_int_equal(r.status, c->status);
		assert_non_null(strstr(th_header(&r, "Content-Type"), "application/json"));
		json_object *doc = th_json(&r);
		assert_non_null(doc);
		assert_string_equal(th_str(doc, "error", "code", NULL), c->code);
		assert_true(strlen(th_str(doc, "error", "message", NULL)) > 10);
		assert_string_equal(th_str(doc, "error", "request_id", NULL),
				    th_header(&r, "X-Request-Id"));
		if (c->field)
			assert_string_equal(th_str(doc, "error", "fields", "0", "field", NULL), c->field);
		if (c->status == 405)
			assert_string_equal(th_header(&r, "Allow"), "GET, HEAD");
		json_object_put(doc);
		th_resp_free(&r);
	}
	char longq[512] = "/api/v1/items?q=";
	memset(longq + strlen(longq), 'a', 201);
	json_object *doc = get_json(longq, 400);
	assert_string_equal(th_str(doc, "error", "fields", "0", "code", NULL), "too_long");
	json_object_put(doc);
	/* All of that left the server answering. */
	json_object_put(get_json("/healthz", 200));
}

/* Sends raw request bytes and checks the JSON error that comes back. */
static void expect_raw_error(const char *req, size_t len, int status, const char *code)
{
	struct th_resp r;
	assert_int_equal(th_recv(th_send_raw(&srv, req, len), &r), 0);
	assert_int_equal(r.status, status);
	json_object *doc = th_json(&r);
	assert_non_null(doc);
	assert_string_equal(th_str(doc, "error", "code", NULL), code);
	assert_non_null(th_header(&r, "X-Request-Id"));
	json_object_put(doc);
	th_resp_free(&r);
}

static void test_request_limits(void **state)
{
	(void)state;
	size_t big = 70000;
	char *body = malloc(big);
	memset(body, 'x', big);
	struct th_resp r;
	assert_int_equal(th_http(&srv, "POST", "/api/v1/items", NULL, body, big, &r), 0);
	assert_int_equal(r.status, 413);
	json_object *doc = th_json(&r);
	assert_string_equal(th_str(doc, "error", "code", NULL), "body_too_large");
	json_object_put(doc);
	th_resp_free(&r);
	/* Within the limit the body is read and the route answers for itself. */
	assert_int_equal(th_http(&srv, "POST", "/api/v1/items", NULL, body, 60000, &r), 0);
	assert_int_equal(r.status, 405);
	th_resp_free(&r);
	free(body);

	char *hdr = malloc(10000);
	snprintf(hdr, 10000, "X-Filler: %09000d\r\n", 0);
	assert_int_equal(th_http(&srv, "GET", "/healthz", hdr, NULL, 0, &r), 0);
	assert_int_equal(r.status, 431);
	th_resp_free(&r);
	free(hdr);

	const char chunked[] = "POST /api/v1/items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
			       "\r\n3\r\nabc\r\n0\r\n\r\n";
	expect_raw_error(chunked, sizeof(chunked) - 1, 411, "length_required");
	const char badlen[] = "POST /api/v1/items HTTP/1.1\r\nHost: x\r\nContent-Length: 12x\r\n\r\n";
	expect_raw_error(badlen, sizeof(badlen) - 1, 400, "bad_request");
	/* What libevent would answer with HTML gets the JSON error too. */
	static const struct {
		const char *req;
		int status;
		const char *code;
	} raw[] = {
		{"GARBAGE\r\n\r\n", 400, "bad_request"},
		{"GET /healthz HTTP/1.1\r\n\r\n", 400, "bad_request"}, /* no Host */
		{"GET /healthz HTTP/2.0\r\n\r\n", 400, "bad_request"},
		{"GET /a b HTTP/1.1\r\n\r\n", 400, "bad_request"},
		{"GET /healthz HTTP/1.1\r\nNoColonHere\r\n\r\n", 400, "bad_request"},
		{"GET /healthz HTTP/1.1\r\n: empty name\r\n\r\n", 400, "bad_request"},
		{"BREW /pot HTTP/1.1\r\n\r\n", 501, "method_not_implemented"},
		{"GET http://[::1 HTTP/1.1\r\n\r\n", 400, "bad_request"},
		{"GET /healthz HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n", 400, "bad_request"},
		{"POST /api/v1/feedback HTTP/1.1\r\nExpect: something\r\nContent-Length: 2\r\n\r\n{}",
		 417, "expectation_failed"},
		/* A body libevent would not read, carrying a request past every check. */
		{"HEAD /healthz HTTP/1.1\r\nContent-Length: 58\r\n\r\n"
		 "GET /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		 400, "bad_request"},
		{"GET /.pakn/reject/413 HTTP/1.1\r\nHost: x\r\nX-Pakn-Reject: a\r\n\r\n", 404,
		 "not_found"},
	};
	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++)
		expect_raw_error(raw[i].req, strlen(raw[i].req), raw[i].status, raw[i].code);
	json_object_put(get_json("/healthz", 200));
}

/* Two requests on one connection, the first refused for its size: the second is answered. */
static void test_keepalive_after_413(void **state)
{
	(void)state;
	size_t big = 70000;
	char *req = malloc(big + 512);
	int n = snprintf(req, 512, "POST /api/v1/items HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n",
			 big);
	memset(req + n, 'y', big);
	n += (int)big;
	n += sprintf(req + n, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	struct th_resp r;
	assert_int_equal(th_recv(th_send_raw(&srv, req, (size_t)n), &r), 0);
	assert_int_equal(r.status, 413);
	assert_non_null(strstr(r.body, "{\"status\":\"ok\"}"));
	th_resp_free(&r);
	free(req);
}

static void test_headers(void **state)
{
	(void)state;
	const char *paths[] = {"/api/v1/plans", "/nope"};
	char first_id[64] = "";
	for (size_t i = 0; i < 2; i++) {
		struct th_resp r;
		assert_int_equal(th_http(&srv, "GET", paths[i], NULL, NULL, 0, &r), 0);
		assert_non_null(strstr(th_header(&r, "Content-Security-Policy"), "frame-ancestors 'none'"));
		assert_null(strstr(th_header(&r, "Content-Security-Policy"), "unsafe-inline"));
		assert_string_equal(th_header(&r, "X-Content-Type-Options"), "nosniff");
		assert_string_equal(th_header(&r, "Referrer-Policy"), "no-referrer");
		const char *id = th_header(&r, "X-Request-Id");
		assert_int_equal(strlen(id), 16);
		assert_int_equal(strspn(id, "0123456789abcdef"), 16);
		if (i == 0)
			snprintf(first_id, sizeof(first_id), "%s", id);
		else
			assert_string_not_equal(first_id, id);
		th_resp_free(&r);
	}
	struct th_resp r;
	assert_int_equal(th_http(&srv, "HEAD", "/api/v1/plans", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	th_resp_free(&r);
}

/* Every log line is one JSON object, and request lines carry the reply's request id. */
static void test_log_lines(void **state)
{
	(void)state;
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", "/api/v1/items/LC-T4", NULL, NULL, 0, &r), 0);
	char id[64];
	snprintf(id, sizeof(id), "%s", th_header(&r, "X-Request-Id"));
	th_resp_free(&r);
	usleep(100000);
	FILE *f = fopen(srv.log_path, "r");
	assert_non_null(f);
	char line[8192];
	int lines = 0, matched = 0;
	while (fgets(line, sizeof(line), f)) {
		json_object *o = json_tokener_parse(line);
		assert_non_null(o);
		assert_non_null(th_get(o, "ts", NULL));
		assert_non_null(th_get(o, "level", NULL));
		assert_non_null(th_get(o, "msg", NULL));
		const char *req = th_str(o, "req", NULL);
		if (req && strcmp(req, id) == 0) {
			matched++;
			assert_string_equal(th_str(o, "path", NULL), "/api/v1/items/LC-T4");
			assert_int_equal(int_at(o, "status"), 200);
		}
		json_object_put(o);
		lines++;
	}
	fclose(f);
	assert_true(lines > 10);
	assert_int_equal(matched, 1);
}

/* Runs one SQL script against the test database (psql, so several statements). */
static void sql(const char *script)
{
	assert_int_equal(th_run("psql -X -q -v ON_ERROR_STOP=1 \"$PAKN_DATABASE_URL\" -c \"%s\"",
				script),
			 0);
}

static char *title_of(const char *path)
{
	json_object *doc = get_json(path, 200);
	char *t = strdup(th_str(doc, "title", NULL));
	json_object_put(doc);
	return t;
}

/* Catalog replies are kept in memory until the catalog changes. A change made with the
 * triggers switched off leaves the kept reply in place, which shows it is kept; a real
 * change shows within a few seconds (the service checks the version once a second). */
static void test_replies_kept_until_the_catalog_changes(void **state)
{
	(void)state;
	const char *path = "/api/v1/items/LC-T25";
	char *title = title_of(path);
	sleep(2); /* the service knows the catalog's version by now: the next reply is kept */
	free(title_of(path));
	sql("SET session_replication_role = replica; UPDATE plan_item SET doc = "
	    "jsonb_set(doc::jsonb, '{title}', '\\\"Tiêu đề mới\\\"')::json WHERE code = 'LC-T25'");
	char *kept = title_of(path);
	assert_string_equal(kept, title);
	free(kept);

	sql("UPDATE plan_item SET doc = doc WHERE code = 'LC-T25'"); /* moves the version */
	char *now = NULL;
	for (int tries = 0; tries < 50; tries++) {
		free(now);
		now = title_of(path);
		if (strcmp(now, "Tiêu đề mới") == 0)
			break;
		usleep(100 * 1000);
	}
	assert_string_equal(now, "Tiêu đề mới");
	free(now);
	sql("UPDATE plan_item SET doc = pakn_item_doc(id) WHERE code = 'LC-T25'");
	free(title);
}

/* A search's items are kept once, under its filters, and every page is cut from them: a page
 * never asked for before still comes from memory. Varying limit and offset once made every
 * request a new query that had PostgreSQL build its page (issue 19). */
static void test_pages_cut_from_one_kept_search(void **state)
{
	(void)state;
	sleep(2); /* the service knows the catalog's version: the next list is kept */
	char *codes = codes_of("/api/v1/items?plan=LC-2026&kind=task&limit=40");
	const char *at = strstr(codes, "LC-T25 ");
	assert_non_null(at);
	int offset = 0;
	for (const char *p = codes; p < at; p++)
		offset += *p == ' ';
	free(codes);
	sql("SET session_replication_role = replica; UPDATE plan_item SET doc = "
	    "jsonb_set(doc::jsonb, '{title}', '\\\"Tiêu đề mới\\\"')::json WHERE code = 'LC-T25'");
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/items?plan=LC-2026&kind=task&limit=1&offset=%d",
		 offset);
	json_object *doc = get_json(path, 200);
	assert_string_equal(th_str(doc, "items", "0", "code", NULL), "LC-T25");
	assert_string_not_equal(th_str(doc, "items", "0", "title", NULL), "Tiêu đề mới");
	assert_int_equal(int_at(doc, "total"), 40);
	assert_int_equal(int_at(doc, "offset"), offset);
	json_object_put(doc);
	sql("UPDATE plan_item SET doc = pakn_item_doc(id) WHERE code = 'LC-T25'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plans),
		cmocka_unit_test(test_plan_by_code),
		cmocka_unit_test(test_all_items),
		cmocka_unit_test(test_item_fields),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_search_ignores_diacritics),
		cmocka_unit_test(test_paging),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_request_limits),
		cmocka_unit_test(test_keepalive_after_413),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_log_lines),
		cmocka_unit_test(test_replies_kept_until_the_catalog_changes),
		cmocka_unit_test(test_pages_cut_from_one_kept_search),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
