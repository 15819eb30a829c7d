/* totp.c - owns TOTP codes, the otpauth:// URI and recovery codes (see totp.h). */
#include "crypto/totp.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <sodium.h>

#include "core/random.h"
#include "core/util.h"
#include "core/xalloc.h"

static const char base32[] = "abcdefghijklmnopqrstuvwxyz234567";

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;

/* liboath wants oath_init once per process before any other call. */
static void oath_start(void)
{
	if (oath_init() != OATH_OK)
		abort(); /* the library cannot start: nothing in it would work */
}

void totp_secret_new(uint8_t secret[TOTP_SECRET_LEN])
{
	random_bytes(secret, TOTP_SECRET_LEN);
}

int totp_code(const uint8_t *secret, size_t len, uint64_t step, unsigned digits, char *out)
{
	pthread_once(&oath_once, oath_start);
	return oath_totp_generate((const char *)secret, len, (time_t)(step * TOTP_STEP), TOTP_STEP,
				  0, digits, out) == OATH_OK
		       ? 0
		       : -1;
}

/* liboath's comparison callback: 0 when equal. Ours takes the same time wherever the
 * codes differ, so timing tells nothing of the right code. */
static int code_differs(void *handle, const char *test_otp)
{
	const char *code = handle;
	return strlen(test_otp) != TOTP_DIGITS || sodium_memcmp(code, test_otp, TOTP_DIGITS) != 0;
}

bool totp_check(const uint8_t *secret, size_t len, time_t now, const char *code,
		uint64_t *step)
{
	if (strlen(code) != TOTP_DIGITS || strspn(code, "0123456789") != TOTP_DIGITS)
		return false;
	pthread_once(&oath_once, oath_start);
	int pos;
	uint64_t counter;
	int rc = oath_totp_validate4_callback((const char *)secret, len, now, TOTP_STEP, 0,
					      TOTP_DIGITS, TOTP_WINDOW, &pos, &counter, 0,
					      code_differs, (void *)code);
	if (rc < 0)
		return false;
	*step = counter;
	return true;
}

/* RFC 4648 base32 of 20 bytes: 32 characters, no padding. Upper case, as apps show it. */
static void secret_base32(const uint8_t secret[TOTP_SECRET_LEN], char out[33])
{
	size_t bits = 0, n = 0;
	uint32_t acc = 0;
	for (size_t i = 0; i < TOTP_SECRET_LEN; i++) {
		acc = (acc << 8) | secret[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[n++] = (char)toupper((unsigned char)base32[(acc >> bits) & 31]);
		}
	}
	out[n] = '\0';
}

static void percent_encode(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			sbuf_printf(b, "%c", c);
		else
			sbuf_printf(b, "%%%02X", c);
	}
}

char *totp_uri(const char *account, const uint8_t secret[TOTP_SECRET_LEN],
	       char secret_b32[33])
{
	secret_base32(secret, secret_b32);
	struct sbuf b = {0};
	sbuf_puts(&b, "otpauth://totp/");
	percent_encode(&b, TOTP_ISSUER);
	sbuf_puts(&b, ":");
	percent_encode(&b, account);
	sbuf_printf(&b, "?secret=%s&issuer=", secret_b32);
	percent_encode(&b, TOTP_ISSUER);
	sbuf_printf(&b, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS, TOTP_STEP);
	return b.data;
}

void totp_recovery_new(char out[TOTP_RECOVERY_LEN + 1])
{
	uint8_t raw[16];
	random_bytes(raw, sizeof(raw));
	size_t n = 0;
	for (size_t i = 0; i < sizeof(raw); i++) {
		if (i > 0 && i % 4 == 0)
			out[n++] = '-';
		out[n++] = base32[raw[i] & 31];
	}
	out[n] = '\0';
	sodium_memzero(raw, sizeof(raw));
}

bool totp_recovery_hash(const struct keyring *kr, const char *input, char hash[65])
{
	char norm[17];
	size_t n = 0;
	for (const char *p = input; *p; p++) {
		char c = (char)tolower((unsigned char)*p);
		if (c == '-' || c == ' ')
			continue;
		if (n == 16 || !strchr(base32, c))
			return false;
		norm[n++] = c;
	}
	if (n != 16)
		return false;
	uint8_t h[32];
	crypto_generichash(h, sizeof(h), (const uint8_t *)norm, n, keys_derived(kr, KEY_RECOVERY),
			   32);
	sodium_bin2hex(hash, 65, h, sizeof(h));
	sodium_memzero(norm, sizeof(norm));
	return true;
}
