/* test_personal.c - tests server/crypto/personal.c: personal data comes back as it went in
 * for its own feedback id and key only; another row's id, another service's keys, a
 * changed, cut or non-base64 text all fail to open; the nonce is new each time, and the
 * stored form is base64 of nonce (24 bytes) || ciphertext || tag (16 bytes). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/keys.h"
#include "crypto/personal.h"
#include "../unit_dir.h"

static const char plain[] =
	"{\"name\":\"Nguyễn Văn A\",\"email\":\"a@example.vn\",\"phone\":\"+84912345678\"}";

struct fixture {
	char dir[2][256];
	struct keyring *kr[2]; /* two services' keys */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	for (int i = 0; i < 2; i++)
		if (!(f->kr[i] = unit_keys_new("test_personal", f->dir[i], sizeof(f->dir[i]))))
			return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < 2; i++) {
		keys_free(f->kr[i]);
		unit_rm_dir(f->dir[i]);
	}
	free(f);
	return 0;
}

static void test_round_trip_and_form(void **state)
{
	struct fixture *f = *state;
	char *b64 = personal_encrypt(f->kr[0], 4242, plain);
	assert_non_null(b64);
	assert_null(strstr(b64, "Nguy"));
	uint8_t raw[512];
	size_t len;
	assert_int_equal(sodium_base642bin(raw, sizeof(raw), b64, strlen(b64), NULL, &len, NULL,
					   sodium_base64_VARIANT_ORIGINAL),
			 0);
	assert_int_equal(len, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + strlen(plain) +
				      crypto_aead_xchacha20poly1305_ietf_ABYTES);
	char *back = personal_decrypt(f->kr[0], 4242, b64);
	assert_non_null(back);
	assert_string_equal(back, plain);
	free(back);
	/* a new nonce each time: the same data twice is two texts, both open */
	char *again = personal_encrypt(f->kr[0], 4242, plain);
	assert_string_not_equal(again, b64);
	back = personal_decrypt(f->kr[0], 4242, again);
	assert_string_equal(back, plain);
	free(back);
	free(again);
	free(b64);
}

static void test_does_not_open_elsewhere(void **state)
{
	struct fixture *f = *state;
	char *b64 = personal_encrypt(f->kr[0], 4242, plain);
	/* moved to another row */
	assert_null(personal_decrypt(f->kr[0], 4243, b64));
	assert_null(personal_decrypt(f->kr[0], -4242, b64));
	/* another service's keys */
	assert_null(personal_decrypt(f->kr[1], 4242, b64));
	/* one character changed, anywhere */
	size_t n = strlen(b64);
	for (size_t i = 0; i + 2 < n; i += 7) {
		char *bad = strdup(b64);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		assert_null(personal_decrypt(f->kr[0], 4242, bad));
		free(bad);
	}
	/* cut short, empty, not base64 */
	char *cut = strndup(b64, 40);
	assert_null(personal_decrypt(f->kr[0], 4242, cut));
	free(cut);
	assert_null(personal_decrypt(f->kr[0], 4242, ""));
	assert_null(personal_decrypt(f->kr[0], 4242, "không phải base64!"));
	free(b64);
}

/* personal_seal: other secrets (an official's TOTP secret) open under their own key and
 * associated data only, bytes with NULs included. */
static void test_seal_binds_key_and_data(void **state)
{
	struct fixture *f = *state;
	static const uint8_t secret[20] = {1, 0, 2, 0, 3};
	char *b64 = personal_seal(f->kr[0], KEY_TOTP, "official:7", secret, sizeof(secret));
	size_t len = 0;
	uint8_t *back = personal_open(f->kr[0], KEY_TOTP, "official:7", b64, &len);
	assert_non_null(back);
	assert_int_equal(len, sizeof(secret));
	assert_memory_equal(back, secret, sizeof(secret));
	free(back);
	assert_null(personal_open(f->kr[0], KEY_TOTP, "official:8", b64, &len));
	assert_null(personal_open(f->kr[0], KEY_CONTACT, "official:7", b64, &len));
	assert_null(personal_open(f->kr[1], KEY_TOTP, "official:7", b64, &len));
	free(b64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_and_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_does_not_open_elsewhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_binds_key_and_data, setup, teardown),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
