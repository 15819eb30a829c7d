/* fuzz_receipt.c - a receipt handed in for checking (server/crypto/receipt.c), read as
 * POST /api/v1/receipts/verify and pakn-verify do: strict JSON (pakn-verify also takes it
 * wrapped as {"receipt": …}), receipt_from_json, then the signature. A receipt it reads
 * writes out (receipt_json) and reads back to the same fields. The key is the fixed test
 * key of tests/unit/crypto/test_receipt.c (seed[i] = 7 i + 1), so seeds signed with it
 * reach the valid path. */
#include <string.h>

#include <sodium.h>

#include "core/util.h"
#include "crypto/keys.h"
#include "crypto/receipt.h"
#include "fuzz.h"

static uint8_t pk[crypto_sign_PUBLICKEYBYTES];
static char key_id[KEY_ID_LEN + 1];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_CHECK(sodium_init() >= 0);
	uint8_t seed[crypto_sign_SEEDBYTES], sk[crypto_sign_SECRETKEYBYTES];
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(7 * i + 1);
	crypto_sign_seed_keypair(pk, sk, seed);
	keys_id_of(pk, key_id);
	return 0;
}

static void check_receipt(json_object *o)
{
	struct receipt r, back;
	char err[256];
	if (receipt_from_json(o, &r, err, sizeof(err)) < 0) {
		FUZZ_CHECK(err[0] && memchr(err, '\0', sizeof(err)));
		return;
	}
	char msg[512];
	FUZZ_CHECK(receipt_signed_bytes(&r, msg, sizeof(msg)) < sizeof(msg));
	if (strcmp(r.key_id, key_id) == 0)
		(void)receipt_signature_ok(&r, pk);
	struct sbuf b = {0};
	receipt_json(&b, &r, NULL);
	json_object *again = json_parse_strict(b.data, b.len);
	FUZZ_CHECK(again != NULL);
	FUZZ_CHECK(receipt_from_json(again, &back, err, sizeof(err)) == 0);
	FUZZ_CHECK(memcmp(&r, &back, sizeof(r)) == 0);
	json_object_put(again);
	sbuf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	FUZZ_CHECK(text);
	memcpy(text, data, size);
	json_object *doc = json_parse_strict(text, size), *inner;
	if (doc) {
		check_receipt(doc);
		if (json_object_object_get_ex(doc, "receipt", &inner))
			check_receipt(inner);
	}
	json_object_put(doc);
	free(text);
	return 0;
}
