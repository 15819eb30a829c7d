/* test_auth_tokens.c - tests server/officials/auth_tokens.c: role names map to their bits
 * (exactly, nothing else is a role), sets of them read and written, a new token is 43 characters of base64url from 32
 * random bytes, and what is stored is the hex BLAKE2b-256 of the token as sent. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "officials/auth.h"

static void test_role_names(void **state)
{
	(void)state;
	assert_int_equal(auth_role_parse("admin"), ROLE_ADMIN);
	assert_int_equal(auth_role_parse("moderator"), ROLE_MODERATOR);
	assert_int_equal(auth_role_parse("responder"), ROLE_RESPONDER);
	assert_int_equal(auth_role_parse("analyst"), ROLE_ANALYST);
	const char *not_roles[] = {"", "Admin", "admin ", "moderators", "root", "responder\n"};
	for (size_t i = 0; i < sizeof(not_roles) / sizeof(not_roles[0]); i++)
		assert_int_equal(auth_role_parse(not_roles[i]), 0);
}

/* A set of roles reads as comma-separated names, each once; it is written back in the order
 * of enum role, whatever the order read. */
static void test_role_sets(void **state)
{
	(void)state;
	assert_int_equal(auth_roles_parse("moderator"), ROLE_MODERATOR);
	assert_int_equal(auth_roles_parse("responder,moderator"), ROLE_MODERATOR | ROLE_RESPONDER);
	assert_int_equal(auth_roles_parse("admin,moderator,responder,analyst"),
			 ROLE_ADMIN | ROLE_MODERATOR | ROLE_RESPONDER | ROLE_ANALYST);
	const char *not_sets[] = {"", ",", "moderator,", ",moderator", "moderator,,responder",
				  "moderator,moderator", "moderator, responder", "moderator,root",
				  "moderatormoderatormoderator"};
	for (size_t i = 0; i < sizeof(not_sets) / sizeof(not_sets[0]); i++)
		assert_int_equal(auth_roles_parse(not_sets[i]), 0);
	char out[AUTH_ROLES_MAX];
	auth_roles_format(ROLE_RESPONDER | ROLE_MODERATOR, out);
	assert_string_equal(out, "moderator,responder");
	auth_roles_format(ROLE_ADMIN | ROLE_MODERATOR | ROLE_RESPONDER | ROLE_ANALYST, out);
	assert_string_equal(out, "admin,moderator,responder,analyst");
	auth_roles_format(0, out);
	assert_string_equal(out, "");
}

static void test_token_hash_is_blake2b(void **state)
{
	(void)state;
	char hash[65];
	/* RFC 7693's BLAKE2b-256 of "abc" */
	auth_token_hash("abc", hash);
	assert_string_equal(hash, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
	auth_token_hash("", hash);
	assert_string_equal(hash, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}

static void test_new_tokens(void **state)
{
	(void)state;
	char a[44], b[44], ha[65], hb[65], check[65];
	auth_token_new(a, ha);
	auth_token_new(b, hb);
	assert_int_equal(strlen(a), 43);
	assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
			 43);
	assert_string_not_equal(a, b);
	auth_token_hash(a, check);
	assert_string_equal(ha, check);
	auth_token_hash(b, check);
	assert_string_equal(hb, check);
	/* 32 bytes come back out of it */
	uint8_t raw[32];
	size_t len;
	assert_int_equal(sodium_base642bin(raw, sizeof(raw), a, strlen(a), NULL, &len, NULL,
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING),
			 0);
	assert_int_equal(len, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_names),
		cmocka_unit_test(test_role_sets),
		cmocka_unit_test(test_token_hash_is_blake2b),
		cmocka_unit_test(test_new_tokens),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
