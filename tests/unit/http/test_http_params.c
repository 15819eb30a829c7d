/* test_http_params.c - tests server/http/http_params.c without I/O: http_param_id, the
 * number of a path such as /api/v1/moderation/templates/{id}, on a request built by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "http/http_params.h"

static int64_t id_of(const char *value, int64_t max)
{
	struct http_req req;
	memset(&req, 0, sizeof(req));
	if (value) {
		req.params.n = 1;
		snprintf(req.params.p[0].name, sizeof(req.params.p[0].name), "id");
		snprintf(req.params.p[0].value, sizeof(req.params.p[0].value), "%s", value);
	}
	return http_param_id(&req, "id", max);
}

static void test_param_id(void **state)
{
	(void)state;
	assert_int_equal(id_of("1", 100), 1);
	assert_int_equal(id_of("100", 100), 100);
	assert_int_equal(id_of("0042", 100), 42);
	assert_int_equal(id_of("999999999999999999", INT64_MAX), 999999999999999999);
	/* 0: absent, zero, past max, not only digits, too long to be one */
	assert_int_equal(id_of(NULL, 100), 0);
	assert_int_equal(id_of("", 100), 0);
	assert_int_equal(id_of("0", 100), 0);
	assert_int_equal(id_of("101", 100), 0);
	assert_int_equal(id_of("-1", 100), 0);
	assert_int_equal(id_of("+1", 100), 0);
	assert_int_equal(id_of(" 1", 100), 0);
	assert_int_equal(id_of("1e3", 100000), 0);
	assert_int_equal(id_of("abc", 100), 0);
	assert_int_equal(id_of("1000000000000000000", INT64_MAX), 0);
	assert_int_equal(id_of("99999999999999999999999", INT64_MAX), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_param_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
