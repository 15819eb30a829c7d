/* test_moderation_export.c - GET /api/v1/moderation/export as officials and a spreadsheet
 * see it: each official gets only their agencies' rows, CSV with a byte-order mark and a
 * header row that Python's csv module reads back cell for cell (quotes, commas, line
 * breaks), formula-like cells neutralised, the JSON form, contact details only when asked,
 * only with consent, decrypted, and never for roles that may not read them, every export in
 * the audit trail with its row count, and the cap (export_max_rows). Real server on a
 * database of its own, real PostgreSQL. */
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

#include "harness.h"

#define CAP 8 /* export_max_rows of this test's server */

static struct th_server srv;
static char db_url[512];
static char lc_items[3][32]; /* items whose lead agency is the LC officials' */
static const char db_item[] = "DB-T-V.1.1"; /* lead: the DB moderator's agency */

struct who {
	const char *user, *role, *agency;
	char headers[256]; /* Cookie: for GET */
	char post[384];    /* + X-CSRF-Token */
};
enum { MOD_LC, RESP_LC, MOD_DB, ANALYST, ADMIN, NWHO };
static struct who who[NWHO] = {
	[MOD_LC] = {"x.mod.lc", "moderator", "lc-dang-uy-ubnd-tinh"},
	[RESP_LC] = {"x.resp.lc", "responder", "lc-dang-uy-ubnd-tinh"},
	[MOD_DB] = {"x.mod.db", "moderator", "db-so-khoa-hoc-va-cong-nghe"},
	[ANALYST] = {"x.analyst", "analyst", NULL},
	[ADMIN] = {"x.admin", "admin", NULL},
};
static const char password[] = "mat-khau-xuat-du-lieu-57";
#define JSON_TYPE "Content-Type: application/json\r\n"

static const char *ctl(void)
{
	return getenv("PAKNCTL_BIN") ? getenv("PAKNCTL_BIN") : "build/asan/paknctl";
}

static int request(const char *method, const char *path, const char *headers, const char *body,
		   struct th_resp *keep)
{
	struct th_resp r;
	assert_int_equal(th_http(&srv, method, path, headers, body, body ? strlen(body) : 0, &r), 0);
	int status = r.status;
	if (keep)
		*keep = r;
	else
		th_resp_free(&r);
	return status;
}

static int sign_in(struct who *w)
{
	char body[256];
	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", w->user, password);
	struct th_resp r;
	int status = request("POST", "/api/v1/auth/login", JSON_TYPE, body, &r);
	if (status == 200) {
		char token[128];
		if (sscanf(th_header(&r, "Set-Cookie"), "__Host-pakn_session=%127[^;]", token) != 1)
			status = -1;
		json_object *doc = th_json(&r);
		snprintf(w->headers, sizeof(w->headers), "Cookie: __Host-pakn_session=%s\r\n", token);
		snprintf(w->post, sizeof(w->post), "Cookie: __Host-pakn_session=%s\r\nX-CSRF-Token: %s\r\n",
			 token, th_str(doc, "csrf_token", NULL));
		json_object_put(doc);
		if (status == 200 && th_pass_second_factor(db_url, w->user) < 0)
			status = -1;
	}
	th_resp_free(&r);
	return status;
}

static int group_setup(void **state)
{
	(void)state;
	if (th_own_database("export", db_url, sizeof(db_url)) < 0)
		return -1;
	for (int i = 0; i < NWHO; i++) {
		char agency[96] = "";
		if (who[i].agency)
			snprintf(agency, sizeof(agency), "--agency %s", who[i].agency);
		if (th_run("echo %s | PAKN_DATABASE_URL='%s' %s official add %s --role %s %s >/dev/null",
			   password, db_url, ctl(), who[i].user, who[i].role, agency) != 0)
			return -1;
	}
	for (int i = 0; i < 3; i++) {
		char q[400], *code = NULL;
		snprintf(q, sizeof(q),
			 "SELECT it.code FROM plan_item it JOIN plan_item_agency x ON x.item_id = it.id"
			 " JOIN agency a ON a.id = x.agency_id WHERE a.code = 'lc-dang-uy-ubnd-tinh'"
			 " AND x.role = 'lead' ORDER BY it.position OFFSET %d LIMIT 1", i);
		if (th_sql(db_url, q, &code) < 0 || !code)
			return -1;
		snprintf(lc_items[i], sizeof(lc_items[i]), "%s", code);
		free(code);
	}
	char url_env[600];
	snprintf(url_env, sizeof(url_env), "PAKN_DATABASE_URL=%s", db_url);
	const char *const env[] = {url_env, "PAKN_INTAKE_RATE=100000", "PAKN_INTAKE_BURST=100000",
				   "PAKN_LOGIN_RATE=10000", "PAKN_EXPORT_MAX_ROWS=8", NULL};
	if (th_server_start(&srv, "moderation_export", env) < 0 ||
	    th_server_wait_ready(&srv, 10000) < 0)
		return -1;
	for (int i = 0; i < NWHO; i++)
		if (sign_in(&who[i]) != 200)
			return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return th_server_stop(&srv) == 0 ? 0 : -1;
}

/* A new feedback on item with body (JSON-escaped already); contact details always given,
 * consent to be contacted as asked. Returns its id; its tracking code into code. */
static long new_feedback(const char *item, const char *body_json, bool consent, char code[32])
{
	static unsigned counter;
	unsigned n = ++counter;
	char body[2048];
	snprintf(body, sizeof(body),
		 "{\"item_code\":\"%s\",\"rating\":4,\"kind\":\"proposal\",\"body\":\"%s\","
		 "\"submitter\":{\"type\":\"individual\",\"name\":\"Nguyễn Thị Dân %u\"},"
		 "\"contact\":{\"email\":\"dan%u@example.vn\",\"phone\":\"0912 345 678\"},"
		 "\"consent\":{\"publish\":true,\"contact\":%s}}",
		 item, body_json, n, n, consent ? "true" : "false");
	struct th_resp r;
	assert_int_equal(request("POST", "/api/v1/feedback", JSON_TYPE, body, &r), 201);
	json_object *doc = th_json(&r);
	snprintf(code, 32, "%s", th_str(doc, "receipt", "tracking_code", NULL));
	json_object_put(doc);
	th_resp_free(&r);
	char q[160], *id = NULL;
	snprintf(q, sizeof(q), "SELECT id FROM feedback WHERE tracking_code = '%s'", code);
	assert_int_equal(th_sql(db_url, q, &id), 0);
	assert_non_null(id);
	long v = atol(id);
	free(id);
	return v;
}

static void act(int w, long id, const char *json)
{
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/actions", id);
	assert_int_equal(request("POST", path, who[w].post, json, NULL), 200);
}

/* GET the export as w with query q; the reply in r. Returns the status. */
static int export_as(int w, const char *q, struct th_resp *r)
{
	char path[512];
	snprintf(path, sizeof(path), "/api/v1/moderation/export%s%s", *q ? "?" : "", q);
	return request("GET", path, w < 0 ? NULL : who[w].headers, NULL, r);
}

/* The CSV body as Python's csv module reads it (the BOM taken off by utf-8-sig): a JSON
 * array of rows, each an array of cells (caller puts). */
static json_object *csv_rows(const struct th_resp *r)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/export.csv", getenv("PAKN_TEST_TMP") ? getenv("PAKN_TEST_TMP") : "/tmp");
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(r->body, 1, r->body_len, f), r->body_len);
	fclose(f);
	size_t cap = 4 * r->body_len + 4096;
	char *out = malloc(cap);
	assert_int_equal(th_run_output(out, cap,
				       "python3 -c 'import csv, json, sys; f = open(sys.argv[1], "
				       "encoding=\"utf-8-sig\", newline=\"\"); "
				       "print(json.dumps(list(csv.reader(f, strict=True))))' %s",
				       path),
			 0);
	json_object *rows = json_tokener_parse(out);
	free(out);
	assert_non_null(rows);
	return rows;
}

static int column(json_object *rows, const char *name)
{
	json_object *head = json_object_array_get_idx(rows, 0);
	for (size_t c = 0; c < json_object_array_length(head); c++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(head, c)), name) == 0)
			return (int)c;
	return -1;
}

/* The cell of column name in the row whose tracking_code is code, or NULL without such a row. */
static const char *cell(json_object *rows, const char *code, const char *name)
{
	int tc = column(rows, "tracking_code"), c = column(rows, name);
	assert_true(tc >= 0 && c >= 0);
	for (size_t r = 1; r < json_object_array_length(rows); r++) {
		json_object *row = json_object_array_get_idx(rows, r);
		if (strcmp(json_object_get_string(json_object_array_get_idx(row, (size_t)tc)), code) == 0)
			return json_object_get_string(json_object_array_get_idx(row, (size_t)c));
	}
	return NULL;
}

static const char header_row[] =
	"id,tracking_code,plan,item_code,item_title,kind,rating,state,received_at,agency,body,"
	"answer,answered_at,answered_by";

/* --- scope, file, header ---------------------------------------------------------------- */

static void test_each_official_gets_their_agencies_rows(void **state)
{
	(void)state;
	char lc[32], db[32], q[128];
	long lc_id = new_feedback(lc_items[0], "Ý kiến về số hóa hồ sơ", false, lc);
	new_feedback(db_item, "Góp ý của tỉnh khác", false, db);
	struct th_resp r;
	assert_int_equal(export_as(MOD_LC, "", &r), 200);
	assert_non_null(strstr(th_header(&r, "Content-Type"), "text/csv"));
	char want[96];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(want, sizeof(want), "attachment; filename=\"pakn-feedback-%Y%m%d.csv\"", &tm);
	assert_string_equal(th_header(&r, "Content-Disposition"), want);
	assert_non_null(strstr(th_header(&r, "Cache-Control"), "no-store"));
	/* A byte-order mark so that Excel reads UTF-8, then the header row. */
	assert_memory_equal(r.body, "\xEF\xBB\xBF", 3);
	assert_memory_equal(r.body + 3, header_row, strlen(header_row));
	assert_memory_equal(r.body + 3 + strlen(header_row), "\r\n", 2);
	assert_non_null(strstr(r.body, lc));
	assert_null(strstr(r.body, db));
	json_object *rows = csv_rows(&r);
	assert_string_equal(cell(rows, lc, "body"), "Ý kiến về số hóa hồ sơ");
	assert_string_equal(cell(rows, lc, "item_code"), lc_items[0]);
	assert_string_equal(cell(rows, lc, "plan"), "LC-2026");
	assert_string_equal(cell(rows, lc, "state"), "received");
	assert_string_equal(cell(rows, lc, "rating"), "4");
	assert_string_equal(cell(rows, lc, "agency"), "lc-dang-uy-ubnd-tinh");
	json_object_put(rows);
	th_resp_free(&r);

	assert_int_equal(export_as(MOD_DB, "", &r), 200);
	assert_non_null(strstr(r.body, db));
	assert_null(strstr(r.body, lc));
	th_resp_free(&r);

	/* Forwarding gives the other agency the row (found through feedback_forward). */
	act(MOD_LC, lc_id, "{\"action\":\"forward\",\"agency\":\"db-so-khoa-hoc-va-cong-nghe\"}");
	assert_int_equal(export_as(MOD_DB, "", &r), 200);
	assert_non_null(strstr(r.body, lc));
	th_resp_free(&r);
	/* The agency filter narrows the scope, as in the queue. */
	snprintf(q, sizeof(q), "agency=db-so-khoa-hoc-va-cong-nghe&item=%s", lc_items[0]);
	assert_int_equal(export_as(MOD_LC, q, &r), 200);
	assert_non_null(strstr(r.body, lc));
	th_resp_free(&r);
	assert_int_equal(export_as(MOD_LC, "agency=lc-so-y-te", &r), 200);
	assert_null(strstr(r.body, lc));
	th_resp_free(&r);
	/* Forwarded to an agency that its item already lists: still one row. */
	act(MOD_LC, lc_id, "{\"action\":\"forward\",\"agency\":\"lc-dang-uy-ubnd-tinh\"}");
	snprintf(q, sizeof(q), "item=%s", lc_items[0]);
	assert_int_equal(export_as(MOD_LC, q, &r), 200);
	const char *once = strstr(r.body, lc);
	assert_non_null(once);
	assert_null(strstr(once + 1, lc));
	th_resp_free(&r);

	/* The export reads the scope from the agencies (pakn_agency_feedback); every other
	 * endpoint tests it row by row (pakn_in_scope): the same rows for every official. */
	char *differ = NULL;
	assert_int_equal(th_sql(db_url,
				"SELECT count(*) FROM official o, LATERAL ("
				" SELECT ARRAY(SELECT agency_id FROM official_agency WHERE official_id = o.id) AS a) m,"
				" LATERAL ((SELECT f.id FROM feedback f WHERE pakn_in_scope(o.id, f.id)"
				"           EXCEPT SELECT s.id FROM pakn_agency_feedback(m.a) s)"
				"          UNION ALL (SELECT s.id FROM pakn_agency_feedback(m.a) s"
				"           EXCEPT SELECT f.id FROM feedback f WHERE pakn_in_scope(o.id, f.id))) d"
				" WHERE o.roles && ARRAY['moderator', 'responder']::text[]",
				&differ),
			 0);
	assert_string_equal(differ, "0");
	free(differ);
}

/* from and to are days in Vietnam, as in the queue: feedback stored at 20:00 UTC on
 * 1 March is 03:00 on 2 March in Vietnam, so it is on the 2nd, not the 1st. */
static void test_dates_are_days_in_vietnam(void **state)
{
	(void)state;
	char code[32], q[256], *ok = NULL;
	long id = new_feedback(lc_items[0], "Gửi lúc 3 giờ sáng", false, code);
	snprintf(q, sizeof(q),
		 "UPDATE feedback SET created_at = '2026-03-01 20:00:00+00' WHERE id = %ld "
		 "RETURNING 'ok'",
		 id);
	assert_int_equal(th_sql(db_url, q, &ok), 0);
	assert_string_equal(ok, "ok");
	free(ok);
	struct th_resp r;
	snprintf(q, sizeof(q), "item=%s&from=2026-03-02&to=2026-03-02", lc_items[0]);
	assert_int_equal(export_as(MOD_LC, q, &r), 200);
	assert_non_null(strstr(r.body, code));
	th_resp_free(&r);
	snprintf(q, sizeof(q), "item=%s&from=2026-03-01&to=2026-03-01", lc_items[0]);
	assert_int_equal(export_as(MOD_LC, q, &r), 200);
	assert_null(strstr(r.body, code));
	th_resp_free(&r);
}

/* --- cells a spreadsheet would run, quotes and line breaks ----------------------------- */

static void test_formulas_are_neutralised_and_text_round_trips(void **state)
{
	(void)state;
	char cmd[32], plus[32], minus[32], at[32], quoted[32];
	long cmd_id = new_feedback(lc_items[1], "=cmd|' /C calc'!A0", false, cmd);
	new_feedback(lc_items[1], "+1+2", false, plus);
	new_feedback(lc_items[1], "-2+3", false, minus);
	new_feedback(lc_items[1], "@SUM(A1:A9)", false, at);
	new_feedback(lc_items[1], "Dòng một, \\\"trích dẫn\\\"; \\\"\\\"\\nDòng hai,,\\n\\\"", false,
		     quoted);
	act(MOD_LC, cmd_id, "{\"action\":\"publish\"}");
	act(RESP_LC, cmd_id, "{\"action\":\"answer\",\"text\":\"=HYPERLINK(\\\"http://x.example\\\")\"}");
	char q[64];
	snprintf(q, sizeof(q), "item=%s", lc_items[1]);
	struct th_resp r;
	assert_int_equal(export_as(MOD_LC, q, &r), 200);
	json_object *rows = csv_rows(&r);
	assert_int_equal(json_object_array_length(rows), 6);
	assert_string_equal(cell(rows, cmd, "body"), "'=cmd|' /C calc'!A0");
	assert_string_equal(cell(rows, plus, "body"), "'+1+2");
	assert_string_equal(cell(rows, minus, "body"), "'-2+3");
	assert_string_equal(cell(rows, at, "body"), "'@SUM(A1:A9)");
	assert_string_equal(cell(rows, quoted, "body"), "Dòng một, \"trích dẫn\"; \"\"\nDòng hai,,\n\"");
	/* The answer, its time and who answered (the name the console shows). */
	assert_string_equal(cell(rows, cmd, "answer"), "'=HYPERLINK(\"http://x.example\")");
	assert_string_equal(cell(rows, cmd, "answered_by"), "x.resp.lc");
	assert_string_equal(cell(rows, cmd, "state"), "answered");
	assert_int_equal(strlen(cell(rows, cmd, "answered_at")), 27);
	assert_string_equal(cell(rows, plus, "answer"), "");
	json_object_put(rows);
	th_resp_free(&r);
}

/* --- JSON ------------------------------------------------------------------------------- */

static void test_json_is_an_array_of_the_same_rows(void **state)
{
	(void)state;
	char cmd[32];
	new_feedback(lc_items[2], "=1+1 trong JSON", false, cmd);
	char q[80];
	snprintf(q, sizeof(q), "format=json&item=%s&kind=proposal&rating=4", lc_items[2]);
	struct th_resp r;
	assert_int_equal(export_as(MOD_LC, q, &r), 200);
	assert_non_null(strstr(th_header(&r, "Content-Type"), "application/json"));
	assert_non_null(strstr(th_header(&r, "Content-Disposition"), ".json\""));
	json_object *doc = th_json(&r);
	assert_true(json_object_is_type(doc, json_type_array));
	assert_int_equal(json_object_array_length(doc), 1);
	json_object *row = json_object_array_get_idx(doc, 0);
	assert_string_equal(th_str(row, "tracking_code", NULL), cmd);
	assert_string_equal(th_str(row, "body", NULL), "=1+1 trong JSON"); /* JSON is not a sheet */
	assert_true(json_object_is_type(th_get(row, "rating", NULL), json_type_int));
	assert_true(json_object_is_type(th_get(row, "id", NULL), json_type_int));
	assert_null(th_get(row, "answer", NULL));
	json_object *v;
	assert_false(json_object_object_get_ex(row, "contact_email", &v));
	assert_false(json_object_object_get_ex(row, "personal_enc", &v));
	json_object_put(doc);
	th_resp_free(&r);
	/* A filter that matches nothing: an empty array. */
	snprintf(q, sizeof(q), "format=json&item=%s&kind=report", lc_items[2]);
	assert_int_equal(export_as(MOD_LC, q, &r), 200);
	assert_string_equal(r.body, "[]");
	th_resp_free(&r);
}

/* --- errors ----------------------------------------------------------------------------- */

static void test_errors_are_the_documented_json(void **state)
{
	(void)state;
	struct th_resp r;
	assert_int_equal(export_as(MOD_LC, "format=xlsx", &r), 400);
	json_object *doc = th_json(&r);
	assert_string_equal(th_str(doc, "error", "code", NULL), "invalid_parameter");
	assert_string_equal(th_str(doc, "error", "fields", "0", "field", NULL), "format");
	json_object_put(doc);
	th_resp_free(&r);
	assert_int_equal(export_as(MOD_LC, "include_contact=yes&rating=9", &r), 400);
	doc = th_json(&r);
	assert_string_equal(th_str(doc, "error", "fields", "0", "field", NULL), "include_contact");
	assert_string_equal(th_str(doc, "error", "fields", "1", "field", NULL), "rating");
	json_object_put(doc);
	th_resp_free(&r);
	assert_int_equal(export_as(MOD_LC, "cursor=5", &r), 400); /* the export has no pages */
	th_resp_free(&r);
	assert_int_equal(export_as(-1, "", &r), 401);
	doc = th_json(&r);
	assert_string_equal(th_str(doc, "error", "code", NULL), "authentication_required");
	json_object_put(doc);
	th_resp_free(&r);
	/* Roles without feedback get none, with or without contact details. */
	for (int w = ANALYST; w <= ADMIN; w++) {
		assert_int_equal(export_as(w, "", &r), 403);
		assert_null(strstr(r.body, "LC-"));
		th_resp_free(&r);
		assert_int_equal(export_as(w, "include_contact=1", &r), 403);
		assert_null(strstr(r.body, "example.vn"));
		th_resp_free(&r);
	}
	/* A GET needs no CSRF token; a POST is not a route. */
	assert_int_equal(request("POST", "/api/v1/moderation/export", who[MOD_LC].post, "", NULL), 405);
}

/* --- contact details, audit ------------------------------------------------------------- */

static char *last_export_event(int w)
{
	char q[400], *v = NULL;
	snprintf(q, sizeof(q),
		 "SELECT e.reason || ' | ' || e.note || ' | ' || coalesce(e.feedback_id::text, '-')"
		 " FROM moderation_event e JOIN official o ON o.id = e.official_id"
		 " WHERE o.username = '%s' AND e.action = 'export' ORDER BY e.id DESC LIMIT 1",
		 who[w].user);
	assert_int_equal(th_sql(db_url, q, &v), 0);
	assert_non_null(v);
	return v;
}

static void test_contact_only_when_asked_and_consented(void **state)
{
	(void)state;
	char yes[32], no[32], item_q[64], q[128];
	new_feedback(lc_items[2], "Xin liên hệ lại với tôi", true, yes);
	new_feedback(lc_items[2], "Không muốn được liên hệ", false, no);
	snprintf(item_q, sizeof(item_q), "item=%s", lc_items[2]);

	/* Not asked: no contact columns, nothing personal anywhere in the file. */
	struct th_resp r;
	assert_int_equal(export_as(RESP_LC, item_q, &r), 200);
	assert_null(strstr(r.body, "example.vn"));
	assert_null(strstr(r.body, "Nguyễn Thị Dân"));
	assert_null(strstr(r.body, "contact_"));
	th_resp_free(&r);
	char *ev = last_export_event(RESP_LC);
	snprintf(q, sizeof(q), "without_contact | format=csv item=%s rows=3 | -", lc_items[2]);
	assert_string_equal(ev, q);
	free(ev);

	/* Asked by a role that may read them: decrypted, for the consenting submitter only. */
	snprintf(q, sizeof(q), "include_contact=1&%s", item_q);
	assert_int_equal(export_as(RESP_LC, q, &r), 200);
	json_object *rows = csv_rows(&r);
	assert_int_equal(column(rows, "contact_name"), 14);
	assert_int_equal(column(rows, "contact_phone"), 17);
	assert_null(strstr(r.body, "personal_enc"));
	assert_non_null(strstr(cell(rows, yes, "contact_email"), "@example.vn"));
	assert_non_null(strstr(cell(rows, yes, "contact_name"), "Nguyễn Thị Dân"));
	/* Stored as +84…, so neutralised like any cell starting with '+' (and kept as text,
	 * not read as the number 84912345678). */
	assert_string_equal(cell(rows, yes, "contact_phone"), "'+84912345678");
	assert_string_equal(cell(rows, yes, "contact_organization"), "");
	assert_string_equal(cell(rows, no, "contact_email"), "");
	assert_string_equal(cell(rows, no, "contact_name"), "");
	json_object_put(rows);
	th_resp_free(&r);
	ev = last_export_event(RESP_LC);
	snprintf(q, sizeof(q), "with_contact | format=csv item=%s rows=3 | -", lc_items[2]);
	assert_string_equal(ev, q);
	free(ev);

	/* The same in JSON: null where there is nothing to give. */
	snprintf(q, sizeof(q), "format=json&include_contact=1&%s", item_q);
	assert_int_equal(export_as(MOD_LC, q, &r), 200);
	json_object *doc = th_json(&r);
	int seen = 0;
	for (size_t i = 0; i < json_object_array_length(doc); i++) {
		json_object *row = json_object_array_get_idx(doc, i);
		const char *code = th_str(row, "tracking_code", NULL);
		json_object *v;
		assert_true(json_object_object_get_ex(row, "contact_email", &v));
		if (strcmp(code, yes) == 0) {
			assert_non_null(strstr(json_object_get_string(v), "@example.vn"));
			seen++;
		} else {
			assert_null(v);
		}
	}
	assert_int_equal(seen, 1);
	json_object_put(doc);
	th_resp_free(&r);

	/* The audit chain still verifies with the export events in it. */
	assert_int_equal(th_run("PAKN_DATABASE_URL='%s' %s audit verify >/dev/null", db_url, ctl()), 0);
}

/* --- the cap ---------------------------------------------------------------------------- */

static void test_cap_cuts_and_says_so(void **state)
{
	(void)state;
	char codes[CAP + 1][32];
	for (int i = 0; i < CAP + 1; i++)
		new_feedback(db_item, "Một trong nhiều góp ý", false, codes[i]);
	struct th_resp r;
	char q[64];
	snprintf(q, sizeof(q), "status=received&item=%s", db_item);
	/* DB's moderator has CAP + 2 rows on the item (one from the first test). */
	assert_int_equal(export_as(MOD_DB, q, &r), 200);
	assert_string_equal(th_header(&r, "X-Export-Truncated"), "true");
	assert_string_equal(th_header(&r, "X-Export-Rows"), "8");
	json_object *rows = csv_rows(&r);
	assert_int_equal(json_object_array_length(rows), CAP + 1); /* the header and CAP rows */
	/* Oldest first: the newest ones are those cut. */
	assert_null(cell(rows, codes[CAP], "body"));
	assert_non_null(cell(rows, codes[0], "body"));
	json_object_put(rows);
	th_resp_free(&r);
	char *ev = last_export_event(MOD_DB);
	char want[128];
	snprintf(want, sizeof(want), "without_contact | format=csv status=received item=%s rows=8 truncated | -",
		 db_item);
	assert_string_equal(ev, want);
	free(ev);
	/* Under the cap it says so too. */
	snprintf(q, sizeof(q), "format=json&item=%s", lc_items[0]);
	assert_int_equal(export_as(MOD_LC, q, &r), 200);
	assert_string_equal(th_header(&r, "X-Export-Truncated"), "false");
	assert_string_equal(th_header(&r, "X-Export-Rows"), "2"); /* the first test's, 1 March's */
	th_resp_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_official_gets_their_agencies_rows),
		cmocka_unit_test(test_dates_are_days_in_vietnam),
		cmocka_unit_test(test_formulas_are_neutralised_and_text_round_trips),
		cmocka_unit_test(test_json_is_an_array_of_the_same_rows),
		cmocka_unit_test(test_errors_are_the_documented_json),
		cmocka_unit_test(test_contact_only_when_asked_and_consented),
		cmocka_unit_test(test_cap_cuts_and_says_so),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
