/* test_catalog_page.c - tests server/catalog/catalog_page.c: a page cut from a search's kept list is
 * the reply PostgreSQL's json_build_object gave for that page, byte for byte, for every
 * limit and offset, including none and past the end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "catalog/catalog_page.h"
#include "core/util.h"

static const char *const DOCS[] = {
	"{\"code\" : \"DB-I01\", \"title\" : \"Tỷ lệ phủ sóng 5G\"}",
	"{\"code\" : \"DB-I02\", \"footnotes\" : []}",
	"{\"code\" : \"LC-T1\", \"group\" : null}",
};
#define N_DOCS 3

static void pack(struct sbuf *list, size_t n)
{
	size_t lens[N_DOCS];
	for (size_t i = 0; i < n; i++)
		lens[i] = strlen(DOCS[i]);
	catalog_page_pack(list, DOCS, lens, n);
}

/* What the statement gave before pages were cut here (sql as it was in db_stmts.c). */
static void expected(struct sbuf *out, size_t n, int64_t limit, int64_t offset)
{
	sbuf_puts(out, "{\"items\" : [");
	for (int64_t i = offset; i < (int64_t)n && i < offset + limit; i++) {
		if (i > offset)
			sbuf_puts(out, ", ");
		sbuf_puts(out, DOCS[i]);
	}
	sbuf_printf(out, "], \"total\" : %zu, \"limit\" : %lld, \"offset\" : %lld}", n,
		    (long long)limit, (long long)offset);
}

static void test_every_page(void **state)
{
	(void)state;
	for (size_t n = 0; n <= N_DOCS; n++) {
		struct sbuf list = {0};
		pack(&list, n);
		for (int64_t limit = 1; limit <= 5; limit++) {
			for (int64_t offset = 0; offset <= 5; offset++) {
				struct sbuf got = {0}, want = {0};
				assert_true(catalog_page_write(list.data, list.len, limit, offset,
							       &got));
				expected(&want, n, limit, offset);
				assert_string_equal(got.data, want.data);
				sbuf_free(&got);
				sbuf_free(&want);
			}
		}
		sbuf_free(&list);
	}
}

static void test_exact_bytes(void **state)
{
	(void)state;
	struct sbuf list = {0}, got = {0};
	pack(&list, 2);
	assert_true(catalog_page_write(list.data, list.len, 1, 1, &got));
	assert_string_equal(got.data, "{\"items\" : [{\"code\" : \"DB-I02\", \"footnotes\" : []}], "
				      "\"total\" : 2, \"limit\" : 1, \"offset\" : 1}");
	sbuf_free(&got);
	assert_true(catalog_page_write(list.data, list.len, 50, 100000, &got));
	assert_string_equal(got.data,
			    "{\"items\" : [], \"total\" : 2, \"limit\" : 50, \"offset\" : 100000}");
	sbuf_free(&got);
	sbuf_free(&list);
}

/* A list that is not one (cut short, or any other bytes) is refused, nothing written. */
static void test_not_a_list(void **state)
{
	(void)state;
	struct sbuf list = {0}, got = {0};
	pack(&list, 3);
	assert_false(catalog_page_write(list.data, list.len - 1, 1, 0, &got));
	assert_false(catalog_page_write(list.data, 3, 1, 0, &got));
	assert_false(catalog_page_write("{\"items\" : []}", 14, 1, 0, &got));
	assert_int_equal(got.len, 0);
	sbuf_free(&list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_page),
		cmocka_unit_test(test_exact_bytes),
		cmocka_unit_test(test_not_a_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
