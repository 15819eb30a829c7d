/* test_bulk.c - tests server/officials/bulk.c without I/O, through bulk_parse: the action's
 * body read as the single action's, the actions a bulk may take, and the ids (1 to 200,
 * distinct, positive whole numbers); every problem of a body told at once. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "core/util.h"
#include "officials/bulk.h"

static void test_accepted(void **state)
{
	(void)state;
	struct bulk_input in;
	json_object *fields = json_object_new_array();
	const char *b = "{\"action\":\"reject\",\"reason\":\"spam\",\"ids\":[9,3,999999999999999999]}";
	assert_int_equal(bulk_parse(b, strlen(b), &in, fields), 0);
	assert_int_equal(in.n, 3);
	assert_int_equal(in.ids[0], 9);
	assert_int_equal(in.ids[1], 3);
	assert_int_equal(in.ids[2], 999999999999999999);
	assert_string_equal(moderation_action_name(&in.action), "reject");
	assert_string_equal(in.action.reason, "spam");
	bulk_input_free(&in);

	b = "{\"action\":\"answer\",\"template\":5,\"ids\":[1]}";
	assert_int_equal(bulk_parse(b, strlen(b), &in, fields), 0);
	assert_int_equal(in.action.template_id, 5);
	bulk_input_free(&in);

	const char *actions[] = {"{\"action\":\"publish\",\"ids\":[1]}",
				 "{\"action\":\"forward\",\"agency\":\"lc-so-y-te\",\"ids\":[1]}",
				 "{\"action\":\"close\",\"ids\":[1]}",
				 "{\"action\":\"publish_answer\",\"text\":\"Đã xong.\",\"ids\":[1]}"};
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		assert_int_equal(bulk_parse(actions[i], strlen(actions[i]), &in, fields), 0);
		bulk_input_free(&in);
	}
	assert_int_equal(json_object_array_length(fields), 0);
	json_object_put(fields);
}

/* 200 ids pass; 201 do not. */
static void test_at_most_200(void **state)
{
	(void)state;
	for (int n = 200; n <= 201; n++) {
		struct sbuf b = {0};
		sbuf_puts(&b, "{\"action\":\"close\",\"ids\":[");
		for (int i = 1; i <= n; i++)
			sbuf_printf(&b, "%s%d", i > 1 ? "," : "", i);
		sbuf_puts(&b, "]}");
		struct bulk_input in;
		json_object *fields = json_object_new_array();
		assert_int_equal(bulk_parse(b.data, b.len, &in, fields), n == 200 ? 0 : 422);
		assert_int_equal(in.n, n == 200 ? 200 : 0);
		json_object_put(fields);
		bulk_input_free(&in);
		sbuf_free(&b);
	}
}

/* Parses body, expecting 422 with exactly the (field, code) pairs given, in order. */
static void expect_422(const char *body, size_t n, const char *const pairs[][2])
{
	struct bulk_input in;
	json_object *fields = json_object_new_array();
	assert_int_equal(bulk_parse(body, strlen(body), &in, fields), 422);
	if (json_object_array_length(fields) != n)
		fail_msg("%s: %s", body, json_object_to_json_string(fields));
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(fields, i), *v;
		assert_true(json_object_object_get_ex(e, "field", &v));
		assert_string_equal(json_object_get_string(v), pairs[i][0]);
		assert_true(json_object_object_get_ex(e, "code", &v));
		assert_string_equal(json_object_get_string(v), pairs[i][1]);
		assert_true(json_object_object_get_ex(e, "message", &v));
		assert_non_null(strstr(json_object_get_string(v), " / "));
	}
	json_object_put(fields);
	bulk_input_free(&in);
}

static void test_problems(void **state)
{
	(void)state;
	expect_422("{\"action\":\"hide\",\"reason\":\"spam\",\"ids\":[1]}", 1,
		   (const char *const[][2]){{"action", "invalid_choice"}});
	expect_422("{\"action\":\"assign\",\"official\":\"a.b\",\"ids\":[1]}", 1,
		   (const char *const[][2]){{"action", "invalid_choice"}});
	expect_422("{\"action\":\"hide\",\"ids\":[1]}", 2,
		   (const char *const[][2]){{"reason", "required"}, {"action", "invalid_choice"}});
	expect_422("{\"action\":\"nope\",\"ids\":[1]}", 1,
		   (const char *const[][2]){{"action", "invalid_choice"}});
	expect_422("{\"action\":\"publish\"}", 1, (const char *const[][2]){{"ids", "required"}});
	expect_422("{\"action\":\"publish\",\"ids\":null}", 1,
		   (const char *const[][2]){{"ids", "required"}});
	expect_422("{\"action\":\"publish\",\"ids\":[]}", 1,
		   (const char *const[][2]){{"ids", "required"}});
	expect_422("{\"action\":\"publish\",\"ids\":{\"a\":1}}", 1,
		   (const char *const[][2]){{"ids", "invalid_type"}});
	expect_422("{\"action\":\"publish\",\"ids\":[1,0]}", 1,
		   (const char *const[][2]){{"ids", "invalid_id"}});
	expect_422("{\"action\":\"publish\",\"ids\":[1.0]}", 1,
		   (const char *const[][2]){{"ids", "invalid_id"}});
	expect_422("{\"action\":\"publish\",\"ids\":[\"1\"]}", 1,
		   (const char *const[][2]){{"ids", "invalid_id"}});
	expect_422("{\"action\":\"publish\",\"ids\":[1000000000000000000]}", 1,
		   (const char *const[][2]){{"ids", "invalid_id"}});
	expect_422("{\"action\":\"publish\",\"ids\":[4,5,4]}", 1,
		   (const char *const[][2]){{"ids", "duplicate"}});
	/* every problem at once: the action's own and the ids' */
	expect_422("{\"action\":\"reject\",\"ids\":[]}", 2,
		   (const char *const[][2]){{"reason", "required"}, {"ids", "required"}});
	expect_422("{\"action\":\"answer\",\"text\":\"a\",\"template\":3,\"ids\":[1,1]}", 2,
		   (const char *const[][2]){{"template", "conflict"}, {"ids", "duplicate"}});
}

static void test_not_an_object(void **state)
{
	(void)state;
	const char *bodies[] = {"", "[1]", "{\"ids\":[1]", "null"};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct bulk_input in;
		json_object *fields = json_object_new_array();
		assert_int_equal(bulk_parse(bodies[i], strlen(bodies[i]), &in, fields), 400);
		assert_int_equal(json_object_array_length(fields), 0);
		json_object_put(fields);
		bulk_input_free(&in);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_at_most_200),
		cmocka_unit_test(test_problems),
		cmocka_unit_test(test_not_an_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
