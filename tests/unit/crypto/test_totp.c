/* test_totp.c - tests server/crypto/totp.c: the RFC 6238 Appendix B vectors for HMAC-SHA-1
 * (8 digits, and the 6 the service asks for), the window of one step either side and no
 * more, codes that are not six digits, the otpauth:// URI an app scans, and recovery codes:
 * their form, their hash read case-blind without dashes, and a key of their own. Replays
 * are refused by the database (pakn_totp_accept): tests/integration/test_second_factor.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/keys.h"
#include "crypto/totp.h"
#include "../unit_dir.h"

/* RFC 6238 Appendix B: the SHA-1 seed and its table. */
static const uint8_t seed[TOTP_SECRET_LEN] = "12345678901234567890";
static const struct {
	long long time;
	uint64_t step;
	const char *code;
} vectors[] = {
	{59, 0x1, "94287082"},
	{1111111109, 0x23523EC, "07081804"},
	{1111111111, 0x23523ED, "14050471"},
	{1234567890, 0x273EF07, "89005924"},
	{2000000000, 0x3F940AA, "69279037"},
	{20000000000, 0x27BC86AA, "65353130"},
};
#define NVECTORS (sizeof(vectors) / sizeof(vectors[0]))

static void test_rfc6238_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVECTORS; i++) {
		char code[9];
		assert_int_equal((uint64_t)(vectors[i].time / TOTP_STEP), vectors[i].step);
		assert_int_equal(totp_code(seed, sizeof(seed), vectors[i].step, 8, code), 0);
		assert_string_equal(code, vectors[i].code);
		/* Six digits are the last six of eight (the same number mod 10^6). */
		assert_int_equal(totp_code(seed, sizeof(seed), vectors[i].step, 6, code), 0);
		assert_string_equal(code, vectors[i].code + 2);
		uint64_t step = 0;
		assert_true(totp_check(seed, sizeof(seed), (time_t)vectors[i].time,
				       vectors[i].code + 2, &step));
		assert_int_equal(step, vectors[i].step);
	}
}

static void test_window_is_one_step(void **state)
{
	(void)state;
	const uint64_t s = 0x273EF07;
	char code[7];
	assert_int_equal(totp_code(seed, sizeof(seed), s, TOTP_DIGITS, code), 0);
	for (int d = -3; d <= 3; d++) {
		uint64_t step = 0;
		/* The middle of step s + d: a clock d steps ahead of the app's. */
		time_t now = (time_t)((s + (uint64_t)(int64_t)d) * TOTP_STEP + 15);
		bool ok = totp_check(seed, sizeof(seed), now, code, &step);
		if (d >= -TOTP_WINDOW && d <= TOTP_WINDOW) {
			assert_true(ok);
			assert_int_equal(step, s); /* the step the code is of, for the replay check */
		} else {
			assert_false(ok);
		}
	}
	/* A code of another secret is refused. */
	uint8_t other[TOTP_SECRET_LEN];
	memcpy(other, seed, sizeof(other));
	other[0] ^= 1;
	uint64_t step;
	assert_false(totp_check(other, sizeof(other), (time_t)(s * TOTP_STEP), code, &step));
}

static void test_only_six_digits(void **state)
{
	(void)state;
	uint64_t step;
	time_t t = 1234567890;
	assert_true(totp_check(seed, sizeof(seed), t, "005924", &step));
	static const char *const bad[] = {"", "05924", "0005924", "89005924", "00592a",
					  " 005924", "005924 ", "00-5924", "+05924"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(totp_check(seed, sizeof(seed), t, bad[i], &step));
}

static void test_uri(void **state)
{
	(void)state;
	char b32[33];
	char *uri = totp_uri("mod.lc", seed, b32);
	assert_string_equal(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	assert_string_equal(uri, "otpauth://totp/PAKN-57:mod.lc?secret=GEZDGNBVGY3TQOJQGEZDGNBV"
				 "GY3TQOJQ&issuer=PAKN-57&algorithm=SHA1&digits=6&period=30");
	free(uri);
	uri = totp_uri("a b:c", seed, b32);
	assert_non_null(strstr(uri, "PAKN-57:a%20b%3Ac?"));
	free(uri);
}

static void test_recovery_codes(void **state)
{
	(void)state;
	char dir[2][256];
	struct keyring *kr[2];
	for (int i = 0; i < 2; i++)
		assert_non_null(kr[i] = unit_keys_new("test_totp", dir[i], sizeof(dir[i])));
	char codes[TOTP_RECOVERY_CODES][TOTP_RECOVERY_LEN + 1];
	char hash[65], again[65], other[65];
	for (int i = 0; i < TOTP_RECOVERY_CODES; i++) {
		totp_recovery_new(codes[i]);
		assert_int_equal(strlen(codes[i]), TOTP_RECOVERY_LEN);
		for (int j = 0; j < TOTP_RECOVERY_LEN; j++)
			assert_true(j % 5 == 4 ? codes[i][j] == '-'
					       : strchr("abcdefghijklmnopqrstuvwxyz234567",
							codes[i][j]) != NULL);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(codes[i], codes[j]);
	}
	assert_true(totp_recovery_hash(kr[0], codes[0], hash));
	assert_int_equal(strlen(hash), 64);
	/* As an official might type it: upper case, no dashes, spaces. */
	char typed[80];
	size_t n = 0;
	for (const char *p = codes[0]; *p; p++)
		if (*p != '-')
			typed[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	typed[n] = '\0';
	assert_true(totp_recovery_hash(kr[0], typed, again));
	assert_string_equal(hash, again);
	snprintf(typed, sizeof(typed), " %.4s %.14s", codes[0], codes[0] + 5);
	assert_true(totp_recovery_hash(kr[0], typed, again));
	assert_string_equal(hash, again);
	/* Another code, or another service's key, hashes apart. */
	assert_true(totp_recovery_hash(kr[0], codes[1], other));
	assert_string_not_equal(hash, other);
	assert_true(totp_recovery_hash(kr[1], codes[0], other));
	assert_string_not_equal(hash, other);
	/* Not 16 characters of the alphabet: refused, hash untouched. */
	static const char *const bad[] = {"", "abcd-efgh-ijkl-mno", "abcd-efgh-ijkl-mnopq",
					  "abcd-efgh-ijkl-mn01", "abcd-efgh-ijkl-mn8p"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(other, "untouched");
		assert_false(totp_recovery_hash(kr[0], bad[i], other));
		assert_string_equal(other, "untouched");
	}
	for (int i = 0; i < 2; i++) {
		keys_free(kr[i]);
		unit_rm_dir(dir[i]);
	}
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors),
		cmocka_unit_test(test_window_is_one_step),
		cmocka_unit_test(test_only_six_digits),
		cmocka_unit_test(test_uri),
		cmocka_unit_test(test_recovery_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
