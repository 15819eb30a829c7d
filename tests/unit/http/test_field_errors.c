/* test_field_errors.c - tests server/http/field_errors.c: one {field, code, message} per
 * problem up to FIELD_ERRORS_MAX, then one "(more)" entry that counts the rest with a
 * bilingual message; a field name that is not UTF-8 is not echoed; a long one is cut at a
 * character boundary and ends in "…". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "http/field_errors.h"

static const char *member(json_object *fields, size_t i, const char *key)
{
	json_object *e = json_object_array_get_idx(fields, i), *v;
	assert_non_null(e);
	return json_object_object_get_ex(e, key, &v) ? json_object_get_string(v) : NULL;
}

static void test_entries_then_one_more(void **state)
{
	(void)state;
	json_object *fields = json_object_new_array();
	char name[16];
	for (int i = 0; i < FIELD_ERRORS_MAX + 7; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		field_errors_add(fields, name, "required", "Bắt buộc. / Required.");
	}
	assert_int_equal(json_object_array_length(fields), FIELD_ERRORS_MAX + 1);
	assert_string_equal(member(fields, 0, "field"), "f0");
	assert_string_equal(member(fields, 0, "code"), "required");
	assert_string_equal(member(fields, 0, "message"), "Bắt buộc. / Required.");
	assert_null(member(fields, 0, "count"));
	assert_string_equal(member(fields, FIELD_ERRORS_MAX - 1, "field"), "f19");
	assert_string_equal(member(fields, FIELD_ERRORS_MAX, "field"), FIELD_ERRORS_MORE_FIELD);
	assert_string_equal(member(fields, FIELD_ERRORS_MAX, "code"), FIELD_ERRORS_MORE_CODE);
	assert_string_equal(member(fields, FIELD_ERRORS_MAX, "count"), "7");
	assert_string_equal(member(fields, FIELD_ERRORS_MAX, "message"),
			    "Còn 7 lỗi khác không được liệt kê. / 7 more not listed.");
	json_object_put(fields);
}

static void test_names_echoed_safely(void **state)
{
	(void)state;
	json_object *fields = json_object_new_array();
	field_errors_add(fields, "t\xe9n", "unknown_field", "m");
	assert_string_equal(member(fields, 0, "field"), "(not UTF-8)");
	/* 63 ASCII bytes then "ữ" (3 bytes): the cut may not split it */
	char longname[128];
	memset(longname, 'a', 63);
	strcpy(longname + 63, "ữbcdef");
	field_errors_add(fields, longname, "unknown_field", "m");
	char want[80];
	memset(want, 'a', 63);
	strcpy(want + 63, "…");
	assert_string_equal(member(fields, 1, "field"), want);
	/* exactly FIELD_NAME_MAX_BYTES is kept whole */
	char exact[FIELD_NAME_MAX_BYTES + 1];
	memset(exact, 'b', FIELD_NAME_MAX_BYTES);
	exact[FIELD_NAME_MAX_BYTES] = '\0';
	field_errors_add(fields, exact, "unknown_field", "m");
	assert_string_equal(member(fields, 2, "field"), exact);
	json_object_put(fields);
}

/* The limit is stated, its thousands grouped as each language writes them. */
static void test_too_long_states_the_limit(void **state)
{
	(void)state;
	static const struct {
		size_t max;
		const char *message;
	} cases[] = {
		{5000, "Dài quá: tối đa 5.000 ký tự. / Too long: at most 5,000 characters."},
		{200, "Dài quá: tối đa 200 ký tự. / Too long: at most 200 characters."},
		{1234567, "Dài quá: tối đa 1.234.567 ký tự. / Too long: at most 1,234,567 characters."},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_object *fields = json_object_new_array(), *v;
		field_errors_add_too_long(fields, "body", cases[i].max);
		json_object *f = json_object_array_get_idx(fields, 0);
		assert_true(json_object_object_get_ex(f, "code", &v));
		assert_string_equal(json_object_get_string(v), "too_long");
		assert_true(json_object_object_get_ex(f, "message", &v));
		assert_string_equal(json_object_get_string(v), cases[i].message);
		json_object_put(fields);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries_then_one_more),
		cmocka_unit_test(test_names_echoed_safely),
		cmocka_unit_test(test_too_long_states_the_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
