/* personal.c - owns the encryption of personal data at rest (see personal.h). */
#include "crypto/personal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/random.h"
#include "core/xalloc.h"

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG crypto_aead_xchacha20poly1305_ietf_ABYTES

static size_t associated_data(int64_t id, char ad[40])
{
	return (size_t)snprintf(ad, 40, "feedback:%" PRId64, id);
}

char *personal_encrypt(const struct keyring *kr, int64_t id, const char *plain)
{
	size_t plen = strlen(plain), clen = NONCE + plen + TAG;
	uint8_t *blob = xmalloc(clen);
	size_t b64len = sodium_base64_ENCODED_LEN(clen, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = xmalloc(b64len);
	char ad[40];
	size_t adlen = associated_data(id, ad);
	random_bytes(blob, NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(blob + NONCE, NULL, (const uint8_t *)plain, plen,
						   (const uint8_t *)ad, adlen, NULL, blob,
						   keys_derived(kr, KEY_CONTACT));
	sodium_bin2base64(b64, b64len, blob, clen, sodium_base64_VARIANT_ORIGINAL);
	free(blob);
	return b64;
}

char *personal_decrypt(const struct keyring *kr, int64_t id, const char *b64)
{
	size_t max = strlen(b64), blen;
	uint8_t *blob = xmalloc(max + 1);
	char *plain = xmalloc(max + 1);
	char ad[40];
	size_t adlen = associated_data(id, ad);
	unsigned long long plen = 0;
	bool ok = sodium_base642bin(blob, max, b64, strlen(b64), "\n\r", &blen, NULL,
				    sodium_base64_VARIANT_ORIGINAL) == 0 &&
		  blen >= NONCE + TAG &&
		  crypto_aead_xchacha20poly1305_ietf_decrypt(
			  (uint8_t *)plain, &plen, NULL, blob + NONCE, blen - NONCE,
			  (const uint8_t *)ad, adlen, blob, keys_derived(kr, KEY_CONTACT)) == 0;
	free(blob);
	if (!ok) {
		free(plain);
		return NULL;
	}
	plain[plen] = '\0';
	return plain;
}
