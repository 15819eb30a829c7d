/* test_bulk_templates.c - bulk work and answer templates (issue 22, point 6), through the
 * real server on a database of its own: bulk publish, reject, forward, close, answer and
 * publish_answer over ids some of which may not take the action (a result per id, in order;
 * each success its own audit event and log entry; a failure changes nothing), problems of
 * the whole request (400, nothing done), ids out of scope (not_found per row), who may act
 * in bulk; templates listed, created, changed and deleted within the official's agencies
 * (each change audited, the limits held), their placeholders filled per feedback in the
 * single and the bulk answer; and a bulk of 200 ids while the same worker serves others. */
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
#include <unistd.h>

#include "core/util.h"
#include "harness.h"

static struct th_server srv;
static char db_url[512];
static char url_env[560];
/* One worker: a bulk request and the requests served meanwhile share its loop. */
static const char *const server_env[] = {url_env, "PAKN_THREADS=1", "PAKN_INTAKE_RATE=100000",
					 "PAKN_INTAKE_BURST=100000", "PAKN_LOGIN_RATE=10000", NULL};
static const char password[] = "mat-khau-thu-nghiem-57";
#define JSON_TYPE "Content-Type: application/json\r\n"
#define LC_AGENCY "lc-dang-uy-ubnd-tinh" /* lead of LC-T25 */
#define DB_AGENCY "db-so-khoa-hoc-va-cong-nghe"
#define BULK "/api/v1/moderation/bulk"
#define TEMPLATES "/api/v1/moderation/templates"

enum { MOD_LC, RESP_LC, BOTH_LC, ADMIN_LC, ANALYST, BOTH_DB, NWHO };
static struct {
	const char *user, *roles, *agency;
	char headers[512];      /* for GET */
	char post_headers[640]; /* for POST, PUT, DELETE: + X-CSRF-Token */
} who[NWHO] = {
	[MOD_LC] = {"b.mod.lc", "moderator", LC_AGENCY, "", ""},
	[RESP_LC] = {"b.resp.lc", "responder", LC_AGENCY, "", ""},
	[BOTH_LC] = {"b.both.lc", "moderator,responder", LC_AGENCY, "", ""},
	[ADMIN_LC] = {"b.admin.lc", "admin", LC_AGENCY, "", ""},
	[ANALYST] = {"b.analyst", "analyst", LC_AGENCY, "", ""},
	[BOTH_DB] = {"b.both.db", "moderator,responder", DB_AGENCY, "", ""},
};
static char db_item[64]; /* an item DB_AGENCY leads: out of LC's scope */

static const char *ctl(void)
{
	return getenv("PAKNCTL_BIN") ? getenv("PAKNCTL_BIN") : "build/asan/paknctl";
}

static int sign_in(size_t i)
{
	char post[sizeof(who[i].post_headers) - sizeof(JSON_TYPE)];
	int status = th_sign_in(&srv, db_url, who[i].user, password, who[i].headers,
				sizeof(who[i].headers), post, sizeof(post));
	if (status == 200)
		snprintf(who[i].post_headers, sizeof(who[i].post_headers), JSON_TYPE "%s", post);
	return status;
}

static int group_setup(void **state)
{
	(void)state;
	if (th_own_database("bulk", db_url, sizeof(db_url)) < 0)
		return -1;
	snprintf(url_env, sizeof(url_env), "PAKN_DATABASE_URL=%s", db_url);
	for (size_t i = 0; i < NWHO; i++)
		if (th_run("echo %s | PAKN_DATABASE_URL='%s' %s official add %s --role %s "
			   "--agency %s >/dev/null",
			   password, db_url, ctl(), who[i].user, who[i].roles, who[i].agency) != 0)
			return -1;
	char *item = NULL;
	if (th_sql(db_url,
		   "SELECT it.code FROM plan_item it JOIN plan_item_agency x ON x.item_id = it.id"
		   " JOIN agency a ON a.id = x.agency_id WHERE a.code = '" DB_AGENCY "'"
		   " AND x.role = 'lead' AND NOT EXISTS (SELECT 1 FROM plan_item_agency y"
		   "  JOIN agency b ON b.id = y.agency_id WHERE y.item_id = it.id"
		   "  AND b.code = '" LC_AGENCY "') ORDER BY it.code LIMIT 1",
		   &item) < 0 ||
	    !item)
		return -1;
	snprintf(db_item, sizeof(db_item), "%s", item);
	free(item);
	if (th_server_start(&srv, "bulk_templates", server_env) < 0 ||
	    th_server_wait_ready(&srv, 10000) < 0)
		return -1;
	for (size_t i = 0; i < NWHO; i++)
		if (sign_in(i) != 200)
			return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return th_server_stop(&srv) == 0 ? 0 : -1;
}

/* method path as who[i] (NWHO: nobody signed in); expects status, returns the body. */
static json_object *call(size_t i, const char *method, const char *path, const char *body,
			 int status)
{
	const char *headers = i == NWHO ? JSON_TYPE
			      : strcmp(method, "GET") == 0 ? who[i].headers
							   : who[i].post_headers;
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

static char *sql_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sql_text(const char *fmt, ...)
{
	char query[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(query, sizeof(query), fmt, ap);
	va_end(ap);
	char *v = NULL;
	assert_int_equal(th_sql(db_url, query, &v), 0);
	assert_non_null(v);
	return v;
}

static long sql_count(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long sql_count(const char *fmt, ...)
{
	char query[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(query, sizeof(query), fmt, ap);
	va_end(ap);
	char *v = sql_text("%s", query);
	long n = atol(v);
	free(v);
	return n;
}

/* Waits (up to 2 s) until query counts want. */
static void wait_count(long want, const char *query)
{
	long got = -1;
	for (int tries = 0; tries < 100 && got != want; tries++) {
		if (tries)
			usleep(20000);
		got = sql_count("%s", query);
	}
	assert_int_equal(got, want);
}

/* A new feedback on item, with or without consent to publication; returns its id. */
static long new_feedback(const char *item, bool consent)
{
	static unsigned counter;
	char body[320];
	snprintf(body, sizeof(body),
		 "{\"item_code\":\"%s\",\"rating\":4,\"kind\":\"proposal\",\"body\":\"Đề xuất số %u\","
		 "\"consent\":{\"publish\":%s,\"contact\":false}}",
		 item, ++counter, consent ? "true" : "false");
	json_object *doc = call(NWHO, "POST", "/api/v1/feedback", body, 201);
	long id = sql_count("SELECT id FROM feedback WHERE tracking_code = '%s'",
			    th_str(doc, "receipt", "tracking_code", NULL));
	json_object_put(doc);
	return id;
}

/* Takes action (a JSON body) on feedback id as who[i], expecting status. */
static void act(size_t i, long id, const char *body, int status)
{
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/actions", id);
	json_object_put(call(i, "POST", path, body, status));
}

static char *state_of(long id)
{
	return sql_text("SELECT state FROM feedback WHERE id = %ld", id);
}

static void expect_state(long id, const char *state)
{
	char *s = state_of(id);
	assert_string_equal(s, state);
	free(s);
}

/* Audit events of feedback id (any action), to see that a failure wrote nothing. */
static long events_of(long id)
{
	return sql_count("SELECT count(*) FROM moderation_event WHERE feedback_id = %ld", id);
}

/* Events of action on feedback id that entered the transparency log. */
static long logged(long id, const char *action)
{
	return sql_count("SELECT count(*) FROM moderation_event WHERE feedback_id = %ld"
			 " AND action = '%s' AND log_index IS NOT NULL",
			 id, action);
}

/* Checks row k of a bulk reply: its id, and ok with state, or the error code. */
static void expect_row(json_object *doc, size_t k, long id, const char *state, const char *error)
{
	char idx[16];
	snprintf(idx, sizeof(idx), "%zu", k);
	json_object *row = th_get(doc, "results", idx, NULL);
	assert_non_null(row);
	assert_int_equal(json_object_get_int64(th_get(row, "id", NULL)), id);
	bool ok = json_object_get_boolean(th_get(row, "ok", NULL));
	if (state) {
		if (!ok)
			fail_msg("row %zu (%ld): %s", k, id, json_object_to_json_string(row));
		assert_string_equal(th_str(row, "state", NULL), state);
		assert_non_null(th_get(row, "log", "checkpoint", NULL)); /* its log entry, proven */
		assert_null(th_get(row, "error", NULL));
	} else {
		assert_false(ok);
		assert_string_equal(th_str(row, "error", "code", NULL), error);
		assert_non_null(strstr(th_str(row, "error", "message", NULL), " / "));
	}
}

static void expect_counts(json_object *doc, long done, long failed)
{
	assert_int_equal(json_object_get_int64(th_get(doc, "done", NULL)), done);
	assert_int_equal(json_object_get_int64(th_get(doc, "failed", NULL)), failed);
}

/* --- bulk actions --------------------------------------------------------------------- */

static void test_bulk_publish_mixed(void **state)
{
	(void)state;
	long yes = new_feedback("LC-T25", true), no = new_feedback("LC-T25", false),
	     rejected = new_feedback("LC-T25", true), other = new_feedback(db_item, true),
	     yes2 = new_feedback("LC-T25", true);
	act(MOD_LC, rejected, "{\"action\":\"reject\",\"reason\":\"spam\"}", 200);
	long before_no = events_of(no), before_rejected = events_of(rejected),
	     before_other = events_of(other);
	char body[256];
	snprintf(body, sizeof(body), "{\"action\":\"publish\",\"ids\":[%ld,%ld,%ld,%ld,%ld,%ld]}",
		 yes, no, rejected, other, 999999999999L, yes2);
	json_object *doc = call(MOD_LC, "POST", BULK, body, 200);
	expect_row(doc, 0, yes, "published", NULL);
	expect_row(doc, 1, no, NULL, "no_publish_consent");
	expect_row(doc, 2, rejected, NULL, "invalid_transition");
	expect_row(doc, 3, other, NULL, "not_found"); /* out of scope: as if there were none */
	expect_row(doc, 4, 999999999999L, NULL, "not_found");
	expect_row(doc, 5, yes2, "published", NULL);
	expect_counts(doc, 2, 4);
	assert_null(th_get(doc, "results", "6", NULL));
	json_object_put(doc);

	/* Each success: its own event and log entry; each failure: nothing changed. */
	assert_int_equal(logged(yes, "publish"), 1);
	assert_int_equal(logged(yes2, "publish"), 1);
	assert_int_equal(sql_count("SELECT count(*) FROM feedback WHERE id IN (%ld, %ld)"
				   " AND published_at IS NOT NULL",
				   yes, yes2),
			 2);
	expect_state(no, "received");
	expect_state(rejected, "rejected");
	expect_state(other, "received");
	assert_int_equal(events_of(no), before_no);
	assert_int_equal(events_of(rejected), before_rejected);
	/* The out-of-scope attempt is audited as a denial, as for the single action. */
	assert_int_equal(events_of(other), before_other + 1);
	assert_int_equal(sql_count("SELECT count(*) FROM moderation_event WHERE feedback_id = %ld"
				   " AND action = 'denied' AND reason = 'publish'",
				   other),
			 1);
}

static void test_bulk_reject_forward_close(void **state)
{
	(void)state;
	long a = new_feedback("LC-T25", true), b = new_feedback("LC-T25", true),
	     c = new_feedback("LC-T25", true);
	act(MOD_LC, b, "{\"action\":\"publish\"}", 200);

	char body[256];
	snprintf(body, sizeof(body),
		 "{\"action\":\"reject\",\"reason\":\"off_topic\",\"note\":\"ngoài phạm vi\","
		 "\"ids\":[%ld,%ld]}",
		 a, b);
	json_object *doc = call(MOD_LC, "POST", BULK, body, 200);
	expect_row(doc, 0, a, "rejected", NULL);
	expect_row(doc, 1, b, NULL, "invalid_transition"); /* published: not rejected */
	expect_counts(doc, 1, 1);
	json_object_put(doc);
	assert_int_equal(sql_count("SELECT count(*) FROM moderation_event WHERE feedback_id = %ld"
				   " AND action = 'reject' AND reason = 'off_topic'"
				   " AND note = 'ngoài phạm vi' AND log_index IS NOT NULL",
				   a),
			 1);
	assert_int_equal(sql_count("SELECT count(*) FROM feedback_event WHERE feedback_id = %ld"
				   " AND public_note = 'off_topic'",
				   a),
			 1);
	expect_state(b, "published");

	/* Forward: the other agency gains scope over each, a responder may do it. */
	snprintf(body, sizeof(body),
		 "{\"action\":\"forward\",\"agency\":\"" DB_AGENCY "\",\"ids\":[%ld,%ld,%ld]}", b, c,
		 a);
	doc = call(RESP_LC, "POST", BULK, body, 200);
	expect_row(doc, 0, b, "published", NULL);
	expect_row(doc, 1, c, "received", NULL);
	expect_row(doc, 2, a, NULL, "invalid_transition"); /* rejected is final */
	json_object_put(doc);
	assert_int_equal(sql_count("SELECT count(*) FROM feedback_forward w JOIN agency g"
				   " ON g.id = w.agency_id WHERE g.code = '" DB_AGENCY "'"
				   " AND w.feedback_id IN (%ld, %ld, %ld)",
				   a, b, c),
			 2);
	assert_int_equal(logged(b, "forward") + logged(c, "forward"), 2);

	/* An unknown agency is a problem of each row, as for the single action. */
	snprintf(body, sizeof(body), "{\"action\":\"forward\",\"agency\":\"lc-khong-co\",\"ids\":[%ld]}",
		 c);
	doc = call(MOD_LC, "POST", BULK, body, 200);
	expect_row(doc, 0, c, NULL, "validation_failed");
	assert_string_equal(th_str(doc, "results", "0", "error", "fields", "0", "code", NULL),
			    "unknown_agency");
	json_object_put(doc);

	/* Close: published closes, received does not. */
	snprintf(body, sizeof(body), "{\"action\":\"close\",\"ids\":[%ld,%ld]}", c, b);
	doc = call(BOTH_LC, "POST", BULK, body, 200);
	expect_row(doc, 0, c, NULL, "invalid_transition");
	expect_row(doc, 1, b, "closed", NULL);
	expect_counts(doc, 1, 1);
	json_object_put(doc);
	expect_state(c, "received");
	assert_int_equal(logged(b, "close"), 1);
}

static void test_bulk_answer_and_publish_answer(void **state)
{
	(void)state;
	long x = new_feedback("LC-T25", false), y = new_feedback("LC-T25", true),
	     z = new_feedback("LC-T25", true);
	act(RESP_LC, y, "{\"action\":\"answer\",\"text\":\"Trả lời riêng.\"}", 200);
	char body[256];
	snprintf(body, sizeof(body),
		 "{\"action\":\"answer\",\"text\":\"Sở đã tiếp thu, sẽ xử lý.\",\"ids\":[%ld,%ld,%ld]}",
		 x, y, z);
	json_object *doc = call(RESP_LC, "POST", BULK, body, 200);
	expect_row(doc, 0, x, "answered", NULL);
	expect_row(doc, 1, y, NULL, "invalid_transition"); /* one answer per feedback */
	expect_row(doc, 2, z, "answered", NULL);
	expect_counts(doc, 2, 1);
	json_object_put(doc);
	/* Each answer stored, signed for its own feedback, its own event and log entry. */
	assert_int_equal(sql_count("SELECT count(DISTINCT signature) FROM feedback_response"
				   " WHERE feedback_id IN (%ld, %ld) AND text = 'Sở đã tiếp thu, sẽ xử lý.'",
				   x, z),
			 2);
	assert_int_equal(logged(x, "answer"), 1);
	assert_int_equal(logged(z, "answer"), 1);
	assert_int_equal(sql_count("SELECT count(*) FROM feedback_response WHERE feedback_id = %ld"
				   " AND text = 'Trả lời riêng.'",
				   y),
			 1);

	/* publish_answer: both steps or neither, per feedback. */
	long p = new_feedback("LC-T25", true), q = new_feedback("LC-T25", false);
	snprintf(body, sizeof(body),
		 "{\"action\":\"publish_answer\",\"text\":\"Đã trả lời công khai.\",\"ids\":[%ld,%ld]}",
		 p, q);
	doc = call(BOTH_LC, "POST", BULK, body, 200);
	expect_row(doc, 0, p, "answered", NULL);
	assert_int_equal(json_object_array_length(th_get(doc, "results", "0", "steps", NULL)), 2);
	expect_row(doc, 1, q, NULL, "no_publish_consent");
	json_object_put(doc);
	assert_int_equal(logged(p, "publish") + logged(p, "answer"), 2);
	expect_state(q, "received");
	assert_int_equal(events_of(q), 0);
	assert_int_equal(sql_count("SELECT count(*) FROM feedback_response WHERE feedback_id = %ld",
				   q),
			 0);
}

/* A whole-request problem: 400 with the field named, and nothing done to id. */
static void expect_refused(const char *body, const char *field, const char *code, long id)
{
	long before = events_of(id);
	json_object *doc = call(BOTH_LC, "POST", BULK, body, 400);
	if (field) {
		assert_string_equal(th_str(doc, "error", "code", NULL), "validation_failed");
		bool named = false;
		json_object *fields = th_get(doc, "error", "fields", NULL);
		for (size_t k = 0; k < json_object_array_length(fields); k++) {
			json_object *f = json_object_array_get_idx(fields, k);
			named |= strcmp(th_str(f, "field", NULL), field) == 0 &&
				 strcmp(th_str(f, "code", NULL), code) == 0;
		}
		if (!named)
			fail_msg("%s: no %s/%s in %s", body, field, code, json_object_to_json_string(doc));
	} else {
		assert_string_equal(th_str(doc, "error", "code", NULL), code);
	}
	assert_non_null(th_str(doc, "error", "request_id", NULL));
	json_object_put(doc);
	assert_int_equal(events_of(id), before);
	expect_state(id, "received");
}

static void test_bulk_whole_request_problems(void **state)
{
	(void)state;
	long id = new_feedback("LC-T25", true);
	char body[2400], ids[2048] = "";
	expect_refused("{\"action\":\"publish\",\"ids\":[1,", NULL, "invalid_json", id);
	expect_refused("[1, 2]", NULL, "invalid_json", id);
	snprintf(body, sizeof(body), "{\"action\":\"frobnicate\",\"ids\":[%ld]}", id);
	expect_refused(body, "action", "invalid_choice", id);
	snprintf(body, sizeof(body), "{\"action\":\"hide\",\"reason\":\"spam\",\"ids\":[%ld]}", id);
	expect_refused(body, "action", "invalid_choice", id); /* one at a time only */
	expect_refused("{\"action\":\"publish\"}", "ids", "required", id);
	expect_refused("{\"action\":\"publish\",\"ids\":[]}", "ids", "required", id);
	expect_refused("{\"action\":\"publish\",\"ids\":7}", "ids", "invalid_type", id);
	snprintf(body, sizeof(body), "{\"action\":\"publish\",\"ids\":[%ld,\"8\"]}", id);
	expect_refused(body, "ids", "invalid_id", id);
	snprintf(body, sizeof(body), "{\"action\":\"publish\",\"ids\":[%ld,-3]}", id);
	expect_refused(body, "ids", "invalid_id", id);
	snprintf(body, sizeof(body), "{\"action\":\"publish\",\"ids\":[%ld,%ld]}", id, id);
	expect_refused(body, "ids", "duplicate", id);
	size_t o = (size_t)snprintf(ids, sizeof(ids), "%ld", id);
	for (long k = 1; k <= 200; k++)
		o += (size_t)snprintf(ids + o, sizeof(ids) - o, ",%ld", 900000000 + k);
	snprintf(body, sizeof(body), "{\"action\":\"publish\",\"ids\":[%s]}", ids);
	expect_refused(body, "ids", "too_many", id); /* 201 */
	snprintf(body, sizeof(body), "{\"action\":\"reject\",\"ids\":[%ld]}", id);
	expect_refused(body, "reason", "required", id);
	snprintf(body, sizeof(body), "{\"action\":\"reject\",\"reason\":\"dull\",\"ids\":[%ld]}", id);
	expect_refused(body, "reason", "invalid_choice", id);
	snprintf(body, sizeof(body), "{\"action\":\"forward\",\"ids\":[%ld]}", id);
	expect_refused(body, "agency", "required", id);
	snprintf(body, sizeof(body), "{\"action\":\"answer\",\"ids\":[%ld]}", id);
	expect_refused(body, "text", "required", id);
	snprintf(body, sizeof(body), "{\"action\":\"answer\",\"text\":\"  \",\"ids\":[%ld]}", id);
	expect_refused(body, "text", "empty", id);
	snprintf(body, sizeof(body), "{\"action\":\"answer\",\"text\":\"x\",\"template\":1,\"ids\":[%ld]}",
		 id);
	expect_refused(body, "template", "conflict", id);
	snprintf(body, sizeof(body), "{\"action\":\"answer\",\"template\":\"one\",\"ids\":[%ld]}", id);
	expect_refused(body, "template", "invalid_id", id);
	snprintf(body, sizeof(body), "{\"action\":\"answer\",\"template\":2147483000,\"ids\":[%ld]}",
		 id);
	expect_refused(body, "template", "unknown_template", id);
	/* A bad query string is the same 400 as on every route. */
	struct th_resp r;
	snprintf(body, sizeof(body), "{\"action\":\"publish\",\"ids\":[%ld]}", id);
	assert_int_equal(th_http(&srv, "POST", BULK "?x=1", who[BOTH_LC].post_headers, body,
				 strlen(body), &r),
			 0);
	assert_int_equal(r.status, 400);
	th_resp_free(&r);
	expect_state(id, "received");
}

static void test_bulk_who_may(void **state)
{
	(void)state;
	long id = new_feedback("LC-T25", true);
	char body[256];
	snprintf(body, sizeof(body), "{\"action\":\"answer\",\"text\":\"Không được.\",\"ids\":[%ld]}",
		 id);
	long denied = sql_count("SELECT count(*) FROM moderation_event WHERE action = 'denied'");
	/* Admins and analysts do not moderate; a moderator does not answer; a responder does
	 * not publish. Each refusal is audited. */
	json_object_put(call(ADMIN_LC, "POST", BULK, body, 403));
	json_object_put(call(ANALYST, "POST", BULK, body, 403));
	json_object_put(call(MOD_LC, "POST", BULK, body, 403));
	snprintf(body, sizeof(body), "{\"action\":\"publish\",\"ids\":[%ld]}", id);
	json_object_put(call(RESP_LC, "POST", BULK, body, 403));
	/* A denial is written after the reply (nobody waits for it). */
	wait_count(denied + 4, "SELECT count(*) FROM moderation_event WHERE action = 'denied'");
	char q[256];
	snprintf(q, sizeof(q),
		 "SELECT count(*) FROM moderation_event e JOIN official o ON o.id = e.official_id"
		 " WHERE o.username = 'b.mod.lc' AND e.action = 'denied' AND e.reason = 'answer'"
		 " AND e.note = 'bulk %ld'",
		 id);
	wait_count(1, q);
	json_object_put(call(NWHO, "POST", BULK, body, 401));
	/* A browser session without its CSRF token. */
	struct th_resp r;
	char headers[600];
	snprintf(headers, sizeof(headers), JSON_TYPE "%s", who[MOD_LC].headers);
	assert_int_equal(th_http(&srv, "POST", BULK, headers, body, strlen(body), &r), 0);
	assert_int_equal(r.status, 403);
	assert_non_null(strstr(r.body, "csrf_failed"));
	th_resp_free(&r);
	expect_state(id, "received");
	assert_int_equal(events_of(id), 0);
}

/* 200 ids, the most a request names, while the same (only) worker answers others. */
static void test_bulk_of_200_while_serving(void **state)
{
	(void)state;
	enum { N = 200 };
	static long ids[N];
	struct sbuf body = {0};
	sbuf_puts(&body, "{\"action\":\"reject\",\"reason\":\"duplicate\",\"ids\":[");
	for (size_t k = 0; k < N; k++) {
		ids[k] = new_feedback("LC-T25", k % 2 == 0);
		sbuf_printf(&body, "%s%ld", k ? "," : "", ids[k]);
	}
	sbuf_puts(&body, "]}");
	struct timespec t0, t1, t2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int fd = th_send(&srv, "POST", BULK, who[MOD_LC].post_headers, body.data, body.len);
	assert_true(fd >= 0);
	/* Meanwhile: the catalog and the queue answer. */
	int served = 0;
	double slowest = 0;
	for (int k = 0; k < 5; k++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		json_object_put(call(MOD_LC, "GET", "/api/v1/moderation/queue?limit=5", NULL, 200));
		clock_gettime(CLOCK_MONOTONIC, &b);
		double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
		slowest = ms > slowest ? ms : slowest;
		served++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	struct th_resp r;
	assert_int_equal(th_recv(fd, &r), 0);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	assert_int_equal(r.status, 200);
	json_object *doc = th_json(&r);
	th_resp_free(&r);
	expect_counts(doc, N, 0);
	for (size_t k = 0; k < N; k++)
		expect_row(doc, k, ids[k], "rejected", NULL);
	json_object_put(doc);
	sbuf_free(&body);
	double total = (double)(t2.tv_sec - t0.tv_sec) * 1e3 + (double)(t2.tv_nsec - t0.tv_nsec) / 1e6;
	/* The same action one request at a time, for comparison. */
	enum { SINGLE = 20 };
	long one[SINGLE];
	for (size_t k = 0; k < SINGLE; k++)
		one[k] = new_feedback("LC-T25", true);
	struct timespec s0, s1;
	clock_gettime(CLOCK_MONOTONIC, &s0);
	for (size_t k = 0; k < SINGLE; k++)
		act(MOD_LC, one[k], "{\"action\":\"reject\",\"reason\":\"duplicate\"}", 200);
	clock_gettime(CLOCK_MONOTONIC, &s1);
	double single = (double)(s1.tv_sec - s0.tv_sec) * 1e3 + (double)(s1.tv_nsec - s0.tv_nsec) / 1e6;
	printf("# bulk reject of %d ids: %.0f ms (%.2f ms an id); %d queue reads meanwhile, "
	       "slowest %.1f ms; %d single rejects: %.2f ms each\n",
	       N, total, total / N, served, slowest, SINGLE, single / SINGLE);
	assert_int_equal(sql_count("SELECT count(*) FROM moderation_event WHERE action = 'reject'"
				   " AND reason = 'duplicate' AND log_index IS NOT NULL"
				   " AND feedback_id BETWEEN %ld AND %ld",
				   ids[0] < ids[N - 1] ? ids[0] : ids[N - 1],
				   ids[0] < ids[N - 1] ? ids[N - 1] : ids[0]),
			 N);
	(void)t1;
}

/* --- templates ------------------------------------------------------------------------ */

static long template_count(const char *action)
{
	return sql_count("SELECT count(*) FROM moderation_event WHERE action = '%s'", action);
}

/* Creates a template of agency as who[i]; returns its id. */
static long new_template(size_t i, const char *agency, const char *title, const char *text)
{
	json_object *body = json_object_new_object();
	json_object_object_add(body, "agency", json_object_new_string(agency));
	json_object_object_add(body, "title", json_object_new_string(title));
	json_object_object_add(body, "text", json_object_new_string(text));
	json_object *doc = call(i, "POST", TEMPLATES, json_object_to_json_string(body), 201);
	json_object_put(body);
	long id = json_object_get_int64(th_get(doc, "template", "id", NULL));
	assert_true(id > 0);
	assert_string_equal(th_str(doc, "template", "agency", NULL), agency);
	assert_string_equal(th_str(doc, "template", "title", NULL), title);
	assert_non_null(th_str(doc, "template", "updated_at", NULL));
	json_object_put(doc);
	return id;
}

/* Whether who[i]'s list holds template id. */
static bool lists_template(size_t i, long id)
{
	json_object *doc = call(i, "GET", TEMPLATES, NULL, 200);
	json_object *items = th_get(doc, "items", NULL);
	assert_non_null(items);
	bool found = false;
	for (size_t k = 0; k < json_object_array_length(items); k++)
		found |= json_object_get_int64(th_get(json_object_array_get_idx(items, k), "id",
						      NULL)) == id;
	json_object_put(doc);
	return found;
}

static void test_templates_crud_and_scope(void **state)
{
	(void)state;
	long created = template_count("template_create"), updated = template_count("template_update"),
	     deleted = template_count("template_delete");
	long id = new_template(RESP_LC, LC_AGENCY, "Đã tiếp thu", "Cảm ơn ông/bà về {item_title}.");
	assert_true(lists_template(RESP_LC, id));
	assert_true(lists_template(MOD_LC, id));
	assert_true(lists_template(ADMIN_LC, id));
	assert_false(lists_template(BOTH_DB, id)); /* another agency's */
	json_object_put(call(ANALYST, "GET", TEMPLATES, NULL, 403));
	json_object_put(call(NWHO, "GET", TEMPLATES, NULL, 401));

	char path[96];
	snprintf(path, sizeof(path), TEMPLATES "/%ld", id);
	json_object *doc = call(MOD_LC, "PUT", path,
				"{\"title\":\"Đã tiếp thu (sửa)\",\"text\":\"Cảm ơn về {item_code}.\"}",
				200);
	assert_string_equal(th_str(doc, "template", "title", NULL), "Đã tiếp thu (sửa)");
	assert_string_equal(th_str(doc, "template", "text", NULL), "Cảm ơn về {item_code}.");
	json_object_put(doc);
	/* Another agency's official: as if there were none (audited as denied). */
	json_object_put(call(BOTH_DB, "PUT", path, "{\"title\":\"x\",\"text\":\"y\"}", 404));
	json_object_put(call(BOTH_DB, "DELETE", path, NULL, 404));
	json_object_put(call(ANALYST, "DELETE", path, NULL, 403));
	json_object_put(call(MOD_LC, "PUT", TEMPLATES "/0", "{\"title\":\"x\",\"text\":\"y\"}", 404));
	json_object_put(call(MOD_LC, "PUT", TEMPLATES "/abc", "{\"title\":\"x\",\"text\":\"y\"}", 404));
	assert_int_equal(sql_count("SELECT count(*) FROM answer_template WHERE id = %ld"
				   " AND title = 'Đã tiếp thu (sửa)'",
				   id),
			 1);
	assert_int_equal(sql_count("SELECT count(*) FROM moderation_event e JOIN official o"
				   " ON o.id = e.official_id WHERE o.username = 'b.both.db'"
				   " AND e.action = 'denied' AND e.note = 'template %ld'",
				   id),
			 2);

	/* The limits: lengths, an agency of one's own, the body. */
	doc = call(RESP_LC, "POST", TEMPLATES,
		   "{\"agency\":\"" DB_AGENCY "\",\"title\":\"t\",\"text\":\"x\"}", 422);
	assert_string_equal(th_str(doc, "error", "fields", "0", "code", NULL), "unknown_agency");
	json_object_put(doc);
	json_object_put(call(RESP_LC, "POST", TEMPLATES, "{\"title\":\"t\",\"text\":\"x\"}", 422));
	json_object_put(call(RESP_LC, "POST", TEMPLATES,
			     "{\"agency\":\"" LC_AGENCY "\",\"title\":\"\",\"text\":\"x\"}", 422));
	json_object_put(call(RESP_LC, "POST", TEMPLATES, "not json", 400));
	char *long_title = sql_text("SELECT json_build_object('agency', '" LC_AGENCY "', 'title',"
				    " repeat('ă', 201), 'text', 'x')");
	doc = call(RESP_LC, "POST", TEMPLATES, long_title, 422);
	assert_string_equal(th_str(doc, "error", "fields", "0", "field", NULL), "title");
	assert_string_equal(th_str(doc, "error", "fields", "0", "code", NULL), "too_long");
	json_object_put(doc);
	free(long_title);
	char *long_text = sql_text("SELECT json_build_object('title', 't', 'text', repeat('ư', 5001))");
	doc = call(RESP_LC, "PUT", path, long_text, 422);
	assert_string_equal(th_str(doc, "error", "fields", "0", "field", NULL), "text");
	json_object_put(doc);
	free(long_text);
	char *longest = sql_text("SELECT json_build_object('agency', '" LC_AGENCY "', 'title',"
				 " repeat('ă', 200), 'text', repeat('ư', 5000))");
	doc = call(ADMIN_LC, "POST", TEMPLATES, longest, 201); /* the admin of the agency too */
	free(longest);
	long admins = json_object_get_int64(th_get(doc, "template", "id", NULL));
	json_object_put(doc);

	/* At most 100 an agency: fill it up to 100, then one more is refused. */
	long have = sql_count("SELECT count(*) FROM answer_template t JOIN agency a"
			      " ON a.id = t.agency_id WHERE a.code = '" LC_AGENCY "'");
	free(sql_text("INSERT INTO answer_template (agency_id, title, text, created_by)"
		      " SELECT a.id, 'mẫu ' || g, 'x', o.id FROM agency a, official o,"
		      " generate_series(1, %ld) g WHERE a.code = '" LC_AGENCY "'"
		      " AND o.username = 'b.resp.lc' RETURNING 1",
		      100 - have));
	doc = call(RESP_LC, "POST", TEMPLATES,
		   "{\"agency\":\"" LC_AGENCY "\",\"title\":\"một nữa\",\"text\":\"x\"}", 422);
	assert_string_equal(th_str(doc, "error", "fields", "0", "code", NULL), "too_many_templates");
	json_object_put(doc);
	free(sql_text("DELETE FROM answer_template WHERE title LIKE 'mẫu %%' RETURNING 1"));

	/* Delete: gone from the list, a second time 404. */
	snprintf(path, sizeof(path), TEMPLATES "/%ld", admins);
	doc = call(RESP_LC, "DELETE", path, NULL, 200);
	assert_int_equal(json_object_get_int64(th_get(doc, "deleted", NULL)), admins);
	json_object_put(doc);
	json_object_put(call(RESP_LC, "DELETE", path, NULL, 404));
	assert_false(lists_template(RESP_LC, admins));

	/* Each change audited: who, the agency, which template. */
	assert_int_equal(template_count("template_create"), created + 2);
	assert_int_equal(template_count("template_update"), updated + 1);
	assert_int_equal(template_count("template_delete"), deleted + 1);
	assert_int_equal(sql_count("SELECT count(*) FROM moderation_event e JOIN official o"
				   " ON o.id = e.official_id WHERE o.username = 'b.mod.lc'"
				   " AND e.action = 'template_update' AND e.reason = '" LC_AGENCY "'"
				   " AND e.note LIKE 'template %ld: %%' AND e.feedback_id IS NULL",
				   id),
			 1);
	/* The audit chain still holds. */
	assert_int_equal(th_run("PAKN_DATABASE_URL='%s' %s audit verify >/dev/null 2>&1", db_url,
				ctl()),
			 0);
}

/* What the template text of the tests becomes for feedback id, as SQL computes it. */
static char *expected_fill(long id)
{
	return sql_text(
		"SELECT 'Về ' || it.title || ' (' || it.code || ', ' || p.title || '), nhận ngày '"
		" || to_char((f.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, 'DD/MM/YYYY')"
		" || ', trả lời ngày ' || to_char((now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date,"
		" 'DD/MM/YYYY') || ', mã ' || f.tracking_code || '. {unknown} {' || it.code || '}'"
		" FROM feedback f JOIN plan_item it ON it.id = f.item_id JOIN plan p"
		" ON p.id = it.plan_id WHERE f.id = %ld",
		id);
}

static void expect_answer(long id, const char *want)
{
	char *got = sql_text("SELECT text FROM feedback_response WHERE feedback_id = %ld", id);
	assert_string_equal(got, want);
	free(got);
}

static void test_template_answers(void **state)
{
	(void)state;
	long tpl = new_template(RESP_LC, LC_AGENCY, "Trả lời chung",
				"Về {item_title} ({item_code}, {plan}), nhận ngày {received_date}, "
				"trả lời ngày {today}, mã {tracking_code}. {unknown} {{item_code}}");
	long other = new_template(BOTH_DB, DB_AGENCY, "Của Sở KH&CN Điện Biên", "Không dùng.");

	/* The single action. */
	long one = new_feedback("LC-T25", true);
	char body[256];
	snprintf(body, sizeof(body), "{\"action\":\"answer\",\"template\":%ld}", tpl);
	act(RESP_LC, one, body, 200);
	char *want = expected_fill(one);
	expect_answer(one, want);
	/* The tracking page shows the filled text. */
	char *code = sql_text("SELECT tracking_code FROM feedback WHERE id = %ld", one);
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/feedback/%s", code);
	json_object *doc = call(NWHO, "GET", path, NULL, 200);
	assert_string_equal(th_str(doc, "answer", "text", NULL), want);
	json_object_put(doc);
	free(code);
	free(want);

	/* Another agency's template is no template of theirs: 422 alone, 400 in bulk. */
	long two = new_feedback("LC-T25", true), three = new_feedback("LC-T25", true);
	snprintf(body, sizeof(body), "{\"action\":\"answer\",\"template\":%ld}", other);
	char path2[96];
	snprintf(path2, sizeof(path2), "/api/v1/moderation/%ld/actions", two);
	doc = call(RESP_LC, "POST", path2, body, 422);
	assert_string_equal(th_str(doc, "error", "fields", "0", "code", NULL), "unknown_template");
	json_object_put(doc);
	snprintf(body, sizeof(body), "{\"action\":\"answer\",\"template\":%ld,\"ids\":[%ld,%ld]}",
		 other, two, three);
	json_object_put(call(RESP_LC, "POST", BULK, body, 400));
	assert_int_equal(events_of(two) + events_of(three), 0);

	/* In bulk: each feedback its own filled text; out of scope, not_found. */
	long elsewhere = new_feedback(db_item, true);
	snprintf(body, sizeof(body),
		 "{\"action\":\"publish_answer\",\"template\":%ld,\"ids\":[%ld,%ld,%ld,%ld]}", tpl,
		 two, elsewhere, one, three);
	doc = call(BOTH_LC, "POST", BULK, body, 200);
	expect_row(doc, 0, two, "answered", NULL);
	expect_row(doc, 1, elsewhere, NULL, "not_found");
	expect_row(doc, 2, one, NULL, "invalid_transition");
	expect_row(doc, 3, three, "answered", NULL);
	json_object_put(doc);
	want = expected_fill(two);
	expect_answer(two, want);
	free(want);
	want = expected_fill(three);
	expect_answer(three, want);
	free(want);
	assert_int_equal(sql_count("SELECT count(*) FROM feedback_response WHERE feedback_id = %ld",
				   elsewhere),
			 0);
	assert_int_equal(sql_count("SELECT count(*) FROM moderation_event WHERE feedback_id = %ld"
				   " AND action = 'denied' AND reason = 'publish'",
				   elsewhere),
			 1);

	/* A text that filled grows past 5000 characters is that row's problem. */
	char *fat = sql_text("SELECT json_build_object('agency', '" LC_AGENCY "', 'title', 'dài',"
			     " 'text', repeat('a', 4990) || '{plan}')");
	doc = call(RESP_LC, "POST", TEMPLATES, fat, 201);
	long big = json_object_get_int64(th_get(doc, "template", "id", NULL));
	json_object_put(doc);
	free(fat);
	long four = new_feedback("LC-T25", true);
	snprintf(body, sizeof(body), "{\"action\":\"answer\",\"template\":%ld,\"ids\":[%ld]}", big,
		 four);
	doc = call(RESP_LC, "POST", BULK, body, 200);
	expect_row(doc, 0, four, NULL, "validation_failed");
	assert_string_equal(th_str(doc, "results", "0", "error", "fields", "0", "field", NULL),
			    "template");
	assert_string_equal(th_str(doc, "results", "0", "error", "fields", "0", "code", NULL),
			    "too_long");
	json_object_put(doc);
	expect_state(four, "received");
	assert_int_equal(events_of(four), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bulk_publish_mixed),
		cmocka_unit_test(test_bulk_reject_forward_close),
		cmocka_unit_test(test_bulk_answer_and_publish_answer),
		cmocka_unit_test(test_bulk_whole_request_problems),
		cmocka_unit_test(test_bulk_who_may),
		cmocka_unit_test(test_bulk_of_200_while_serving),
		cmocka_unit_test(test_templates_crud_and_scope),
		cmocka_unit_test(test_template_answers),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
