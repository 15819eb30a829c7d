/* test_moderation.c - tests server/officials/moderation.c without I/O, through
 * moderation_action_parse: each action finds its row of the transition table (which roles may
 * take it, from which states, to which state, as docs/moderation.md lists them), and each bad
 * body is refused with the code and the fields a client reads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <json-c/json.h>

#include "officials/auth.h"
#include "officials/moderation.h"

/* moderation.h leaves the row opaque; this is moderation.c's definition, member for member
 * (the same tag completed the same way is the same type in C). If the row changes there,
 * change it here. */
struct transition {
	const char *action;
	unsigned roles;
	const char *from;
	const char *to;
	const char *steps[3];
};

static void expect_422(const char *body, size_t n, const char *const pairs[][2]);

/* Parses body, expecting 0, and checks the row it found. */
static void expect_row(const char *body, const char *action, unsigned roles, const char *from,
		       const char *to)
{
	struct moderation_input in;
	json_object *fields = json_object_new_array();
	int status = moderation_action_parse(body, strlen(body), &in, fields);
	if (status != 0)
		fail_msg("%s: %d %s", body, status, json_object_to_json_string(fields));
	assert_non_null(in.t);
	assert_string_equal(in.t->action, action);
	assert_int_equal(in.t->roles, roles);
	assert_string_equal(in.t->from, from);
	if (to)
		assert_string_equal(in.t->to, to);
	else
		assert_null(in.t->to);
	assert_int_equal(json_object_array_length(fields), 0);
	json_object_put(fields);
	moderation_input_free(&in);
}

static void test_transition_table(void **state)
{
	(void)state;
	expect_row("{\"action\":\"publish\"}", "publish", ROLE_MODERATOR,
		   "{received,hidden,answered}", "published");
	expect_row("{\"action\":\"reject\",\"reason\":\"spam\"}", "reject", ROLE_MODERATOR,
		   "{received}", "rejected");
	expect_row("{\"action\":\"hide\",\"reason\":\"personal_data\"}", "hide", ROLE_MODERATOR,
		   "{received,published,answered}", "hidden");
	expect_row("{\"action\":\"forward\",\"agency\":\"lc-so-y-te\"}", "forward",
		   ROLE_MODERATOR | ROLE_RESPONDER, "{received,published,hidden}", NULL);
	expect_row("{\"action\":\"answer\",\"text\":\"Đã sửa đường.\"}", "answer", ROLE_RESPONDER,
		   "{received,published}", "answered");
	expect_row("{\"action\":\"close\"}", "close", ROLE_MODERATOR | ROLE_RESPONDER,
		   "{published,answered}", "closed");
	expect_row("{\"action\":\"link_duplicate\",\"of\":12}", "link_duplicate",
		   ROLE_MODERATOR | ROLE_RESPONDER, "{received,published,hidden}", NULL);
	expect_row("{\"action\":\"unlink_duplicate\"}", "unlink_duplicate",
		   ROLE_MODERATOR | ROLE_RESPONDER,
		   "{received,published,hidden,answered,rejected,closed}", NULL);
}

/* link_duplicate takes the original's id, a positive JSON integer; no other action keeps one. */
static void test_link_takes_the_original(void **state)
{
	(void)state;
	struct moderation_input in;
	json_object *fields = json_object_new_array();
	const char *b = "{\"action\":\"link_duplicate\",\"of\":9007199254740993}";
	assert_int_equal(moderation_action_parse(b, strlen(b), &in, fields), 0);
	assert_true(in.of == 9007199254740993LL);
	moderation_input_free(&in);
	b = "{\"action\":\"unlink_duplicate\",\"of\":12}";
	assert_int_equal(moderation_action_parse(b, strlen(b), &in, fields), 0);
	assert_true(in.of == 0);
	moderation_input_free(&in);
	json_object_put(fields);
	expect_422("{\"action\":\"link_duplicate\"}", 1, (const char *const[][2]){{"of", "required"}});
	expect_422("{\"action\":\"link_duplicate\",\"of\":null}", 1,
		   (const char *const[][2]){{"of", "required"}});
	expect_422("{\"action\":\"link_duplicate\",\"of\":\"12\"}", 1,
		   (const char *const[][2]){{"of", "invalid_id"}});
	expect_422("{\"action\":\"link_duplicate\",\"of\":0}", 1,
		   (const char *const[][2]){{"of", "invalid_id"}});
	expect_422("{\"action\":\"link_duplicate\",\"of\":-3}", 1,
		   (const char *const[][2]){{"of", "invalid_id"}});
	expect_422("{\"action\":\"link_duplicate\",\"of\":1.5}", 1,
		   (const char *const[][2]){{"of", "invalid_id"}});
}

/* publish_answer is two steps of the table, publish then answer, and takes the answer's text
 * (it has no row of its own to take). */
static void test_publish_answer_is_two_steps(void **state)
{
	(void)state;
	struct moderation_input in;
	json_object *fields = json_object_new_array();
	const char *b = "{\"action\":\"publish_answer\",\"text\":\" Sở đã tiếp thu. \"}";
	assert_int_equal(moderation_action_parse(b, strlen(b), &in, fields), 0);
	assert_string_equal(in.t->action, "publish_answer");
	assert_int_equal(in.t->roles, 0);
	assert_null(in.t->from);
	assert_string_equal(in.t->steps[0], "publish");
	assert_string_equal(in.t->steps[1], "answer");
	assert_null(in.t->steps[2]);
	assert_string_equal(in.text, "Sở đã tiếp thu.");
	moderation_input_free(&in);
	json_object_put(fields);
}

/* No role but moderators and responders acts on feedback: admins and analysts are refused
 * every action, and no action is open to every role (publish_answer's steps are two of
 * these). */
static void test_roles_only_moderator_and_responder(void **state)
{
	(void)state;
	const char *bodies[] = {
		"{\"action\":\"publish\"}",
		"{\"action\":\"reject\",\"reason\":\"abuse\"}",
		"{\"action\":\"hide\",\"reason\":\"other\"}",
		"{\"action\":\"forward\",\"agency\":\"x\"}",
		"{\"action\":\"answer\",\"text\":\"ok\"}",
		"{\"action\":\"close\"}",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct moderation_input in;
		json_object *fields = json_object_new_array();
		assert_int_equal(moderation_action_parse(bodies[i], strlen(bodies[i]), &in, fields), 0);
		assert_int_equal(in.t->roles & (ROLE_ADMIN | ROLE_ANALYST), 0);
		assert_int_not_equal(in.t->roles, 0);
		json_object_put(fields);
		moderation_input_free(&in);
	}
}

/* The fields of an action that carries them are kept; others are dropped even if sent. */
static void test_fields_kept_per_action(void **state)
{
	(void)state;
	struct moderation_input in;
	json_object *fields = json_object_new_array();
	const char *b = "{\"action\":\"reject\",\"reason\":\"duplicate\",\"agency\":\"a\",\"note\":\" xem #12 \"}";
	assert_int_equal(moderation_action_parse(b, strlen(b), &in, fields), 0);
	assert_string_equal(in.reason, "duplicate");
	assert_null(in.agency);
	assert_null(in.text);
	assert_non_null(in.note);
	assert_string_equal(in.note, "xem #12");
	moderation_input_free(&in);

	b = "{\"action\":\"forward\",\"agency\":\"db-so-xay-dung\",\"reason\":\"spam\"}";
	assert_int_equal(moderation_action_parse(b, strlen(b), &in, fields), 0);
	assert_string_equal(in.agency, "db-so-xay-dung");
	assert_null(in.reason);
	moderation_input_free(&in);

	b = "{\"action\":\"answer\",\"text\":\"  Đã xong.  \",\"reason\":\"spam\"}";
	assert_int_equal(moderation_action_parse(b, strlen(b), &in, fields), 0);
	assert_string_equal(in.text, "Đã xong.");
	assert_null(in.reason);
	assert_null(in.note);
	moderation_input_free(&in);
	assert_int_equal(json_object_array_length(fields), 0);
	json_object_put(fields);
}

/* Parses body, expecting 422 with exactly the (field, code) pairs given, in order. */
static void expect_422(const char *body, size_t n, const char *const pairs[][2])
{
	struct moderation_input in;
	json_object *fields = json_object_new_array();
	assert_int_equal(moderation_action_parse(body, strlen(body), &in, fields), 422);
	assert_null(in.t);
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
	moderation_input_free(&in);
}

static void test_bad_bodies(void **state)
{
	(void)state;
	expect_422("{}", 1, (const char *const[][2]){{"action", "invalid_choice"}});
	expect_422("{\"action\":\"delete\"}", 1, (const char *const[][2]){{"action", "invalid_choice"}});
	expect_422("{\"action\":\"Publish\"}", 1, (const char *const[][2]){{"action", "invalid_choice"}});
	expect_422("{\"action\":7}", 1, (const char *const[][2]){{"action", "invalid_choice"}});
	expect_422("{\"action\":\"reject\"}", 1, (const char *const[][2]){{"reason", "required"}});
	expect_422("{\"action\":\"hide\",\"reason\":null}", 1,
		   (const char *const[][2]){{"reason", "required"}});
	expect_422("{\"action\":\"reject\",\"reason\":\"rude\"}", 1,
		   (const char *const[][2]){{"reason", "invalid_choice"}});
	expect_422("{\"action\":\"forward\"}", 1, (const char *const[][2]){{"agency", "required"}});
	expect_422("{\"action\":\"forward\",\"agency\":\"\"}", 1,
		   (const char *const[][2]){{"agency", "invalid_code"}});
	expect_422("{\"action\":\"forward\",\"agency\":\"LC-So\"}", 1,
		   (const char *const[][2]){{"agency", "invalid_code"}});
	expect_422("{\"action\":\"forward\",\"agency\":[\"a\"]}", 1,
		   (const char *const[][2]){{"agency", "invalid_code"}});
	expect_422("{\"action\":\"answer\"}", 1, (const char *const[][2]){{"text", "required"}});
	expect_422("{\"action\":\"publish_answer\"}", 1,
		   (const char *const[][2]){{"text", "required"}});
	/* every problem of one body is told at once */
	expect_422("{\"action\":\"hide\",\"reason\":\"x\",\"note\":\"a\\u0001b\"}", 2,
		   (const char *const[][2]){{"reason", "invalid_choice"}, {"note", "control_characters"}});
}

/* An answer is a text or a template (its id), one of them: the template is filled per
 * feedback later, so nothing of it is read here. */
static void test_answer_by_template(void **state)
{
	(void)state;
	struct moderation_input in;
	json_object *fields = json_object_new_array();
	const char *b = "{\"action\":\"publish_answer\",\"template\":42}";
	assert_int_equal(moderation_action_parse(b, strlen(b), &in, fields), 0);
	assert_int_equal(in.template_id, 42);
	assert_null(in.text);
	moderation_input_free(&in);
	b = "{\"action\":\"answer\",\"template\":2147483647,\"text\":null}";
	assert_int_equal(moderation_action_parse(b, strlen(b), &in, fields), 0);
	assert_int_equal(in.template_id, 2147483647);
	moderation_input_free(&in);
	b = "{\"action\":\"publish\",\"template\":\"x\"}"; /* not an answer: not read */
	assert_int_equal(moderation_action_parse(b, strlen(b), &in, fields), 0);
	assert_int_equal(in.template_id, 0);
	moderation_input_free(&in);
	assert_int_equal(json_object_array_length(fields), 0);
	json_object_put(fields);

	expect_422("{\"action\":\"answer\",\"text\":\"a\",\"template\":1}", 1,
		   (const char *const[][2]){{"template", "conflict"}});
	expect_422("{\"action\":\"answer\",\"template\":0}", 1,
		   (const char *const[][2]){{"template", "invalid_id"}});
	expect_422("{\"action\":\"answer\",\"template\":2147483648}", 1,
		   (const char *const[][2]){{"template", "invalid_id"}});
	expect_422("{\"action\":\"answer\",\"template\":1.5}", 1,
		   (const char *const[][2]){{"template", "invalid_id"}});
	expect_422("{\"action\":\"answer\",\"template\":\"7\"}", 1,
		   (const char *const[][2]){{"template", "invalid_id"}});
}

static void test_not_an_object(void **state)
{
	(void)state;
	const char *bodies[] = {"", "[]", "\"publish\"", "{\"action\":", "null", "{} {}"};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct moderation_input in;
		json_object *fields = json_object_new_array();
		assert_int_equal(moderation_action_parse(bodies[i], strlen(bodies[i]), &in, fields), 400);
		assert_null(in.t);
		assert_int_equal(json_object_array_length(fields), 0);
		json_object_put(fields);
		moderation_input_free(&in);
	}
	struct moderation_input in;
	json_object *fields = json_object_new_array();
	assert_int_equal(moderation_action_parse(NULL, 0, &in, fields), 400);
	json_object_put(fields);
	moderation_input_free(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transition_table),
		cmocka_unit_test(test_publish_answer_is_two_steps),
		cmocka_unit_test(test_roles_only_moderator_and_responder),
		cmocka_unit_test(test_fields_kept_per_action),
		cmocka_unit_test(test_bad_bodies),
		cmocka_unit_test(test_link_takes_the_original),
		cmocka_unit_test(test_answer_by_template),
		cmocka_unit_test(test_not_an_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
