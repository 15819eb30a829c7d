/* test_accept_encoding.c - tests server/http/accept_encoding.c: which codings an
 * Accept-Encoding header accepts, q=0 refusals and "*" included. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "http/accept_encoding.h"

#define BR (1u << CODING_BR)
#define GZ (1u << CODING_GZIP)
#define ID (1u << CODING_IDENTITY)

static const struct {
	const char *header;
	unsigned accepted;
} cases[] = {
	{NULL, ID},                          /* says nothing: the bytes as written */
	{"", ID},
	{"gzip, deflate, br", BR | GZ | ID}, /* what browsers send */
	{"gzip, deflate, br, zstd", BR | GZ | ID},
	{"gzip", GZ | ID},
	{"x-gzip", GZ | ID},
	{"GZIP", GZ | ID},                   /* codings are case-insensitive */
	{"br", BR | ID},
	{"deflate", ID},
	{"br;q=0, gzip", GZ | ID},
	{"br; q=0.000, gzip;q=0.5", GZ | ID},
	{"br;q=0.001", BR | ID},             /* small is not zero */
	{"br;q=0.", ID},
	{"gzip;Q=0", ID},
	{"gzip;level=1;q=0", ID},            /* q after another parameter */
	{"*", BR | GZ | ID},
	{"*;q=0", 0},                        /* nothing acceptable, not even identity */
	{"*;q=0, identity", ID},
	{"*;q=0, gzip", GZ},
	{"identity;q=0, gzip", GZ},
	{"br, *;q=0", BR},
	{"gzip;q=0, *", BR | ID},            /* named refusal wins over "*" */
	{"  gzip ,, br  ", BR | GZ | ID},    /* empty elements and spaces */
	{"brotli, gzipx, xbr", ID},          /* only whole tokens */
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned got = accept_encoding_parse(cases[i].header);
		if (got != cases[i].accepted)
			fail_msg("Accept-Encoding: %s: got %#x, want %#x",
				 cases[i].header ? cases[i].header : "(none)", got,
				 cases[i].accepted);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(accept_encoding_name(CODING_BR), "br");
	assert_string_equal(accept_encoding_name(CODING_GZIP), "gzip");
	assert_null(accept_encoding_name(CODING_IDENTITY));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
