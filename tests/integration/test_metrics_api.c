/* test_metrics_api.c - satisfaction figures for a data set whose answers were worked out by
 * hand: means, distributions, CSAT and its Wilson interval to 4 decimals, rejected feedback
 * left out and hidden feedback kept, quarter boundaries in Asia/Ho_Chi_Minh time, items
 * without feedback shown as 0, and the CSV read back and compared with the JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/util.h"
#include "harness.h"

static struct th_server srv;

/* Stores a feedback row directly, as if taken in at `at` (UTC). */
static void add(PGconn *pg, const char *item, int rating, const char *state, const char *at)
{
	static int n;
	char id[32], code[32], ix[32], r[4];
	n++;
	snprintf(id, sizeof(id), "%d", 900000000 + n);
	snprintf(code, sizeof(code), "TEST-METRICS-%d", n);
	snprintf(ix, sizeof(ix), "%d", 900000000 + n);
	snprintf(r, sizeof(r), "%d", rating);
	const char *params[] = {id, code, item, r, state, at, ix};
	PGresult *res = PQexecParams(
		pg,
		"INSERT INTO feedback (id, tracking_code, item_id, rating, kind, body, consent_publish,"
		" consent_contact, state, submission_hash, secret_hash, log_index, key_id, created_at,"
		" handle, salt)"
		" SELECT $1::bigint, $2, id, $4::smallint, 'opinion', 'x', false, false, $5, '', '',"
		" $7::bigint, '', $6::timestamptz, md5($2), sha256(convert_to($2, 'UTF8'))"
		" FROM plan_item WHERE code = $3",
		7, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fprintf(stderr, "%s", PQresultErrorMessage(res));
	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	assert_string_equal(PQcmdTuples(res), "1");
	PQclear(res);
}

static int group_setup(void **state)
{
	(void)state;
	PGconn *pg = PQconnectdb(getenv("PAKN_DATABASE_URL"));
	if (PQstatus(pg) != CONNECTION_OK)
		return -1;
	/* A = DB-T-II.1 in Q2 2026: ratings 5 5 4 4 4 3 2 1 5 4 and a hidden 5 (counts),
	 * plus a rejected 1 (does not). The first is 00:30 on 1 April in Hà Nội, still
	 * 31 March in UTC. */
	static const int a[] = {5, 5, 4, 4, 4, 3, 2, 1, 5, 4};
	add(pg, "DB-T-II.1", a[0], "received", "2026-03-31 17:30:00+00");
	for (int i = 1; i < 10; i++) {
		char at[40];
		snprintf(at, sizeof(at), "2026-05-%02d 09:00:00+07", 1 + i);
		add(pg, "DB-T-II.1", a[i], i % 2 ? "published" : "answered", at);
	}
	add(pg, "DB-T-II.1", 5, "hidden", "2026-06-15 10:00:00+07");
	add(pg, "DB-T-II.1", 1, "rejected", "2026-06-16 10:00:00+07");
	/* B = DB-T-III.2: one 3 in Q2; one 4 at 00:30 on 1 July in Hà Nội (30 June in UTC). */
	add(pg, "DB-T-III.2", 3, "received", "2026-06-20 10:00:00+07");
	add(pg, "DB-T-III.2", 4, "received", "2026-06-30 17:30:00+00");
	/* The rejection arrives later, through an update: the rollup follows. */
	add(pg, "DB-T-III.2", 2, "received", "2026-06-21 10:00:00+07");
	PGresult *res = PQexec(pg, "UPDATE feedback SET state = 'rejected' WHERE id ="
				   " (SELECT max(id) FROM feedback WHERE tracking_code LIKE 'TEST-METRICS-%')");
	PQclear(res);

	/* Responses on DB-T-IV.2. X: Friday 24 April, first acted on 7 May (its deadline, 5
	 * working days over Giỗ Tổ, 30/4, 1/5 and a weekend, is 6 May: late), answered 4 May
	 * (242 h; due 20 May), rated 4. Y: Friday 13 February, before Tết, acted on and answered
	 * the next day (24 h), rated 5. Z: 1 June, nothing done: both deadlines (8 and 22
	 * June) past on 30 June. */
	add(pg, "DB-T-IV.2", 3, "answered", "2026-04-24 10:00:00+07");
	add(pg, "DB-T-IV.2", 4, "answered", "2026-02-13 10:00:00+07");
	add(pg, "DB-T-IV.2", 2, "received", "2026-06-01 10:00:00+07");
	res = PQexec(pg,
		     "INSERT INTO official (username, display_name, roles, password_hash)"
		     " VALUES ('t.metrics', 't', '{responder}', 'x');"
		     "WITH f AS (SELECT id, created_at, row_number() OVER (ORDER BY id) AS k"
		     "           FROM feedback WHERE item_id = (SELECT id FROM plan_item WHERE code = 'DB-T-IV.2')"
		     "             AND tracking_code LIKE 'TEST-METRICS-%')"
		     " UPDATE feedback fb SET first_action_at = CASE f.k"
		     "   WHEN 1 THEN timestamptz '2026-05-07 09:00+07'"
		     "   WHEN 2 THEN timestamptz '2026-02-14 09:00+07' END"
		     " FROM f WHERE fb.id = f.id;"
		     "INSERT INTO feedback_response (feedback_id, official_id, text, answered_at, key_id,"
		     " signature, rating)"
		     " SELECT f.id, (SELECT id FROM official WHERE username = 't.metrics'), 'Trả lời',"
		     "   CASE WHEN f.created_at < '2026-03-01' THEN timestamptz '2026-02-14 10:00+07'"
		     "        ELSE timestamptz '2026-05-04 12:00+07' END, '', '',"
		     "   CASE WHEN f.created_at < '2026-03-01' THEN 5 ELSE 4 END"
		     " FROM feedback f WHERE f.item_id = (SELECT id FROM plan_item WHERE code = 'DB-T-IV.2')"
		     "   AND f.tracking_code LIKE 'TEST-METRICS-%' AND f.state = 'answered'");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fprintf(stderr, "%s", PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(pg);
	return th_server_start(&srv, "metrics_api", NULL) < 0 ? -1 : th_server_wait_ready(&srv, 10000);
}

static int group_teardown(void **state)
{
	(void)state;
	return th_server_stop(&srv) == 0 ? 0 : -1;
}

static json_object *get(const char *path, struct th_resp *keep)
{
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", path, NULL, NULL, 0, &r), 0);
	if (r.status != 200)
		fprintf(stderr, "%s: %d %s\n", path, r.status, r.body);
	assert_int_equal(r.status, 200);
	json_object *doc = th_json(&r);
	if (keep)
		*keep = r;
	else
		th_resp_free(&r);
	return doc;
}

static json_object *row_of(json_object *doc, const char *code, const char *period)
{
	json_object *rows = th_get(doc, "rows", NULL);
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		json_object *r = json_object_array_get_idx(rows, i);
		const char *p = th_str(r, "period", NULL);
		if (strcmp(th_str(r, "group_code", NULL), code) == 0 &&
		    ((!p && !period) || (p && period && strcmp(p, period) == 0)))
			return r;
	}
	return NULL;
}

/* Expected: count, mean, r1..r5, csat, low, high, insufficient. */
static void expect(json_object *row, int n, const char *mean, const int dist[5], const char *csat,
		   const char *low, const char *high, bool insufficient)
{
	assert_non_null(row);
	assert_int_equal(json_object_get_int(th_get(row, "count", NULL)), n);
	const char *names[] = {"r1", "r2", "r3", "r4", "r5"};
	for (int i = 0; i < 5; i++)
		assert_int_equal(json_object_get_int(th_get(row, names[i], NULL)), dist[i]);
	assert_string_equal(th_str(row, "mean", NULL), mean);
	assert_string_equal(th_str(row, "csat", NULL), csat);
	assert_string_equal(th_str(row, "csat_low", NULL), low);
	assert_string_equal(th_str(row, "csat_high", NULL), high);
	assert_int_equal(json_object_get_boolean(th_get(row, "insufficient_data", NULL)), insufficient);
}

static const char q2_items[] = "/api/v1/metrics/satisfaction?group_by=item&plan=DB-2026"
			       "&period=quarter&from=2026-04-01&to=2026-06-30";

static void test_by_item_in_a_quarter(void **state)
{
	(void)state;
	json_object *doc = get(q2_items, NULL);
	/* 11 ratings: 1 2 3 4 4 4 4 5 5 5 5 (the rejected 1 left out, the hidden 5 in). */
	expect(row_of(doc, "DB-T-II.1", "2026-Q2"), 11, "3.8182", (const int[]){1, 1, 1, 4, 4},
	       "0.7273", "0.4344", "0.9025", false);
	/* One rating: shown, but flagged. The 00:30 on 1 July one is in Q3, not here. */
	expect(row_of(doc, "DB-T-III.2", "2026-Q2"), 1, "3.0000", (const int[]){0, 0, 1, 0, 0},
	       "0.0000", "0.0000", "0.7935", true);
	/* Every item of the plan is listed, silence as 0: its 80 items (the whole plan's and
	 * sections' own rows only once someone wrote on them: test_plan_scope). */
	assert_int_equal(json_object_array_length(th_get(doc, "rows", NULL)), 80);
	json_object *none = row_of(doc, "DB-I01", "2026-Q2");
	assert_non_null(none);
	assert_int_equal(json_object_get_int(th_get(none, "count", NULL)), 0);
	assert_null(th_get(none, "mean", NULL));
	json_object_put(doc);

	doc = get("/api/v1/metrics/satisfaction?group_by=item&plan=DB-2026&period=quarter"
		  "&from=2026-07-01&to=2026-09-30",
		  NULL);
	expect(row_of(doc, "DB-T-III.2", "2026-Q3"), 1, "4.0000", (const int[]){0, 0, 0, 1, 0},
	       "1.0000", "0.2065", "1.0000", true);
	json_object_put(doc);
}

static void test_by_agency_and_month(void **state)
{
	(void)state;
	/* Sở Nội vụ leads both items: 11 + 1 ratings. */
	json_object *doc = get("/api/v1/metrics/satisfaction?group_by=agency&plan=DB-2026"
			       "&period=quarter&from=2026-04-01&to=2026-06-30",
			       NULL);
	expect(row_of(doc, "db-so-noi-vu", "2026-Q2"), 12, "3.7500", (const int[]){1, 1, 2, 4, 4},
	       "0.6667", "0.3906", "0.8619", false);
	json_object_put(doc);
	/* By month, the 1 April rating is April's. */
	doc = get("/api/v1/metrics/satisfaction?group_by=item&plan=DB-2026&period=month"
		  "&from=2026-04-01&to=2026-04-30",
		  NULL);
	json_object *april = row_of(doc, "DB-T-II.1", "2026-04");
	assert_non_null(april);
	assert_int_equal(json_object_get_int(th_get(april, "count", NULL)), 1);
	assert_int_equal(json_object_get_int(th_get(april, "r5", NULL)), 1);
	json_object_put(doc);
}

/* Splits one CSV line (RFC 4180) into fields; returns how many. */
static int csv_split(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line, *out = line;
	while (n < max) {
		fields[n++] = out;
		if (*p == '"') {
			p++;
			for (;;) {
				if (*p == '"' && p[1] == '"') {
					*out++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*out++ = *p++;
				}
			}
		} else {
			while (*p && *p != ',')
				*out++ = *p++;
		}
		bool more = *p == ',';
		*out++ = '\0';
		if (!more)
			break;
		p++;
	}
	return n;
}

static void test_csv_matches_json(void **state)
{
	(void)state;
	json_object *doc = get(q2_items, NULL);
	char path[256];
	snprintf(path, sizeof(path), "%s&format=csv", q2_items);
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(th_header(&r, "Content-Type"), "text/csv"));
	assert_memory_equal(r.body, "\xEF\xBB\xBF", 3);
	/* Lines end in CRLF; a title with commas or quotes is quoted. */
	char *text = r.body + 3;
	char *save = NULL;
	char *line = strtok_r(text, "\n", &save);
	assert_string_equal(line, "group_code,group_title,period,count,mean,r1,r2,r3,r4,r5,csat,"
				  "csat_low,csat_high,insufficient_data,scope\r");
	int rows = 0;
	json_object *jrows = th_get(doc, "rows", NULL);
	while ((line = strtok_r(NULL, "\n", &save))) {
		line[strcspn(line, "\r")] = '\0';
		char *f[16];
		assert_int_equal(csv_split(line, f, 16), 15);
		json_object *j = json_object_array_get_idx(jrows, (size_t)rows);
		assert_string_equal(f[0], th_str(j, "group_code", NULL));
		assert_string_equal(f[1], th_str(j, "group_title", NULL));
		assert_string_equal(f[3], th_str(j, "count", NULL));
		assert_string_equal(f[4], th_str(j, "mean", NULL) ? th_str(j, "mean", NULL) : "");
		assert_string_equal(f[13], json_object_get_boolean(th_get(j, "insufficient_data", NULL))
						   ? "true" : "false");
		assert_string_equal(f[14], th_str(j, "scope", NULL));
		rows++;
	}
	assert_int_equal(rows, 80);
	th_resp_free(&r);
	json_object_put(doc);
}

static void test_bad_parameters(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"/api/v1/metrics/satisfaction?group_by=province",
		"/api/v1/metrics/satisfaction?period=week",
		"/api/v1/metrics/satisfaction?from=2026-13-01",
		"/api/v1/metrics/satisfaction?from=2026-06-01&to=2026-05-01",
		"/api/v1/metrics/satisfaction?format=xlsx",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct th_resp r;
		assert_int_equal(th_http(&srv, "GET", paths[i], NULL, NULL, 0, &r), 0);
		assert_int_equal(r.status, 400);
		assert_non_null(strstr(r.body, "\"invalid_parameter\""));
		th_resp_free(&r);
	}
}

static void test_responses(void **state)
{
	(void)state;
	json_object *doc = get("/api/v1/metrics/responses?group_by=item&plan=DB-2026"
			       "&from=2026-01-01&to=2026-06-30&as_of=2026-06-30",
			       NULL);
	json_object *r = row_of(doc, "DB-T-IV.2", NULL);
	assert_non_null(r);
	assert_int_equal(json_object_get_int(th_get(r, "count", NULL)), 3);
	assert_int_equal(json_object_get_int(th_get(r, "answered", NULL)), 2);
	assert_string_equal(th_str(r, "answer_rate", NULL), "0.6667");
	/* Answer times 24 h and 242 h fall in buckets 37 [23.675, 25.909) and 63 [233.744,
	 * 255): each taken at its bucket's middle, 24.792 and 244.372, the median is their mean
	 * and the 90th percentile 24.792 + 0.9 * 219.580 (exact: 133.0 and 220.2). */
	assert_string_equal(th_str(r, "median_hours", NULL), "134.6");
	assert_string_equal(th_str(r, "p90_hours", NULL), "222.4");
	assert_int_equal(json_object_get_int(th_get(r, "action_overdue", NULL)), 2);
	assert_int_equal(json_object_get_int(th_get(r, "answer_overdue", NULL)), 1);
	assert_int_equal(json_object_get_int(th_get(r, "answer_ratings", NULL)), 2);
	assert_string_equal(th_str(r, "answer_rating_mean", NULL), "4.5000");
	json_object_put(doc);
	/* By kind the buckets come from the per-plan-and-kind table: the same two answers
	 * (every test feedback is an opinion), so the same figures. */
	doc = get("/api/v1/metrics/responses?group_by=kind&plan=DB-2026"
		  "&from=2026-01-01&to=2026-06-30&as_of=2026-06-30",
		  NULL);
	r = row_of(doc, "opinion", NULL);
	assert_non_null(r);
	assert_int_equal(json_object_get_int(th_get(r, "answered", NULL)), 2);
	assert_string_equal(th_str(r, "median_hours", NULL), "134.6");
	assert_string_equal(th_str(r, "p90_hours", NULL), "222.4");
	json_object_put(doc);
	/* On 5 June Z's first deadline (8 June) has not passed yet. */
	doc = get("/api/v1/metrics/responses?group_by=item&plan=DB-2026"
		  "&from=2026-01-01&to=2026-06-30&as_of=2026-06-05",
		  NULL);
	r = row_of(doc, "DB-T-IV.2", NULL);
	assert_int_equal(json_object_get_int(th_get(r, "action_overdue", NULL)), 1);
	assert_int_equal(json_object_get_int(th_get(r, "answer_overdue", NULL)), 0);
	json_object_put(doc);
}

/* The review of both plans in all three formats; DB's figures are the test data's. */
static void test_quarterly_review(void **state)
{
	(void)state;
	static const char *const plans[] = {"LC-2026", "DB-2026"};
	for (int i = 0; i < 2; i++) {
		char path[160];
		snprintf(path, sizeof(path), "/api/v1/reports/quarterly?plan=%s&quarter=2026-Q2", plans[i]);
		json_object *doc = get(path, NULL);
		assert_true(json_object_array_length(th_get(doc, "rows", NULL)) >= (i ? 80u : 40u));
		if (i == 1) {
			json_object *rows = th_get(doc, "rows", NULL), *a = NULL;
			for (size_t k = 0; k < json_object_array_length(rows); k++) {
				json_object *r = json_object_array_get_idx(rows, k);
				if (strcmp(th_str(r, "level", NULL), "item") == 0 &&
				    strcmp(th_str(r, "code", NULL), "DB-T-II.1") == 0)
					a = r;
			}
			assert_non_null(a);
			assert_int_equal(json_object_get_int(th_get(a, "count", NULL)), 11);
			assert_string_equal(th_str(a, "mean", NULL), "3.8182");
			assert_string_equal(th_str(a, "csat", NULL), "0.7273");
			assert_int_equal(json_object_get_int(th_get(a, "previous_count", NULL)), 0);
			assert_int_equal(json_object_get_int(th_get(a, "count_change", NULL)), 11);
		}
		json_object_put(doc);

		snprintf(path, sizeof(path), "/api/v1/reports/quarterly?plan=%s&quarter=2026-Q2&format=csv",
			 plans[i]);
		struct th_resp r;
		assert_int_equal(th_http(&srv, "GET", path, NULL, NULL, 0, &r), 0);
		assert_int_equal(r.status, 200);
		assert_memory_equal(r.body, "\xEF\xBB\xBFlevel,code,title,count,", 23);
		th_resp_free(&r);

		snprintf(path, sizeof(path), "/api/v1/reports/quarterly?plan=%s&quarter=2026-Q2&format=html",
			 plans[i]);
		assert_int_equal(th_http(&srv, "GET", path, NULL, NULL, 0, &r), 0);
		assert_int_equal(r.status, 200);
		assert_non_null(strstr(th_header(&r, "Content-Type"), "text/html"));
		assert_non_null(strstr(r.body, "href=\"/assets/report.css\""));
		assert_non_null(strstr(r.body, "<h2>Theo cơ quan chủ trì</h2>"));
		/* Items by title, the code after it. */
		if (i == 0)
			assert_non_null(strstr(r.body, "Tỷ trọng kinh tế số trong GRDP năm 2026 ước phấn "
						       "đấu đạt 7%. <span class=\"code\">(LC-T1)</span></th>"));
		assert_null(strstr(r.body, "style="));
		assert_null(strstr(r.body, "<script"));
		th_resp_free(&r);
	}
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", "/assets/report.css", NULL, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "@page{size:A4"));
	th_resp_free(&r);
	assert_int_equal(th_http(&srv, "GET", "/api/v1/reports/quarterly?plan=DB-2026&quarter=2026-Q5",
				 NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 400);
	th_resp_free(&r);
}

/* The review as people read it: DB-T-II.1's Q2 figures (11 ratings, mean 3.8182, CSAT
 * 0.7273) as "3,8" and "72,7 %" in Vietnamese, "3.8" and "72.7%" in English (by ?lang= or the
 * pages' cookie), rounded the same in the CSV, with the plan's province and title; no raw
 * fraction anywhere. */
static void test_quarterly_formatting(void **state)
{
	(void)state;
	static const char *const base = "/api/v1/reports/quarterly?plan=DB-2026&quarter=2026-Q2";
	static const struct {
		const char *query, *cookie, *lang, *row, *words;
	} cases[] = {
		{"&format=html", NULL, "<html lang=\"vi\">",
		 "(DB-T-II.1)</span></th><td class=\"n\">11</td><td class=\"n\">3,8</td>"
		 "<td class=\"n\">72,7\u00a0%</td>",
		 "Quý: <strong>Quý II/2026</strong>"},
		{"&format=html&lang=en", NULL, "<html lang=\"en\">",
		 "(DB-T-II.1)</span></th><td class=\"n\">11</td><td class=\"n\">3.8</td>"
		 "<td class=\"n\">72.7%</td>",
		 "Quarter: <strong>Q2 2026</strong>"},
		{"&format=html", "Cookie: x=1; pakn_lang=en\r\n", "<html lang=\"en\">",
		 "<td class=\"n\">3.8</td><td class=\"n\">72.7%</td>", "<h2>By lead agency</h2>"},
		{"&format=html&lang=vi", "Cookie: pakn_lang=en\r\n", "<html lang=\"vi\">",
		 "<td class=\"n\">3,8</td><td class=\"n\">72,7\u00a0%</td>",
		 "<h2>Theo nhiệm vụ, chỉ tiêu</h2>"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[160];
		struct th_resp r;
		snprintf(path, sizeof(path), "%s%s", base, cases[i].query);
		assert_int_equal(th_http(&srv, "GET", path, cases[i].cookie, NULL, 0, &r), 0);
		assert_int_equal(r.status, 200);
		if (!strstr(r.body, cases[i].row))
			fprintf(stderr, "%s: %s\n", path, r.body);
		assert_non_null(strstr(r.body, cases[i].lang));
		assert_non_null(strstr(r.body, cases[i].row));
		assert_non_null(strstr(r.body, cases[i].words));
		assert_non_null(strstr(r.body, "<strong>Điện Biên</strong> — Kế hoạch (dự thảo)"));
		assert_null(strstr(r.body, "3.8182"));
		assert_null(strstr(r.body, "0.7273"));
		th_resp_free(&r);
	}
	/* The CSV: shares in percent, one decimal, a point for decimals, no + sign. */
	char path[160];
	struct th_resp r;
	snprintf(path, sizeof(path), "%s&format=csv", base);
	assert_int_equal(th_http(&srv, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "level,code,title,count,mean,csat_percent,insufficient_data,"
				       "answer_rate_percent,overdue,previous_count,previous_mean,"
				       "previous_csat_percent,count_change,mean_change,csat_change_points\r\n"));
	const char *row = strstr(r.body, "\r\nitem,DB-T-II.1,");
	assert_non_null(row);
	const char *end = strstr(row + 2, "\r\n");
	assert_non_null(end);
	char line[4096];
	snprintf(line, sizeof(line), "%.*s", (int)(end - row), row);
	if (!strstr(line, ",11,3.8,72.7,false,"))
		fprintf(stderr, "%s\n", line);
	assert_non_null(strstr(line, ",11,3.8,72.7,false,"));
	assert_non_null(strstr(line, ",0,,,11,,"));
	assert_null(strstr(r.body, "0.7273"));
	th_resp_free(&r);
	/* The JSON keeps the database's figures. */
	json_object *doc = get(base, NULL);
	assert_string_equal(th_str(doc, "province", NULL), "Điện Biên");
	json_object_put(doc);
}

/* A plan that does not exist is a 404 with the error shape (it was an empty 200, which
 * printed an empty review for a typo); a malformed one is a 400, as everywhere. */
static void test_unknown_plan(void **state)
{
	(void)state;
	static const char *const unknown[] = {
		"/api/v1/metrics/satisfaction?plan=XX-2099",
		"/api/v1/metrics/satisfaction?plan=XX-2099&group_by=agency&format=csv",
		"/api/v1/metrics/responses?plan=XX-2099",
		"/api/v1/reports/quarterly?plan=XX-2099&quarter=2026-Q2",
		"/api/v1/reports/quarterly?plan=XX-2099&quarter=2026-Q2&format=html",
		"/api/v1/reports/quarterly?plan=XX-2099&quarter=2026-Q2&format=csv",
		"/api/v1/reports/quarterly?plan=LC-T1&quarter=2026-Q2",
	};
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		struct th_resp r;
		assert_int_equal(th_http(&srv, "GET", unknown[i], NULL, NULL, 0, &r), 0);
		if (r.status != 404)
			fprintf(stderr, "%s: %d %s\n", unknown[i], r.status, r.body);
		assert_int_equal(r.status, 404);
		assert_non_null(strstr(th_header(&r, "Content-Type"), "application/json"));
		json_object *doc = th_json(&r);
		assert_string_equal(th_str(doc, "error", "code", NULL), "not_found");
		assert_string_equal(th_str(doc, "error", "message", NULL),
				    "Không có kế hoạch với mã này. / There is no plan with this code.");
		json_object *field = json_object_array_get_idx(th_get(doc, "error", "fields", NULL), 0);
		assert_string_equal(th_str(field, "field", NULL), "plan");
		assert_string_equal(th_str(field, "code", NULL), "unknown_plan");
		assert_int_equal(strlen(th_str(doc, "error", "request_id", NULL)), 16);
		json_object_put(doc);
		th_resp_free(&r);
	}
	static const char *const malformed[] = {
		"/api/v1/metrics/satisfaction?plan=lc-2026",
		"/api/v1/metrics/responses?plan=LC%202026",
		"/api/v1/reports/quarterly?plan=LC_2026&quarter=2026-Q2",
	};
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		struct th_resp r;
		assert_int_equal(th_http(&srv, "GET", malformed[i], NULL, NULL, 0, &r), 0);
		assert_int_equal(r.status, 400);
		assert_non_null(strstr(r.body, "\"invalid_parameter\""));
		assert_non_null(strstr(r.body, "\"field\":\"plan\""));
		th_resp_free(&r);
	}
	/* A plan that exists still answers, with its name. */
	json_object *doc = get("/api/v1/metrics/responses?plan=LC-2026", NULL);
	assert_string_equal(th_str(doc, "province", NULL), "Lai Châu");
	assert_string_equal(th_str(doc, "plan", NULL), "LC-2026");
	json_object_put(doc);
}

static PGresult *exec(PGconn *pg, const char *sql)
{
	PGresult *res = PQexec(pg, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(res));
	return res;
}

/* Intake through HTTP and every kind of change the triggers must follow, then the rollup
 * compared with one recomputed from the rows: no row may differ. The changes are made in
 * a transaction that is rolled back. */
static void test_rollup_follows_every_change(void **state)
{
	(void)state;
	static const char *const changes[] = {
		/* An answered feedback rejected, another's answer rating changed, an answer
		 * withdrawn, a rejection undone. */
		"UPDATE feedback SET state = 'rejected' WHERE tracking_code = 'TEST-METRICS-16'",
		"UPDATE feedback_response SET rating = 1 WHERE feedback_id ="
		" (SELECT id FROM feedback WHERE tracking_code = 'TEST-METRICS-17')",
		"DELETE FROM feedback_response WHERE feedback_id ="
		" (SELECT id FROM feedback WHERE tracking_code = 'TEST-METRICS-16')",
		"UPDATE feedback SET state = 'published' WHERE tracking_code = 'TEST-METRICS-12'",
		/* Moved to another item and month; acted on; a deadline changed by hand. */
		"UPDATE feedback SET item_id = (SELECT id FROM plan_item WHERE code = 'LC-T1'),"
		" created_at = created_at + interval '40 days' WHERE tracking_code = 'TEST-METRICS-3'",
		"UPDATE feedback SET first_action_at = created_at + interval '9 days'"
		" WHERE tracking_code = 'TEST-METRICS-18'",
		"UPDATE feedback SET due_answer = due_answer + 30 WHERE tracking_code = 'TEST-METRICS-18'",
		/* A new deadline rule, a new feedback under it, answered, then both removed. */
		"UPDATE response_deadline SET action_days = 2, answer_days = 4",
		"INSERT INTO feedback (id, tracking_code, item_id, rating, kind, body, consent_publish,"
		" consent_contact, submission_hash, secret_hash, log_index, key_id, created_at,"
		" handle, salt)"
		" SELECT 990000001, 'TEST-ROLLUP-1', id, 2, 'question', 'x', false, false, '', '',"
		" 990000001, '', '2026-08-03 10:00+07', md5('r1'), sha256('r1') FROM plan_item"
		" WHERE code = 'LC-T2'",
		"INSERT INTO feedback_response (feedback_id, official_id, text, answered_at, key_id,"
		" signature) SELECT 990000001, id, 'x', '2026-08-20 10:00+07', '', ''"
		" FROM official WHERE username = 't.metrics'",
		"INSERT INTO feedback (id, tracking_code, item_id, rating, kind, body, consent_publish,"
		" consent_contact, submission_hash, secret_hash, log_index, key_id, created_at,"
		" handle, salt)"
		" SELECT 990000002, 'TEST-ROLLUP-2', id, 5, 'report', 'x', false, false, '', '',"
		" 990000002, '', '2026-08-04 10:00+07', md5('r2'), sha256('r2') FROM plan_item"
		" WHERE code = 'LC-T2'",
		"DELETE FROM feedback WHERE id = 990000002",
	};
	/* Intake's rows wait for the fold, apart from the row trigger; changes to them while they
	 * wait leave the rollups to the fold too. */
	static const char *const bodies[] = {
		"{\"item_code\":\"LC-T3\",\"rating\":4,\"kind\":\"proposal\",\"body\":\"Chờ một\"}",
		"{\"item_code\":\"DB-T-IV.2\",\"rating\":1,\"kind\":\"report\",\"body\":\"Chờ hai\"}",
		"{\"item_code\":\"DB-T-IV.2\",\"rating\":2,\"kind\":\"report\",\"body\":\"Chờ ba\"}",
	};
	static const char *const while_waiting[] = {
		"UPDATE feedback SET state = 'rejected' WHERE body = 'Chờ một'",
		"INSERT INTO feedback_response (feedback_id, official_id, text, answered_at, key_id,"
		" signature) SELECT f.id, o.id, 'x', f.created_at + interval '30 hours', '', ''"
		" FROM feedback f, official o WHERE f.body = 'Chờ hai' AND o.username = 't.metrics'",
		"DELETE FROM feedback WHERE body = 'Chờ ba'",
	};
	PGconn *pg = PQconnectdb(getenv("PAKN_DATABASE_URL"));
	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	/* No fold from the checkpointer until the changes are made. */
	PQclear(exec(pg, "BEGIN"));
	PQclear(exec(pg, "SELECT FROM rollup_state FOR SHARE"));
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct th_resp r;
		assert_int_equal(th_http(&srv, "POST", "/api/v1/feedback",
					 "Content-Type: application/json\r\n", bodies[i],
					 strlen(bodies[i]), &r),
				 0);
		assert_int_equal(r.status, 201);
		th_resp_free(&r);
	}
	PGresult *waiting = exec(pg, "SELECT count(*) FILTER (WHERE pakn_rollup_waits(log_index))"
				     " FROM feedback WHERE body LIKE 'Chờ %'");
	assert_string_equal(PQgetvalue(waiting, 0, 0), "3");
	PQclear(waiting);
	for (size_t i = 0; i < sizeof(while_waiting) / sizeof(while_waiting[0]); i++) {
		PGresult *res = exec(pg, while_waiting[i]);
		assert_string_equal(PQcmdTuples(res), "1");
		PQclear(res);
	}
	PQclear(exec(pg, "SELECT pakn_rollup_fold()"));
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		PGresult *res = exec(pg, changes[i]);
		assert_string_equal(PQcmdTuples(res), "1");
		PQclear(res);
	}
	PQclear(exec(pg, "CREATE TEMP TABLE kept_r AS SELECT * FROM feedback_rollup;"
			 "CREATE TEMP TABLE kept_h AS SELECT * FROM answer_time_rollup;"
			 "CREATE TEMP TABLE kept_k AS SELECT * FROM answer_time_kind_rollup;"
			 "CREATE TEMP TABLE kept_p AS SELECT * FROM response_pending;"
			 "SELECT pakn_rollup_rebuild()"));
	/* Rows whose counts all came back to 0 stay behind; the recount has none. */
	PGresult *res = exec(
		pg,
		"WITH r AS (SELECT * FROM kept_r WHERE (r1, r2, r3, r4, r5, received, answered,"
		"   acted_late, answered_late, answer_ratings, answer_rating_sum)"
		"   <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),"
		" h AS (SELECT * FROM kept_h WHERE n <> 0), k AS (SELECT * FROM kept_k WHERE n <> 0)"
		" SELECT (SELECT count(*) FROM ((TABLE r EXCEPT TABLE feedback_rollup)"
		"         UNION ALL (TABLE feedback_rollup EXCEPT TABLE r)) x),"
		"        (SELECT count(*) FROM ((TABLE h EXCEPT TABLE answer_time_rollup)"
		"         UNION ALL (TABLE answer_time_rollup EXCEPT TABLE h)) x)"
		"         + (SELECT count(*) FROM ((TABLE k EXCEPT TABLE answer_time_kind_rollup)"
		"         UNION ALL (TABLE answer_time_kind_rollup EXCEPT TABLE k)) x),"
		"        (SELECT count(*) FROM ((TABLE kept_p EXCEPT TABLE response_pending)"
		"         UNION ALL (TABLE response_pending EXCEPT TABLE kept_p)) x),"
		"        (SELECT count(*) FROM answer_time_kind_rollup), (SELECT count(*) FROM response_pending)");
	assert_string_equal(PQgetvalue(res, 0, 0), "0");
	assert_string_equal(PQgetvalue(res, 0, 1), "0");
	assert_string_equal(PQgetvalue(res, 0, 2), "0");
	/* The comparison had something to compare. */
	assert_true(atoi(PQgetvalue(res, 0, 3)) > 0);
	assert_true(atoi(PQgetvalue(res, 0, 4)) > 0);
	PQclear(res);
	PQclear(exec(pg, "ROLLBACK"));
	PQfinish(pg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_item_in_a_quarter),
		cmocka_unit_test(test_by_agency_and_month),
		cmocka_unit_test(test_csv_matches_json),
		cmocka_unit_test(test_bad_parameters),
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_quarterly_review),
		cmocka_unit_test(test_quarterly_formatting),
		cmocka_unit_test(test_unknown_plan),
		cmocka_unit_test(test_rollup_follows_every_change),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
