/* fuzz_receipt.c - a receipt of either version handed in for checking
 * (server/crypto/receipt.c, server/tlog/tlog_receipt.c), read as POST
 * /api/v1/receipts/verify and pakn-verify do: strict JSON (pakn-verify also takes it
 * wrapped as {"receipt": …}), receipt_from_json, then tlog_receipt_check (version 1's
 * signature; version 2's commitment, signed head and proof). A receipt it reads writes out
 * (receipt_json) and reads back to the same fields. The key is the fixed test
 * key of tests/unit/crypto/test_receipt.c (seed[i] = 7 i + 1), so seeds signed with it
 * reach the valid path. */
#include <string.h>

#include <sodium.h>

#include "core/util.h"
#include "crypto/keys.h"
#include "crypto/receipt.h"
#include "fuzz.h"
#include "tlog/tlog_receipt.h"

static uint8_t pk[crypto_sign_PUBLICKEYBYTES];

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
	FUZZ_CHECK(r.version != 1 || receipt_signed_bytes(&r, msg, sizeof(msg)) < sizeof(msg));
	uint64_t size;
	if (tlog_receipt_check(&r, (const uint8_t(*)[crypto_sign_PUBLICKEYBYTES])&pk, 1, NULL, &size,
			       err, sizeof(err)) != RECEIPT_VALID)
		FUZZ_CHECK(err[0] && memchr(err, '\0', sizeof(err)));
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
