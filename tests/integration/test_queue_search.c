/* test_queue_search.c - search and filters in the officials' queue (issue 22, point 4), as
 * an official sees them over HTTP: text found without diacritics or case ("so hoa" finds
 * "số hóa" and "Số Hóa", "duong" finds "đường"), only within the official's scope; each
 * filter (status, kind, rating and a range of ratings, dates received, overdue, item, plan,
 * agency); paging that returns every row exactly once while feedback keeps arriving; bad
 * parameters refused with a 400 naming the field; % _ \ taken literally and long text
 * bounded. Real server, on a database of its own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "harness.h"

static struct th_server srv;
static char db_url[512];
static char url_env[560];
static const char *const server_env[] = {url_env, "PAKN_INTAKE_RATE=100000",
					 "PAKN_INTAKE_BURST=100000", "PAKN_LOGIN_RATE=10000", NULL};
static const char password[] = "mat-khau-thu-nghiem-57";
#define JSON_TYPE "Content-Type: application/json\r\n"

/* Lào Cai's official, Điện Biên's, and one of both (for the plan and agency filters). */
enum { LC, DB, BOTH, NOFFICIALS };
static struct {
	const char *user, *agencies;
	char headers[512];
} officials[NOFFICIALS] = {
	[LC] = {"t.search.lc", "--agency lc-dang-uy-ubnd-tinh", ""},
	[DB] = {"t.search.db", "--agency db-so-khoa-hoc-va-cong-nghe", ""},
	[BOTH] = {"t.search.both",
		  "--agency lc-dang-uy-ubnd-tinh --agency db-so-khoa-hoc-va-cong-nghe", ""},
};

static const char *ctl(void)
{
	return getenv("PAKNCTL_BIN") ? getenv("PAKNCTL_BIN") : "build/asan/paknctl";
}

static int sign_in(size_t i)
{
	return th_sign_in(&srv, db_url, officials[i].user, password, officials[i].headers,
			  sizeof(officials[i].headers), NULL, 0);
}

static int group_setup(void **state)
{
	(void)state;
	if (th_own_database("queue_search", db_url, sizeof(db_url)) < 0)
		return -1;
	snprintf(url_env, sizeof(url_env), "PAKN_DATABASE_URL=%s", db_url);
	for (size_t i = 0; i < NOFFICIALS; i++)
		if (th_run("echo %s | PAKN_DATABASE_URL='%s' %s official add %s --role moderator %s "
			   ">/dev/null",
			   password, db_url, ctl(), officials[i].user, officials[i].agencies) != 0)
			return -1;
	if (th_server_start(&srv, "queue_search", server_env) < 0 ||
	    th_server_wait_ready(&srv, 10000) < 0)
		return -1;
	for (size_t i = 0; i < NOFFICIALS; i++)
		if (sign_in(i) != 200)
			return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return th_server_stop(&srv) == 0 ? 0 : -1;
}

static json_object *request_json(const char *path, const char *headers, int status)
{
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", path, headers, NULL, 0, &r), 0);
	if (r.status != status)
		fprintf(stderr, "GET %s: %d %s\n", path, r.status, r.body);
	assert_int_equal(r.status, status);
	json_object *doc = th_json(&r);
	assert_non_null(doc);
	th_resp_free(&r);
	return doc;
}

static void sql(const char *query)
{
	assert_int_equal(th_sql(db_url, query, NULL), 0);
}

/* Submits feedback as a citizen; returns its id. */
static long submit(const char *item, const char *kind, int rating, const char *text)
{
	struct sbuf body = {0};
	sbuf_printf(&body, "{\"item_code\":\"%s\",\"rating\":%d,\"kind\":\"%s\",\"body\":", item,
		    rating, kind);
	sbuf_json_string(&body, text);
	sbuf_puts(&body, ",\"consent\":{\"publish\":true,\"contact\":false}}");
	struct th_resp r;
	assert_int_equal(th_http(&srv, "POST", "/api/v1/feedback", JSON_TYPE, body.data, body.len, &r),
			 0);
	assert_int_equal(r.status, 201);
	json_object *doc = th_json(&r);
	char query[160], *v = NULL;
	snprintf(query, sizeof(query), "SELECT id FROM feedback WHERE tracking_code = '%s'",
		 th_str(doc, "receipt", "tracking_code", NULL));
	assert_int_equal(th_sql(db_url, query, &v), 0);
	long id = atol(v);
	free(v);
	json_object_put(doc);
	th_resp_free(&r);
	sbuf_free(&body);
	return id;
}

/* The ids the queue gives official o for query (after "?"), one page of at most 200, in a
 * comma-separated list ",1,2,", so ",<id>," finds one. */
static void ids_of(int o, const char *query, struct sbuf *ids)
{
	char path[1024];
	snprintf(path, sizeof(path), "/api/v1/moderation/queue?limit=200&%s", query);
	json_object *doc = request_json(path, officials[o].headers, 200);
	json_object *items = th_get(doc, "items", NULL);
	sbuf_puts(ids, ",");
	for (size_t i = 0; i < json_object_array_length(items); i++)
		sbuf_printf(ids, "%ld,", (long)json_object_get_int64(th_get(
						 json_object_array_get_idx(items, i), "id", NULL)));
	json_object_put(doc);
}

/* Does the queue of official o for query hold exactly the ids listed (0-ended)? */
static void expect(int o, const char *query, const long *want)
{
	struct sbuf got = {0}, exp = {0};
	ids_of(o, query, &got);
	sbuf_puts(&exp, ",");
	for (const long *p = want; *p; p++)
		sbuf_printf(&exp, "%ld,", *p);
	if (strcmp(got.data, exp.data) != 0)
		fprintf(stderr, "queue?%s: got %s, want %s\n", query, got.data, exp.data);
	assert_string_equal(got.data, exp.data);
	sbuf_free(&got);
	sbuf_free(&exp);
}

/* The ids of the fixture, in the order submitted (the queue's order). */
static long lc_nfc, lc_upper, lc_title, lc_road, lc_road_upper, lc_other, lc_pct, lc_under,
	lc_t30, db_match;

static void fixture(void)
{
	if (lc_nfc)
		return;
	lc_nfc = submit("LC-T25", "opinion", 1, "Chuyển đổi số hóa ở xã còn chậm");
	lc_upper = submit("LC-T25", "proposal", 2, "ĐỀ NGHỊ ĐẨY MẠNH SỐ HÓA HỒ SƠ");
	lc_title = submit("LC-T25", "report", 3, "Số Hóa thủ tục đất đai");
	lc_road = submit("LC-T25", "question", 4, "Con đường vào bản bị sạt lở");
	lc_road_upper = submit("LC-T25", "opinion", 5, "ĐƯỜNG TRUYỀN INTERNET YẾU");
	lc_other = submit("LC-T25", "opinion", 5, "Cán bộ một cửa nhiệt tình");
	lc_pct = submit("LC-T25", "report", 3, "Chỉ 50% hồ sơ nộp trực tuyến");
	lc_under = submit("LC-T25", "report", 3, "Mã hồ sơ có dạng a_b_c khó nhớ");
	lc_t30 = submit("LC-T30", "question", 2, "Khi nào có số hóa sổ hộ tịch?");
	db_match = submit("DB-T-V.1.1", "opinion", 4, "Số hóa ở Điện Biên cũng chậm");
}

/* --- text ----------------------------------------------------------------------------- */

static void test_text_without_diacritics_or_case(void **state)
{
	(void)state;
	fixture();
	/* Lào Cai's official: its three and LC-T30's, never Điện Biên's. */
	expect(LC, "q=so%20hoa", (long[]){lc_nfc, lc_upper, lc_title, lc_t30, 0});
	expect(LC, "q=S%E1%BB%91%20H%C3%B3a", (long[]){lc_nfc, lc_upper, lc_title, lc_t30, 0});
	expect(LC, "q=duong", (long[]){lc_road, lc_road_upper, 0});
	expect(LC, "q=%C4%90%C6%B0%E1%BB%9Dng", (long[]){lc_road, lc_road_upper, 0}); /* Đường */
	/* Điện Biên's sees its own and nothing of Lào Cai's. */
	expect(DB, "q=so%20hoa", (long[]){db_match, 0});
	expect(DB, "q=duong", (long[]){0});
	expect(BOTH, "q=so%20hoa", (long[]){lc_nfc, lc_upper, lc_title, lc_t30, db_match, 0});
}

/* A search is a substring of the text: % _ \ are letters, not patterns, and a search as long
 * as allowed is answered like any other. */
static void test_patterns_are_literal_and_bounded(void **state)
{
	(void)state;
	fixture();
	expect(LC, "q=50%25", (long[]){lc_pct, 0});
	expect(LC, "q=%25%25%25", (long[]){0});
	expect(LC, "q=a_b", (long[]){lc_under, 0});
	expect(LC, "q=___", (long[]){0});
	expect(LC, "q=%5C%5C%5C", (long[]){0});
	char path[512] = "q=";
	for (int i = 0; i < 100; i++)
		strcat(path, "%25");
	expect(LC, path, (long[]){0});
	/* A quote and a semicolon are text too. */
	expect(LC, "q=%27%3B%20DROP%20TABLE%20feedback%3B--", (long[]){0});
}

/* --- filters -------------------------------------------------------------------------- */

static void test_each_filter(void **state)
{
	(void)state;
	fixture();
	expect(LC, "kind=question", (long[]){lc_road, lc_t30, 0});
	expect(LC, "rating=5", (long[]){lc_road_upper, lc_other, 0});
	expect(LC, "rating_min=2&rating_max=2", (long[]){lc_upper, lc_t30, 0});
	expect(LC, "rating_max=1", (long[]){lc_nfc, 0});
	expect(LC, "item=LC-T30", (long[]){lc_t30, 0});
	expect(LC, "q=so%20hoa&kind=proposal", (long[]){lc_upper, 0});
	expect(BOTH, "plan=DB-2026", (long[]){db_match, 0});
	expect(BOTH, "plan=DB-2026&q=so%20hoa", (long[]){db_match, 0});
	expect(BOTH, "agency=db-so-khoa-hoc-va-cong-nghe", (long[]){db_match, 0});
	/* Filtering by an agency does not widen the scope. */
	expect(LC, "agency=db-so-khoa-hoc-va-cong-nghe", (long[]){0});

	char q[256];
	snprintf(q, sizeof(q), "UPDATE feedback SET state = 'rejected' WHERE id = %ld", lc_other);
	sql(q);
	expect(LC, "status=rejected", (long[]){lc_other, 0});

	/* Received dates are local (Asia/Ho_Chi_Minh): 23:30 UTC is the next day there. */
	snprintf(q, sizeof(q),
		 "UPDATE feedback SET created_at = '2026-03-01T23:30:00Z' WHERE id = %ld", lc_nfc);
	sql(q);
	expect(LC, "from=2026-03-02&to=2026-03-02", (long[]){lc_nfc, 0});
	expect(LC, "to=2026-03-01", (long[]){0});
	expect(LC, "from=2026-03-01&to=2026-03-03&q=so%20hoa", (long[]){lc_nfc, 0});

	/* Overdue: open past its answer deadline; an answered one is not. */
	snprintf(q, sizeof(q),
		 "UPDATE feedback SET due_answer = date '2026-01-05' WHERE id IN (%ld, %ld)", lc_road,
		 lc_title);
	sql(q);
	snprintf(q, sizeof(q), "UPDATE feedback SET state = 'answered' WHERE id = %ld", lc_title);
	sql(q);
	expect(LC, "overdue=true", (long[]){lc_road, 0});
	struct sbuf not_overdue = {0};
	ids_of(LC, "overdue=false", &not_overdue);
	char needle[32];
	snprintf(needle, sizeof(needle), ",%ld,", lc_road);
	assert_null(strstr(not_overdue.data, needle));
	snprintf(needle, sizeof(needle), ",%ld,", lc_title);
	assert_non_null(strstr(not_overdue.data, needle));
	sbuf_free(&not_overdue);
}

/* --- paging --------------------------------------------------------------------------- */

/* Every row once, in order, across pages of 4, with new feedback arriving between pages:
 * the new rows come after the old ones, never between pages already read. */
static void test_pages_return_every_row_once(void **state)
{
	(void)state;
	fixture();
	long want[40];
	size_t n = 0;
	for (int i = 0; i < 13; i++) {
		char text[64];
		snprintf(text, sizeof(text), "Trang thử số %d về phân trang", i);
		want[n++] = submit("LC-T25", "opinion", 3, text);
	}
	struct sbuf got = {0};
	char path[256], cursor[32] = "";
	sbuf_puts(&got, ",");
	int pages = 0;
	for (;;) {
		snprintf(path, sizeof(path), "/api/v1/moderation/queue?q=phan%%20trang&limit=4%s%s",
			 *cursor ? "&cursor=" : "", cursor);
		json_object *doc = request_json(path, officials[LC].headers, 200);
		json_object *items = th_get(doc, "items", NULL);
		assert_true(json_object_array_length(items) <= 4);
		for (size_t i = 0; i < json_object_array_length(items); i++)
			sbuf_printf(&got, "%ld,", (long)json_object_get_int64(th_get(
							  json_object_array_get_idx(items, i), "id", NULL)));
		const char *next = th_str(doc, "next_cursor", NULL);
		snprintf(cursor, sizeof(cursor), "%s", next ? next : "");
		json_object_put(doc);
		if (++pages == 2) /* arrives while the official reads */
			want[n++] = submit("LC-T25", "opinion", 3, "Trang thử đến muộn, phân trang");
		if (!*cursor)
			break;
		assert_true(pages < 20);
	}
	struct sbuf exp = {0};
	sbuf_puts(&exp, ",");
	for (size_t i = 0; i < n; i++)
		sbuf_printf(&exp, "%ld,", want[i]);
	assert_string_equal(got.data, exp.data);
	sbuf_free(&got);
	sbuf_free(&exp);
}

/* --- bad parameters ------------------------------------------------------------------- */

static void test_bad_parameters_name_the_field(void **state)
{
	(void)state;
	static const struct {
		const char *query, *field;
	} cases[] = {
		{"rating=9", "rating"},
		{"rating=3&rating_min=2", "rating"},
		{"rating_min=4&rating_max=2", "rating_min"},
		{"rating_max=0", "rating_max"},
		{"q=ab", "q"},
		{"q=%C4%91%C6%B0", "q"}, /* two letters, four bytes: counted in characters */
		{"overdue=yes", "overdue"},
		{"from=2026-03-02&to=2026-03-01", "from"},
		{"to=2026-13-01", "to"},
		{"status=lost", "status"},
		{"kind=rumour", "kind"},
		{"plan=lc-2026", "plan"},
		{"limit=0", "limit"},
		{"limit=201", "limit"},
		{"cursor=-1", "cursor"},
		{"search=so", "search"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[256];
		snprintf(path, sizeof(path), "/api/v1/moderation/queue?%s", cases[i].query);
		json_object *doc = request_json(path, officials[LC].headers, 400);
		const char *field = th_str(doc, "error", "fields", "0", "field", NULL);
		if (!field || strcmp(field, cases[i].field) != 0)
			fprintf(stderr, "?%s: %s\n", cases[i].query,
				json_object_to_json_string(doc));
		assert_non_null(field);
		assert_string_equal(field, cases[i].field);
		json_object_put(doc);
	}
	/* 101 characters is one too many. */
	char path[512] = "/api/v1/moderation/queue?q=";
	for (int i = 0; i < 101; i++)
		strcat(path, "a");
	json_object *doc = request_json(path, officials[LC].headers, 400);
	assert_string_equal(th_str(doc, "error", "fields", "0", "field", NULL), "q");
	json_object_put(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_without_diacritics_or_case),
		cmocka_unit_test(test_patterns_are_literal_and_bounded),
		cmocka_unit_test(test_each_filter),
		cmocka_unit_test(test_pages_return_every_row_once),
		cmocka_unit_test(test_bad_parameters_name_the_field),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
