/* test_plan_deadline.c - tests tools/plan_deadline.c: the deadline forms of the plans and the
 * calendar periods they mean. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "plan_deadline.h"

struct deadline_case {
	const char *text;
	enum deadline_kind kind;
	const char *start, *end; /* "" when the kind has no period */
};

static const struct deadline_case cases[] = {
	/* months, with the length of each and leap years */
	{"Tháng 01/2026", DEADLINE_MONTH, "2026-01-01", "2026-01-31"},
	{"Tháng 1/2026", DEADLINE_MONTH, "2026-01-01", "2026-01-31"},
	{"Tháng 02/2026", DEADLINE_MONTH, "2026-02-01", "2026-02-28"},
	{"Tháng 02/2028", DEADLINE_MONTH, "2028-02-01", "2028-02-29"},
	{"Tháng 02/2100", DEADLINE_MONTH, "2100-02-01", "2100-02-28"},
	{"Tháng 02/2000", DEADLINE_MONTH, "2000-02-01", "2000-02-29"},
	{"Tháng 04/2026", DEADLINE_MONTH, "2026-04-01", "2026-04-30"},
	{"Tháng 12/2026", DEADLINE_MONTH, "2026-12-01", "2026-12-31"},
	{"THÁNG 6/2026", DEADLINE_MONTH, "2026-06-01", "2026-06-30"},
	{"Tháng 13/2026", DEADLINE_OTHER, "", ""},
	{"Tháng 0/2026", DEADLINE_OTHER, "", ""},
	{"Tháng 01/2026 và tháng 02/2026", DEADLINE_OTHER, "", ""},
	/* quarters and runs of quarters */
	{"Quý I/2026", DEADLINE_QUARTER, "2026-01-01", "2026-03-31"},
	{"Quý II/2026", DEADLINE_QUARTER, "2026-04-01", "2026-06-30"},
	{"Quý III/2026", DEADLINE_QUARTER, "2026-07-01", "2026-09-30"},
	{"Quý IV/2026", DEADLINE_QUARTER, "2026-10-01", "2026-12-31"},
	{"Quý I-II/2026", DEADLINE_QUARTER, "2026-01-01", "2026-06-30"},
	{"Quý II-IV/2026", DEADLINE_QUARTER, "2026-04-01", "2026-12-31"},
	{"quý iii/2027", DEADLINE_QUARTER, "2027-07-01", "2027-09-30"},
	{"Quy\xcc\x81 II/2026", DEADLINE_QUARTER, "2026-04-01", "2026-06-30"}, /* decomposed */
	{"  Quý   IV/2026 ", DEADLINE_QUARTER, "2026-10-01", "2026-12-31"},
	{"Quý II-I/2026", DEADLINE_OTHER, "", ""},
	{"Quý V/2026", DEADLINE_OTHER, "", ""},
	{"Quý II/26", DEADLINE_OTHER, "", ""},
	{"Quý II/2026 (dự kiến)", DEADLINE_OTHER, "", ""},
	{"Quý II", DEADLINE_OTHER, "", ""},
	/* single days */
	{"30/6/2026", DEADLINE_DATE, "2026-06-30", "2026-06-30"},
	{"01/01/2026", DEADLINE_DATE, "2026-01-01", "2026-01-01"},
	{"29/2/2028", DEADLINE_DATE, "2028-02-29", "2028-02-29"},
	{"29/2/2026", DEADLINE_OTHER, "", ""},
	{"31/6/2026", DEADLINE_OTHER, "", ""},
	{"0/6/2026", DEADLINE_OTHER, "", ""},
	{"15/13/2026", DEADLINE_OTHER, "", ""},
	/* years */
	{"Năm 2026", DEADLINE_YEAR, "2026-01-01", "2026-12-31"},
	{"năm 2027", DEADLINE_YEAR, "2027-01-01", "2027-12-31"},
	{"Năm 20266", DEADLINE_OTHER, "", ""},
	/* no single period */
	{"Hàng quý", DEADLINE_QUARTERLY, "", ""},
	{"Hằng quý", DEADLINE_QUARTERLY, "", ""},
	{"HÀNG QUÝ", DEADLINE_QUARTERLY, "", ""},
	{"Thường xuyên", DEADLINE_ONGOING, "", ""},
	{"Thường  xuyên", DEADLINE_ONGOING, "", ""},
	{"Theo hướng dẫn của Bộ Tài chính", DEADLINE_OTHER, "", ""},
	{"2026", DEADLINE_OTHER, "", ""},
	{"\xff\xfe", DEADLINE_OTHER, "", ""}, /* not UTF-8 */
	/* empty */
	{"", DEADLINE_NONE, "", ""},
	{NULL, DEADLINE_NONE, "", ""},
	{"   ", DEADLINE_NONE, "", ""},
};

static void test_deadline_table(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct deadline_case *c = &cases[i];
		struct deadline d;
		memset(&d, 'x', sizeof(d));
		plan_deadline_parse(c->text, &d);
		if (d.kind != c->kind || strcmp(d.start, c->start) != 0 ||
		    strcmp(d.end, c->end) != 0) {
			print_error("\"%s\": %s %s..%s, want %s %s..%s\n", c->text ? c->text : "(null)",
				    plan_deadline_kind_name(d.kind), d.start, d.end,
				    plan_deadline_kind_name(c->kind), c->start, c->end);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(plan_deadline_kind_name(DEADLINE_NONE), "none");
	assert_string_equal(plan_deadline_kind_name(DEADLINE_MONTH), "month");
	assert_string_equal(plan_deadline_kind_name(DEADLINE_QUARTER), "quarter");
	assert_string_equal(plan_deadline_kind_name(DEADLINE_DATE), "date");
	assert_string_equal(plan_deadline_kind_name(DEADLINE_YEAR), "year");
	assert_string_equal(plan_deadline_kind_name(DEADLINE_QUARTERLY), "quarterly");
	assert_string_equal(plan_deadline_kind_name(DEADLINE_ONGOING), "ongoing");
	assert_string_equal(plan_deadline_kind_name(DEADLINE_OTHER), "other");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deadline_table),
		cmocka_unit_test(test_kind_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
