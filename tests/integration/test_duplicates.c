/* test_duplicates.c - duplicates and similar feedback (issue 22, point 5), through the real
 * server on a database of its own: similar recent feedback on the same item is found after
 * intake (Vietnamese texts that differ in diacritics, case and word order), not on another
 * item, outside the 90 days or outside scope; the rules of linking and unlinking (no chains,
 * not to itself, closed refused, out of scope 404, roles); answering the original answers
 * every open duplicate, each with its own audit event and log entry, and each submitter's
 * tracking page shows the answer; an unlinked one is not answered. */
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
#define LC_AGENCY "lc-dang-uy-ubnd-tinh" /* lead of LC-T25 and LC-T30 */
#define DB_AGENCY "db-so-khoa-hoc-va-cong-nghe" /* lead of DB-T-V.1.1 */

enum { MOD_LC, RESP_LC, BOTH_LC, ADMIN_LC, RESP_DB, NWHO };
static struct {
	const char *user, *roles, *agency;
	char headers[512];      /* for GET */
	char post_headers[640]; /* for POST: + X-CSRF-Token */
} who[NWHO] = {
	[MOD_LC] = {"d.mod.lc", "moderator", LC_AGENCY, "", ""},
	[RESP_LC] = {"d.resp.lc", "responder", LC_AGENCY, "", ""},
	[BOTH_LC] = {"d.both.lc", "moderator,responder", LC_AGENCY, "", ""},
	[ADMIN_LC] = {"d.admin.lc", "admin", LC_AGENCY, "", ""},
	[RESP_DB] = {"d.resp.db", "responder", DB_AGENCY, "", ""},
};

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
	if (th_own_database("duplicates", db_url, sizeof(db_url)) < 0)
		return -1;
	snprintf(url_env, sizeof(url_env), "PAKN_DATABASE_URL=%s", db_url);
	for (size_t i = 0; i < NWHO; i++)
		if (th_run("echo %s | PAKN_DATABASE_URL='%s' %s official add %s --role %s "
			   "--agency %s >/dev/null",
			   password, db_url, ctl(), who[i].user, who[i].roles, who[i].agency) != 0)
			return -1;
	if (th_server_start(&srv, "duplicates", server_env) < 0 ||
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

#define sql_long(...) sql_long_of(sql_text(__VA_ARGS__))
static long sql_long_of(char *v)
{
	long n = atol(v);
	free(v);
	return n;
}

/* A new feedback on item with this text, with consent to publication; returns its id, its
 * tracking code in code (when not NULL). */
static long new_feedback(const char *item, const char *text, char *code)
{
	char body[1024];
	snprintf(body, sizeof(body),
		 "{\"item_code\":\"%s\",\"rating\":2,\"kind\":\"report\",\"body\":\"%s\","
		 "\"consent\":{\"publish\":true,\"contact\":false}}",
		 item, text);
	json_object *doc = request_json("POST", "/api/v1/feedback", JSON_TYPE, body, 201);
	const char *tc = th_str(doc, "receipt", "tracking_code", NULL);
	long id = sql_long("SELECT id FROM feedback WHERE tracking_code = '%s'", tc);
	if (code)
		strcpy(code, tc);
	json_object_put(doc);
	return id;
}

/* A feedback whose text is like no other's of this test. */
static long plain_feedback(const char *item, char *code)
{
	static const char *const words[] = {"cầu", "chợ", "điện", "trường", "bến", "rác",
					    "nước", "đèn", "xe", "cây"};
	static unsigned n;
	char text[128];
	n++;
	snprintf(text, sizeof(text), "Việc %s %s %s số %u", words[n % 10], words[(n / 10) % 10],
		 words[(n / 100) % 10], n);
	return new_feedback(item, text, code);
}

/* POSTs an action on feedback id as who[i]; returns the HTTP status, *doc the reply. */
static int act(size_t i, long id, const char *body, json_object **doc)
{
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/actions", id);
	struct th_resp r;
	assert_int_equal(th_http(&srv, "POST", path, who[i].post_headers, body, strlen(body), &r), 0);
	int status = r.status;
	if (status >= 400 && doc == NULL)
		fprintf(stderr, "%s on %ld: %d %s\n", body, id, status, r.body);
	if (doc)
		*doc = th_json(&r);
	th_resp_free(&r);
	return status;
}

static int link_to(size_t i, long id, long of)
{
	char body[96];
	snprintf(body, sizeof(body), "{\"action\":\"link_duplicate\",\"of\":%ld}", of);
	return act(i, id, body, NULL);
}

/* The error code of a refused action. */
static const char *refusal(size_t i, long id, const char *body)
{
	static char code[64];
	json_object *doc;
	act(i, id, body, &doc);
	snprintf(code, sizeof(code), "%s", doc ? th_str(doc, "error", "code", NULL) : "");
	json_object_put(doc);
	return code;
}

/* The queue row of feedback id as who[i] sees it (caller puts), or NULL. */
static json_object *queue_row(size_t i, long id)
{
	char path[96] = "/api/v1/moderation/queue?limit=200";
	json_object *found = NULL;
	while (!found) {
		json_object *doc = request_json("GET", path, who[i].headers, NULL, 200);
		json_object *items = th_get(doc, "items", NULL);
		for (size_t k = 0; k < json_object_array_length(items) && !found; k++) {
			json_object *it = json_object_array_get_idx(items, k);
			if (json_object_get_int64(th_get(it, "id", NULL)) == id)
				found = json_object_get(it);
		}
		const char *next = th_str(doc, "next_cursor", NULL);
		if (next)
			snprintf(path, sizeof(path), "/api/v1/moderation/queue?limit=200&cursor=%s", next);
		json_object_put(doc);
		if (!next)
			break;
	}
	return found;
}

static long row_long(json_object *row, const char *key)
{
	json_object *v = th_get(row, key, NULL);
	return v ? (long)json_object_get_int64(v) : -1; /* -1: null */
}

/* Waits for the each-second scan to have looked at feedback id. */
static void wait_scanned(long id)
{
	for (int tries = 0; tries < 100 * th_time_scale(); tries++) {
		if (sql_long("SELECT count(*) FROM similar_scan, feedback f"
			     " WHERE f.id = %ld AND after >= f.log_index", id) == 1)
			return;
		usleep(100000);
	}
	fail_msg("the scan for similar feedback did not reach feedback %ld", id);
}

/* The similarity GET /similar of who[i] gives other for id, or -1 when it is not listed. */
static double listed_similarity(json_object *doc, long other)
{
	json_object *items = th_get(doc, "items", NULL);
	for (size_t k = 0; k < json_object_array_length(items); k++) {
		json_object *it = json_object_array_get_idx(items, k);
		if (json_object_get_int64(th_get(it, "id", NULL)) == other)
			return json_object_get_double(th_get(it, "similarity", NULL));
	}
	return -1;
}

static json_object *similar_of(size_t i, long id, int status)
{
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/similar", id);
	return request_json("GET", path, who[i].headers, NULL, status);
}

/* --- similar feedback ----------------------------------------------------------------- */

#define FLOOD "Đường Trần Hưng Đạo bị ngập nặng mỗi khi mưa lớn, đề nghị nạo vét cống thoát nước."
/* The same complaint: no diacritics, other case, other order. */
#define FLOOD_AGAIN "DE NGHI nao vet cong thoat nuoc! Duong tran hung dao bi ngap nang moi khi mua lon"
/* The same complaint in other words. */
#define FLOOD_REWORDED "Mỗi lần mưa to là đường Trần Hưng Đạo lại ngập sâu, mong sớm nạo vét cống."
#define OTHER "Bộ phận một cửa cần mở thêm giờ vào sáng thứ Bảy cho người lao động làm thủ tục."

static void test_similar_on_the_same_item(void **state)
{
	(void)state;
	long old = new_feedback("LC-T30", FLOOD " Cũ.", NULL);
	free(sql_text("UPDATE feedback SET created_at = now() - interval '120 days'"
		      " WHERE id = %ld RETURNING id", old));
	long a = new_feedback("LC-T30", FLOOD, NULL);
	long b = new_feedback("LC-T30", FLOOD_AGAIN, NULL);
	long c = new_feedback("LC-T30", OTHER, NULL);
	long r = new_feedback("LC-T30", FLOOD_REWORDED, NULL);
	long other_item = new_feedback("LC-T25", FLOOD, NULL);
	long out_of_scope = new_feedback("DB-T-V.1.1", FLOOD, NULL);
	wait_scanned(out_of_scope);

	json_object *doc = similar_of(MOD_LC, b, 200);
	double ab = listed_similarity(doc, a);
	assert_true(ab >= 0.4 && ab <= 1);
	assert_true(listed_similarity(doc, c) < 0);
	assert_true(listed_similarity(doc, other_item) < 0);
	assert_true(listed_similarity(doc, out_of_scope) < 0);
	assert_true(listed_similarity(doc, old) < 0); /* 120 days before: not recent */
	json_object_put(doc);
	doc = similar_of(MOD_LC, r, 200);
	double ar = listed_similarity(doc, a);
	assert_true(ar >= 0.4);
	assert_true(listed_similarity(doc, c) < 0);
	json_object_put(doc);
	doc = similar_of(RESP_LC, a, 200); /* either way */
	assert_true(listed_similarity(doc, b) >= 0.4);
	json_object_put(doc);
	/* Figures for docs/moderation.md: the pair found, and the one that is not. */
	char *unlike = sql_text("SELECT round(similarity(pakn_fold(x.body), pakn_fold(y.body))::numeric, 2)"
				" FROM feedback x, feedback y WHERE x.id = %ld AND y.id = %ld", a, c);
	fprintf(stderr, "similarity: same words %.2f, other words %.2f, another complaint %s\n", ab,
		ar, unlike);
	assert_true(atof(unlike) < 0.4);
	free(unlike);

	/* The queue says how many, and nothing is linked yet. */
	json_object *row = queue_row(MOD_LC, a);
	assert_non_null(row);
	assert_int_equal(row_long(row, "similar"), 2); /* b and r */
	assert_int_equal(row_long(row, "duplicate_of"), -1);
	assert_int_equal(row_long(row, "duplicates"), 0);
	json_object_put(row);
	row = queue_row(MOD_LC, c);
	assert_int_equal(row_long(row, "similar"), 0);
	json_object_put(row);

	/* Out of scope: 404, like a feedback that does not exist, and a denial in the trail. */
	json_object_put(similar_of(MOD_LC, out_of_scope, 404));
	json_object_put(similar_of(RESP_DB, a, 404));
	assert_int_equal(sql_long("SELECT count(*) FROM moderation_event WHERE feedback_id = %ld"
				  " AND action = 'denied' AND reason = 'similar'", a),
			 1);
	json_object_put(similar_of(ADMIN_LC, a, 403));
}

/* --- linking -------------------------------------------------------------------------- */

static void test_link_rules(void **state)
{
	(void)state;
	long o = plain_feedback("LC-T25", NULL), x = plain_feedback("LC-T25", NULL);
	long y = plain_feedback("LC-T25", NULL), z = plain_feedback("LC-T30", NULL);
	long db = plain_feedback("DB-T-V.1.1", NULL);

	json_object *doc;
	char body[96];
	snprintf(body, sizeof(body), "{\"action\":\"link_duplicate\",\"of\":%ld}", o);
	assert_int_equal(act(MOD_LC, x, body, &doc), 200);
	assert_string_equal(th_str(doc, "state", NULL), "received"); /* no change of state */
	assert_non_null(th_get(doc, "log", "proof", NULL));
	json_object_put(doc);
	assert_int_equal(sql_long("SELECT count(*) FROM moderation_event WHERE feedback_id = %ld"
				  " AND action = 'link_duplicate' AND reason = '%ld'"
				  " AND role = 'moderator' AND log_index IS NOT NULL", x, o),
			 1);
	/* Linking to a duplicate links to its original: no chains. */
	assert_int_equal(link_to(RESP_LC, y, x), 200);
	assert_int_equal(sql_long("SELECT original_id FROM feedback_duplicate WHERE feedback_id = %ld", y),
			 o);
	/* An original is not linked to another; a duplicate not twice; nothing to itself. */
	snprintf(body, sizeof(body), "{\"action\":\"link_duplicate\",\"of\":%ld}", z);
	assert_string_equal(refusal(MOD_LC, o, body), "has_duplicates");
	assert_string_equal(refusal(MOD_LC, x, body), "invalid_transition");
	snprintf(body, sizeof(body), "{\"action\":\"link_duplicate\",\"of\":%ld}", o);
	assert_string_equal(refusal(MOD_LC, o, body), "validation_failed");
	snprintf(body, sizeof(body), "{\"action\":\"link_duplicate\",\"of\":%ld}", y);
	assert_string_equal(refusal(MOD_LC, o, body), "invalid_transition"); /* y's original is o */
	assert_string_equal(refusal(MOD_LC, z, "{\"action\":\"link_duplicate\"}"),
			    "validation_failed");
	assert_string_equal(refusal(MOD_LC, z, "{\"action\":\"link_duplicate\",\"of\":\"7\"}"),
			    "validation_failed");
	/* Out of scope, either end: 404. */
	snprintf(body, sizeof(body), "{\"action\":\"link_duplicate\",\"of\":%ld}", db);
	assert_string_equal(refusal(MOD_LC, z, body), "not_found");
	snprintf(body, sizeof(body), "{\"action\":\"link_duplicate\",\"of\":%ld}", o);
	assert_string_equal(refusal(RESP_DB, z, body), "not_found");
	assert_string_equal(refusal(MOD_LC, db, body), "not_found");
	assert_string_equal(refusal(MOD_LC, z, "{\"action\":\"link_duplicate\",\"of\":999999999}"),
			    "not_found");
	/* Roles: a moderator or a responder; an admin handles no feedback. */
	assert_string_equal(refusal(ADMIN_LC, z, body), "forbidden");
	/* Only an open feedback is linked, and not to a rejected one. */
	long rejected = plain_feedback("LC-T25", NULL);
	assert_int_equal(act(MOD_LC, rejected, "{\"action\":\"reject\",\"reason\":\"spam\"}", NULL),
			 200);
	snprintf(body, sizeof(body), "{\"action\":\"link_duplicate\",\"of\":%ld}", o);
	assert_string_equal(refusal(MOD_LC, rejected, body), "invalid_transition");
	snprintf(body, sizeof(body), "{\"action\":\"link_duplicate\",\"of\":%ld}", rejected);
	assert_string_equal(refusal(MOD_LC, z, body), "invalid_transition");
	long closed = plain_feedback("LC-T25", NULL);
	assert_int_equal(act(MOD_LC, closed, "{\"action\":\"publish\"}", NULL), 200);
	assert_int_equal(act(MOD_LC, closed, "{\"action\":\"close\"}", NULL), 200);
	snprintf(body, sizeof(body), "{\"action\":\"link_duplicate\",\"of\":%ld}", o);
	assert_string_equal(refusal(MOD_LC, closed, body), "invalid_transition");

	/* The queue shows the group. */
	json_object *row = queue_row(MOD_LC, o);
	assert_int_equal(row_long(row, "duplicates"), 2);
	assert_int_equal(row_long(row, "duplicate_of"), -1);
	json_object_put(row);
	row = queue_row(RESP_LC, y);
	assert_int_equal(row_long(row, "duplicate_of"), o);
	json_object_put(row);
	/* GET /similar lists what is linked, to and from. */
	doc = similar_of(MOD_LC, o, 200);
	assert_true(listed_similarity(doc, x) >= 0 && listed_similarity(doc, y) >= 0);
	json_object_put(doc);
	doc = similar_of(MOD_LC, y, 200);
	assert_true(listed_similarity(doc, o) >= 0);
	json_object_put(doc);

	/* Unlinking: audited, in the log; twice is refused. */
	assert_int_equal(act(RESP_LC, y, "{\"action\":\"unlink_duplicate\"}", NULL), 200);
	assert_string_equal(refusal(RESP_LC, y, "{\"action\":\"unlink_duplicate\"}"),
			    "invalid_transition");
	assert_string_equal(refusal(ADMIN_LC, x, "{\"action\":\"unlink_duplicate\"}"), "forbidden");
	assert_int_equal(sql_long("SELECT count(*) FROM moderation_event WHERE feedback_id = %ld"
				  " AND action = 'unlink_duplicate' AND reason = '%ld'"
				  " AND log_index IS NOT NULL", y, o),
			 1);
	row = queue_row(MOD_LC, o);
	assert_int_equal(row_long(row, "duplicates"), 1);
	json_object_put(row);
	/* The history names both. */
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/history", y);
	doc = request_json("GET", path, who[MOD_LC].headers, NULL, 200);
	assert_string_equal(th_str(doc, "events", "0", "action", NULL), "link_duplicate");
	assert_string_equal(th_str(doc, "events", "1", "action", NULL), "unlink_duplicate");
	json_object_put(doc);
}

/* --- answers -------------------------------------------------------------------------- */

#define ANSWER "Sở đã giao đơn vị nạo vét cống trên đường Trần Hưng Đạo trong tháng này."

/* The tracking page of code: the state, and the answer's text (or NULL) into text. */
static void tracking(const char *code, char *state, char *text, bool *together)
{
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/feedback/%s", code);
	json_object *doc = request_json("GET", path, "", NULL, 200);
	strcpy(state, th_str(doc, "state", NULL));
	const char *t = th_str(doc, "answer", "text", NULL);
	strcpy(text, t ? t : "");
	if (together) {
		json_object *v = th_get(doc, "answer", "with_similar", NULL);
		*together = v && json_object_get_boolean(v);
	}
	json_object_put(doc);
}

/* Whether the answer on the tracking page of code verifies as signed over feedback id
 * (tests/integration/verify_answer.py, written from docs/moderation.md alone). */
static void save_reply(const char *path, const char *file)
{
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fwrite(r.body, 1, r.body_len, f);
	fclose(f);
	th_resp_free(&r);
}

static bool answer_signed_for(const char *code, long id)
{
	const char *dir = getenv("PAKN_TEST_TMP") ? getenv("PAKN_TEST_TMP") : "/tmp";
	char path[96], status[256], keys[256];
	snprintf(path, sizeof(path), "/api/v1/feedback/%s", code);
	snprintf(status, sizeof(status), "%s/dup-status.json", dir);
	snprintf(keys, sizeof(keys), "%s/dup-keys.json", dir);
	save_reply(path, status);
	save_reply("/api/v1/keys", keys);
	return th_run("/usr/bin/python3 tests/integration/verify_answer.py %s %s %ld >/dev/null",
		      status, keys, id) == 0;
}

/* Feedback id's audit events for an answer given because via was answered, in the log. */
static long answers_via(long id, long via)
{
	return sql_long("SELECT count(*) FROM moderation_event WHERE feedback_id = %ld"
			" AND action = 'answer' AND reason = '%ld' AND log_index IS NOT NULL",
			id, via);
}

/* The state of id in an action's "duplicates_answered", or "". */
static const char *answered_state(json_object *doc, long id)
{
	json_object *list = th_get(doc, "duplicates_answered", NULL);
	for (size_t k = 0; k < json_object_array_length(list); k++) {
		json_object *it = json_object_array_get_idx(list, k);
		if (json_object_get_int64(th_get(it, "id", NULL)) == id)
			return th_str(it, "state", NULL);
	}
	return "";
}

static void test_answer_reaches_every_duplicate(void **state)
{
	(void)state;
	char oc[32], xc[32], yc[32], zc[32], wc[32], st[32], text[512];
	bool together;
	long o = plain_feedback("LC-T25", oc), x = plain_feedback("LC-T25", xc);
	long y = plain_feedback("LC-T25", yc), z = plain_feedback("LC-T25", zc);
	assert_int_equal(act(MOD_LC, x, "{\"action\":\"publish\"}", NULL), 200);
	assert_int_equal(act(MOD_LC, y, "{\"action\":\"hide\",\"reason\":\"personal_data\"}", NULL),
			 200);
	assert_int_equal(link_to(MOD_LC, x, o), 200);
	assert_int_equal(link_to(MOD_LC, y, o), 200);
	assert_int_equal(link_to(MOD_LC, z, o), 200);
	assert_int_equal(act(MOD_LC, z, "{\"action\":\"unlink_duplicate\"}", NULL), 200);

	json_object *doc;
	assert_int_equal(act(RESP_LC, o, "{\"action\":\"answer\",\"text\":\"" ANSWER "\"}", &doc),
			 200);
	assert_string_equal(th_str(doc, "state", NULL), "answered");
	assert_int_equal(json_object_array_length(th_get(doc, "duplicates_answered", NULL)), 2);
	assert_string_equal(answered_state(doc, x), "answered");
	assert_string_equal(answered_state(doc, y), "hidden");
	/* The reply proves the original's own answer. */
	long o_index = sql_long("SELECT log_index FROM moderation_event WHERE feedback_id = %ld"
				" AND action = 'answer'", o);
	assert_int_equal(json_object_get_int64(th_get(doc, "log", "index", NULL)), o_index);
	json_object_put(doc);

	/* Each its own audit event (as the responder) and log entry, after the original's. */
	assert_int_equal(answers_via(x, o), 1);
	assert_int_equal(answers_via(y, o), 1);
	assert_int_equal(sql_long("SELECT count(*) FROM moderation_event WHERE feedback_id = %ld"
				  " AND action = 'answer'", z),
			 0);
	assert_int_equal(sql_long("SELECT count(DISTINCT log_index) FROM moderation_event"
				  " WHERE feedback_id IN (%ld, %ld, %ld) AND action = 'answer'"
				  " AND log_index > %ld AND role = 'responder'",
				  o, x, y, o_index - 1),
			 3);
	/* Each answer is signed over its own feedback's id: three signatures. */
	assert_true(answer_signed_for(oc, o));
	assert_true(answer_signed_for(xc, x));
	assert_false(answer_signed_for(xc, o)); /* not the original's signature */
	assert_true(answer_signed_for(yc, y));

	/* Each submitter sees the answer; the unlinked one does not. */
	tracking(oc, st, text, &together);
	assert_string_equal(st, "answered");
	assert_string_equal(text, ANSWER);
	assert_false(together);
	tracking(xc, st, text, &together);
	assert_string_equal(st, "answered");
	assert_string_equal(text, ANSWER);
	assert_true(together);
	tracking(yc, st, text, &together); /* hidden stays hidden, its sender has the answer */
	assert_string_equal(st, "hidden");
	assert_string_equal(text, ANSWER);
	tracking(zc, st, text, NULL);
	assert_string_equal(st, "received");
	assert_string_equal(text, "");

	/* The history says where the answer came from. */
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/history", x);
	doc = request_json("GET", path, who[RESP_LC].headers, NULL, 200);
	json_object *events = th_get(doc, "events", NULL);
	json_object *last = json_object_array_get_idx(events, json_object_array_length(events) - 1);
	assert_string_equal(th_str(last, "action", NULL), "answer");
	assert_int_equal(row_long(last, "via"), o);
	json_object_put(doc);

	/* Linked to an answered original: answered at once, by whoever links it. */
	long w = plain_feedback("LC-T25", wc);
	char body[96];
	snprintf(body, sizeof(body), "{\"action\":\"link_duplicate\",\"of\":%ld}", x); /* x's: o */
	assert_int_equal(act(MOD_LC, w, body, &doc), 200);
	assert_string_equal(th_str(doc, "duplicates_answered", "0", "state", NULL), "answered");
	json_object_put(doc);
	assert_int_equal(answers_via(w, o), 1);
	tracking(wc, st, text, &together);
	assert_string_equal(st, "answered");
	assert_string_equal(text, ANSWER);
	assert_true(together);
	/* The unlinked one is answered on its own, no further. */
	assert_int_equal(act(RESP_LC, z, "{\"action\":\"answer\",\"text\":\"Khác.\"}", NULL), 200);
	tracking(zc, st, text, NULL);
	assert_string_equal(text, "Khác.");
}

/* publish_answer (two steps) on an original answers its duplicates too, all or none. */
static void test_publish_answer_reaches_duplicates(void **state)
{
	(void)state;
	char xc[32], st[32], text[512];
	long o = plain_feedback("LC-T30", NULL), x = plain_feedback("LC-T30", xc);
	assert_int_equal(link_to(BOTH_LC, x, o), 200);
	json_object *doc;
	assert_int_equal(act(BOTH_LC, o, "{\"action\":\"publish_answer\",\"text\":\"" ANSWER "\"}",
			     &doc),
			 200);
	assert_string_equal(th_str(doc, "steps", "1", "action", NULL), "answer");
	assert_string_equal(th_str(doc, "duplicates_answered", "0", "state", NULL), "answered");
	json_object_put(doc);
	tracking(xc, st, text, NULL);
	assert_string_equal(st, "answered");
	assert_string_equal(text, ANSWER);
	assert_int_equal(sql_long("SELECT count(*) FROM feedback WHERE id = %ld"
				  " AND published_at IS NULL", x),
			 1); /* the duplicate is answered, not published */
	/* The audit trail still holds together. */
	char out[256];
	assert_int_equal(th_run_output(out, sizeof(out),
				       "PAKN_DATABASE_URL='%s' %s audit verify 2>&1", db_url, ctl()),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_similar_on_the_same_item),
		cmocka_unit_test(test_link_rules),
		cmocka_unit_test(test_answer_reaches_every_duplicate),
		cmocka_unit_test(test_publish_answer_reaches_duplicates),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
