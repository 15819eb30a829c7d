/* test_catalog_qr.c - tests server/catalog/catalog_qr.c's deep links: from public_origin
 * whatever the Host, from a plain Host otherwise, and none from a hostile one. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_qr.h"

static void expect_link(const char *configured, const char *host, const char *code,
			const char *want)
{
	struct sbuf out = {0};
	assert_true(catalog_qr_link(configured, host, code, &out));
	assert_string_equal(out.data, want);
	sbuf_free(&out);
}

static void test_links(void **state)
{
	(void)state;
	expect_link("https://gopy.example.gov.vn", "evil.example", "LC-T25",
		    "https://gopy.example.gov.vn/?item=LC-T25");
	expect_link("https://gopy.example.gov.vn", NULL, "DB-T-V", "https://gopy.example.gov.vn/?item=DB-T-V");
	expect_link("", "127.0.0.1:8080", "DB-I03", "http://127.0.0.1:8080/?item=DB-I03");
	expect_link("", "[::1]:80", "LC-2026", "http://[::1]:80/?item=LC-2026");
}

static void test_hostile_host(void **state)
{
	(void)state;
	static const char *const hosts[] = {"evil.example/x?", "a b", "\"><svg onload=x>", ""};
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		struct sbuf out = {0};
		assert_false(catalog_qr_link("", hosts[i], "LC-T25", &out));
		assert_int_equal(out.len, 0);
		sbuf_free(&out);
	}
	struct sbuf out = {0};
	assert_false(catalog_qr_link("", NULL, "LC-T25", &out));
	sbuf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_hostile_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
