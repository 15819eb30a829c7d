/* test_plan_scope.c - the national channel's scope (issue 23, point 2): feedback on a whole
 * plan (LC-2026) or a whole section (LC-T-V, DB-I-II) and of the kinds initiative and
 * solution, as the catalog, intake, the officials, the metrics and the quarterly review see
 * it. The plan's and sections' own items answer to the plan's default agency: their
 * feedback reaches that agency's official and no other; they count at item, section and
 * plan level; re-importing keeps them, and a section that leaves the text takes its own
 * item along (unless feedback was given on it: the import is then refused, as for any
 * item). Real server, on a database of its own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static struct th_server srv;
static char db_url[512];
static char url_env[560];
static const char *const server_env[] = {url_env, "PAKN_INTAKE_RATE=100000",
					 "PAKN_INTAKE_BURST=100000", "PAKN_LOGIN_RATE=10000", NULL};
static const char password[] = "mat-khau-thu-nghiem-57";
#define JSON_TYPE "Content-Type: application/json\r\n"

/* The officials of the two plans' default agencies, and one of another agency. */
enum { LC_DEFAULT, DB_DEFAULT, DB_OTHER, N_OFFICIALS };
static struct {
	const char *user, *agency;
	char headers[512];
} officials[N_OFFICIALS] = {
	{"t.scope.lcbcd", "lc-ban-chi-dao-tinh", ""},
	{"t.scope.vptu", "db-van-phong-tinh-uy", ""},
	{"t.scope.skhcn", "db-so-khoa-hoc-va-cong-nghe", ""},
};

/* What the tests below submit, and the tracking codes they got. */
static struct {
	const char *item, *kind;
	int rating;
	size_t answered_by;
	char code[64];
} sent[] = {
	{"LC-2026", "initiative", 5, LC_DEFAULT, ""},
	{"LC-T-V", "solution", 4, LC_DEFAULT, ""},
	{"DB-I-II", "opinion", 2, DB_DEFAULT, ""},
};
#define N_SENT (sizeof(sent) / sizeof(sent[0]))

/* A small plan of two indicator sections, and the same plan without its second one. */
static const char qx_meta[] = "code = QX-2026\nprefix = QX\nprovince = Quảng Xương\n"
			      "title = Kế hoạch thử hai phần\ndefault_agency = Văn phòng thử\n";
static const char qx_head[] = "Phụ lục I\n\tSTT\n\tMục tiêu\n\tĐơn vị tính\n"
			      "\tKết quả năm 2025\n\tMục tiêu năm 2026\n\n"
			      "\tI\n\tHạ tầng số\n\t\n\t\n\t\n\n"
			      "\t1\n\tTỷ lệ hộ gia đình có cáp quang\n\t%\n\t80\n\t90\n\n";
static const char qx_second[] = "\tII\n\tDữ liệu số\n\t\n\t\n\t\n\n"
				"\t2\n\tTỷ lệ hồ sơ trực tuyến toàn trình\n\t%\n\t50\n\t70\n\n";

static const char *ctl(void)
{
	return getenv("PAKNCTL_BIN") ? getenv("PAKNCTL_BIN") : "build/asan/paknctl";
}

/* Writes the QX plan (with its second section or not) and imports it; the exit status. */
static int import_qx(bool second)
{
	const char *tmp = getenv("PAKN_TEST_TMP") ? getenv("PAKN_TEST_TMP") : "/tmp";
	char meta[512], text[512];
	snprintf(meta, sizeof(meta), "%s/QX-2026.meta", tmp);
	snprintf(text, sizeof(text), "%s/QX-2026.txt", tmp);
	FILE *m = fopen(meta, "w"), *t = fopen(text, "w");
	if (!m || !t)
		return -1;
	fputs(qx_meta, m);
	fputs(qx_head, t);
	if (second)
		fputs(qx_second, t);
	if (fclose(m) != 0 || fclose(t) != 0)
		return -1;
	return th_run("PAKN_DATABASE_URL='%s' %s import-plan %s >/dev/null 2>&1", db_url, ctl(),
		      text);
}

static int group_setup(void **state)
{
	(void)state;
	if (th_own_database("scope", db_url, sizeof(db_url)) < 0)
		return -1;
	snprintf(url_env, sizeof(url_env), "PAKN_DATABASE_URL=%s", db_url);
	for (size_t i = 0; i < N_OFFICIALS; i++)
		if (th_run("echo %s | PAKN_DATABASE_URL='%s' %s official add %s --role moderator "
			   "--agency %s >/dev/null",
			   password, db_url, ctl(), officials[i].user, officials[i].agency) != 0)
			return -1;
	if (th_server_start(&srv, "plan_scope", server_env) < 0 ||
	    th_server_wait_ready(&srv, 10000) < 0)
		return -1;
	for (size_t i = 0; i < N_OFFICIALS; i++)
		if (th_sign_in(&srv, db_url, officials[i].user, password, officials[i].headers,
			       sizeof(officials[i].headers), NULL, 0) != 200)
			return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return th_server_stop(&srv) == 0 ? 0 : -1;
}

static json_object *request_json(const char *method, const char *path, const char *headers,
				 const char *body, int status)
{
	struct th_resp r;
	assert_int_equal(th_http(&srv, method, path, headers, body, body ? strlen(body) : 0, &r), 0);
	if (r.status != status)
		fprintf(stderr, "%s %s: %d %s\n", method, path, r.status, r.body);
	assert_int_equal(r.status, status);
	json_object *doc = th_json(&r);
	assert_non_null(doc);
	th_resp_free(&r);
	return doc;
}

static char *sql_value(const char *query)
{
	char *v = NULL;
	assert_int_equal(th_sql(db_url, query, &v), 0);
	assert_non_null(v);
	return v;
}

static long sql_count(const char *query)
{
	char *v = sql_value(query);
	long n = atol(v);
	free(v);
	return n;
}

static json_object *find_row(json_object *rows, const char *key, const char *value)
{
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		json_object *row = json_object_array_get_idx(rows, i);
		const char *v = th_str(row, key, NULL);
		if (v && strcmp(v, value) == 0)
			return row;
	}
	return NULL;
}

/* --- the catalog ---------------------------------------------------------------------- */

static void check_item(const char *code, const char *scope, const char *kind,
		       const char *section, const char *agency)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/items/%s", code);
	json_object *doc = request_json("GET", path, NULL, NULL, 200);
	assert_string_equal(th_str(doc, "code", NULL), code);
	assert_string_equal(th_str(doc, "scope", NULL), scope);
	if (kind)
		assert_string_equal(th_str(doc, "kind", NULL), kind);
	else
		assert_null(th_get(doc, "kind", NULL));
	if (section)
		assert_string_equal(th_str(doc, "section", "code", NULL), section);
	else
		assert_null(th_get(doc, "section", NULL));
	assert_non_null(th_str(doc, "title", NULL));
	assert_string_equal(th_str(doc, "responsible", "basis", NULL), "plan_default");
	assert_string_equal(th_str(doc, "responsible", "agencies", "0", "code", NULL), agency);
	json_object_put(doc);
}

static size_t count_items(const char *query)
{
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/items?limit=200%s", query);
	json_object *doc = request_json("GET", path, NULL, NULL, 200);
	size_t n = json_object_array_length(th_get(doc, "items", NULL));
	json_object_put(doc);
	return n;
}

static void test_catalog_has_plan_and_section_items(void **state)
{
	(void)state;
	check_item("LC-2026", "plan", NULL, NULL, "lc-ban-chi-dao-tinh");
	check_item("LC-T-V", "section", "task", "V", "lc-ban-chi-dao-tinh");
	check_item("DB-I-II", "section", "indicator", "II", "db-van-phong-tinh-uy");
	check_item("DB-2026", "plan", NULL, NULL, "db-van-phong-tinh-uy");
	/* A real item says it is one. */
	json_object *doc = request_json("GET", "/api/v1/items/LC-T25", NULL, NULL, 200);
	assert_string_equal(th_str(doc, "scope", NULL), "item");
	json_object_put(doc);

	/* The plan names its own code and each section's; counts stay counts of real items. */
	doc = request_json("GET", "/api/v1/plans/DB-2026", NULL, NULL, 200);
	assert_string_equal(th_str(doc, "feedback_code", NULL), "DB-2026");
	assert_int_equal(json_object_get_int(th_get(doc, "item_count", NULL)), 80);
	json_object *sections = th_get(doc, "sections", NULL);
	assert_int_equal(json_object_array_length(sections), 12);
	int items = 0;
	for (size_t i = 0; i < json_object_array_length(sections); i++) {
		json_object *s = json_object_array_get_idx(sections, i);
		char want[64];
		snprintf(want, sizeof(want), "DB-%s-%s",
			 strcmp(th_str(s, "kind", NULL), "task") == 0 ? "T" : "I",
			 th_str(s, "code", NULL));
		assert_string_equal(th_str(s, "feedback_code", NULL), want);
		items += json_object_get_int(th_get(s, "item_count", NULL));
	}
	assert_int_equal(items, 80);
	json_object_put(doc);

	/* Lists: real items unless a scope is asked for, each kept apart in memory. */
	assert_int_equal(count_items("&plan=LC-2026"), 40);
	assert_int_equal(count_items("&plan=LC-2026&scope=item"), 40);
	assert_int_equal(count_items("&plan=LC-2026&scope=plan"), 1);
	assert_int_equal(count_items("&scope=plan"), 2);
	assert_int_equal(count_items("&plan=DB-2026&scope=section"), 12);
	assert_int_equal(count_items("&plan=DB-2026&scope=all"), 80 + 12 + 1);
	assert_int_equal(count_items("&plan=LC-2026"), 40);
	doc = request_json("GET", "/api/v1/items?plan=DB-2026&scope=all&limit=2", NULL, NULL, 200);
	assert_string_equal(th_str(doc, "items", "0", "code", NULL), "DB-2026");
	assert_string_equal(th_str(doc, "items", "1", "scope", NULL), "section");
	json_object_put(doc);
	doc = request_json("GET", "/api/v1/items?scope=everything", NULL, NULL, 400);
	json_object_put(doc);
}

/* --- intake and the officials -------------------------------------------------------- */

static bool queue_has(size_t i, const char *tracking_code, const char *query)
{
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/moderation/queue?limit=200%s", query);
	json_object *doc = request_json("GET", path, officials[i].headers, NULL, 200);
	json_object *rows = th_get(doc, "items", NULL);
	bool found = find_row(rows, "tracking_code", tracking_code) != NULL;
	json_object_put(doc);
	return found;
}

static void test_feedback_on_plan_and_sections(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_SENT; i++) {
		char body[512];
		snprintf(body, sizeof(body),
			 "{\"item_code\":\"%s\",\"rating\":%d,\"kind\":\"%s\","
			 "\"body\":\"Góp ý về cả %s: nên công bố tiến độ hằng quý.\"}",
			 sent[i].item, sent[i].rating, sent[i].kind, sent[i].item);
		json_object *doc = request_json("POST", "/api/v1/feedback", JSON_TYPE, body, 201);
		assert_non_null(th_get(doc, "receipt", NULL));
		snprintf(sent[i].code, sizeof(sent[i].code), "%s",
			 th_str(doc, "feedback", "tracking_code", NULL));
		json_object_put(doc);
		char query[256];
		snprintf(query, sizeof(query),
			 "SELECT f.kind || ' ' || it.scope FROM feedback f"
			 " JOIN plan_item it ON it.id = f.item_id WHERE f.tracking_code = '%s'",
			 sent[i].code);
		char *got = sql_value(query);
		char want[64];
		snprintf(want, sizeof(want), "%s %s", sent[i].kind,
			 strchr(sent[i].item + 3, '-') ? "section" : "plan");
		assert_string_equal(got, want);
		free(got);
	}
	for (size_t i = 0; i < N_SENT; i++)
		for (size_t o = 0; o < N_OFFICIALS; o++) {
			bool mine = o == sent[i].answered_by;
			assert_int_equal(queue_has(o, sent[i].code, ""), mine);
			/* In scope for the database's rule as well (pakn_in_scope). */
			char query[512];
			snprintf(query, sizeof(query),
				 "SELECT count(*) FROM feedback f, official o"
				 " WHERE f.tracking_code = '%s' AND o.username = '%s'"
				 " AND pakn_in_scope(o.id, f.id)",
				 sent[i].code, officials[o].user);
			assert_int_equal(sql_count(query), mine);
		}
	/* The queue's filters take the new kinds and the plan's own code. */
	assert_true(queue_has(LC_DEFAULT, sent[0].code, "&kind=initiative"));
	assert_false(queue_has(LC_DEFAULT, sent[1].code, "&kind=initiative"));
	assert_true(queue_has(LC_DEFAULT, sent[1].code, "&kind=solution&item=LC-T-V"));
	/* The public status reads it like any other. */
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/feedback/%s", sent[0].code);
	json_object *doc = request_json("GET", path, NULL, NULL, 200);
	assert_string_equal(th_str(doc, "item", "code", NULL), "LC-2026");
	json_object_put(doc);
}

/* --- metrics and the quarterly review ------------------------------------------------- */

/* The sum of count over the rows of group_code (one per period). */
static long group_count(json_object *rows, const char *code, const char *scope)
{
	long n = -1;
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		json_object *row = json_object_array_get_idx(rows, i);
		if (strcmp(th_str(row, "group_code", NULL), code) != 0)
			continue;
		if (scope)
			assert_string_equal(th_str(row, "scope", NULL), scope);
		n = (n < 0 ? 0 : n) + json_object_get_int64(th_get(row, "count", NULL));
	}
	return n;
}

static json_object *metrics(const char *what, const char *query)
{
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/metrics/%s?%s", what, query);
	return request_json("GET", path, NULL, NULL, 200);
}

static void test_metrics_count_them(void **state)
{
	(void)state;
	static const char *const what[] = {"satisfaction", "responses"};
	for (size_t w = 0; w < 2; w++) {
		json_object *doc = metrics(what[w], "group_by=item&plan=LC-2026");
		json_object *rows = th_get(doc, "rows", NULL);
		assert_int_equal(group_count(rows, "LC-2026", "plan"), 1);
		assert_int_equal(group_count(rows, "LC-T-V", "section"), 1);
		json_object_put(doc);

		doc = metrics(what[w], "group_by=section&plan=LC-2026");
		rows = th_get(doc, "rows", NULL);
		assert_int_equal(group_count(rows, "LC-2026:plan", "plan"), 1);
		assert_int_equal(group_count(rows, "LC-2026:task:V", "section"), 1);
		json_object_put(doc);

		doc = metrics(what[w], "group_by=section&plan=DB-2026");
		rows = th_get(doc, "rows", NULL);
		assert_int_equal(group_count(rows, "DB-2026:indicator:II", "section"), 1);
		json_object_put(doc);

		doc = metrics(what[w], "group_by=plan");
		rows = th_get(doc, "rows", NULL);
		assert_int_equal(group_count(rows, "LC-2026", NULL), 2);
		assert_int_equal(group_count(rows, "DB-2026", NULL), 1);
		json_object_put(doc);

		/* By agency, the plan's default agency answers them: they count for it. */
		doc = metrics(what[w], "group_by=agency&plan=LC-2026");
		rows = th_get(doc, "rows", NULL);
		assert_true(group_count(rows, "lc-ban-chi-dao-tinh", NULL) >= 2);
		json_object_put(doc);

		doc = metrics(what[w], "group_by=kind&plan=LC-2026");
		rows = th_get(doc, "rows", NULL);
		assert_int_equal(group_count(rows, "initiative", NULL), 1);
		assert_int_equal(group_count(rows, "solution", NULL), 1);
		json_object_put(doc);
	}
	/* The whole plan's row is titled as the plan. */
	json_object *doc = metrics("satisfaction", "group_by=section&plan=LC-2026");
	json_object *row = find_row(th_get(doc, "rows", NULL), "group_code", "LC-2026:plan");
	assert_non_null(row);
	assert_non_null(strstr(th_str(row, "group_title", NULL), "Kế hoạch số 32-KH/TU"));
	json_object_put(doc);
}

static void test_quarterly_review_lists_them(void **state)
{
	(void)state;
	/* The quarter the feedback arrived in, local time (UTC+7, no summer time). */
	time_t now = time(NULL) + 7 * 3600;
	struct tm t;
	gmtime_r(&now, &t);
	char quarter[32];
	snprintf(quarter, sizeof(quarter), "%04u-Q%u", (unsigned)(t.tm_year + 1900) % 10000u,
		 (unsigned)(t.tm_mon / 3 + 1) % 10u);
	static const char *const plans[] = {"LC-2026", "DB-2026"};
	for (size_t p = 0; p < 2; p++) {
		char path[256];
		snprintf(path, sizeof(path), "/api/v1/reports/quarterly?plan=%s&quarter=%s",
			 plans[p], quarter);
		json_object *doc = request_json("GET", path, NULL, NULL, 200);
		json_object *rows = th_get(doc, "rows", NULL);
		long whole = -1, section = -1;
		for (size_t i = 0; i < json_object_array_length(rows); i++) {
			json_object *r = json_object_array_get_idx(rows, i);
			if (strcmp(th_str(r, "level", NULL), "item") != 0)
				continue;
			const char *code = th_str(r, "code", NULL);
			long n = json_object_get_int64(th_get(r, "count", NULL));
			if (strcmp(code, plans[p]) == 0)
				whole = n;
			else if (strcmp(code, p ? "DB-I-II" : "LC-T-V") == 0)
				section = n;
		}
		/* nobody wrote on the whole of DB-2026: no row for it (docs/metrics.md) */
		assert_int_equal(whole, p ? -1 : 1);
		assert_int_equal(section, 1);
		json_object_put(doc);

		static const char *const formats[] = {"csv", "html"};
		for (size_t f = 0; f < 2; f++) {
			struct th_resp r;
			snprintf(path, sizeof(path),
				 "/api/v1/reports/quarterly?plan=%s&quarter=%s&format=%s", plans[p],
				 quarter, formats[f]);
			assert_int_equal(th_http(&srv, "GET", path, NULL, NULL, 0, &r), 0);
			assert_int_equal(r.status, 200);
			assert_non_null(strstr(r.body, p ? "DB-I-II" : "LC-T-V"));
			th_resp_free(&r);
		}
	}
}

/* --- re-import ------------------------------------------------------------------------ */

static const char own_items[] = "SELECT string_agg(it.code || '=' || it.id || ':' || it.title"
				" || ':' || x.role, ' ' ORDER BY it.code)"
				" FROM plan_item it JOIN plan p ON p.id = it.plan_id"
				" JOIN plan_item_agency x ON x.item_id = it.id"
				" WHERE p.code = '%s' AND it.scope <> 'item'";

static void test_reimport_keeps_and_removes(void **state)
{
	(void)state;
	char query[512];
	snprintf(query, sizeof(query), own_items, "LC-2026");
	char *before = sql_value(query);
	assert_int_equal(th_run("PAKN_DATABASE_URL='%s' %s import-plan data/plans/LC-2026.txt"
				" >/dev/null",
				db_url, ctl()),
			 0);
	char *after = sql_value(query);
	assert_string_equal(after, before);
	free(before);
	free(after);
	assert_int_equal(count_items("&plan=LC-2026"), 40);
	assert_int_equal(count_items("&plan=LC-2026&scope=all"), 40 + 1 + 10);

	/* A plan whose second section leaves the text: its own item goes with it. */
	assert_int_equal(import_qx(true), 0);
	assert_int_equal(sql_count("SELECT count(*) FROM plan_item WHERE code IN"
				   " ('QX-2026', 'QX-I-I', 'QX-I-II')"),
			 3);
	assert_int_equal(import_qx(false), 0);
	assert_int_equal(sql_count("SELECT count(*) FROM plan_item WHERE code IN"
				   " ('QX-2026', 'QX-I-I', 'QX-I-II')"),
			 2);
	assert_int_equal(sql_count("SELECT count(*) FROM plan_section s JOIN plan p"
				   " ON p.id = s.plan_id WHERE p.code = 'QX-2026'"),
			 1);
	/* Back again, then feedback on it: now removing the section is refused, as removing
	 * an item with feedback is, and nothing changes. */
	assert_int_equal(import_qx(true), 0);
	json_object *doc = request_json("POST", "/api/v1/feedback", JSON_TYPE,
					"{\"item_code\":\"QX-I-II\",\"rating\":3,\"kind\":\"solution\","
					"\"body\":\"Cả phần dữ liệu số cần lộ trình rõ hơn.\"}",
					201);
	json_object_put(doc);
	assert_int_not_equal(import_qx(false), 0);
	assert_int_equal(sql_count("SELECT count(*) FROM plan_item WHERE code IN"
				   " ('QX-2026', 'QX-I-I', 'QX-I-II', 'QX-I02')"),
			 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog_has_plan_and_section_items),
		cmocka_unit_test(test_feedback_on_plan_and_sections),
		cmocka_unit_test(test_metrics_count_them),
		cmocka_unit_test(test_quarterly_review_lists_them),
		cmocka_unit_test(test_reimport_keeps_and_removes),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
