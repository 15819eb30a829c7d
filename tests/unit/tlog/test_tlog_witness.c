/* test_tlog_witness.c - tests the `witnesses` setting as server/tlog/tlog_witness.c reads it:
 * URL=VKEY pairs, http:// only, a witness's (type 0x04) key only; the requests themselves
 * are tested against real pakn-witness processes (tests/integration/test_witness_api.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "tlog/tlog_witness.h"

#define W1 "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
#define LOG "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"

static void test_good_settings(void **state)
{
	(void)state;
	struct tlog_witness_conf c[TLOG_MAX_WITNESSES];
	char err[200];
	assert_int_equal(tlog_witness_conf_parse("", c, TLOG_MAX_WITNESSES, err, sizeof(err)), 0);
	assert_int_equal(tlog_witness_conf_parse("  http://127.0.0.1:7380=" W1
						 "\thttp://w.example.org/pakn/=" W1 " ",
						 c, TLOG_MAX_WITNESSES, err, sizeof(err)),
			 2);
	assert_string_equal(c[0].url, "http://127.0.0.1:7380");
	assert_string_equal(c[1].url, "http://w.example.org/pakn/");
	assert_string_equal(c[1].key.name, "remora.n621.de");
}

static void test_bad_settings(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"https://w.example.org=" W1,     /* no TLS client: and none needed */
		"http://w.example.org",          /* no key */
		"w.example.org=" W1,             /* no scheme */
		"http://w.example.org/?x=1=" W1, /* a query */
		"http://w.example.org=" LOG,     /* a log's key, not a witness's */
		"http://w.example.org=" W1 "x",  /* a bad key */
	};
	struct tlog_witness_conf c[2];
	char err[200];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(tlog_witness_conf_parse(bad[i], c, 2, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "witnesses"));
	}
	assert_int_equal(tlog_witness_conf_parse("http://a=" W1 " http://b=" W1 " http://c=" W1, c,
						 2, err, sizeof(err)),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_settings),
		cmocka_unit_test(test_bad_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
