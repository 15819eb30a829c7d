/* test_templates.c - tests server/officials/templates.c without I/O, through template_fill:
 * each placeholder filled once, in one pass (a value is never filled again), and what is no
 * placeholder (an unknown word, a brace left open, a name too long, a value that is not a
 * string) left as written. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/util.h"
#include "officials/templates.h"

static json_object *values(void)
{
	json_object *v = json_object_new_object();
	json_object_object_add(v, "item_title", json_object_new_string("Tỷ lệ hộ có cáp quang"));
	json_object_object_add(v, "item_code", json_object_new_string("LC-T25"));
	json_object_object_add(v, "plan", json_object_new_string("Kế hoạch {today}"));
	json_object_object_add(v, "received_date", json_object_new_string("01/12/2026"));
	json_object_object_add(v, "today", json_object_new_string("07/12/2026"));
	json_object_object_add(v, "tracking_code", json_object_new_string("ABCD-EFGH"));
	json_object_object_add(v, "count", json_object_new_int(3));
	return v;
}

static void expect_fill(const char *text, const char *want)
{
	json_object *v = values();
	char *got = template_fill(text, v, 1000);
	assert_string_equal(got, want);
	free(got);
	json_object_put(v);
}

static void test_placeholders(void **state)
{
	(void)state;
	expect_fill("Về {item_title} ({item_code}), nhận {received_date}, trả lời {today}, mã "
		    "{tracking_code}.",
		    "Về Tỷ lệ hộ có cáp quang (LC-T25), nhận 01/12/2026, trả lời 07/12/2026, mã "
		    "ABCD-EFGH.");
	expect_fill("{item_code}{item_code}", "LC-T25LC-T25");
	expect_fill("{today}", "07/12/2026");
	expect_fill("", "");
	expect_fill("Không có chỗ nào.", "Không có chỗ nào.");
}

/* The plan's title holds "{today}": filled once, it stays as it came. */
static void test_one_pass(void **state)
{
	(void)state;
	expect_fill("{plan}", "Kế hoạch {today}");
}

static void test_left_as_written(void **state)
{
	(void)state;
	expect_fill("{unknown} và {Item_Code}", "{unknown} và {Item_Code}");
	expect_fill("{} {", "{} {");
	expect_fill("{item_code", "{item_code");
	expect_fill("item_code}", "item_code}");
	expect_fill("{{item_code}}", "{LC-T25}");
	expect_fill("{a{item_code}", "{aLC-T25");
	expect_fill("{count}", "{count}"); /* not a string */
	expect_fill("{item code}", "{item code}");
	expect_fill("{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}",
		    "{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}");
}

/* A text of many braces is read once: the work grows with its length. */
static void test_many_braces(void **state)
{
	(void)state;
	size_t n = 100000;
	char *text = malloc(n + 1);
	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		text[i] = i % 2 ? 'x' : '{';
	text[n] = '\0';
	json_object *v = values();
	char *got = template_fill(text, v, n);
	assert_string_equal(got, text);
	free(got);
	json_object_put(v);
	free(text);
}

/* A short template of many long placeholders stops one byte past the bound: what it
 * costs is bounded by the answer's length, not by the template times the values. */
static void test_cut_past_the_bound(void **state)
{
	(void)state;
	struct sbuf text = {0};
	for (int i = 0; i < 2000; i++)
		sbuf_puts(&text, "{title}");
	struct sbuf title = {0};
	for (int i = 0; i < 1000; i++)
		sbuf_puts(&title, "Tỷ");
	json_object *v = json_object_new_object();
	json_object_object_add(v, "title", json_object_new_string(title.data));
	char *got = template_fill(text.data, v, 6000);
	assert_int_equal(strlen(got), 6001);
	free(got);
	/* Under the bound, whole. */
	got = template_fill("{title}", v, 6000);
	assert_string_equal(got, title.data);
	free(got);
	json_object_put(v);
	sbuf_free(&text);
	sbuf_free(&title);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_one_pass),
		cmocka_unit_test(test_left_as_written),
		cmocka_unit_test(test_many_braces),
		cmocka_unit_test(test_cut_past_the_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
