/* test_form_pages.c - tests server/intake/form_pages.c: the no-JavaScript problem page is valid
 * UTF-8 whatever the message and the field names (a cut once landed inside a character),
 * names fields in words, and escapes what the client sent. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/util.h"
#include "http/field_errors.h"
#include "intake/form_pages.h"

static char *repeat(const char *s, size_t n)
{
	size_t len = strlen(s);
	char *out = malloc(len * n + 1);
	assert_non_null(out);
	for (size_t i = 0; i < n; i++)
		memcpy(out + i * len, s, len);
	out[len * n] = '\0';
	return out;
}

static void assert_page_utf8(const struct sbuf *b)
{
	assert_non_null(b->data);
	assert_true(utf8_is_valid((const uint8_t *)b->data, b->len));
}

/* A Vietnamese half longer than the page's buffer is cut between characters: 200 x "ạ"
 * (600 bytes) once came out cut after the first byte of the 171st. */
static void test_long_message_cut_between_characters(void **state)
{
	(void)state;
	for (size_t n = 160; n < 180; n++) {
		char *vi = repeat("\u1ea1", n);
		struct sbuf message = {0};
		sbuf_printf(&message, "%s / English", vi);
		struct sbuf page = {0};
		form_problem_html(&page, message.data, NULL, false);
		assert_page_utf8(&page);
		assert_non_null(strstr(page.data, "<span lang=\"en\" class=\"en\">English</span>"));
		sbuf_free(&page);
		sbuf_free(&message);
		free(vi);
	}
}

/* Field names come from the client: a long one in letters of 1, 2, 3 and 4 bytes, through
 * field_errors_add as every handler adds them, gives a valid page at every length. */
static void test_client_field_names(void **state)
{
	(void)state;
	static const char *const letters[] = {"a", "\u00e0", "\u1ea1", "\U0001F600"};
	for (size_t l = 0; l < 4; l++)
		for (size_t n = 1; n < 300; n += 7) {
			char *name = repeat(letters[l], n);
			json_object *fields = json_object_new_array();
			field_errors_add(fields, name, "unknown_field",
					 "Trường không được hỗ trợ. / Unknown field.");
			struct sbuf page = {0};
			form_problem_html(&page, "Sai. / Wrong.", fields, false);
			assert_page_utf8(&page);
			sbuf_free(&page);
			json_object_put(fields);
			free(name);
		}
}

/* Known fields are named in words, the count of the rest too; markup is escaped. */
static void test_fields_in_words(void **state)
{
	(void)state;
	json_object *fields = json_object_new_array();
	field_errors_add(fields, "body", "empty", "Không được để trống. / Must not be empty.");
	field_errors_add(fields, "<b>x</b>", "unknown_field", "Lạ. / Unknown.");
	for (int i = 0; i < FIELD_ERRORS_MAX; i++)
		field_errors_add(fields, "x", "unknown_field", "Lạ. / Unknown.");
	struct sbuf page = {0};
	form_problem_html(&page, "Sai. / Wrong.", fields, false);
	assert_page_utf8(&page);
	assert_non_null(strstr(page.data, "Nội dung góp ý <span lang=\"en\" class=\"en\">Your feedback</span>"));
	assert_non_null(strstr(page.data, "&lt;b&gt;x&lt;/b&gt;"));
	assert_null(strstr(page.data, "<b>x"));
	assert_non_null(strstr(page.data, "Và nữa <span lang=\"en\" class=\"en\">And more</span>"));
	assert_non_null(strstr(page.data, "2 more not listed"));
	sbuf_free(&page);
	json_object_put(fields);
}

/* The service names fields by their JSON path ("contact.phone"): the page names them as
 * the form labels them, never by that path; in English first when English is chosen. */
static void test_paths_in_words(void **state)
{
	(void)state;
	json_object *fields = json_object_new_array();
	field_errors_add(fields, "contact.phone", "invalid_phone",
			 "Số điện thoại Việt Nam không hợp lệ. / Not a valid Vietnamese phone number.");
	field_errors_add(fields, "submitter.name", "too_long", "Dài quá. / Too long.");
	struct sbuf page = {0};
	form_problem_html(&page, "Sai. / Wrong.", fields, false);
	assert_non_null(strstr(page.data, "<html lang=\"vi\">"));
	assert_non_null(strstr(page.data, "<strong>Số điện thoại <span lang=\"en\" class=\"en\">Phone</span></strong>"));
	assert_non_null(strstr(page.data, "<strong>Họ và tên <span lang=\"en\" class=\"en\">Name</span></strong>"));
	assert_null(strstr(page.data, "contact.phone"));
	assert_null(strstr(page.data, "submitter.name"));
	sbuf_free(&page);
	form_problem_html(&page, "Sai. / Wrong.", fields, true);
	assert_non_null(strstr(page.data, "<html lang=\"en\">"));
	assert_non_null(strstr(page.data, "<strong>Phone <span lang=\"vi\" class=\"en\">Số điện thoại</span></strong>"));
	assert_non_null(strstr(page.data, "Wrong. <span lang=\"vi\" class=\"en\">Sai.</span>"));
	sbuf_free(&page);
	json_object_put(fields);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_message_cut_between_characters),
		cmocka_unit_test(test_client_field_names),
		cmocka_unit_test(test_fields_in_words),
		cmocka_unit_test(test_paths_in_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
