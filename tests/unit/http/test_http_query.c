/* test_http_query.c - tests server/http/http_query.c: decoding, validation and limits of the
 * query string. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/xalloc.h"
#include "http/http_query.h"

/* --- parses that succeed: the query string and the pairs it must give ------------------- */

struct pair {
	const char *key, *value;
};

struct ok_case {
	const char *qs;
	int n;
	struct pair pairs[4];
};

static const struct ok_case ok_cases[] = {
	{NULL, 0, {{0}}},
	{"", 0, {{0}}},
	{"a=1", 1, {{"a", "1"}}},
	{"a=1&b=2", 2, {{"a", "1"}, {"b", "2"}}},
	{"q=a+b", 1, {{"q", "a b"}}},
	{"q=a%2Bb", 1, {{"q", "a+b"}}},
	{"q+x=1", 1, {{"q x", "1"}}},
	{"q=s%E1%BB%91+h%C3%B3a", 1, {{"q", "s\xe1\xbb\x91 h\xc3\xb3" "a"}}}, /* "số hóa" */
	{"q=s%e1%bb%91", 1, {{"q", "s\xe1\xbb\x91"}}},
	{"q=s\xe1\xbb\x91", 1, {{"q", "s\xe1\xbb\x91"}}}, /* raw UTF-8 is fine too */
	{"%71=x", 1, {{"q", "x"}}},
	{"flag", 1, {{"flag", ""}}},
	{"flag&a=1", 2, {{"flag", ""}, {"a", "1"}}},
	{"a=", 1, {{"a", ""}}},
	{"=v", 1, {{"", "v"}}},
	{"a=1&&b=2", 2, {{"a", "1"}, {"b", "2"}}},
	{"&&a=1&", 1, {{"a", "1"}}},
	{"&", 0, {{0}}},
	{"a=1=2", 1, {{"a", "1=2"}}},
	{"a=x%26y", 1, {{"a", "x&y"}}},
	{"a=%3D", 1, {{"a", "="}}},
	{"a=1&a=2", 2, {{"a", "1"}, {"a", "2"}}},
};

static void test_parse_ok_table(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *c = &ok_cases[i];
		struct query q;
		const char *bad = "unset";
		enum query_error e = query_parse(c->qs, &q, &bad);
		const char *shown = c->qs ? c->qs : "(null)";
		if (e != QUERY_OK || bad != NULL) {
			print_error("\"%s\": error %d, bad_key %s\n", shown, e, bad ? bad : "NULL");
			failures++;
		} else if (q.n != c->n) {
			print_error("\"%s\": %d params, want %d\n", shown, q.n, c->n);
			failures++;
		} else {
			for (int k = 0; k < c->n; k++) {
				if (strcmp(q.key[k], c->pairs[k].key) != 0 ||
				    strcmp(q.value[k], c->pairs[k].value) != 0) {
					print_error("\"%s\": pair %d is \"%s\"=\"%s\", want \"%s\"=\"%s\"\n",
						    shown, k, q.key[k], q.value[k], c->pairs[k].key,
						    c->pairs[k].value);
					failures++;
				}
			}
		}
		query_free(&q);
	}
	assert_int_equal(failures, 0);
}

static void test_get_first_value_wins(void **state)
{
	(void)state;
	struct query q;
	const char *bad;
	assert_int_equal(query_parse("section=II&q=a&section=IV&empty=", &q, &bad), QUERY_OK);
	assert_string_equal(query_get(&q, "section"), "II");
	assert_string_equal(query_get(&q, "q"), "a");
	assert_string_equal(query_get(&q, "empty"), "");
	assert_null(query_get(&q, "missing"));
	assert_null(query_get(&q, "Section")); /* keys are case-sensitive */
	query_free(&q);
	assert_int_equal(q.n, 0);
	assert_null(q.buf);
	query_free(&q); /* a freed query can be freed again */
}

static void test_empty_query_get(void **state)
{
	(void)state;
	struct query q;
	const char *bad;
	assert_int_equal(query_parse(NULL, &q, &bad), QUERY_OK);
	assert_int_equal(q.n, 0);
	assert_null(query_get(&q, "a"));
	query_free(&q);
}

/* --- parses that fail ------------------------------------------------------------------ */

struct bad_case {
	const char *qs;
	enum query_error want;
	const char *bad_key; /* NULL: none named */
	int parsed_before;   /* pairs kept in q */
};

static const struct bad_case bad_cases[] = {
	{"q=%zz", QUERY_BAD_ENCODING, "q", 0},
	{"q=%4", QUERY_BAD_ENCODING, "q", 0},
	{"q=%", QUERY_BAD_ENCODING, "q", 0},
	{"%zz=1", QUERY_BAD_ENCODING, NULL, 0},
	{"q=%00", QUERY_BAD_ENCODING, "q", 0},
	{"q=a%00b", QUERY_BAD_ENCODING, "q", 0},
	{"%00=1", QUERY_BAD_ENCODING, NULL, 0},
	{"a=1&q=%G0", QUERY_BAD_ENCODING, "q", 1},
	{"q=%FF", QUERY_BAD_UTF8, "q", 0},
	{"q=%C0%AF", QUERY_BAD_UTF8, "q", 0},        /* overlong '/' */
	{"q=%E0%80%AF", QUERY_BAD_UTF8, "q", 0},     /* overlong '/' in three bytes */
	{"q=%ED%A0%80", QUERY_BAD_UTF8, "q", 0},     /* surrogate U+D800 */
	{"q=%F4%90%80%80", QUERY_BAD_UTF8, "q", 0},  /* above U+10FFFF */
	{"q=%E1%BB", QUERY_BAD_UTF8, "q", 0},        /* truncated */
	{"q=%80", QUERY_BAD_UTF8, "q", 0},           /* stray continuation byte */
	{"q=ok&q=%FF", QUERY_BAD_UTF8, "q", 1},
	{"a=1&b=2&q=x%C3", QUERY_BAD_UTF8, "q", 2},
	{"%FF=1", QUERY_BAD_UTF8, "\xff", 0},        /* the key itself is named */
};

static void test_parse_errors_table(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct query q;
		const char *bad = "unset";
		enum query_error e = query_parse(c->qs, &q, &bad);
		if (e != c->want) {
			print_error("\"%s\": error %d, want %d\n", c->qs, e, c->want);
			failures++;
		} else if (c->bad_key ? !bad || strcmp(bad, c->bad_key) != 0 : bad != NULL) {
			print_error("\"%s\": bad_key %s, want %s\n", c->qs, bad ? bad : "NULL",
				    c->bad_key ? c->bad_key : "NULL");
			failures++;
		} else if (q.n != c->parsed_before) {
			print_error("\"%s\": %d pairs kept, want %d\n", c->qs, q.n, c->parsed_before);
			failures++;
		}
		query_free(&q);
	}
	assert_int_equal(failures, 0);
}

/* QUERY_MAX_PARAMS pairs are fine (empty pairs do not count); one more is refused. */
static void test_too_many(void **state)
{
	(void)state;
	char qs[1024];
	size_t o = 0;
	for (int i = 0; i < QUERY_MAX_PARAMS; i++)
		o += (size_t)snprintf(qs + o, sizeof(qs) - o, "k%d=v%d&&", i, i);
	struct query q;
	const char *bad;
	assert_int_equal(query_parse(qs, &q, &bad), QUERY_OK);
	assert_int_equal(q.n, QUERY_MAX_PARAMS);
	assert_string_equal(query_get(&q, "k0"), "v0");
	char key[16], value[16];
	snprintf(key, sizeof(key), "k%d", QUERY_MAX_PARAMS - 1);
	snprintf(value, sizeof(value), "v%d", QUERY_MAX_PARAMS - 1);
	assert_string_equal(query_get(&q, key), value);
	query_free(&q);

	snprintf(qs + o, sizeof(qs) - o, "one=more");
	assert_int_equal(query_parse(qs, &q, &bad), QUERY_TOO_MANY);
	assert_int_equal(q.n, QUERY_MAX_PARAMS);
	assert_null(query_get(&q, "one"));
	query_free(&q);

	/* keys without '=' count as parameters too */
	o = 0;
	for (int i = 0; i <= QUERY_MAX_PARAMS; i++)
		o += (size_t)snprintf(qs + o, sizeof(qs) - o, "%sf%d", i ? "&" : "", i);
	assert_int_equal(query_parse(qs, &q, &bad), QUERY_TOO_MANY);
	query_free(&q);
}

/* Worst case for the decoded copy: many one-character keys without values. */
static void test_many_bare_keys_fit(void **state)
{
	(void)state;
	struct query q;
	const char *bad;
	assert_int_equal(query_parse("a&b&c&d&e&f&g&h&i&j&k&l&m&n&o&p&q&r&s&t&u&v&w&x&y&z&0&1&2&3&4&5",
				     &q, &bad),
			 QUERY_OK);
	assert_int_equal(q.n, 32);
	assert_string_equal(q.key[31], "5");
	assert_string_equal(q.value[31], "");
	query_free(&q);
}

/* Each allocation the parser may refuse, refused in turn (xalloc_fail_after): a clean
 * QUERY_NO_MEMORY that query_free cleans up (ASan's leak check at exit), then success. */
static void test_parse_out_of_memory(void **state)
{
	(void)state;
	const char *qs = "q=h%C3%A0+n%E1%BB%99i&page=2&x";
	long n = 0;
	for (;; n++) {
		assert_true(n < 64);
		struct query q;
		const char *bad;
		xalloc_fail_after(n);
		enum query_error e = query_parse(qs, &q, &bad);
		xalloc_fail_after(-1);
		if (e == QUERY_OK) {
			assert_string_equal(query_get(&q, "q"), "h\u00e0 n\u1ed9i");
			assert_string_equal(query_get(&q, "page"), "2");
			query_free(&q);
			break;
		}
		assert_int_equal(e, QUERY_NO_MEMORY);
		query_free(&q);
	}
	assert_true(n >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok_table),
		cmocka_unit_test(test_get_first_value_wins),
		cmocka_unit_test(test_empty_query_get),
		cmocka_unit_test(test_parse_errors_table),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_many_bare_keys_fit),
		cmocka_unit_test(test_parse_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
