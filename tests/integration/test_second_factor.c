/* test_second_factor.c - officials' second factor as they and an auditor see it
 * (docs/moderation.md, "The second factor"): an admin or moderator signed in with the
 * password alone reaches nothing but who-am-I, sign-out, enrolment and verification, and
 * never contact details or moderation; enrolment gives an otpauth:// URI and a QR code, the
 * first right code confirms it and gives ten recovery codes once; a wrong or replayed code
 * is 401 invalid_code, audited, and counted until 429; a recovery code works once; paknctl
 * official reset-2fa ends the sessions, makes the next sign-in enrol again, and is in the
 * audit trail. Codes are computed here with liboath from the secret the enrolment shows,
 * as an authenticator app would. Real server, real PostgreSQL. */
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

#include <liboath/oath.h>

#include "harness.h"

static struct th_server srv;
static const char password[] = "mat-khau-thu-nghiem-57";
#define JSON_TYPE "Content-Type: application/json\r\n"
#define AGENCY "lc-dang-uy-ubnd-tinh"

/* One browser session of one official. */
struct session {
	char headers[512];      /* for GET */
	char post_headers[640]; /* for POST: + X-CSRF-Token and JSON */
	char second_factor[16]; /* what the login said comes next */
};

/* What the enrolment of the moderator gave, for the tests after it. */
static char mod_secret[64];
static char mod_recovery[10][32];
static struct session mod_verified;

static const char *ctl(void)
{
	return getenv("PAKNCTL_BIN") ? getenv("PAKNCTL_BIN") : "build/asan/paknctl";
}

/* Sends one request; returns the status, with the body parsed into *doc (caller puts) and
 * the response kept in *keep (caller frees) if asked for. */
static int request(const char *method, const char *path, const char *headers, const char *body,
		   json_object **doc, struct th_resp *keep)
{
	struct th_resp r;
	assert_int_equal(th_http(&srv, method, path, headers, body, body ? strlen(body) : 0, &r), 0);
	int status = r.status;
	if (doc)
		*doc = th_json(&r);
	if (keep)
		*keep = r;
	else
		th_resp_free(&r);
	return status;
}

/* Signs user in with the password; fails the test unless 200. */
static void sign_in(const char *user, struct session *s)
{
	char body[256];
	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", user, password);
	struct th_resp r;
	assert_int_equal(request("POST", "/api/v1/auth/login", JSON_TYPE, body, NULL, &r), 200);
	char token[128];
	assert_int_equal(sscanf(th_header(&r, "Set-Cookie"), "__Host-pakn_session=%127[^;]", token),
			 1);
	json_object *doc = th_json(&r);
	snprintf(s->headers, sizeof(s->headers), "Cookie: __Host-pakn_session=%s\r\n", token);
	snprintf(s->post_headers, sizeof(s->post_headers), "%s" JSON_TYPE "X-CSRF-Token: %s\r\n",
		 s->headers, th_str(doc, "csrf_token", NULL));
	snprintf(s->second_factor, sizeof(s->second_factor), "%s",
		 th_str(doc, "second_factor", NULL));
	json_object_put(doc);
	th_resp_free(&r);
}

/* The TOTP code of the base32 secret at now + steps * 30 s, as an app computes it. */
static void code_at(const char *secret_b32, int steps, char out[7])
{
	char *secret = NULL;
	size_t len = 0;
	assert_int_equal(oath_base32_decode(secret_b32, strlen(secret_b32), &secret, &len), OATH_OK);
	assert_int_equal(oath_totp_generate(secret, len, time(NULL) + steps * 30, 30, 0, 6, out),
			 OATH_OK);
	free(secret);
}

/* POST /api/v1/auth/totp/verify with one member; returns the status. */
static int verify(const struct session *s, const char *member, const char *value, json_object **doc)
{
	char body[128];
	snprintf(body, sizeof(body), "{\"%s\":\"%s\"}", member, value);
	return request("POST", "/api/v1/auth/totp/verify", s->post_headers, body, doc, NULL);
}

static const char *error_code(json_object *doc)
{
	return th_str(doc, "error", "code", NULL);
}

/* The number of audit events of action (and note, if not NULL) by user. */
static long audit_count(const char *user, const char *action, const char *note)
{
	char query[512], *value = NULL;
	snprintf(query, sizeof(query),
		 "SELECT count(*) FROM moderation_event e JOIN official o ON o.id = e.official_id"
		 " WHERE o.username = '%s' AND e.action = '%s' AND (%s OR e.note = '%s'"
		 " OR e.reason = '%s')",
		 user, action, note ? "false" : "true", note ? note : "", note ? note : "");
	assert_int_equal(th_sql(getenv("PAKN_DATABASE_URL"), query, &value), 0);
	long n = atol(value);
	free(value);
	return n;
}

/* The same once it reaches want, waiting up to 5 s: denials and wrong codes are audited by a
 * statement the server sends beside its reply, not before it. */
static long audit_reaches(const char *user, const char *action, const char *note, long want)
{
	long n = audit_count(user, action, note);
	for (int i = 0; i < 50 && n < want; i++) {
		struct timespec pause = {0, 100 * 1000 * 1000};
		nanosleep(&pause, NULL);
		n = audit_count(user, action, note);
	}
	return n;
}

static int group_setup(void **state)
{
	(void)state;
	/* A database of its own: test_moderation_api breaks the shared one's audit chain on
	 * purpose, and this test checks the chain after a reset. Everything below (paknctl,
	 * the server, the SQL checks) reads PAKN_DATABASE_URL. */
	static char db_url[512];
	if (th_own_database("second_factor", db_url, sizeof(db_url)) < 0 ||
	    setenv("PAKN_DATABASE_URL", db_url, 1) != 0)
		return -1;
	if (oath_init() != OATH_OK)
		return -1;
	static const char *const officials[][3] = {
		{"t2.admin", "admin", ""},
		{"t2.mod", "moderator", "--agency " AGENCY},
		{"t2.resp", "responder", "--agency " AGENCY},
	};
	for (size_t i = 0; i < sizeof(officials) / sizeof(officials[0]); i++)
		if (th_run("echo %s | %s official add %s --role %s %s >/dev/null", password, ctl(),
			   officials[i][0], officials[i][1], officials[i][2]) != 0)
			return -1;
	static const char *const env[] = {"PAKN_LOGIN_RATE=10000", NULL};
	if (th_server_start(&srv, "second_factor", env) < 0 || th_server_wait_ready(&srv, 10000) < 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	oath_done();
	return th_server_stop(&srv) == 0 ? 0 : -1;
}

/* Password alone: the login says "enrol"; the queue, an action and contact details are 401
 * second_factor_required (audited as denials), whatever the role; me still answers. */
static void test_password_alone_reads_nothing(void **state)
{
	(void)state;
	struct session admin, mod;
	sign_in("t2.admin", &admin);
	assert_string_equal(admin.second_factor, "enrol");
	sign_in("t2.mod", &mod);
	assert_string_equal(mod.second_factor, "enrol");
	long denials = audit_count("t2.mod", "denied", "second_factor");
	json_object *doc;
	const struct session *both[] = {&admin, &mod};
	for (int i = 0; i < 2; i++) {
		assert_int_equal(request("GET", "/api/v1/moderation/queue", both[i]->headers, NULL,
					 &doc, NULL),
				 401);
		assert_string_equal(error_code(doc), "second_factor_required");
		json_object_put(doc);
		assert_int_equal(request("GET", "/api/v1/moderation/1/contact", both[i]->headers, NULL,
					 &doc, NULL),
				 401);
		assert_string_equal(error_code(doc), "second_factor_required");
		json_object_put(doc);
		assert_int_equal(request("POST", "/api/v1/moderation/1/actions", both[i]->post_headers,
					 "{\"action\":\"publish\"}", &doc, NULL),
				 401);
		assert_string_equal(error_code(doc), "second_factor_required");
		json_object_put(doc);
		assert_int_equal(request("GET", "/api/v1/auth/me", both[i]->headers, NULL, &doc, NULL),
				 200);
		assert_string_equal(th_str(doc, "second_factor", NULL), "enrol");
		json_object_put(doc);
	}
	assert_int_equal(audit_reaches("t2.mod", "denied", "second_factor", denials + 3), denials + 3);
	/* Verifying before enrolling: nothing to check against. */
	assert_int_equal(verify(&mod, "code", "123456", &doc), 409);
	assert_string_equal(error_code(doc), "not_enrolled");
	json_object_put(doc);
}

/* Enrolment: a secret, its otpauth:// URI and a QR code, never cached; a wrong code is
 * refused and audited; the first right one gives ten recovery codes and a full session. */
static void test_enrol_then_verify(void **state)
{
	(void)state;
	struct session s;
	sign_in("t2.mod", &s);
	struct th_resp r;
	assert_int_equal(request("POST", "/api/v1/auth/totp/enrol", s.post_headers, "{}", NULL, &r),
			 200);
	assert_string_equal(th_header(&r, "Cache-Control"), "no-store");
	json_object *doc = th_json(&r);
	th_resp_free(&r);
	snprintf(mod_secret, sizeof(mod_secret), "%s", th_str(doc, "secret", NULL));
	assert_int_equal(strlen(mod_secret), 32);
	char uri[256];
	snprintf(uri, sizeof(uri),
		 "otpauth://totp/PAKN-57:t2.mod?secret=%s&issuer=PAKN-57&algorithm=SHA1&digits=6"
		 "&period=30",
		 mod_secret);
	assert_string_equal(th_str(doc, "uri", NULL), uri);
	assert_true(strncmp(th_str(doc, "qr_svg", NULL), "<svg ", 5) == 0);
	json_object_put(doc);
	/* The secret is stored sealed, never as it was shown. */
	char *stored = NULL;
	assert_int_equal(th_sql(getenv("PAKN_DATABASE_URL"),
				"SELECT secret_enc FROM official_totp t JOIN official o ON"
				" o.id = t.official_id WHERE o.username = 't2.mod'",
				&stored),
			 0);
	assert_non_null(stored);
	assert_null(strstr(stored, mod_secret));
	free(stored);

	char right[7], wrong[12];
	code_at(mod_secret, 0, right);
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(right) + 1) % 1000000);
	long failures = audit_count("t2.mod", "second_factor_failed", "wrong_code");
	assert_int_equal(verify(&s, "code", wrong, &doc), 401);
	assert_string_equal(error_code(doc), "invalid_code");
	json_object_put(doc);
	assert_int_equal(audit_reaches("t2.mod", "second_factor_failed", "wrong_code", failures + 1),
			 failures + 1);
	assert_int_equal(request("GET", "/api/v1/moderation/queue", s.headers, NULL, NULL, NULL), 401);

	assert_int_equal(verify(&s, "code", right, &doc), 200);
	assert_string_equal(th_str(doc, "second_factor", NULL), "verified");
	json_object *codes = th_get(doc, "recovery_codes", NULL);
	assert_int_equal(json_object_array_length(codes), 10);
	for (int i = 0; i < 10; i++)
		snprintf(mod_recovery[i], sizeof(mod_recovery[i]), "%s",
			 json_object_get_string(json_object_array_get_idx(codes, i)));
	json_object_put(doc);
	assert_int_equal(audit_count("t2.mod", "second_factor_enrolled", NULL), 1);
	assert_int_equal(request("GET", "/api/v1/moderation/queue", s.headers, NULL, NULL, NULL), 200);
	assert_int_equal(request("GET", "/api/v1/auth/me", s.headers, NULL, &doc, NULL), 200);
	assert_string_equal(th_str(doc, "second_factor", NULL), "verified");
	json_object_put(doc);
	/* Once confirmed, enrolling again needs an operator's reset. */
	assert_int_equal(request("POST", "/api/v1/auth/totp/enrol", s.post_headers, "{}", &doc, NULL),
			 409);
	assert_string_equal(error_code(doc), "already_enrolled");
	json_object_put(doc);
	/* Recovery codes are kept as hashes only. */
	char query[256], *value = NULL;
	snprintf(query, sizeof(query),
		 "SELECT count(*) FROM official_recovery_code WHERE code_hash LIKE '%%%.4s%%'"
		 " AND length(code_hash) <> 64",
		 mod_recovery[0]);
	assert_int_equal(th_sql(getenv("PAKN_DATABASE_URL"), query, &value), 0);
	assert_string_equal(value, "0");
	free(value);
	mod_verified = s;
}

/* The next sign-in asks for a code; the code already used is refused (replay, audited),
 * the next step's is taken (a clock 30 s ahead), and then not again. */
static void test_codes_are_not_replayed(void **state)
{
	(void)state;
	struct session s;
	sign_in("t2.mod", &s);
	assert_string_equal(s.second_factor, "verify");
	char now[7], next[7];
	code_at(mod_secret, 0, now);
	code_at(mod_secret, 1, next);
	long replays = audit_count("t2.mod", "second_factor_failed", "replay");
	json_object *doc;
	/* The enrolment took this step's code (or, if the step has turned since, the one
	 * before): either way it may not be used again. */
	char last[7];
	code_at(mod_secret, -1, last);
	int st = verify(&s, "code", now, &doc);
	json_object_put(doc);
	if (st == 200) {
		/* The step turned after the enrolment: now is new; replay it. */
		assert_int_equal(verify(&s, "code", now, &doc), 401);
	} else {
		assert_int_equal(st, 401);
		assert_int_equal(verify(&s, "code", next, &doc), 200);
		json_object_put(doc);
		assert_int_equal(verify(&s, "code", next, &doc), 401);
	}
	assert_string_equal(error_code(doc), "invalid_code");
	json_object_put(doc);
	assert_true(audit_count("t2.mod", "second_factor_failed", "replay") >= replays + 1);
	assert_int_equal(request("GET", "/api/v1/moderation/queue", s.headers, NULL, NULL, NULL), 200);
}

/* A recovery code stands in for a code once, typed in any case and without dashes. */
static void test_recovery_code_works_once(void **state)
{
	(void)state;
	struct session a, b, c;
	json_object *doc;
	sign_in("t2.mod", &a);
	assert_int_equal(verify(&a, "recovery_code", mod_recovery[0], &doc), 200);
	assert_int_equal(json_object_get_int(th_get(doc, "recovery_codes_left", NULL)), 9);
	json_object_put(doc);
	assert_int_equal(request("GET", "/api/v1/moderation/queue", a.headers, NULL, NULL, NULL), 200);
	assert_int_equal(audit_count("t2.mod", "recovery_code_used", NULL), 1);
	sign_in("t2.mod", &b);
	assert_int_equal(verify(&b, "recovery_code", mod_recovery[0], &doc), 401);
	assert_string_equal(error_code(doc), "invalid_code");
	json_object_put(doc);
	assert_int_equal(request("GET", "/api/v1/moderation/queue", b.headers, NULL, NULL, NULL), 401);
	char typed[32];
	size_t n = 0;
	for (const char *p = mod_recovery[1]; *p; p++)
		if (*p != '-')
			typed[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	typed[n] = '\0';
	sign_in("t2.mod", &c);
	assert_int_equal(verify(&c, "recovery_code", typed, &doc), 200);
	assert_int_equal(json_object_get_int(th_get(doc, "recovery_codes_left", NULL)), 8);
	json_object_put(doc);
}

/* Wrong codes count like failed passwords: five, then 429 with Retry-After, and then not
 * even the right code is checked. A body without one code is 400. */
static void test_wrong_codes_are_limited(void **state)
{
	(void)state;
	struct session s;
	json_object *doc;
	sign_in("t2.resp", &s);
	assert_int_equal(request("POST", "/api/v1/auth/totp/enrol", s.post_headers, "{}", &doc, NULL),
			 200);
	char secret[64], right[7], wrong[12];
	snprintf(secret, sizeof(secret), "%s", th_str(doc, "secret", NULL));
	json_object_put(doc);
	static const char *const bad[] = {"{}", "{\"code\":123456}", "[\"123456\"]",
					  "{\"code\":\"1\",\"recovery_code\":\"2\"}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(request("POST", "/api/v1/auth/totp/verify", s.post_headers, bad[i],
					 &doc, NULL),
				 400);
		json_object_put(doc);
	}
	code_at(secret, 0, right);
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(right) + 500000) % 1000000);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(verify(&s, "code", i % 2 ? wrong : "12345a", &doc), 401);
		json_object_put(doc);
	}
	struct th_resp r;
	assert_int_equal(request("POST", "/api/v1/auth/totp/verify", s.post_headers,
				 "{\"code\":\"000000\"}", NULL, &r),
			 429);
	assert_non_null(th_header(&r, "Retry-After"));
	th_resp_free(&r);
	assert_int_equal(verify(&s, "code", right, &doc), 429);
	assert_string_equal(error_code(doc), "too_many_attempts");
	json_object_put(doc);
	assert_int_equal(audit_reaches("t2.resp", "second_factor_failed", NULL, 5), 5);
}

/* paknctl official reset-2fa: the sessions end, the next sign-in must enrol again, and
 * the audit trail (still intact) says so. */
static void test_reset_with_paknctl(void **state)
{
	(void)state;
	assert_int_equal(request("GET", "/api/v1/moderation/queue", mod_verified.headers, NULL, NULL,
				 NULL),
			 200);
	assert_int_equal(th_run("%s official reset-2fa t2.mod >/dev/null", ctl()), 0);
	assert_int_equal(audit_count("t2.mod", "second_factor_reset", "paknctl"), 1);
	assert_int_equal(request("GET", "/api/v1/moderation/queue", mod_verified.headers, NULL, NULL,
				 NULL),
			 401);
	struct session s;
	sign_in("t2.mod", &s);
	assert_string_equal(s.second_factor, "enrol");
	json_object *doc;
	assert_int_equal(verify(&s, "recovery_code", mod_recovery[2], &doc), 401);
	json_object_put(doc);
	assert_int_equal(request("POST", "/api/v1/auth/totp/enrol", s.post_headers, "{}", &doc, NULL),
			 200);
	json_object_put(doc);
	assert_int_equal(th_run("%s official reset-2fa nobody.here 2>/dev/null", ctl()), 1);
	assert_int_equal(th_run("%s audit verify >/dev/null", ctl()), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_alone_reads_nothing),
		cmocka_unit_test(test_enrol_then_verify),
		cmocka_unit_test(test_codes_are_not_replayed),
		cmocka_unit_test(test_recovery_code_works_once),
		cmocka_unit_test(test_wrong_codes_are_limited),
		cmocka_unit_test(test_reset_with_paknctl),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
