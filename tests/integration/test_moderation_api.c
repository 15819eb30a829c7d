/* test_moderation_api.c - officials at work, as they and an auditor see it: sign-in,
 * sessions, CSRF, throttling, the authorization matrix (every role x every officials'
 * endpoint x feedback in and out of scope), the state table and the roles table of
 * docs/moderation.md read from that file and checked cell by cell, publishing and answering
 * in one step, answers that stay private without publication, the audit chain (and its break after tampering in SQL), contact reads, the public feed and
 * the rating of an answer. Real server, real PostgreSQL. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/util.h"
#include "harness.h"

static struct th_server srv;

/* An official's sign-in: cookie header and CSRF token, or a bearer header. */
struct who {
	const char *user, *role, *agency;
	char headers[512];      /* for GET */
	char post_headers[640]; /* for POST: + X-CSRF-Token */
};

enum { ADMIN, MOD_LC, RESP_LC, BOTH_LC, ANALYST, MOD_DB, NONE, NWHO };
static struct who who[NWHO] = {
	[ADMIN] = {"t.admin", "admin", NULL},
	[MOD_LC] = {"t.mod.lc", "moderator", "lc-dang-uy-ubnd-tinh"},
	[RESP_LC] = {"t.resp.lc", "responder", "lc-dang-uy-ubnd-tinh"},
	[BOTH_LC] = {"t.both.lc", "moderator,responder", "lc-dang-uy-ubnd-tinh"},
	[ANALYST] = {"t.analyst", "analyst", NULL},
	[MOD_DB] = {"t.mod.db", "moderator", "db-so-khoa-hoc-va-cong-nghe"},
	[NONE] = {NULL, NULL, NULL},
};
static const char password[] = "mat-khau-thu-nghiem-57";
#define JSON_TYPE "Content-Type: application/json\r\n"

static const char *ctl(void)
{
	return getenv("PAKNCTL_BIN") ? getenv("PAKNCTL_BIN") : "build/asan/paknctl";
}

static int request(const struct th_server *s, const char *method, const char *path,
		   const char *headers, const char *body, json_object **doc, struct th_resp *keep)
{
	struct th_resp r;
	assert_int_equal(th_http(s, method, path, headers, body, body ? strlen(body) : 0, &r), 0);
	int status = r.status;
	if (doc)
		*doc = th_json(&r);
	if (keep)
		*keep = r;
	else
		th_resp_free(&r);
	return status;
}

/* Signs in and fills the headers; returns the HTTP status. The new session is marked as
 * past its second factor, which admins, moderators and responders need: these tests are
 * about moderation (the second factor's are in test_second_factor.c). */
static int sign_in(const struct th_server *s, struct who *w, const char *pw)
{
	char body[256];
	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", w->user, pw);
	struct th_resp r;
	int status = request(s, "POST", "/api/v1/auth/login", JSON_TYPE, body, NULL, &r);
	if (status == 200) {
		const char *cookie = th_header(&r, "Set-Cookie");
		char token[128];
		assert_int_equal(sscanf(cookie, "__Host-pakn_session=%127[^;]", token), 1);
		assert_non_null(strstr(cookie, "HttpOnly"));
		assert_non_null(strstr(cookie, "SameSite=Strict"));
		json_object *doc = th_json(&r);
		snprintf(w->headers, sizeof(w->headers), "Cookie: __Host-pakn_session=%s\r\n", token);
		snprintf(w->post_headers, sizeof(w->post_headers), "%sX-CSRF-Token: %s\r\n", w->headers,
			 th_str(doc, "csrf_token", NULL));
		json_object_put(doc);
		assert_int_equal(th_pass_second_factor(getenv("PAKN_DATABASE_URL"), w->user), 0);
	}
	th_resp_free(&r);
	return status;
}

/* Signs user in with the device cookie device (may be ""); the device cookie the reply sets
 * is copied to out (out may be NULL). Returns the HTTP status. */
static int sign_in_device(const struct th_server *s, const char *user, const char *pw,
			  const char *device, char *out, size_t outlen)
{
	char body[256], headers[256];
	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", user, pw);
	snprintf(headers, sizeof(headers), JSON_TYPE "%s%s%s", *device ? "Cookie: " : "", device,
		 *device ? "\r\n" : "");
	struct th_resp r;
	int status = request(s, "POST", "/api/v1/auth/login", headers, body, NULL, &r);
	const char *set = r.head ? strstr(r.head, "__Host-pakn_device=") : NULL;
	if (out)
		snprintf(out, outlen, "%.*s", set ? (int)strcspn(set, ";\r\n") : 0, set ? set : "");
	th_resp_free(&r);
	return status;
}

static int group_setup(void **state)
{
	(void)state;
	for (int i = 0; i < NWHO; i++) {
		if (!who[i].user)
			continue;
		char agency[128] = "";
		if (who[i].agency)
			snprintf(agency, sizeof(agency), "--agency %s", who[i].agency);
		if (th_run("echo %s | %s official add %s --role %s %s >/dev/null", password, ctl(),
			who[i].user, who[i].role, agency) != 0)
			return -1;
	}
	/* Limits have their own tests; here they would only get in the way. */
	static const char *const env[] = {"PAKN_INTAKE_RATE=100000", "PAKN_INTAKE_BURST=100000",
					  "PAKN_LOGIN_RATE=10000", NULL};
	if (th_server_start(&srv, "moderation_api", env) < 0 || th_server_wait_ready(&srv, 10000) < 0)
		return -1;
	for (int i = 0; i < NWHO; i++)
		if (who[i].user && sign_in(&srv, &who[i], password) != 200)
			return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return th_server_stop(&srv) == 0 ? 0 : -1;
}

static char *sql_value(const char *query);

/* A new feedback on item; returns its id and fills secret/tracking code if asked. */
static long new_feedback(const char *item, bool consent, char *secret, char *code)
{
	static unsigned counter;
	unsigned n = ++counter;
	char body[512];
	snprintf(body, sizeof(body),
		 "{\"item_code\":\"%s\",\"rating\":3,\"kind\":\"report\",\"body\":\"Ý kiến thử %u\","
		 "\"contact\":{\"email\":\"dan%u@example.vn\"},"
		 "\"consent\":{\"publish\":%s,\"contact\":%s}}",
		 item, n, n, consent ? "true" : "false", consent ? "true" : "false");
	json_object *doc;
	assert_int_equal(request(&srv, "POST", "/api/v1/feedback", "Content-Type: application/json\r\n",
				 body, &doc, NULL),
			 201);
	/* A receipt names its feedback by tracking code (version 2 has no row id). */
	char query[160];
	snprintf(query, sizeof(query), "SELECT id FROM feedback WHERE tracking_code = '%s'",
		 th_str(doc, "receipt", "tracking_code", NULL));
	char *row = sql_value(query);
	long id = atol(row);
	free(row);
	if (secret)
		strcpy(secret, th_str(doc, "receipt", "secret", NULL));
	if (code)
		strcpy(code, th_str(doc, "receipt", "tracking_code", NULL));
	json_object_put(doc);
	return id;
}

static int act(int w, long id, const char *json)
{
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/actions", id);
	return request(&srv, "POST", path, who[w].post_headers, json, NULL, NULL);
}

/* --- sign-in -------------------------------------------------------------------------- */

static void test_me_and_logout(void **state)
{
	(void)state;
	json_object *doc;
	assert_int_equal(request(&srv, "GET", "/api/v1/auth/me", who[MOD_LC].headers, NULL, &doc, NULL),
			 200);
	assert_string_equal(th_str(doc, "roles", "0", NULL), "moderator");
	assert_int_equal(json_object_array_length(th_get(doc, "roles", NULL)), 1);
	assert_string_equal(th_str(doc, "agencies", "0", NULL), "lc-dang-uy-ubnd-tinh");
	/* A reloaded page gets the session's CSRF token back: the one the login gave. */
	const char *csrf = th_str(doc, "csrf_token", NULL);
	assert_non_null(csrf);
	assert_true(strlen(csrf) > 10);
	assert_non_null(strstr(who[MOD_LC].post_headers, csrf));
	json_object_put(doc);

	struct who temp = who[MOD_LC];
	assert_int_equal(sign_in(&srv, &temp, password), 200);
	assert_int_equal(request(&srv, "POST", "/api/v1/auth/logout", temp.post_headers, "", NULL, NULL),
			 200);
	assert_int_equal(request(&srv, "GET", "/api/v1/auth/me", temp.headers, NULL, NULL, NULL), 401);
	/* Wrong password and unknown user look the same. */
	struct who nobody = {.user = "khong.co.ai"};
	json_object *a, *b;
	struct th_resp ra, rb;
	char body[200];
	snprintf(body, sizeof(body), "{\"username\":\"t.mod.db\",\"password\":\"sai-mat-khau-roi\"}");
	assert_int_equal(request(&srv, "POST", "/api/v1/auth/login", JSON_TYPE, body, &a, &ra), 401);
	assert_int_equal(sign_in(&srv, &nobody, password), 401);
	snprintf(body, sizeof(body), "{\"username\":\"khong.co.ai\",\"password\":\"%s\"}", password);
	assert_int_equal(request(&srv, "POST", "/api/v1/auth/login", JSON_TYPE, body, &b, &rb), 401);
	assert_string_equal(th_str(a, "error", "code", NULL), th_str(b, "error", "code", NULL));
	assert_string_equal(th_str(a, "error", "message", NULL), th_str(b, "error", "message", NULL));
	json_object_put(a);
	json_object_put(b);
	th_resp_free(&ra);
	th_resp_free(&rb);
}

static void test_csrf_and_bearer(void **state)
{
	(void)state;
	long id = new_feedback("LC-T25", false, NULL, NULL);
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/actions", id);
	const char *body = "{\"action\":\"forward\",\"agency\":\"lc-dang-uy-ubnd-tinh\"}";
	assert_int_equal(request(&srv, "POST", path, who[MOD_LC].headers, body, NULL, NULL), 403);
	char wrong[640];
	snprintf(wrong, sizeof(wrong), "%sX-CSRF-Token: AAAAAAAAAAAAAAAAAAAAAA\r\n", who[MOD_LC].headers);
	assert_int_equal(request(&srv, "POST", path, wrong, body, NULL, NULL), 403);
	assert_int_equal(request(&srv, "POST", path, who[MOD_LC].post_headers, body, NULL, NULL), 200);

	/* A script's bearer token needs no CSRF token. */
	char cmd[256], token[128] = "";
	snprintf(cmd, sizeof(cmd), "%s token create t.mod.lc --label test 2>/dev/null", ctl());
	FILE *p = popen(cmd, "r");
	assert_non_null(fgets(token, sizeof(token), p));
	pclose(p);
	token[strcspn(token, "\n")] = '\0';
	char bearer[256];
	snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s\r\n", token);
	assert_int_equal(request(&srv, "POST", path, bearer, body, NULL, NULL), 200);
	snprintf(bearer, sizeof(bearer), "Authorization: Bearer %sX\r\n", token);
	assert_int_equal(request(&srv, "POST", path, bearer, body, NULL, NULL), 401);

	/* Revoked by the id token list shows, it is refused from the next request on; the
	 * official's browser session is untouched. */
	assert_int_equal(th_run("%s token revoke \"$(%s token list t.mod.lc | awk '$2 == \"active\" &&"
				" $NF == \"test\" { print $1; exit }')\" >/dev/null",
				ctl(), ctl()),
			 0);
	snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s\r\n", token);
	assert_int_equal(request(&srv, "POST", path, bearer, body, NULL, NULL), 401);
	assert_int_equal(request(&srv, "GET", "/api/v1/auth/me", who[MOD_LC].headers, NULL, NULL, NULL),
			 200);
}

/* --- the authorization matrix --------------------------------------------------------- */

enum endpoint { QUEUE, HISTORY_IN, HISTORY_OUT, CONTACT_IN, CONTACT_OUT, ACTION_IN, ACTION_OUT,
		NENDPOINTS };

static const char *const endpoint_names[] = {"queue", "history in scope", "history out of scope",
					     "contact in scope", "contact out of scope",
					     "action in scope", "action out of scope"};

/* Expected status: one row per signed-in role, one column per endpoint. */
static const int matrix[][NENDPOINTS] = {
	[ADMIN] = {403, 403, 403, 403, 403, 403, 403},
	[MOD_LC] = {200, 200, 404, 200, 404, 200, 404},
	[RESP_LC] = {200, 200, 404, 200, 404, 200, 404},
	[BOTH_LC] = {200, 200, 404, 200, 404, 200, 404},
	[ANALYST] = {403, 403, 403, 403, 403, 403, 403},
	[MOD_DB] = {200, 404, 200, 404, 200, 404, 200},
	[NONE] = {401, 401, 401, 401, 401, 401, 401},
};

static void test_authorization_matrix(void **state)
{
	(void)state;
	long lc = new_feedback("LC-T25", true, NULL, NULL);      /* lead: Đảng ủy UBND tỉnh (LC) */
	long db = new_feedback("DB-T-V.1.1", true, NULL, NULL);  /* lead: Sở KH&CN (DB) */
	int failures = 0;
	for (int w = 0; w < NWHO; w++) {
		for (int e = 0; e < NENDPOINTS; e++) {
			/* "In scope" is from the LC officials' side; MOD_DB sees it mirrored. */
			long id = (e == HISTORY_OUT || e == CONTACT_OUT || e == ACTION_OUT) ? db : lc;
			char path[128];
			int got;
			const char *agency = w == MOD_DB ? "db-so-khoa-hoc-va-cong-nghe"
							  : "lc-dang-uy-ubnd-tinh";
			char body[160];
			snprintf(body, sizeof(body), "{\"action\":\"forward\",\"agency\":\"%s\"}", agency);
			switch (e) {
			case QUEUE:
				got = request(&srv, "GET", "/api/v1/moderation/queue", who[w].headers, NULL,
					      NULL, NULL);
				break;
			case HISTORY_IN:
			case HISTORY_OUT:
				snprintf(path, sizeof(path), "/api/v1/moderation/%ld/history", id);
				got = request(&srv, "GET", path, who[w].headers, NULL, NULL, NULL);
				break;
			case CONTACT_IN:
			case CONTACT_OUT:
				snprintf(path, sizeof(path), "/api/v1/moderation/%ld/contact", id);
				got = request(&srv, "GET", path, who[w].headers, NULL, NULL, NULL);
				break;
			default:
				snprintf(path, sizeof(path), "/api/v1/moderation/%ld/actions", id);
				got = request(&srv, "POST", path, who[w].post_headers, body, NULL, NULL);
			}
			if (got != matrix[w][e]) {
				fprintf(stderr, "%s, %s: got %d, want %d\n", w == NONE ? "nobody" : who[w].user,
					endpoint_names[e], got, matrix[w][e]);
				failures++;
			}
		}
	}
	assert_int_equal(failures, 0);
}

/* Two agencies' moderators side by side: each sees only their own. */
static void test_agencies_do_not_see_each_other(void **state)
{
	(void)state;
	long lc = new_feedback("LC-T25", false, NULL, NULL);
	long db = new_feedback("DB-T-V.1.1", false, NULL, NULL);
	char lcs[32], dbs[32];
	snprintf(lcs, sizeof(lcs), "\"id\":%ld,", lc);
	snprintf(dbs, sizeof(dbs), "\"id\":%ld,", db);
	for (int pass = 0; pass < 2; pass++) {
		int w = pass ? MOD_DB : MOD_LC;
		struct sbuf all = {0};
		char path[128] = "/api/v1/moderation/queue?limit=200";
		for (;;) {
			json_object *doc;
			assert_int_equal(request(&srv, "GET", path, who[w].headers, NULL, &doc, NULL), 200);
			sbuf_puts(&all, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
			const char *next = th_str(doc, "next_cursor", NULL);
			if (next)
				snprintf(path, sizeof(path), "/api/v1/moderation/queue?limit=200&cursor=%s", next);
			json_object_put(doc);
			if (!next)
				break;
		}
		assert_true((strstr(all.data, lcs) != NULL) == (w == MOD_LC));
		assert_true((strstr(all.data, dbs) != NULL) == (w == MOD_DB));
		assert_null(strstr(all.data, "example.vn")); /* contact never in the queue */
		sbuf_free(&all);
	}
	/* Forwarding gives the other agency scope. */
	char body[128];
	snprintf(body, sizeof(body), "{\"action\":\"forward\",\"agency\":\"db-so-khoa-hoc-va-cong-nghe\"}");
	assert_int_equal(act(MOD_LC, lc, body), 200);
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/history", lc);
	assert_int_equal(request(&srv, "GET", path, who[MOD_DB].headers, NULL, NULL, NULL), 200);
}

/* --- the state table ------------------------------------------------------------------ */

static const char *const action_names[] = {"publish", "reject", "hide", "forward",
					   "answer", "close", "publish_answer"};
static const char *const actions[] = {
	"{\"action\":\"publish\"}",
	"{\"action\":\"reject\",\"reason\":\"spam\"}",
	"{\"action\":\"hide\",\"reason\":\"personal_data\"}",
	"{\"action\":\"forward\",\"agency\":\"lc-dang-uy-ubnd-tinh\"}",
	"{\"action\":\"answer\",\"text\":\"Sở đã tiếp nhận và sẽ triển khai trong quý II.\"}",
	"{\"action\":\"close\"}",
	"{\"action\":\"publish_answer\",\"text\":\"Sở đã tiếp nhận và sẽ triển khai trong quý II.\"}",
};

/* link_duplicate needs an original: one open feedback in the agencies' scope, made once. */
static const char *link_body(void)
{
	static char body[96];
	if (!body[0])
		snprintf(body, sizeof(body), "{\"action\":\"link_duplicate\",\"of\":%ld}",
			 new_feedback("LC-T25", true, NULL, NULL));
	return body;
}

static const char *action_body(const char *name)
{
	for (size_t i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
		if (strcmp(action_names[i], name) == 0)
			return actions[i];
	if (strcmp(name, "link_duplicate") == 0)
		return link_body();
	if (strcmp(name, "unlink_duplicate") == 0)
		return "{\"action\":\"unlink_duplicate\"}";
	fail_msg("docs/moderation.md names an action this test does not know: %s", name);
	return NULL;
}

#define DOC_PATH "docs/moderation.md"
#define DOC_ROWS 24
#define DOC_COLS 12

/* A markdown table of the doc, row 0 its header, cells trimmed and without backticks. */
struct doc_table {
	int rows, cols;
	char cell[DOC_ROWS][DOC_COLS][64];
};

/* Reads the table that follows the line starting with marker. */
static void doc_table(const char *marker, struct doc_table *t)
{
	FILE *f = fopen(DOC_PATH, "r");
	assert_non_null(f);
	memset(t, 0, sizeof(*t));
	char line[1024];
	bool found = false;
	while (fgets(line, sizeof(line), f)) {
		if (!found) {
			found = strncmp(line, marker, strlen(marker)) == 0;
			continue;
		}
		if (line[0] != '|')
			break;
		if (strncmp(line, "| ---", 5) == 0)
			continue;
		assert_true(t->rows < DOC_ROWS);
		int c = 0;
		for (char *p = line + 1, *bar; (bar = strchr(p, '|')); p = bar + 1) {
			*bar = '\0';
			assert_true(c < DOC_COLS);
			char *out = t->cell[t->rows][c++];
			size_t n = 0;
			for (; *p; p++)
				if (*p != '`' && (n || *p != ' ') && n < 63)
					out[n++] = *p;
			while (n && out[n - 1] == ' ')
				n--;
			out[n] = '\0';
		}
		assert_true(t->rows == 0 || c == t->cols);
		t->cols = c;
		t->rows++;
	}
	fclose(f);
	if (!found || t->rows < 2)
		fail_msg("%s: no table after %s", DOC_PATH, marker);
}

/* A new feedback with or without consent to publication, taken through the actions of path
 * ("publish, answer") by the official with both roles. */
static long feedback_reached(bool consent, const char *path, char *code)
{
	long id = new_feedback("LC-T25", consent, NULL, code);
	char steps[128], *save = NULL;
	snprintf(steps, sizeof(steps), "%s", path);
	for (char *a = strtok_r(steps, ", ", &save); a; a = strtok_r(NULL, ", ", &save))
		if (act(BOTH_LC, id, action_body(a)) != 200)
			fail_msg("could not reach the row \"%s\" (consent: %d)", path, consent);
	return id;
}

/* The feedback as its sender sees it. */
static json_object *tracking(const char *code)
{
	char path[96];
	json_object *doc;
	snprintf(path, sizeof(path), "/api/v1/feedback/%s", code);
	assert_int_equal(request(&srv, "GET", path, NULL, NULL, &doc, NULL), 200);
	return doc;
}

/* Compares one cell: action a on the feedback of row r. Returns 0 when it is as the doc says. */
static int check_cell(const struct doc_table *t, int r, int a)
{
	const char *row_state = t->cell[r][0], *cell = t->cell[r][a];
	char code[32], path[96], state[32];
	long id = feedback_reached(strcmp(t->cell[r][1], "yes") == 0, t->cell[r][2], code);
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/actions", id);
	json_object *doc;
	int got = request(&srv, "POST", path, who[BOTH_LC].post_headers, action_body(t->cell[0][a]),
			  &doc, NULL);
	const char *want_error = strcmp(cell, "—") == 0	   ? "invalid_transition"
				 : strcmp(cell, "no consent") == 0 ? "no_publish_consent"
								   : NULL;
	/* the state the feedback must be in after: the cell's, or the row's when refused */
	snprintf(state, sizeof(state), "%.*s", (int)strcspn(want_error ? row_state : cell, ","),
		 want_error ? row_state : cell);
	int failures = 0;
	if (want_error) {
		const char *code_got = th_str(doc, "error", "code", NULL);
		if (got != 409 || !code_got || strcmp(code_got, want_error) != 0) {
			fprintf(stderr, "%s (%s) + %s: got %d %s, want 409 %s\n", row_state, t->cell[r][1],
				t->cell[0][a], got, code_got ? code_got : "", want_error);
			failures++;
		}
	} else if (got != 200 || strcmp(th_str(doc, "state", NULL), state) != 0) {
		fprintf(stderr, "%s (%s) + %s: got %d %s, want 200 %s\n", row_state, t->cell[r][1],
			t->cell[0][a], got, got == 200 ? th_str(doc, "state", NULL) : "", state);
		failures++;
	}
	json_object_put(doc);
	/* What the sender sees: the state, and whether it was published. */
	doc = tracking(code);
	bool published = th_get(doc, "published_at", NULL) != NULL;
	bool want_published = want_error ? strstr(row_state, "published") != NULL
					 : strstr(cell, "published") != NULL;
	bool settled = strcmp(state, "published") == 0 || strcmp(state, "answered") == 0 ||
		       strcmp(state, "closed") == 0;
	if (strcmp(th_str(doc, "state", NULL), state) != 0 || (settled && published != want_published)) {
		fprintf(stderr, "%s (%s) + %s: the sender sees %s, published %d\n", row_state,
			t->cell[r][1], t->cell[0][a], th_str(doc, "state", NULL), published);
		failures++;
	}
	json_object_put(doc);
	return failures;
}

/* Every cell of the state table of docs/moderation.md, as the official with both roles. */
static void test_state_table_of_the_doc(void **state)
{
	(void)state;
	struct doc_table t;
	doc_table("<!-- states:", &t);
	assert_string_equal(t.cell[0][0], "state");
	assert_string_equal(t.cell[0][3], "publish");
	int failures = 0, cells = 0;
	for (int r = 1; r < t.rows; r++)
		for (int a = 3; a < t.cols; a++, cells++)
			failures += check_cell(&t, r, a);
	assert_int_equal(cells, 11 * 8); /* the table as the doc has it: a cell lost is a failure */
	assert_int_equal(failures, 0);
}

/* Does the comma-separated role list hold role? */
static bool holds(const char *roles, const char *role)
{
	size_t n = strlen(role);
	for (const char *p = roles; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, role, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* May an official holding roles take an action the doc's "who" allows ("moderator",
 * "moderator or responder", "moderator and responder")? */
static bool may(const char *allowed, const char *roles)
{
	bool all = strstr(allowed, " and ") != NULL;
	char words[64], *save = NULL;
	snprintf(words, sizeof(words), "%s", allowed);
	for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (strcmp(w, "and") == 0 || strcmp(w, "or") == 0)
			continue;
		if (holds(roles, w) != all)
			return !all;
	}
	return all;
}

/* Every action of the roles table of docs/moderation.md, for each kind of official: those
 * the table allows get past the role check (whatever the state then says), the others get
 * 403 and a "denied" in the trail. */
static void test_roles_table_of_the_doc(void **state)
{
	(void)state;
	struct doc_table t;
	doc_table("<!-- roles:", &t);
	assert_string_equal(t.cell[0][1], "who");
	static const int officials[] = {MOD_LC, RESP_LC, BOTH_LC, ADMIN, ANALYST};
	int failures = 0;
	for (int r = 1; r < t.rows; r++) {
		for (size_t k = 0; k < sizeof(officials) / sizeof(officials[0]); k++) {
			int w = officials[k];
			bool want = may(t.cell[r][1], who[w].role);
			long id = new_feedback("LC-T25", true, NULL, NULL);
			int got = act(w, id, action_body(t.cell[r][0]));
			if ((got == 403) == want) {
				fprintf(stderr, "%s by %s: got %d\n", t.cell[r][0], who[w].role, got);
				failures++;
			}
		}
	}
	assert_int_equal(t.rows - 1, 9);
	assert_int_equal(failures, 0);
	/* A moderator alone may not publish and answer in one step: refused and audited. */
	long id = new_feedback("LC-T25", true, NULL, NULL);
	assert_int_equal(act(MOD_LC, id, action_body("publish_answer")), 403);
	/* The denial is written after the reply (auth.c does not wait for it): the feedback's id
	 * is its note. */
	char q[200];
	snprintf(q, sizeof(q), "SELECT count(*) FROM moderation_event WHERE feedback_id IS NULL"
		 " AND action = 'denied' AND reason = 'publish_answer' AND note = '%ld'", id);
	bool audited = false;
	for (int tries = 0; tries < 50 && !audited; tries++) {
		char *n = sql_value(q);
		audited = strcmp(n, "1") == 0;
		free(n);
		if (!audited)
			usleep(20000);
	}
	assert_true(audited);
}

/* One official with both roles publishes and answers in one step: two audit events (each as
 * the role that allows it), two log entries proven in one signed head, and the feedback in
 * the public feed with its answer. */
static void test_publish_and_answer_in_one_step(void **state)
{
	(void)state;
	char code[32], path[96], q[256];
	long id = new_feedback("LC-T30", true, NULL, code);
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/actions", id);
	json_object *doc;
	assert_int_equal(request(&srv, "POST", path, who[BOTH_LC].post_headers,
				 action_body("publish_answer"), &doc, NULL),
			 200);
	assert_string_equal(th_str(doc, "state", NULL), "answered");
	assert_string_equal(th_str(doc, "steps", "0", "action", NULL), "publish");
	assert_string_equal(th_str(doc, "steps", "0", "state", NULL), "published");
	assert_string_equal(th_str(doc, "steps", "1", "action", NULL), "answer");
	assert_string_equal(th_str(doc, "steps", "1", "state", NULL), "answered");
	int64_t first = json_object_get_int64(th_get(doc, "steps", "0", "log", "index", NULL));
	int64_t second = json_object_get_int64(th_get(doc, "steps", "1", "log", "index", NULL));
	assert_int_equal(second, first + 1);
	assert_int_equal(json_object_get_int64(th_get(doc, "log", "index", NULL)), second);
	assert_string_equal(th_str(doc, "steps", "0", "log", "checkpoint", NULL),
			    th_str(doc, "log", "checkpoint", NULL));
	assert_non_null(th_get(doc, "steps", "0", "log", "proof", NULL));
	json_object_put(doc);
	snprintf(q, sizeof(q),
		 "SELECT string_agg(action || ':' || role || ':' || (log_index IS NOT NULL), ','"
		 " ORDER BY id) FROM moderation_event WHERE feedback_id = %ld", id);
	char *events = sql_value(q);
	assert_string_equal(events, "publish:moderator:true,answer:responder:true");
	free(events);
	snprintf(q, sizeof(q), "SELECT string_agg(log_index::text, ',' ORDER BY id) FROM"
		 " moderation_event WHERE feedback_id = %ld", id);
	char *indexes = sql_value(q), want[64];
	snprintf(want, sizeof(want), "%lld,%lld", (long long)first, (long long)second);
	assert_string_equal(indexes, want);
	free(indexes);
	assert_int_equal(request(&srv, "GET", "/api/v1/feedback?item=LC-T30&limit=200", NULL, NULL,
				 &doc, NULL),
			 200);
	char mine[32];
	snprintf(mine, sizeof(mine), "\"id\":%ld,", id);
	assert_non_null(strstr(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN), mine));
	json_object_put(doc);
	/* All or nothing: on a feedback answered already, the publish step is undone too. */
	id = feedback_reached(true, "answer", code);
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/actions", id);
	assert_int_equal(request(&srv, "POST", path, who[BOTH_LC].post_headers,
				 action_body("publish_answer"), NULL, NULL),
			 409);
	doc = tracking(code);
	assert_null(th_get(doc, "published_at", NULL));
	json_object_put(doc);
	snprintf(q, sizeof(q), "SELECT count(*) FROM moderation_event WHERE feedback_id = %ld", id);
	char *n = sql_value(q);
	assert_string_equal(n, "1"); /* the answer that reached the row; no publish */
	free(n);
}

/* Without consent: the answer is the sender's alone (tracking page, not the feed), and
 * publishing is refused with a message in both languages. */
static void test_private_answer_and_no_publish_consent(void **state)
{
	(void)state;
	char code[32], path[96];
	long id = new_feedback("LC-T30", false, NULL, code);
	assert_int_equal(act(RESP_LC, id, action_body("answer")), 200);
	json_object *doc = tracking(code);
	assert_string_equal(th_str(doc, "state", NULL), "answered");
	assert_string_equal(th_str(doc, "answer", "text", NULL),
			    "Sở đã tiếp nhận và sẽ triển khai trong quý II.");
	assert_null(th_get(doc, "published_at", NULL));
	json_object_put(doc);
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/actions", id);
	assert_int_equal(request(&srv, "POST", path, who[MOD_LC].post_headers, action_body("publish"),
				 &doc, NULL),
			 409);
	assert_string_equal(th_str(doc, "error", "code", NULL), "no_publish_consent");
	assert_non_null(strstr(th_str(doc, "error", "message", NULL), " / "));
	assert_non_null(th_str(doc, "error", "request_id", NULL));
	json_object_put(doc);
	char mine[32];
	snprintf(mine, sizeof(mine), "\"id\":%ld,", id);
	assert_int_equal(request(&srv, "GET", "/api/v1/feedback?item=LC-T30&limit=200", NULL, NULL,
				 &doc, NULL),
			 200);
	assert_null(strstr(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN), mine));
	json_object_put(doc);
}

/* Requests the action endpoint refuses before any state is looked at. */
static void test_bad_requests(void **state)
{
	(void)state;
	char path[96];
	json_object *doc;
	long id = feedback_reached(true, "", NULL);
	assert_int_equal(act(MOD_LC, id, "{\"action\":\"reject\",\"reason\":\"spam\",\"note\":\"a\\nb\"}"),
			 422);
	assert_int_equal(act(MOD_LC, id, "{\"action\":\"reject\"}"), 422);
	assert_int_equal(act(MOD_LC, id, "{\"action\":\"reject\",\"reason\":\"boring\"}"), 422);
	assert_int_equal(act(MOD_LC, id, "{\"action\":\"delete\"}"), 422);
	/* a well-formed slug no agency has: pakn_moderate's "unknown_agency" */
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/actions", id);
	assert_int_equal(request(&srv, "POST", path, who[MOD_LC].post_headers,
				 "{\"action\":\"forward\",\"agency\":\"no-such-agency\"}", &doc, NULL),
			 422);
	assert_string_equal(th_str(doc, "error", "fields", "0", "field", NULL), "agency");
	assert_string_equal(th_str(doc, "error", "fields", "0", "code", NULL), "unknown_agency");
	json_object_put(doc);
	assert_int_equal(act(MOD_LC, id, "not json"), 400);
	assert_int_equal(act(MOD_LC, 999999999, actions[0]), 404);
	assert_int_equal(request(&srv, "GET", "/api/v1/moderation/queue?from=2026-02-31",
				 who[MOD_LC].headers, NULL, NULL, NULL),
			 400);
	assert_int_equal(request(&srv, "POST", "/api/v1/auth/login", JSON_TYPE,
				 "{\"username\":\"a\xff\",\"password\":\"x\"}", NULL, NULL),
			 400);
	/* An encoded surrogate passes json-c but not PostgreSQL: 400, not 500. */
	assert_int_equal(request(&srv, "POST", "/api/v1/auth/login", JSON_TYPE,
				 "{\"username\":\"a\xed\xa0\x80\",\"password\":\"x\"}", NULL, NULL),
			 400);
	/* A cross-site form can post text/plain; the login takes only JSON. */
	assert_int_equal(request(&srv, "POST", "/api/v1/auth/login", "Content-Type: text/plain\r\n",
				 "{\"username\":\"t.analyst\",\"password\":\"x\"}", NULL, NULL),
			 415);
}

/* Each malformed action gets a 422 naming the field, and the server lives on: the 422 once
 * released its "fields" twice, which killed the release build (and only valgrind sees it
 * in the others: make test-valgrind). */
static void test_bad_actions_leave_the_server_running(void **state)
{
	(void)state;
	static const struct {
		const char *body, *field;
	} bad[] = {
		{"{\"action\":\"zap\"}", "action"},
		{"{}", "action"},
		{"{\"action\":\"reject\"}", "reason"},
		{"{\"action\":\"hide\",\"reason\":\"boring\"}", "reason"},
		{"{\"action\":\"forward\"}", "agency"},
		{"{\"action\":\"forward\",\"agency\":\"Not A Code\"}", "agency"},
		{"{\"action\":\"answer\",\"text\":\"\"}", "text"},
		{"{\"action\":\"answer\"}", "text"},
		{"{\"action\":\"reject\",\"reason\":\"spam\",\"note\":\"a\\nb\"}", "note"},
	};
	long id = feedback_reached(true, "", NULL);
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/actions", id);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object *doc;
		int status = request(&srv, "POST", path, who[MOD_LC].post_headers, bad[i].body, &doc, NULL);
		if (status != 422)
			fprintf(stderr, "%s: got %d\n", bad[i].body, status);
		assert_int_equal(status, 422);
		assert_string_equal(th_str(doc, "error", "code", NULL), "validation_failed");
		assert_string_equal(th_str(doc, "error", "fields", "0", "field", NULL), bad[i].field);
		assert_non_null(th_str(doc, "error", "request_id", NULL));
		json_object_put(doc);
	}
	/* The crash came after the reply, on a later allocation: ask again. */
	assert_int_equal(request(&srv, "GET", "/healthz", NULL, NULL, NULL, NULL), 200);
	assert_int_equal(act(MOD_LC, id, "{\"action\":\"publish\"}"), 200);
	assert_true(th_server_alive(&srv));
}

/* --- contact, public feed, rating ----------------------------------------------------- */

static void test_contact_needs_consent(void **state)
{
	(void)state;
	long yes = new_feedback("LC-T25", true, NULL, NULL);
	long no = new_feedback("LC-T25", false, NULL, NULL);
	char path[96];
	json_object *doc;
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/contact", yes);
	assert_int_equal(request(&srv, "GET", path, who[MOD_LC].headers, NULL, &doc, NULL), 200);
	assert_non_null(strstr(th_str(doc, "email", NULL), "@example.vn"));
	json_object_put(doc);
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/contact", no);
	assert_int_equal(request(&srv, "GET", path, who[MOD_LC].headers, NULL, &doc, NULL), 403);
	assert_string_equal(th_str(doc, "error", "code", NULL), "no_consent");
	json_object_put(doc);
	/* Both reads are in the trail. */
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/history", yes);
	assert_int_equal(request(&srv, "GET", path, who[MOD_LC].headers, NULL, &doc, NULL), 200);
	assert_non_null(strstr(json_object_to_json_string(doc), "contact_read"));
	json_object_put(doc);
	snprintf(path, sizeof(path), "/api/v1/moderation/%ld/history", no);
	assert_int_equal(request(&srv, "GET", path, who[MOD_LC].headers, NULL, &doc, NULL), 200);
	assert_non_null(strstr(json_object_to_json_string(doc), "contact_refused"));
	json_object_put(doc);
}

static void test_public_feed_and_rating(void **state)
{
	(void)state;
	char secret[64], code[32];
	long shown = new_feedback("LC-T30", true, secret, code);
	long unconsented = new_feedback("LC-T30", false, NULL, NULL);
	assert_int_equal(act(MOD_LC, shown, actions[0]), 200);
	assert_int_equal(act(MOD_LC, unconsented, actions[0]), 409); /* no consent: not published */
	char path[160], rate[160], body[128];
	snprintf(rate, sizeof(rate), "/api/v1/feedback/%s/rating", code);
	snprintf(body, sizeof(body), "{\"secret\":\"%s\",\"rating\":5}", secret);
	json_object *doc;
	assert_int_equal(request(&srv, "POST", rate, "Content-Type: application/json\r\n", body, &doc, NULL),
			 409); /* no answer yet */
	assert_string_equal(th_str(doc, "error", "code", NULL), "no_answer");
	json_object_put(doc);
	assert_int_equal(act(RESP_LC, shown, actions[4]), 200);

	assert_int_equal(request(&srv, "GET", "/api/v1/feedback?item=LC-T30", NULL, NULL, &doc, NULL), 200);
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	char want[32], not_want[32];
	snprintf(want, sizeof(want), "\"id\":%ld,", shown);
	snprintf(not_want, sizeof(not_want), "\"id\":%ld,", unconsented);
	assert_non_null(strstr(text, want));
	assert_null(strstr(text, not_want));
	assert_null(strstr(text, "example.vn"));
	assert_string_equal(th_str(doc, "items", "0", "answer", "text", NULL),
			    "Sở đã tiếp nhận và sẽ triển khai trong quý II.");
	json_object_put(doc);

	snprintf(body, sizeof(body), "{\"secret\":\"AAAAAAAAAAAAAAAAAAAAAA\",\"rating\":5}");
	assert_int_equal(request(&srv, "POST", rate, NULL, body, &doc, NULL), 404);
	assert_string_equal(th_str(doc, "error", "code", NULL), "not_found");
	json_object_put(doc);
	snprintf(body, sizeof(body), "{\"secret\":\"%s\",\"rating\":5}", secret);
	/* pakn_rate_answer's reply, passed on as it is */
	assert_int_equal(request(&srv, "POST", rate, NULL, body, &doc, NULL), 200);
	assert_string_equal(th_str(doc, "status", NULL), "ok");
	assert_int_equal(json_object_get_int(th_get(doc, "rating", NULL)), 5);
	json_object_put(doc);
	assert_int_equal(request(&srv, "POST", rate, NULL, body, &doc, NULL), 409);
	assert_string_equal(th_str(doc, "error", "code", NULL), "already_rated");
	json_object_put(doc);
	snprintf(path, sizeof(path), "/api/v1/feedback/%s", code);
	assert_int_equal(request(&srv, "GET", path, NULL, NULL, &doc, NULL), 200);
	assert_string_equal(th_str(doc, "state", NULL), "answered");
	assert_int_equal(json_object_get_int(th_get(doc, "answer", "rating", NULL)), 5);
	json_object_put(doc);
}

static char *sql_value(const char *query)
{
	PGconn *pg = PQconnectdb(getenv("PAKN_DATABASE_URL"));
	PGresult *res = PQexec(pg, query);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	char *v = strdup(PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(pg);
	return v;
}

/* Every page of the feed with a filter, limit rows a page, cursor after cursor: the ids in
 * the order given, comma-separated. */
static void feed_walk(const char *filter, int limit, struct sbuf *ids)
{
	char cursor[32] = "";
	for (int pages = 0; pages < 1000; pages++) {
		char path[256];
		snprintf(path, sizeof(path), "/api/v1/feedback?limit=%d%s%s%s%s", limit, *filter ? "&" : "",
			 filter, *cursor ? "&cursor=" : "", cursor);
		json_object *doc;
		assert_int_equal(request(&srv, "GET", path, NULL, NULL, &doc, NULL), 200);
		json_object *items = th_get(doc, "items", NULL);
		assert_true((int)json_object_array_length(items) <= limit);
		for (size_t i = 0; i < json_object_array_length(items); i++)
			sbuf_printf(ids, "%s%lld", ids->len ? "," : "",
				    (long long)json_object_get_int64(
					    th_get(json_object_array_get_idx(items, i), "id", NULL)));
		const char *next = th_str(doc, "next_cursor", NULL);
		snprintf(cursor, sizeof(cursor), "%s", next ? next : "");
		json_object_put(doc);
		if (!*cursor)
			return;
	}
	fail_msg("the feed's cursors never end");
}

/* The feed, paged through with and without filters, gives exactly the public rows (state
 * published, answered or closed, published, and consent), newest first, each once. */
static void test_public_feed_pages_match_the_rows(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(act(MOD_LC, new_feedback("LC-T30", true, NULL, NULL), actions[0]), 200);
	assert_int_equal(act(MOD_LC, new_feedback("LC-T30", true, NULL, NULL), actions[2]), 200);
	assert_int_equal(act(MOD_DB, new_feedback("DB-T-V.1.1", true, NULL, NULL), actions[0]), 200);
#define OF_AGENCY(code)                                                                        \
	"EXISTS (SELECT 1 FROM plan_item_agency x JOIN agency a ON a.id = x.agency_id"           \
	" WHERE x.item_id = f.item_id AND a.code = '" code "')"
	static const struct {
		const char *filter, *where;
	} cases[] = {
		{"", "true"},
		{"item=LC-T30", "it.code = 'LC-T30'"},
		{"agency=lc-dang-uy-ubnd-tinh", OF_AGENCY("lc-dang-uy-ubnd-tinh")},
		{"agency=db-so-khoa-hoc-va-cong-nghe", OF_AGENCY("db-so-khoa-hoc-va-cong-nghe")},
		{"item=LC-T30&agency=db-so-khoa-hoc-va-cong-nghe",
		 "it.code = 'LC-T30' AND " OF_AGENCY("db-so-khoa-hoc-va-cong-nghe")},
	};
#undef OF_AGENCY
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char query[1024];
		snprintf(query, sizeof(query),
			 "SELECT string_agg(f.id::text, ',' ORDER BY f.log_index DESC) FROM feedback f"
			 " JOIN plan_item it ON it.id = f.item_id"
			 " WHERE f.state IN ('published', 'answered', 'closed') AND f.consent_publish"
			 " AND f.published_at IS NOT NULL AND %s",
			 cases[c].where);
		char *want = sql_value(query);
		if (c != 4)
			assert_true(*want); /* something to page through */
		for (int limit = 1; limit <= 3; limit++) {
			struct sbuf got = {0};
			feed_walk(cases[c].filter, limit, &got);
			assert_string_equal(got.len ? got.data : "", want);
			sbuf_free(&got);
		}
		free(want);
	}
}

/* --- sessions and throttling (own servers: short timeouts, low limits) ----------------- */

static void sql(const char *statement)
{
	PGconn *pg = PQconnectdb(getenv("PAKN_DATABASE_URL"));
	PGresult *res = PQexec(pg, statement);
	assert_true(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK);
	PQclear(res);
	PQfinish(pg);
}

static void test_idle_session_ends(void **state)
{
	(void)state;
	static const char *const env[] = {"PAKN_SESSION_IDLE=1", NULL};
	struct th_server s;
	assert_int_equal(th_server_start(&s, "moderation_idle", env), 0);
	assert_int_equal(th_server_wait_ready(&s, 10000), 0);
	struct who w = who[ANALYST];
	assert_int_equal(sign_in(&s, &w, password), 200);
	assert_int_equal(request(&s, "GET", "/api/v1/auth/me", w.headers, NULL, NULL, NULL), 200);
	sleep(3);
	assert_int_equal(request(&s, "GET", "/api/v1/auth/me", w.headers, NULL, NULL, NULL), 401);
	assert_int_equal(th_server_stop(&s), 0);

	/* The absolute end: however busy, a session past expires_at is over. */
	w = who[ANALYST];
	assert_int_equal(sign_in(&srv, &w, password), 200);
	assert_int_equal(request(&srv, "GET", "/api/v1/auth/me", w.headers, NULL, NULL, NULL), 200);
	sql("UPDATE official_session SET expires_at = now() - interval '1 second'"
	    " WHERE id = (SELECT max(id) FROM official_session WHERE kind = 'browser')");
	assert_int_equal(request(&srv, "GET", "/api/v1/auth/me", w.headers, NULL, NULL, NULL), 401);
}

static void test_login_throttling(void **state)
{
	(void)state;
	static const char *const env[] = {"PAKN_LOGIN_RATE=100", NULL};
	struct th_server s;
	assert_int_equal(th_server_start(&s, "moderation_throttle", env), 0);
	assert_int_equal(th_server_wait_ready(&s, 10000), 0);
	/* The admin signs in once: this browser now holds a device cookie for the account. */
	char device[128], again[128];
	assert_int_equal(sign_in_device(&s, "t.admin", password, "", device, sizeof(device)), 200);
	assert_non_null(strstr(device, "__Host-pakn_device="));
	/* Per account: five failures, then even the right password waits. */
	struct who w = who[ADMIN];
	for (int i = 0; i < 5; i++)
		assert_int_equal(sign_in(&s, &w, "sai-mat-khau-nhe"), 401);
	assert_int_equal(sign_in(&s, &w, password), 429);
	/* But not from the admin's own browser: its failures count on their own. */
	assert_int_equal(sign_in_device(&s, "t.admin", password, device, again, sizeof(again)), 200);
	for (int i = 0; i < 5; i++)
		assert_int_equal(sign_in_device(&s, "t.admin", "sai-nua", again, NULL, 0), 401);
	assert_int_equal(sign_in_device(&s, "t.admin", password, again, NULL, 0), 429);
	/* A device cookie is for its account only, and a forged one is no cookie. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(sign_in_device(&s, "t.mod.db", "sai-mat-khau", device, NULL, 0), 401);
	assert_int_equal(sign_in_device(&s, "t.mod.db", password, device, NULL, 0), 429);
	device[strlen(device) - 2] = device[strlen(device) - 2] == 'A' ? 'B' : 'A';
	assert_int_equal(sign_in_device(&s, "t.admin", password, device, NULL, 0), 429);
	/* Another account is not affected. */
	w = who[ANALYST];
	assert_int_equal(sign_in(&s, &w, password), 200);
	assert_int_equal(th_server_stop(&s), 0);

	/* Per client. */
	static const char *const env2[] = {"PAKN_LOGIN_RATE=3", NULL};
	assert_int_equal(th_server_start(&s, "moderation_throttle2", env2), 0);
	assert_int_equal(th_server_wait_ready(&s, 10000), 0);
	w = who[ANALYST];
	for (int i = 0; i < 3; i++)
		assert_int_equal(sign_in(&s, &w, password), 200);
	struct th_resp r;
	char body[200];
	snprintf(body, sizeof(body), "{\"username\":\"t.analyst\",\"password\":\"%s\"}", password);
	assert_int_equal(request(&s, "POST", "/api/v1/auth/login", JSON_TYPE, body, NULL, &r), 429);
	assert_non_null(th_header(&r, "Retry-After"));
	th_resp_free(&r);
	assert_int_equal(th_server_stop(&s), 0);
}

/* --- the audit chain ------------------------------------------------------------------ */

static void test_audit_chain_detects_tampering(void **state)
{
	(void)state;
	assert_int_equal(th_run("%s audit verify >/dev/null", ctl()), 0);
	/* Edit an event in place: the chain breaks there. */
	sql("UPDATE moderation_event SET reason = 'sửa lén' WHERE id = (SELECT min(id) + 2 FROM moderation_event)");
	assert_int_equal(th_run("%s audit verify | grep -q 'broken at event'", ctl()), 0);
	/* Recomputing that event's hash does not help: the next event still names the old one. */
	sql("UPDATE moderation_event e SET hash = pakn_event_hash(e) WHERE id = (SELECT min(id) + 2 FROM moderation_event)");
	assert_int_equal(th_run("%s audit verify | grep -q 'broken at event'", ctl()), 0);
	/* Moving a field's end (reason absorbing the note) does not go unnoticed either. */
	sql("UPDATE moderation_event SET reason = coalesce(reason, '') || E'\\n' || coalesce(note, ''),"
	    " note = NULL WHERE id = (SELECT max(id) - 3 FROM moderation_event)");
	assert_int_equal(th_run("%s audit verify | grep -q 'broken at event'", ctl()), 0);
	/* Remove an event: also found. */
	sql("DELETE FROM moderation_event WHERE id = (SELECT max(id) FROM moderation_event)");
	assert_int_equal(th_run("%s audit verify | grep -q 'broken'", ctl()), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_me_and_logout),
		cmocka_unit_test(test_csrf_and_bearer),
		cmocka_unit_test(test_authorization_matrix),
		cmocka_unit_test(test_agencies_do_not_see_each_other),
		cmocka_unit_test(test_state_table_of_the_doc),
		cmocka_unit_test(test_roles_table_of_the_doc),
		cmocka_unit_test(test_publish_and_answer_in_one_step),
		cmocka_unit_test(test_private_answer_and_no_publish_consent),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_bad_actions_leave_the_server_running),
		cmocka_unit_test(test_contact_needs_consent),
		cmocka_unit_test(test_public_feed_and_rating),
		cmocka_unit_test(test_public_feed_pages_match_the_rows),
		cmocka_unit_test(test_idle_session_ends),
		cmocka_unit_test(test_login_throttling),
		cmocka_unit_test(test_audit_chain_detects_tampering),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
