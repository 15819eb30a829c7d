/* test_responsible_agency.c - every item has an agency to answer it (issue 22, point 1), as
 * a citizen, an official and an API client see it: the catalog names the responsible agency
 * of every item of both seed plans (the Điện Biên indicators, which name no lead, fall back
 * to the plan's default agency); feedback on such an indicator reaches the queue of an
 * official of that agency; and feedback on an item no agency answers (a plan imported
 * without a default, whose item names no agency) is refused with item_unanswerable and
 * nothing is stored. Real server, on a database of its own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct th_server srv;
static char db_url[512];
static char url_env[560];
static const char *const server_env[] = {url_env, "PAKN_INTAKE_RATE=100000",
					 "PAKN_INTAKE_BURST=100000", "PAKN_LOGIN_RATE=10000", NULL};
static const char password[] = "mat-khau-thu-nghiem-57";
#define JSON_TYPE "Content-Type: application/json\r\n"
#define FORM_TYPE "Content-Type: application/x-www-form-urlencoded\r\nAccept: text/html\r\n"

/* An official of the Điện Biên plan's default agency, and one of another agency. */
static struct {
	const char *user, *agency;
	char headers[512];
} officials[] = {
	{"t.mod.vptu", "db-van-phong-tinh-uy", ""},
	{"t.mod.skhcn", "db-so-khoa-hoc-va-cong-nghe", ""},
};

/* A plan whose .meta names no default agency and whose one indicator names no agency. */
static const char mute_meta[] = "code = QX-2026\nprefix = QX\nprovince = Quảng Xương\n"
				"title = Kế hoạch thử, không có cơ quan trả lời\n";
static const char mute_text[] = "Phụ lục I\n\tSTT\n\tMục tiêu\n\tĐơn vị tính\n"
				"\tKết quả năm 2025\n\tMục tiêu năm 2026\n\n"
				"\tI\n\tHạ tầng số\n\t\n\t\n\t\n\n"
				"\t1\n\tTỷ lệ hộ gia đình có cáp quang\n\t%\n\t80\n\t90\n\n";

static const char *ctl(void)
{
	return getenv("PAKNCTL_BIN") ? getenv("PAKNCTL_BIN") : "build/asan/paknctl";
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Signs in as officials[i]; fills its cookie header. Returns the HTTP status. */
static int sign_in(size_t i)
{
	return th_sign_in(&srv, db_url, officials[i].user, password, officials[i].headers,
			  sizeof(officials[i].headers), NULL, 0);
}

static int group_setup(void **state)
{
	(void)state;
	if (th_own_database("agency", db_url, sizeof(db_url)) < 0)
		return -1;
	snprintf(url_env, sizeof(url_env), "PAKN_DATABASE_URL=%s", db_url);
	const char *tmp = getenv("PAKN_TEST_TMP") ? getenv("PAKN_TEST_TMP") : "/tmp";
	char path[512];
	snprintf(path, sizeof(path), "%s/QX-2026.meta", tmp);
	if (write_file(path, mute_meta) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/QX-2026.txt", tmp);
	if (write_file(path, mute_text) < 0 ||
	    th_run("PAKN_DATABASE_URL='%s' %s import-plan %s >/dev/null 2>&1", db_url, ctl(),
		   path) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(officials) / sizeof(officials[0]); i++)
		if (th_run("echo %s | PAKN_DATABASE_URL='%s' %s official add %s --role moderator "
			   "--agency %s >/dev/null",
			   password, db_url, ctl(), officials[i].user, officials[i].agency) != 0)
			return -1;
	if (th_server_start(&srv, "responsible_agency", server_env) < 0 ||
	    th_server_wait_ready(&srv, 10000) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(officials) / sizeof(officials[0]); i++)
		if (sign_in(i) != 200)
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

static long sql_count(const char *query)
{
	char *v = NULL;
	assert_int_equal(th_sql(db_url, query, &v), 0);
	assert_non_null(v);
	long n = atol(v);
	free(v);
	return n;
}

/* --- the catalog ---------------------------------------------------------------------- */

/* Every item of a plan: its responsible agencies are its leads when it has any (basis
 * "lead"), else the plan's default (basis "plan_default"); none is left without one.
 * Returns how many fall back to the default. */
static int check_plan(const char *plan, int items, const char *default_code)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/items?plan=%s&limit=200", plan);
	json_object *doc = request_json("GET", path, NULL, NULL, 200);
	json_object *list = th_get(doc, "items", NULL);
	assert_int_equal(json_object_array_length(list), items);
	int fallback = 0, without = 0;
	for (int i = 0; i < items; i++) {
		json_object *it = json_object_array_get_idx(list, (size_t)i);
		json_object *lead = th_get(it, "lead_agencies", NULL);
		json_object *agencies = th_get(it, "responsible", "agencies", NULL);
		const char *basis = th_str(it, "responsible", "basis", NULL);
		assert_non_null(agencies);
		without += json_object_array_length(agencies) == 0;
		if (json_object_array_length(lead) > 0) {
			assert_string_equal(basis, "lead");
			assert_string_equal(json_object_to_json_string(agencies),
					    json_object_to_json_string(lead));
		} else {
			assert_string_equal(basis, "plan_default");
			assert_int_equal(json_object_array_length(agencies), 1);
			assert_string_equal(th_str(agencies, "0", "code", NULL), default_code);
			assert_non_null(th_str(agencies, "0", "name", NULL));
			fallback++;
		}
	}
	assert_int_equal(without, 0);
	json_object_put(doc);

	snprintf(path, sizeof(path), "/api/v1/plans/%s", plan);
	doc = request_json("GET", path, NULL, NULL, 200);
	assert_string_equal(th_str(doc, "default_agency", "code", NULL), default_code);
	json_object_put(doc);
	return fallback;
}

static void test_every_seed_item_has_a_responsible_agency(void **state)
{
	(void)state;
	/* The 46 indicators of Appendix I name no lead: the plan's default answers them. */
	assert_int_equal(check_plan("DB-2026", 80, "db-van-phong-tinh-uy"), 46);
	assert_int_equal(check_plan("LC-2026", 40, "lc-ban-chi-dao-tinh"), 0);

	json_object *doc = request_json("GET", "/api/v1/items/DB-I05", NULL, NULL, 200);
	assert_string_equal(th_str(doc, "responsible", "agencies", "0", "name", NULL),
			    "Văn phòng Tỉnh ủy");
	json_object_put(doc);

	/* The agency filter and the agencies list see the default's items as its own. */
	doc = request_json("GET", "/api/v1/items?agency=db-van-phong-tinh-uy&limit=200", NULL, NULL,
			   200);
	json_object *items = th_get(doc, "items", NULL);
	int indicators = 0;
	for (size_t i = 0; i < json_object_array_length(items); i++)
		indicators += strncmp(th_str(json_object_array_get_idx(items, i), "code", NULL),
				      "DB-I", 4) == 0;
	assert_int_equal(indicators, 46);
	json_object_put(doc);
	doc = request_json("GET", "/api/v1/agencies?plan=DB-2026", NULL, NULL, 200);
	json_object *ags = th_get(doc, "agencies", NULL);
	int by_default = -1;
	for (size_t i = 0; i < json_object_array_length(ags); i++) {
		json_object *a = json_object_array_get_idx(ags, i);
		if (strcmp(th_str(a, "code", NULL), "db-van-phong-tinh-uy") != 0)
			continue;
		json_object *its = th_get(a, "items", NULL);
		by_default = 0;
		for (size_t k = 0; k < json_object_array_length(its); k++)
			by_default += strcmp(th_str(json_object_array_get_idx(its, k), "role", NULL),
					     "plan_default") == 0;
	}
	assert_int_equal(by_default, 46);
	json_object_put(doc);
}

/* --- intake --------------------------------------------------------------------------- */

#define UNANSWERABLE_VI "Chưa có cơ quan nào được giao trả lời góp ý về mục này"
#define UNANSWERABLE_EN "No agency is assigned to answer feedback on this item"

static long mute_feedback(void)
{
	return sql_count("SELECT count(*) FROM feedback f JOIN plan_item it ON it.id = f.item_id"
			 " WHERE it.code = 'QX-I01'");
}

static void test_unanswerable_item_is_refused(void **state)
{
	(void)state;
	json_object *doc = request_json("GET", "/api/v1/items/QX-I01", NULL, NULL, 200);
	assert_string_equal(th_str(doc, "responsible", "basis", NULL), "none");
	assert_int_equal(json_object_array_length(th_get(doc, "responsible", "agencies", NULL)), 0);
	json_object_put(doc);

	/* JSON: the documented error, naming the field. */
	doc = request_json("POST", "/api/v1/feedback", JSON_TYPE,
			   "{\"item_code\":\"QX-I01\",\"rating\":4,\"kind\":\"opinion\","
			   "\"body\":\"Cáp quang về bản chậm.\"}",
			   422);
	assert_string_equal(th_str(doc, "error", "code", NULL), "item_unanswerable");
	assert_non_null(strstr(th_str(doc, "error", "message", NULL), UNANSWERABLE_VI));
	assert_non_null(strstr(th_str(doc, "error", "message", NULL), UNANSWERABLE_EN));
	assert_string_equal(th_str(doc, "error", "fields", "0", "field", NULL), "item_code");
	assert_string_equal(th_str(doc, "error", "fields", "0", "code", NULL), "item_unanswerable");
	assert_null(th_get(doc, "receipt", NULL));
	json_object_put(doc);

	/* An invalid submission on it names that problem too, with the others. */
	doc = request_json("POST", "/api/v1/feedback", JSON_TYPE,
			   "{\"item_code\":\"QX-I01\",\"rating\":9,\"kind\":\"opinion\","
			   "\"body\":\"Cáp quang.\"}",
			   422);
	assert_string_equal(th_str(doc, "error", "code", NULL), "validation_failed");
	bool named = false;
	json_object *fields = th_get(doc, "error", "fields", NULL);
	for (size_t i = 0; i < json_object_array_length(fields); i++)
		named |= strcmp(th_str(json_object_array_get_idx(fields, i), "code", NULL),
				"item_unanswerable") == 0;
	assert_true(named);
	json_object_put(doc);

	/* The form without JavaScript: a page that says why, no receipt. */
	const char *form = "item_code=QX-I01&rating=4&kind=opinion&body=C%C3%A1p+quang";
	struct th_resp r;
	assert_int_equal(th_http(&srv, "POST", "/api/v1/feedback", FORM_TYPE, form, strlen(form), &r),
			 0);
	assert_int_equal(r.status, 422);
	assert_non_null(strstr(th_header(&r, "Content-Type"), "text/html"));
	assert_non_null(strstr(r.body, UNANSWERABLE_VI));
	assert_non_null(strstr(r.body, UNANSWERABLE_EN));
	th_resp_free(&r);

	assert_int_equal(mute_feedback(), 0);
}

/* Both ways a batch is decided refuse it: as a set, and row by row (a batch that repeats an
 * idempotency key), where the repeat of a refused row is refused again. */
static void test_batch_refuses_unanswerable_rows(void **state)
{
	(void)state;
	static const char row[] =
		"{\"id\":%d,\"tracking_code\":\"QXQX-QXQX-QXQX-QXQ%d-0\",\"item_code\":\"QX-I01\","
		"\"rating\":3,\"kind\":\"opinion\",\"body\":\"Thử\",\"consent_publish\":false,"
		"\"consent_contact\":false,\"submission_hash\":\"%064d\",\"secret_hash\":\"%064d\","
		"\"key_id\":\"k\"%s}";
	char rows[3][512], query[2048];
	snprintf(rows[0], sizeof(rows[0]), row, 900001, 1, 1, 1, "");
	snprintf(rows[1], sizeof(rows[1]), row, 900002, 2, 2, 2, ",\"idempotency_key\":\"qx\"");
	snprintf(rows[2], sizeof(rows[2]), row, 900003, 3, 2, 2, ",\"idempotency_key\":\"qx\"");
	snprintf(query, sizeof(query),
		 "SELECT string_agg(r->>'status', ' ') FROM json_array_elements("
		 "pakn_intake_batch('[%s]'::json)->'rows') r",
		 rows[0]);
	char *got = NULL;
	assert_int_equal(th_sql(db_url, query, &got), 0);
	assert_string_equal(got, "item_unanswerable");
	free(got);
	snprintf(query, sizeof(query),
		 "SELECT string_agg(r->>'status', ' ') FROM json_array_elements("
		 "pakn_intake_batch('[%s,%s]'::json)->'rows') r",
		 rows[1], rows[2]);
	assert_int_equal(th_sql(db_url, query, &got), 0);
	assert_string_equal(got, "item_unanswerable item_unanswerable");
	free(got);
	assert_int_equal(mute_feedback(), 0);
}

/* --- officials ------------------------------------------------------------------------ */

/* Whether the queue of officials[i] holds the feedback with this tracking code. */
static bool queue_has(size_t i, const char *tracking_code)
{
	json_object *doc = request_json("GET", "/api/v1/moderation/queue?limit=200",
					officials[i].headers, NULL, 200);
	json_object *items = th_get(doc, "items", NULL);
	bool found = false;
	for (size_t k = 0; k < json_object_array_length(items); k++)
		found |= strcmp(th_str(json_object_array_get_idx(items, k), "tracking_code", NULL),
				tracking_code) == 0;
	json_object_put(doc);
	return found;
}

static void test_default_agency_official_sees_indicator_feedback(void **state)
{
	(void)state;
	json_object *doc = request_json("POST", "/api/v1/feedback", JSON_TYPE,
					"{\"item_code\":\"DB-I05\",\"rating\":4,\"kind\":\"proposal\","
					"\"body\":\"Mở thêm lớp kỹ năng số cho cán bộ xã vùng cao.\"}",
					201);
	char code[64];
	snprintf(code, sizeof(code), "%s", th_str(doc, "feedback", "tracking_code", NULL));
	json_object_put(doc);
	assert_true(queue_has(0, code));  /* Văn phòng Tỉnh ủy: the plan's default */
	assert_false(queue_has(1, code)); /* Sở Khoa học và Công nghệ: not its item */
	/* In scope for the database's rule as well (pakn_in_scope), not only in the list. */
	char query[512];
	snprintf(query, sizeof(query),
		 "SELECT count(*) FROM feedback f, official o WHERE f.tracking_code = '%s'"
		 " AND o.username = '%s' AND pakn_in_scope(o.id, f.id)",
		 code, officials[0].user);
	assert_int_equal(sql_count(query), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_seed_item_has_a_responsible_agency),
		cmocka_unit_test(test_unanswerable_item_is_refused),
		cmocka_unit_test(test_batch_refuses_unanswerable_rows),
		cmocka_unit_test(test_default_agency_official_sees_indicator_feedback),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
