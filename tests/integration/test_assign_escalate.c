/* test_assign_escalate.c - assignment and escalation (issue 22, point 7), through the real
 * server on a database of its own: a moderator assigns a feedback to an official of its
 * agency (audited, a log entry), not to one of another agency; "my queue"; a plan's own
 * deadlines from its .meta file; a make-up Saturday counts as a working day and a holiday
 * does not; a passed deadline escalates once, with one audit event, found by the service's
 * periodic job; and the overdue list of officials and of the agency's admin. */
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
#define LC_AGENCY "lc-dang-uy-ubnd-tinh" /* lead of LC-T25 */

enum { MOD_LC, RESP_LC, BOTH_LC, ADMIN_LC, RESP_DB, ADMIN_DB, NWHO };
static struct {
	const char *user, *roles, *agency;
	char headers[512];      /* for GET */
	char post_headers[640]; /* for POST: + X-CSRF-Token */
} who[NWHO] = {
	[MOD_LC] = {"e.mod.lc", "moderator", LC_AGENCY, "", ""},
	[RESP_LC] = {"e.resp.lc", "responder", LC_AGENCY, "", ""},
	[BOTH_LC] = {"e.both.lc", "moderator,responder", LC_AGENCY, "", ""},
	[ADMIN_LC] = {"e.admin.lc", "admin", LC_AGENCY, "", ""},
	[RESP_DB] = {"e.resp.db", "responder", "db-so-khoa-hoc-va-cong-nghe", "", ""},
	[ADMIN_DB] = {"e.admin.db", "admin", "db-so-khoa-hoc-va-cong-nghe", "", ""},
};

/* A plan with deadlines of its own; its one indicator falls to the default agency. */
static const char quick_meta[] = "code = QY-2026\nprefix = QY\nprovince = Quảng Yên\n"
				 "title = Kế hoạch thử, hạn ngắn\n"
				 "default_agency = Sở Thử nghiệm\n"
				 "action_days = 2\nanswer_days = 3\n";
static const char quick_text[] = "Phụ lục I\n\tSTT\n\tMục tiêu\n\tĐơn vị tính\n"
				 "\tKết quả năm 2025\n\tMục tiêu năm 2026\n\n"
				 "\tI\n\tHạ tầng số\n\t\n\t\n\t\n\n"
				 "\t1\n\tTỷ lệ hộ gia đình có cáp quang\n\t%\n\t80\n\t90\n\n";

static const char *ctl(void)
{
	return getenv("PAKNCTL_BIN") ? getenv("PAKNCTL_BIN") : "build/asan/paknctl";
}

static const char *tmp_dir(void)
{
	return getenv("PAKN_TEST_TMP") ? getenv("PAKN_TEST_TMP") : "/tmp";
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Imports the plan of quick_text with this .meta text; returns paknctl's exit status. */
static int import_quick(const char *meta)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/QY-2026.meta", tmp_dir());
	if (write_file(path, meta) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/QY-2026.txt", tmp_dir());
	if (write_file(path, quick_text) < 0)
		return -1;
	return th_run("PAKN_DATABASE_URL='%s' %s import-plan %s >/dev/null 2>&1", db_url, ctl(),
		      path);
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
	if (th_own_database("escalate", db_url, sizeof(db_url)) < 0)
		return -1;
	snprintf(url_env, sizeof(url_env), "PAKN_DATABASE_URL=%s", db_url);
	if (import_quick(quick_meta) != 0)
		return -1;
	for (size_t i = 0; i < NWHO; i++)
		if (th_run("echo %s | PAKN_DATABASE_URL='%s' %s official add %s --role %s "
			   "--agency %s >/dev/null",
			   password, db_url, ctl(), who[i].user, who[i].roles, who[i].agency) != 0)
			return -1;
	if (th_server_start(&srv, "assign_escalate", server_env) < 0 ||
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

static char *sql_text(const char *query)
{
	char *v = NULL;
	assert_int_equal(th_sql(db_url, query, &v), 0);
	assert_non_null(v);
	return v;
}

static long sql_count(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long sql_count(const char *fmt, ...)
{
	char query[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(query, sizeof(query), fmt, ap);
	va_end(ap);
	char *v = sql_text(query);
	long n = atol(v);
	free(v);
	return n;
}

/* A new feedback on item; returns its id. */
static long new_feedback(const char *item)
{
	static unsigned counter;
	char body[256];
	snprintf(body, sizeof(body),
		 "{\"item_code\":\"%s\",\"rating\":3,\"kind\":\"report\",\"body\":\"Góp ý thử %u\"}",
		 item, ++counter);
	json_object *doc = request_json("POST", "/api/v1/feedback", JSON_TYPE, body, 201);
	long id = sql_count("SELECT id FROM feedback WHERE tracking_code = '%s'",
			    th_str(doc, "receipt", "tracking_code", NULL));
	json_object_put(doc);
	return id;
}

/* POSTs an action on feedback id as who[i]; returns the HTTP status, *doc the reply. */
static int act(size_t i, long id, const char *body, json_object **doc)
{
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/actions", id);
	struct th_resp r;
	assert_int_equal(th_http(&srv, "POST", path, who[i].post_headers, body, strlen(body), &r), 0);
	int status = r.status;
	if (doc)
		*doc = th_json(&r);
	th_resp_free(&r);
	return status;
}

/* Whether the list (queue or overdue) of who[i] at path holds feedback id; *late its
 * "late" member when asked. */
static bool lists(size_t i, const char *path, long id, char *late, size_t latelen)
{
	json_object *doc = request_json("GET", path, who[i].headers, NULL, 200);
	json_object *items = th_get(doc, "items", NULL);
	bool found = false;
	for (size_t k = 0; k < json_object_array_length(items); k++) {
		json_object *it = json_object_array_get_idx(items, k);
		if (json_object_get_int64(th_get(it, "id", NULL)) != id)
			continue;
		found = true;
		if (late)
			snprintf(late, latelen, "%s", th_str(it, "late", NULL));
	}
	json_object_put(doc);
	return found;
}

#define MY_QUEUE "/api/v1/moderation/queue?assigned_to=me&limit=200"
#define OVERDUE "/api/v1/moderation/overdue"

/* --- assignment ----------------------------------------------------------------------- */

static void test_assign_within_the_agency(void **state)
{
	(void)state;
	long id = new_feedback("LC-T25");
	json_object *doc = NULL;
	assert_int_equal(act(MOD_LC, id, "{\"action\":\"assign\",\"official\":\"e.resp.lc\"}", &doc),
			 200);
	assert_string_equal(th_str(doc, "state", NULL), "received"); /* no state change */
	assert_non_null(th_get(doc, "log", "checkpoint", NULL));       /* a log entry */
	json_object_put(doc);
	assert_int_equal(sql_count("SELECT count(*) FROM moderation_event WHERE feedback_id = %ld"
				   " AND action = 'assign' AND reason = 'e.resp.lc'"
				   " AND log_index IS NOT NULL",
				   id),
			 1);
	assert_true(lists(RESP_LC, MY_QUEUE, id, NULL, 0));
	assert_false(lists(BOTH_LC, MY_QUEUE, id, NULL, 0));
	assert_true(lists(BOTH_LC, "/api/v1/moderation/queue?limit=200", id, NULL, 0));

	/* An official of another agency: refused, nothing changes, nothing audited. */
	assert_int_equal(act(MOD_LC, id, "{\"action\":\"assign\",\"official\":\"e.resp.db\"}", &doc),
			 422);
	assert_string_equal(th_str(doc, "error", "fields", "0", "field", NULL), "official");
	assert_string_equal(th_str(doc, "error", "fields", "0", "code", NULL), "unknown_official");
	json_object_put(doc);
	assert_int_equal(act(MOD_LC, id, "{\"action\":\"assign\",\"official\":\"nobody\"}", NULL),
			 422);
	assert_int_equal(act(MOD_LC, id, "{\"action\":\"assign\"}", NULL), 422);
	/* An admin of the agency handles no feedback, so is no assignee either. */
	assert_int_equal(act(MOD_LC, id, "{\"action\":\"assign\",\"official\":\"e.admin.lc\"}", NULL),
			 422);
	assert_int_equal(sql_count("SELECT count(*) FROM feedback f JOIN official o"
				   " ON o.id = f.assigned_to WHERE f.id = %ld"
				   " AND o.username = 'e.resp.lc'",
				   id),
			 1);
	/* A responder does not assign (audited as denied). */
	assert_int_equal(act(RESP_LC, id, "{\"action\":\"assign\",\"official\":\"e.both.lc\"}", NULL),
			 403);

	/* Reassign, then unassign; unassigning nothing is a conflict. */
	assert_int_equal(act(MOD_LC, id, "{\"action\":\"assign\",\"official\":\"e.both.lc\"}", NULL),
			 200);
	assert_false(lists(RESP_LC, MY_QUEUE, id, NULL, 0));
	assert_true(lists(BOTH_LC, MY_QUEUE, id, NULL, 0));
	assert_int_equal(act(MOD_LC, id, "{\"action\":\"unassign\"}", NULL), 200);
	assert_false(lists(BOTH_LC, MY_QUEUE, id, NULL, 0));
	assert_int_equal(act(MOD_LC, id, "{\"action\":\"unassign\"}", NULL), 409);
	assert_int_equal(sql_count("SELECT count(*) FROM moderation_event WHERE feedback_id = %ld"
				   " AND action = 'unassign' AND reason = 'e.both.lc'",
				   id),
			 1);
	/* Assignment is no first action: the deadline to act still runs. */
	assert_int_equal(sql_count("SELECT count(*) FROM feedback WHERE id = %ld"
				   " AND first_action_at IS NULL",
				   id),
			 1);
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", "/api/v1/moderation/queue?assigned_to=you",
				 who[RESP_LC].headers, NULL, 0, &r),
			 0);
	assert_int_equal(r.status, 400);
	th_resp_free(&r);
}

/* --- deadlines ------------------------------------------------------------------------ */

static void test_plan_deadlines_from_meta(void **state)
{
	(void)state;
	long quick = new_feedback("QY-I01");
	long lc = new_feedback("LC-T25");
	assert_int_equal(sql_count("SELECT count(*) FROM feedback WHERE id = %ld"
				   " AND due_action = pakn_working_day_after(created_at, 2)"
				   " AND due_answer = pakn_working_day_after(created_at, 3)",
				   quick),
			 1);
	assert_int_equal(sql_count("SELECT count(*) FROM feedback WHERE id = %ld"
				   " AND due_action = pakn_working_day_after(created_at, 5)"
				   " AND due_answer = pakn_working_day_after(created_at, 15)",
				   lc),
			 1);
	/* A .meta value out of range stops the import and changes nothing. */
	char bad[sizeof(quick_meta) + 32];
	snprintf(bad, sizeof(bad), "%.*saction_days = 0\n",
		 (int)(strstr(quick_meta, "action_days") - quick_meta), quick_meta);
	assert_int_not_equal(import_quick(bad), 0);
	assert_int_equal(sql_count("SELECT action_days * 100 + answer_days FROM plan"
				   " WHERE code = 'QY-2026'"),
			 203);
}

static void test_make_up_saturday_and_holiday(void **state)
{
	(void)state;
	/* 2026-12-12 is a Saturday, 2026-09-02 a holiday (Quốc khánh), both in a week. */
	assert_int_equal(sql_count("SELECT count(*) FROM work_day WHERE day = '2026-12-12'"
				   " AND NOT working"),
			 1);
	char *d = sql_text("SELECT pakn_working_day_after('2026-12-11 03:00+00', 1)");
	assert_string_equal(d, "2026-12-14");
	free(d);
	free(sql_text("INSERT INTO make_up_day VALUES ('2026-12-12', 'Làm bù (thử)')"
		      " RETURNING day"));
	d = sql_text("SELECT pakn_working_day_after('2026-12-11 03:00+00', 1)");
	assert_string_equal(d, "2026-12-12");
	free(d);
	/* Fri 2026-08-28 + 2 working days: Mon 31, then Thu 3 (1 and 2 September off). */
	d = sql_text("SELECT pakn_working_day_after('2026-08-28 03:00+00', 2)");
	assert_string_equal(d, "2026-09-03");
	free(d);
	free(sql_text("DELETE FROM make_up_day WHERE day = '2026-12-12' RETURNING day"));
	d = sql_text("SELECT pakn_working_day_after('2026-12-11 03:00+00', 1)");
	assert_string_equal(d, "2026-12-14");
	free(d);
}

/* --- escalation ----------------------------------------------------------------------- */

/* Waits (up to 10 s of the service's each-second job) until feedback id is escalated for
 * step. */
static void wait_escalated(long id, const char *step)
{
	for (int i = 0; i < 100; i++) {
		if (sql_count("SELECT count(*) FROM feedback WHERE id = %ld AND escalated_step = '%s'",
			      id, step) == 1)
			return;
		usleep(100 * 1000);
	}
	fail_msg("feedback %ld not escalated for %s", id, step);
}

static long escalations(long id, const char *step)
{
	return sql_count("SELECT count(*) FROM moderation_event WHERE feedback_id = %ld"
			 " AND action = 'escalate' AND reason = '%s' AND official_id IS NULL",
			 id, step);
}

static void test_passed_deadline_escalates_once(void **state)
{
	(void)state;
	long id = new_feedback("LC-T25");
	long on_time = new_feedback("LC-T25");
	assert_false(lists(MOD_LC, OVERDUE, id, NULL, 0));
	/* Time moves on: the day to act was yesterday. */
	sql_count("WITH u AS (UPDATE feedback SET due_action = pakn_local_day(now()) - 1"
		  " WHERE id = %ld RETURNING 1) SELECT count(*) FROM u",
		  id);
	wait_escalated(id, "action");
	sleep(2); /* two more passes of the job */
	assert_int_equal(escalations(id, "action"), 1);
	assert_int_equal(sql_count("SELECT count(*) FROM moderation_event WHERE feedback_id = %ld"
				   " AND action = 'escalate'",
				   id),
			 1);
	assert_int_equal(sql_count("SELECT count(*) FROM feedback WHERE id = %ld"
				   " AND escalated_step IS NULL",
				   on_time),
			 1);

	/* The overdue list: officials in scope and the agency's admin, not another agency. */
	char late[16] = "";
	assert_true(lists(MOD_LC, OVERDUE, id, late, sizeof(late)));
	assert_string_equal(late, "action");
	assert_false(lists(MOD_LC, OVERDUE, on_time, NULL, 0));
	assert_true(lists(RESP_LC, OVERDUE, id, NULL, 0));
	assert_true(lists(ADMIN_LC, OVERDUE, id, NULL, 0));
	assert_false(lists(RESP_DB, OVERDUE, id, NULL, 0));
	assert_false(lists(ADMIN_DB, OVERDUE, id, NULL, 0));
	json_object *doc = request_json("GET", OVERDUE, who[ADMIN_LC].headers, NULL, 200);
	assert_null(th_get(doc, "items", "0", "body", NULL)); /* no text for the admin */
	assert_string_equal(th_str(doc, "items", "0", "escalated_step", NULL), "action");
	json_object_put(doc);
	/* The queue shows it too. */
	doc = request_json("GET", "/api/v1/moderation/queue?limit=200", who[MOD_LC].headers, NULL,
			   200);
	bool marked = false;
	json_object *items = th_get(doc, "items", NULL);
	for (size_t k = 0; k < json_object_array_length(items); k++) {
		json_object *it = json_object_array_get_idx(items, k);
		if (json_object_get_int64(th_get(it, "id", NULL)) == id)
			marked = strcmp(th_str(it, "escalated_step", NULL), "action") == 0;
	}
	assert_true(marked);
	json_object_put(doc);

	/* Hiding is an action: it leaves the list; then the answer's day passes. */
	assert_int_equal(act(MOD_LC, id, "{\"action\":\"hide\",\"reason\":\"other\"}", NULL), 200);
	assert_false(lists(MOD_LC, OVERDUE, id, NULL, 0));
	sql_count("WITH u AS (UPDATE feedback SET due_answer = pakn_local_day(now()) - 1"
		  " WHERE id = %ld RETURNING 1) SELECT count(*) FROM u",
		  id);
	wait_escalated(id, "answer");
	sleep(2);
	assert_int_equal(escalations(id, "action"), 1);
	assert_int_equal(escalations(id, "answer"), 1);
	assert_true(lists(MOD_LC, OVERDUE, id, late, sizeof(late)));
	assert_string_equal(late, "answer");
	/* Escalation is no log entry (docs/moderation.md). */
	assert_int_equal(sql_count("SELECT count(*) FROM moderation_event WHERE feedback_id = %ld"
				   " AND action = 'escalate' AND log_index IS NOT NULL",
				   id),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assign_within_the_agency),
		cmocka_unit_test(test_plan_deadlines_from_meta),
		cmocka_unit_test(test_make_up_saturday_and_holiday),
		cmocka_unit_test(test_passed_deadline_escalates_once),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
