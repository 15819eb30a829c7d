/* test_assisted_intake.c - assisted intake (issue 22, point 8), through the real server on
 * a database of its own: an official enters feedback received by phone or letter and gets
 * the web form's signed receipt (checked by pakn-verify, the independent verifier and the
 * service, with the same keys); the row records the channel, the official and the day it
 * was received, from which its deadlines count; one "assisted_intake" audit event without
 * personal data; only moderators and responders may; received_on's bounds; a bad or
 * missing channel; the citizens' route cannot set a channel; the queue shows the channel;
 * and the limit counts per official, not per address. */
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
static char db_url[512];
static char url_env[560];
static const char *const server_env[] = {url_env, "PAKN_INTAKE_RATE=100000",
					 "PAKN_INTAKE_BURST=100000", "PAKN_LOGIN_RATE=10000", NULL};
static const char password[] = "mat-khau-thu-nghiem-57";
#define JSON_TYPE "Content-Type: application/json\r\n"
#define ITEM "LC-T25"
#define LC_AGENCY "lc-dang-uy-ubnd-tinh" /* lead of LC-T25 */
#define INTAKE "/api/v1/moderation/intake"

enum { MOD_LC, RESP_LC, ANALYST_LC, ADMIN_LC, MOD2_LC, NWHO };
static struct {
	const char *user, *roles;
	char headers[512];      /* for GET */
	char post_headers[640]; /* for POST: + X-CSRF-Token */
} who[NWHO] = {
	[MOD_LC] = {"a.mod.lc", "moderator", "", ""},
	[RESP_LC] = {"a.resp.lc", "responder", "", ""},
	[ANALYST_LC] = {"a.analyst.lc", "analyst", "", ""},
	[ADMIN_LC] = {"a.admin.lc", "admin", "", ""},
	[MOD2_LC] = {"a.mod2.lc", "moderator", "", ""},
};

static const char *ctl(void)
{
	return getenv("PAKNCTL_BIN") ? getenv("PAKNCTL_BIN") : "build/asan/paknctl";
}

static const char *verify_bin(void)
{
	return getenv("PAKN_VERIFY_BIN") ? getenv("PAKN_VERIFY_BIN") : "build/asan/pakn-verify";
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int sign_in(const struct th_server *s, size_t i)
{
	char post[sizeof(who[i].post_headers) - sizeof(JSON_TYPE)];
	int status = th_sign_in(s, db_url, who[i].user, password, who[i].headers,
				sizeof(who[i].headers), post, sizeof(post));
	if (status == 200)
		snprintf(who[i].post_headers, sizeof(who[i].post_headers), JSON_TYPE "%s", post);
	return status;
}

static int group_setup(void **state)
{
	(void)state;
	if (th_own_database("assisted", db_url, sizeof(db_url)) < 0)
		return -1;
	snprintf(url_env, sizeof(url_env), "PAKN_DATABASE_URL=%s", db_url);
	for (size_t i = 0; i < NWHO; i++)
		if (th_run("echo %s | PAKN_DATABASE_URL='%s' %s official add %s --role %s "
			   "--agency %s >/dev/null",
			   password, db_url, ctl(), who[i].user, who[i].roles, LC_AGENCY) != 0)
			return -1;
	if (th_server_start(&srv, "assisted_intake", server_env) < 0 ||
	    th_server_wait_ready(&srv, 10000) < 0)
		return -1;
	for (size_t i = 0; i < NWHO; i++)
		if (sign_in(&srv, i) != 200)
			return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return th_server_stop(&srv) == 0 ? 0 : -1;
}

static char *sql_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sql_text(const char *fmt, ...)
{
	char query[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(query, sizeof(query), fmt, ap);
	va_end(ap);
	char *v = NULL;
	assert_int_equal(th_sql(db_url, query, &v), 0);
	assert_non_null(v);
	return v;
}

/* The first value of a query as a number. */
#define SQL_LONG(...) sql_long(sql_text(__VA_ARGS__))
static long sql_long(char *v)
{
	long n = atol(v);
	free(v);
	return n;
}

/* POSTs body to path on s with headers; returns the status, *doc the reply (may be NULL). */
static int post_on(const struct th_server *s, const char *path, const char *headers,
		   const char *body, json_object **doc)
{
	struct th_resp r;
	assert_int_equal(th_http(s, "POST", path, headers, body, strlen(body), &r), 0);
	int status = r.status;
	if (doc)
		*doc = th_json(&r);
	th_resp_free(&r);
	return status;
}

static int enter(size_t i, const char *body, json_object **doc)
{
	return post_on(&srv, INTAKE, who[i].post_headers, body, doc);
}

/* The Vietnam day n days from today, YYYY-MM-DD, from the database's own clock. */
static void day_from_today(int n, char out[11])
{
	char *v = sql_text("SELECT (pakn_local_day(now()) + %d)::text", n);
	snprintf(out, 11, "%s", v);
	free(v);
}

/* The one field error of doc: "field code". */
static void one_problem(json_object *doc, char *out, size_t cap)
{
	assert_int_equal(json_object_array_length(th_get(doc, "error", "fields", NULL)), 1);
	snprintf(out, cap, "%s %s", th_str(doc, "error", "fields", "0", "field", NULL),
		 th_str(doc, "error", "fields", "0", "code", NULL));
}

/* --- the receipt, the row, the audit event -------------------------------------------- */

static void test_phone_call_gets_the_web_receipt(void **state)
{
	(void)state;
	char day[11], body[1024];
	day_from_today(-3, day);
	snprintf(body, sizeof(body),
		 "{\"item_code\":\"" ITEM "\",\"rating\":2,\"kind\":\"report\","
		 "\"body\":\"Gọi điện: đường vào xã chưa có cáp quang.\",\"channel\":\"phone\","
		 "\"received_on\":\"%s\",\"submitter\":{\"type\":\"individual\","
		 "\"name\":\"Lò Văn Pọm\"},\"contact\":{\"phone\":\"0912 345 678\"},"
		 "\"consent\":{\"publish\":false,\"contact\":true}}",
		 day);
	json_object *doc = NULL;
	assert_int_equal(enter(MOD_LC, body, &doc), 201);
	const char *code = th_str(doc, "feedback", "tracking_code", NULL);
	assert_non_null(code);
	assert_string_equal(th_str(doc, "feedback", "state", NULL), "received");
	assert_int_equal(strlen(th_str(doc, "receipt", "secret", NULL)), 22);

	/* The receipt verifies as the web form's does, with the service's published keys. */
	char dir[] = "/tmp/pakn-assisted-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/receipt.json", dir);
	json_object *receipt = th_get(doc, "receipt", NULL);
	write_file(path, json_object_to_json_string_ext(receipt, JSON_C_TO_STRING_PLAIN));
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", "/api/v1/keys", NULL, NULL, 0, &r), 0);
	snprintf(path, sizeof(path), "%s/keys.json", dir);
	write_file(path, r.body);
	th_resp_free(&r);
	snprintf(path, sizeof(path), "%s/body.txt", dir);
	write_file(path, "Gọi điện: đường vào xã chưa có cáp quang.");
	char line[512];
	assert_int_equal(th_run_output(line, sizeof(line),
				       "/usr/bin/python3 tests/integration/verify_receipt.py "
				       "%s/receipt.json %s/keys.json %s/body.txt",
				       dir, dir, dir),
			 0);
	assert_int_equal(th_run_output(line, sizeof(line),
				       "%s %s/receipt.json --keys %s/keys.json --text %s/body.txt",
				       verify_bin(), dir, dir, dir),
			 0);
	const char *json = json_object_to_json_string(receipt);
	assert_int_equal(th_http(&srv, "POST", "/api/v1/receipts/verify", JSON_TYPE, json,
				 strlen(json), &r), 0);
	assert_string_equal(r.body, "{\"valid\":true}");
	th_resp_free(&r);
	th_run("rm -rf %s", dir);

	/* The row: channel, the official, the day; deadlines from that day, not today. */
	long id = SQL_LONG("SELECT id FROM feedback WHERE tracking_code = '%s'", code);
	assert_int_equal(SQL_LONG("SELECT count(*) FROM feedback f JOIN official o"
				  " ON o.id = f.entered_by WHERE f.id = %ld AND f.channel = 'phone'"
				  " AND o.username = 'a.mod.lc' AND f.received_on = '%s'"
				  " AND f.due_action = pakn_working_day_from('%s', 5)"
				  " AND f.due_answer = pakn_working_day_from('%s', 15)",
				  id, day, day, day),
			 1);
	/* One audit event naming the official and the feedback, and no personal data. */
	assert_int_equal(SQL_LONG("SELECT count(*) FROM moderation_event e JOIN official o"
				  " ON o.id = e.official_id WHERE e.feedback_id = %ld"
				  " AND e.action = 'assisted_intake' AND o.username = 'a.mod.lc'"
				  " AND e.reason = 'phone' AND e.note = 'received_on %s'"
				  " AND e.to_state = 'received' AND e.log_index IS NULL",
				  id, day),
			 1);
	assert_int_equal(SQL_LONG("SELECT count(*) FROM moderation_event WHERE feedback_id = %ld"
				  " AND concat(reason, note, role) ~ '(Pọm|912|345)'",
				  id),
			 0);
	/* The audit chain still holds. */
	assert_int_equal(SQL_LONG("SELECT count(*) FROM (SELECT hash, lag(hash) OVER (ORDER BY id)"
				  " AS prev, prev_hash FROM moderation_event) c"
				  " WHERE prev IS NOT NULL AND prev <> prev_hash"),
			 0);
	/* The citizen's tracking page knows the code, and the history shows the entry. */
	char status_path[96];
	snprintf(status_path, sizeof(status_path), "/api/v1/feedback/%s", code);
	assert_int_equal(th_http(&srv, "GET", status_path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	char history[96];
	snprintf(history, sizeof(history), "/api/v1/moderation/%ld/history", id);
	assert_int_equal(th_http(&srv, "GET", history, who[RESP_LC].headers, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"assisted_intake\""));
	th_resp_free(&r);

	/* The same words entered again without a key are another caller's: a feedback of its
	 * own, not the first one's receipt. */
	json_object *other = NULL;
	assert_int_equal(enter(MOD_LC, body, &other), 201);
	assert_string_not_equal(th_str(other, "feedback", "tracking_code", NULL), code);
	json_object_put(other);
	/* An entry sent twice with its key (the console's double click) is one feedback: 200,
	 * the same code, no second row and no second event. */
	char keyed[sizeof(who[MOD_LC].post_headers) + 64];
	snprintf(keyed, sizeof(keyed), "%sIdempotency-Key: desk-entry-57\r\n", who[MOD_LC].post_headers);
	json_object *first = NULL, *again = NULL;
	assert_int_equal(post_on(&srv, INTAKE, keyed, body, &first), 201);
	assert_int_equal(post_on(&srv, INTAKE, keyed, body, &again), 200);
	const char *keyed_code = th_str(first, "feedback", "tracking_code", NULL);
	assert_string_equal(th_str(again, "feedback", "tracking_code", NULL), keyed_code);
	char q[256];
	snprintf(q, sizeof(q), "SELECT count(*) FROM moderation_event e JOIN feedback f"
		 " ON f.id = e.feedback_id WHERE e.action = 'assisted_intake'"
		 " AND f.tracking_code = '%s'", keyed_code);
	assert_int_equal(SQL_LONG("%s", q), 1);
	json_object_put(first);
	json_object_put(again);
	json_object_put(doc);
}

static void test_queue_shows_the_channel(void **state)
{
	(void)state;
	json_object *doc = NULL;
	assert_int_equal(enter(RESP_LC,
			       "{\"item_code\":\"" ITEM "\",\"rating\":4,\"kind\":\"proposal\","
			       "\"body\":\"Thư gửi qua bưu điện.\",\"channel\":\"letter\"}",
			       &doc),
			 201);
	char letter[32];
	snprintf(letter, sizeof(letter), "%s", th_str(doc, "feedback", "tracking_code", NULL));
	json_object_put(doc);
	assert_int_equal(post_on(&srv, "/api/v1/feedback", JSON_TYPE,
				 "{\"item_code\":\"" ITEM "\",\"rating\":4,\"kind\":\"proposal\","
				 "\"body\":\"Góp ý qua trang web.\"}",
				 &doc),
			 201);
	char web[32];
	snprintf(web, sizeof(web), "%s", th_str(doc, "feedback", "tracking_code", NULL));
	json_object_put(doc);
	/* Without received_on: today, and today's deadlines. */
	assert_int_equal(SQL_LONG("SELECT count(*) FROM feedback WHERE tracking_code = '%s'"
				  " AND received_on = pakn_local_day(created_at)"
				  " AND due_answer = pakn_working_day_after(created_at, 15)",
				  letter),
			 1);
	assert_int_equal(SQL_LONG("SELECT count(*) FROM feedback WHERE tracking_code = '%s'"
				  " AND channel = 'web' AND entered_by IS NULL AND received_on IS NULL",
				  web),
			 1);
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", "/api/v1/moderation/queue?limit=200",
				 who[MOD_LC].headers, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	doc = th_json(&r);
	th_resp_free(&r);
	json_object *items = th_get(doc, "items", NULL);
	int seen = 0;
	for (size_t k = 0; k < json_object_array_length(items); k++) {
		json_object *it = json_object_array_get_idx(items, k);
		const char *c = th_str(it, "tracking_code", NULL);
		if (strcmp(c, letter) == 0) {
			assert_string_equal(th_str(it, "channel", NULL), "letter");
			seen++;
		} else if (strcmp(c, web) == 0) {
			assert_string_equal(th_str(it, "channel", NULL), "web");
			seen++;
		}
	}
	assert_int_equal(seen, 2);
	json_object_put(doc);
}

/* --- who may ---------------------------------------------------------------------------- */

static void test_only_moderators_and_responders(void **state)
{
	(void)state;
	static const char body[] = "{\"item_code\":\"" ITEM "\",\"rating\":3,\"kind\":\"opinion\","
				   "\"body\":\"Ai được nhập?\",\"channel\":\"desk\"}";
	long before = SQL_LONG("SELECT count(*) FROM feedback");
	assert_int_equal(enter(ANALYST_LC, body, NULL), 403);
	assert_int_equal(enter(ADMIN_LC, body, NULL), 403);
	assert_int_equal(post_on(&srv, INTAKE, JSON_TYPE, body, NULL), 401);
	/* A browser session without its CSRF token. */
	char no_csrf[700];
	snprintf(no_csrf, sizeof(no_csrf), JSON_TYPE "%s", who[MOD_LC].headers);
	assert_int_equal(post_on(&srv, INTAKE, no_csrf, body, NULL), 403);
	assert_int_equal(SQL_LONG("SELECT count(*) FROM feedback"), before);
	assert_int_equal(enter(RESP_LC, body, NULL), 201);
	/* JSON only. */
	char form[700];
	snprintf(form, sizeof(form), "Content-Type: application/x-www-form-urlencoded\r\n%s",
		 strchr(who[MOD_LC].post_headers, '\n') + 1);
	assert_int_equal(post_on(&srv, INTAKE, form, "item_code=LC-T25", NULL), 415);
}

/* --- what is checked -------------------------------------------------------------------- */

static void test_received_on_bounds(void **state)
{
	(void)state;
	char day[11], body[512], problem[96];
	static const struct {
		int days; /* from today */
		int status;
		const char *problem;
	} cases[] = {
		{1, 422, "received_on date_out_of_range"},
		{-31, 422, "received_on date_out_of_range"},
		{-30, 201, NULL},
		{0, 201, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		day_from_today(cases[i].days, day);
		snprintf(body, sizeof(body),
			 "{\"item_code\":\"" ITEM "\",\"rating\":3,\"kind\":\"opinion\","
			 "\"body\":\"Ngày nhận %d\",\"channel\":\"desk\",\"received_on\":\"%s\"}",
			 cases[i].days, day);
		json_object *doc = NULL;
		assert_int_equal(enter(MOD_LC, body, &doc), cases[i].status);
		if (cases[i].problem) {
			one_problem(doc, problem, sizeof(problem));
			assert_string_equal(problem, cases[i].problem);
		}
		json_object_put(doc);
	}
	static const char *const malformed[] = {"\"2026-02-30\"", "\"30/11/2026\"", "\"\"",
						"\"2026-1-05\""};
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		snprintf(body, sizeof(body),
			 "{\"item_code\":\"" ITEM "\",\"rating\":3,\"kind\":\"opinion\","
			 "\"body\":\"Sai ngày\",\"channel\":\"desk\",\"received_on\":%s}",
			 malformed[i]);
		json_object *doc = NULL;
		assert_int_equal(enter(MOD_LC, body, &doc), 422);
		one_problem(doc, problem, sizeof(problem));
		assert_string_equal(problem, "received_on invalid_date");
		json_object_put(doc);
	}
	json_object *doc = NULL;
	assert_int_equal(enter(MOD_LC,
			       "{\"item_code\":\"" ITEM "\",\"rating\":3,\"kind\":\"opinion\","
			       "\"body\":\"Sai kiểu\",\"channel\":\"desk\",\"received_on\":20261201}",
			       &doc),
			 422);
	one_problem(doc, problem, sizeof(problem));
	assert_string_equal(problem, "received_on invalid_type");
	json_object_put(doc);
}

static void test_bad_or_missing_channel(void **state)
{
	(void)state;
	long before = SQL_LONG("SELECT count(*) FROM feedback");
	char problem[96];
	json_object *doc = NULL;
	/* A field problem like the form's others: 422, reported with the rest at once. */
	assert_int_equal(enter(MOD_LC,
			       "{\"item_code\":\"" ITEM "\",\"rating\":3,\"kind\":\"opinion\","
			       "\"body\":\"Kênh lạ\",\"channel\":\"fax\"}",
			       &doc),
			 422);
	assert_string_equal(th_str(doc, "error", "code", NULL), "validation_failed");
	one_problem(doc, problem, sizeof(problem));
	assert_string_equal(problem, "channel invalid_choice");
	json_object_put(doc);
	assert_int_equal(enter(MOD_LC,
			       "{\"item_code\":\"" ITEM "\",\"rating\":3,\"kind\":\"opinion\","
			       "\"body\":\"Kênh web\",\"channel\":\"web\"}",
			       &doc),
			 422);
	one_problem(doc, problem, sizeof(problem));
	assert_string_equal(problem, "channel invalid_choice");
	json_object_put(doc);
	assert_int_equal(enter(MOD_LC,
			       "{\"item_code\":\"" ITEM "\",\"rating\":9,\"kind\":\"opinion\","
			       "\"body\":\"Không kênh\"}",
			       &doc),
			 422);
	assert_int_equal(json_object_array_length(th_get(doc, "error", "fields", NULL)), 2);
	assert_string_equal(th_str(doc, "error", "fields", "0", "field", NULL), "rating");
	assert_string_equal(th_str(doc, "error", "fields", "1", "field", NULL), "channel");
	assert_string_equal(th_str(doc, "error", "fields", "1", "code", NULL), "required");
	json_object_put(doc);
	assert_int_equal(enter(MOD_LC,
			       "{\"item_code\":\"" ITEM "\",\"rating\":3,\"kind\":\"opinion\","
			       "\"body\":\"Kênh số\",\"channel\":7}",
			       &doc),
			 422);
	one_problem(doc, problem, sizeof(problem));
	assert_string_equal(problem, "channel invalid_type");
	json_object_put(doc);
	/* An unknown item is named as on the web form. */
	assert_int_equal(enter(MOD_LC,
			       "{\"item_code\":\"LC-T99\",\"rating\":3,\"kind\":\"opinion\","
			       "\"body\":\"Mục lạ\",\"channel\":\"desk\"}",
			       &doc),
			 422);
	one_problem(doc, problem, sizeof(problem));
	assert_string_equal(problem, "item_code unknown_item");
	json_object_put(doc);
	assert_int_equal(enter(MOD_LC, "[1]", NULL), 400);
	assert_int_equal(SQL_LONG("SELECT count(*) FROM feedback"), before);
}

static void test_public_route_cannot_set_channel(void **state)
{
	(void)state;
	long before = SQL_LONG("SELECT count(*) FROM feedback");
	static const char *const extra[] = {"\"channel\":\"phone\"", "\"received_on\":\"2026-12-01\"",
					    "\"entered_by\":1"};
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		char body[256], problem[96], want[64];
		snprintf(body, sizeof(body),
			 "{\"item_code\":\"" ITEM "\",\"rating\":3,\"kind\":\"opinion\","
			 "\"body\":\"Tự nhận là điện thoại\",%s}",
			 extra[i]);
		json_object *doc = NULL;
		assert_int_equal(post_on(&srv, "/api/v1/feedback", JSON_TYPE, body, &doc), 422);
		one_problem(doc, problem, sizeof(problem));
		snprintf(want, sizeof(want), "%.*s unknown_field",
			 (int)(strchr(extra[i] + 1, '"') - extra[i] - 1), extra[i] + 1);
		assert_string_equal(problem, want);
		json_object_put(doc);
	}
	/* Nor the form without JavaScript. */
	assert_int_equal(post_on(&srv, "/api/v1/feedback",
				 "Content-Type: application/x-www-form-urlencoded\r\n",
				 "item_code=LC-T25&rating=3&kind=opinion&body=x&channel=phone", NULL),
			 422);
	assert_int_equal(SQL_LONG("SELECT count(*) FROM feedback"), before);
}

/* --- the limit ---------------------------------------------------------------------------- */

/* With a bucket of 2 and 1 a minute: one official's third entry waits (429), while a
 * colleague at the same address, and a citizen there, still have their own buckets. */
static void test_limit_is_per_official(void **state)
{
	(void)state;
	static const char *const env[] = {url_env, "PAKN_INTAKE_RATE=1", "PAKN_INTAKE_BURST=2",
					  "PAKN_LOGIN_RATE=10000", NULL};
	struct th_server small;
	assert_int_equal(th_server_start(&small, "assisted_intake_limit", env), 0);
	assert_int_equal(th_server_wait_ready(&small, 10000), 0);
	char body[256];
	for (int i = 0; i < 3; i++) {
		snprintf(body, sizeof(body),
			 "{\"item_code\":\"" ITEM "\",\"rating\":3,\"kind\":\"opinion\","
			 "\"body\":\"Giới hạn %d\",\"channel\":\"desk\"}",
			 i);
		assert_int_equal(post_on(&small, INTAKE, who[MOD2_LC].post_headers, body, NULL),
				 i < 2 ? 201 : 429);
	}
	snprintf(body, sizeof(body),
		 "{\"item_code\":\"" ITEM "\",\"rating\":3,\"kind\":\"opinion\","
		 "\"body\":\"Đồng nghiệp\",\"channel\":\"desk\"}");
	assert_int_equal(post_on(&small, INTAKE, who[RESP_LC].post_headers, body, NULL), 201);
	assert_int_equal(post_on(&small, "/api/v1/feedback", JSON_TYPE,
				 "{\"item_code\":\"" ITEM "\",\"rating\":3,\"kind\":\"opinion\","
				 "\"body\":\"Người dân cùng địa chỉ\"}",
				 NULL),
			 201);
	assert_int_equal(th_server_stop(&small), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_call_gets_the_web_receipt),
		cmocka_unit_test(test_queue_shows_the_channel),
		cmocka_unit_test(test_only_moderators_and_responders),
		cmocka_unit_test(test_received_on_bounds),
		cmocka_unit_test(test_bad_or_missing_channel),
		cmocka_unit_test(test_public_route_cannot_set_channel),
		cmocka_unit_test(test_limit_is_per_official),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
