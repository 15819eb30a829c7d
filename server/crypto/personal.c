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

char *personal_seal(const struct keyring *kr, enum derived_key which, const char *ad,
		    const uint8_t *plain, size_t plen)
{
	size_t clen = NONCE + plen + TAG;
	uint8_t *blob = xmalloc(clen);
	size_t b64len = sodium_base64_ENCODED_LEN(clen, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = xmalloc(b64len);
	random_bytes(blob, NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(blob + NONCE, NULL, plain, plen,
						   (const uint8_t *)ad, strlen(ad), NULL, blob,
						   keys_derived(kr, which));
	sodium_bin2base64(b64, b64len, blob, clen, sodium_base64_VARIANT_ORIGINAL);
	free(blob);
	return b64;
}

uint8_t *personal_open(const struct keyring *kr, enum derived_key which, const char *ad,
		       const char *b64, size_t *plen)
{
	size_t max = strlen(b64), blen;
	uint8_t *blob = xmalloc(max + 1);
	uint8_t *plain = xmalloc(max + 1);
	unsigned long long n = 0;
	bool ok = sodium_base642bin(blob, max, b64, strlen(b64), "\n\r", &blen, NULL,
				    sodium_base64_VARIANT_ORIGINAL) == 0 &&
		  blen >= NONCE + TAG &&
		  crypto_aead_xchacha20poly1305_ietf_decrypt(
			  plain, &n, NULL, blob + NONCE, blen - NONCE, (const uint8_t *)ad,
			  strlen(ad), blob, keys_derived(kr, which)) == 0;
	free(blob);
	if (!ok) {
		free(plain);
		return NULL;
	}
	plain[n] = '\0';
	*plen = (size_t)n;
	return plain;
}

static void associated_data(int64_t id, char ad[40])
{
	snprintf(ad, 40, "feedback:%" PRId64, id);
}

char *personal_encrypt(const struct keyring *kr, int64_t id, const char *plain)
{
	char ad[40];
	associated_data(id, ad);
	return personal_seal(kr, KEY_CONTACT, ad, (const uint8_t *)plain, strlen(plain));
}

char *personal_decrypt(const struct keyring *kr, int64_t id, const char *b64)
{
	char ad[40];
	size_t len;
	associated_data(id, ad);
	return (char *)personal_open(kr, KEY_CONTACT, ad, b64, &len);
}
