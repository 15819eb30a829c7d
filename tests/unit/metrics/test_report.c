/* test_report.c - server/metrics/report.c: figures rounded to one decimal on their decimal
 * value (halves away from zero), shares as percentages, Vietnamese and English marks, no
 * grouping or signs in CSV; the review's page names feedback on a whole plan or section in
 * words, marks small samples, escapes every text and leaves out the columns a result lacks.
 * Results are made in memory with libpq's PQsetvalue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "metrics/report.h"

static void test_numbers(void **state)
{
	(void)state;
	static const struct {
		const char *value;
		enum report_format format;
		enum report_style style;
		const char *want;
	} cases[] = {
		{"3.2857", REPORT_MEAN, REPORT_VI, "3,3"},
		{"3.2857", REPORT_MEAN, REPORT_EN, "3.3"},
		{"3.2857", REPORT_MEAN, REPORT_CSV, "3.3"},
		{"3.2500", REPORT_MEAN, REPORT_VI, "3,3"},
		{"3.2499", REPORT_MEAN, REPORT_EN, "3.2"},
		{"0.4286", REPORT_SHARE, REPORT_VI, "42,9\u00a0%"},
		{"0.4286", REPORT_SHARE, REPORT_EN, "42.9%"},
		{"0.4286", REPORT_SHARE, REPORT_CSV, "42.9"},
		{"0.0125", REPORT_SHARE, REPORT_EN, "1.3%"},  /* 1.25 is 1.2499… as a double */
		{"1.0000", REPORT_SHARE, REPORT_VI, "100,0\u00a0%"},
		{"0", REPORT_SHARE, REPORT_EN, "0.0%"},
		{"-0.0125", REPORT_SHARE_CHANGE, REPORT_VI, "-1,3"},
		{"0.0500", REPORT_SHARE_CHANGE, REPORT_VI, "+5,0"},
		{"0.0500", REPORT_SHARE_CHANGE, REPORT_CSV, "5.0"},
		{"0.0000", REPORT_MEAN_CHANGE, REPORT_EN, "0.0"},
		{"-0.0400", REPORT_MEAN_CHANGE, REPORT_EN, "0.0"},
		{"-0.0500", REPORT_MEAN_CHANGE, REPORT_EN, "-0.1"},
		{"1234567", REPORT_COUNT, REPORT_VI, "1.234.567"},
		{"1234567", REPORT_COUNT, REPORT_EN, "1,234,567"},
		{"1234567", REPORT_COUNT, REPORT_CSV, "1234567"},
		{"999", REPORT_COUNT, REPORT_VI, "999"},
		{"-3", REPORT_COUNT_CHANGE, REPORT_VI, "-3"},
		{"12", REPORT_COUNT_CHANGE, REPORT_EN, "+12"},
		{"12", REPORT_COUNT_CHANGE, REPORT_CSV, "12"},
		{"0", REPORT_COUNT_CHANGE, REPORT_EN, "0"},
		{"3.2857", REPORT_RAW, REPORT_VI, "3.2857"},
		{"NaN", REPORT_MEAN, REPORT_VI, "NaN"},
		{"abc", REPORT_SHARE, REPORT_VI, "abc"},
		{"", REPORT_COUNT, REPORT_VI, ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sbuf b = {0};
		report_number(&b, cases[i].value, cases[i].format, cases[i].style);
		sbuf_puts(&b, "");
		if (strcmp(b.data, cases[i].want) != 0)
			fail_msg("%s as %d/%d: %s, want %s", cases[i].value, cases[i].format,
				 cases[i].style, b.data, cases[i].want);
		sbuf_free(&b);
	}
}

enum { OID_BOOL = 16, OID_INT8 = 20, OID_TEXT = 25, OID_NUMERIC = 1700 };

/* A result with some of pakn_quarterly's columns and the given rows. */
static PGresult *review_of(const char *const rows[][7], int n)
{
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresAttDesc cols[7] = {
		{.name = "level", .typid = OID_TEXT, .typlen = -1, .atttypmod = -1},
		{.name = "code", .typid = OID_TEXT, .typlen = -1, .atttypmod = -1},
		{.name = "title", .typid = OID_TEXT, .typlen = -1, .atttypmod = -1},
		{.name = "count", .typid = OID_INT8, .typlen = 8, .atttypmod = -1},
		{.name = "mean", .typid = OID_NUMERIC, .typlen = -1, .atttypmod = -1},
		{.name = "csat", .typid = OID_NUMERIC, .typlen = -1, .atttypmod = -1},
		{.name = "insufficient_data", .typid = OID_BOOL, .typlen = 1, .atttypmod = -1},
	};
	assert_int_equal(PQsetResultAttrs(res, 7, cols), 1);
	for (int r = 0; r < n; r++)
		for (int c = 0; c < 7; c++)
			if (rows[r][c])
				assert_int_equal(PQsetvalue(res, r, c, (char *)rows[r][c], (int)strlen(rows[r][c])), 1);
			else
				assert_int_equal(PQsetvalue(res, r, c, NULL, -1), 1);
	return res;
}

static void test_page(void **state)
{
	(void)state;
	static const char *const rows[][7] = {
		{"agency", "db-so-noi-vu", "Sở Nội vụ", "12", "3.2857", "0.4286", "f"},
		{"item", "DB-2026", "Kế hoạch <b>", "3", "4.0000", "1.0000", "t"},
		{"item", "DB-T-V", "Về chuyển đổi số", "0", NULL, NULL, "t"},
		{"item", "DB-T-V.3", "Nhiệm vụ \"3\" & <script>", "10", "2.0000", "0.1000", "f"},
	};
	PGresult *res = review_of(rows, 4);
	struct report_about about = {"DB-2026", "Kế hoạch <i>", "Điện Biên", 2026, 2, 10, REPORT_VI};
	struct sbuf b = {0};
	report_quarterly_html(res, &about, &b);
	sbuf_puts(&b, "");
	assert_non_null(strstr(b.data, "<html lang=\"vi\">"));
	assert_non_null(strstr(b.data, "<title>Điện Biên – Quý II/2026 – Báo cáo quý</title>"));
	assert_non_null(strstr(b.data, "Kế hoạch &lt;i&gt;"));
	assert_non_null(strstr(b.data, "<th scope=\"row\">Sở Nội vụ</th><td class=\"n\">12</td>"
				       "<td class=\"n\">3,3</td><td class=\"n\">42,9\u00a0%</td></tr>"));
	/* Feedback on the whole plan and on a whole section, by name; a small sample marked. */
	assert_non_null(strstr(b.data, "<th scope=\"row\">Toàn bộ kế hoạch <span class=\"code\">"
				       "(DB-2026)</span></th><td class=\"n\">3</td><td class=\"n\">4,0</td>"
				       "<td class=\"n\">100,0\u00a0%&nbsp;*</td>"));
	assert_non_null(strstr(b.data, "Toàn bộ mục V: Về chuyển đổi số <span class=\"code\">(DB-T-V)"
				       "</span></th><td class=\"n\">0</td><td class=\"n\">—</td>"));
	assert_non_null(strstr(b.data, "Nhiệm vụ &quot;3&quot; &amp; &lt;script&gt; <span"));
	assert_null(strstr(b.data, "<script"));
	assert_null(strstr(b.data, "<b>"));
	/* Columns the result lacks are left out: three figures after the name. */
	assert_null(strstr(b.data, "Đã trả lời</th>"));
	assert_non_null(strstr(b.data, "(dưới 10 đánh giá)"));
	sbuf_free(&b);

	about.lang = REPORT_EN;
	report_quarterly_html(res, &about, &b);
	sbuf_puts(&b, "");
	assert_non_null(strstr(b.data, "<html lang=\"en\">"));
	assert_non_null(strstr(b.data, "Quarter: <strong>Q2 2026</strong>"));
	assert_non_null(strstr(b.data, "Whole section V: "));
	assert_non_null(strstr(b.data, "<td class=\"n\">3.3</td><td class=\"n\">42.9%</td>"));
	sbuf_free(&b);

	report_quarterly_csv(res, &b);
	sbuf_puts(&b, "");
	assert_string_equal(b.data, "\xEF\xBB\xBF"
				    "level,code,title,count,mean,csat_percent,insufficient_data\r\n"
				    "agency,db-so-noi-vu,Sở Nội vụ,12,3.3,42.9,false\r\n"
				    "item,DB-2026,Kế hoạch <b>,3,4.0,100.0,true\r\n"
				    "item,DB-T-V,Về chuyển đổi số,0,,,true\r\n"
				    "item,DB-T-V.3,\"Nhiệm vụ \"\"3\"\" & <script>\",10,2.0,10.0,false\r\n");
	sbuf_free(&b);
	PQclear(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
