/* test_proxy.c - tests server/http/proxy.c: forwarding headers count only from a trusted proxy,
 * only when they hold an address, and the proxy's own (last) X-Forwarded-For entry wins. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "http/proxy.h"

static void test_trusted_proxy_names_the_client(void **state)
{
	(void)state;
	char err[128], out[PROXY_ADDR_LEN];
	struct proxy_trust *t = proxy_trust_new("10.0.0.5, ::1", err, sizeof(err));
	assert_non_null(t);
	proxy_client_address(t, "10.0.0.5", "203.0.113.7", NULL, out);
	assert_string_equal(out, "203.0.113.7");
	/* X-Real-IP first; else the last X-Forwarded-For entry, the one the proxy added. */
	proxy_client_address(t, "10.0.0.5", NULL, "198.51.100.1, 203.0.113.9", out);
	assert_string_equal(out, "203.0.113.9");
	proxy_client_address(t, "::1", NULL, " 2001:db8::7 ", out);
	assert_string_equal(out, "2001:db8::7");
	/* Not an address: the peer. */
	proxy_client_address(t, "10.0.0.5", "evil", "also evil", out);
	assert_string_equal(out, "10.0.0.5");
	proxy_client_address(t, "10.0.0.5", NULL, NULL, out);
	assert_string_equal(out, "10.0.0.5");
	proxy_trust_free(t);
}

static void test_anyone_else_is_the_client(void **state)
{
	(void)state;
	char err[128], out[PROXY_ADDR_LEN];
	struct proxy_trust *t = proxy_trust_new("10.0.0.5", err, sizeof(err));
	proxy_client_address(t, "10.0.0.6", "203.0.113.7", "203.0.113.8", out);
	assert_string_equal(out, "10.0.0.6");
	proxy_trust_free(t);
	struct proxy_trust *none = proxy_trust_new("", err, sizeof(err));
	assert_non_null(none);
	proxy_client_address(none, "127.0.0.1", "203.0.113.7", NULL, out);
	assert_string_equal(out, "127.0.0.1");
	proxy_trust_free(none);
}

static void test_bad_lists_are_refused(void **state)
{
	(void)state;
	char err[128];
	assert_null(proxy_trust_new("10.0.0.5, nginx", err, sizeof(err)));
	assert_non_null(strstr(err, "'nginx'"));
	assert_null(proxy_trust_new("10.0.0.0/8", err, sizeof(err)));
}

static void test_client_key_is_the_ipv4_address_or_the_ipv6_slash_64(void **state)
{
	(void)state;
	char key[PROXY_ADDR_LEN], other[PROXY_ADDR_LEN];
	proxy_client_key("203.0.113.7", key);
	assert_string_equal(key, "203.0.113.7");
	proxy_client_key("::ffff:203.0.113.7", key);
	assert_string_equal(key, "203.0.113.7");
	proxy_client_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", key);
	assert_string_equal(key, "2001:db8:1:2::/64");
	/* Another address of the same /64, written another way, is the same client. */
	proxy_client_key("2001:0DB8:0001:0002::1", other);
	assert_string_equal(key, other);
	proxy_client_key("2001:db8:1:3::1", other);
	assert_string_not_equal(key, other);
	proxy_client_key("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", key);
	assert_string_equal(key, "ffff:ffff:ffff:ffff::/64");
	proxy_client_key("::1", key);
	assert_string_equal(key, "::/64");
	proxy_client_key("", key);
	assert_string_equal(key, "");
	proxy_client_key("not an address", key);
	assert_string_equal(key, "not an address");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trusted_proxy_names_the_client),
		cmocka_unit_test(test_anyone_else_is_the_client),
		cmocka_unit_test(test_bad_lists_are_refused),
		cmocka_unit_test(test_client_key_is_the_ipv4_address_or_the_ipv6_slash_64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
