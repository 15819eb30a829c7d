/* pakn-verify - checks a PAKN-57 receipt offline: the Ed25519 signature over the bytes that
 * docs/receipts.md defines, with a public key given on the command line or a saved copy of
 * GET /api/v1/keys. Needs no network and no database.
 *   exit 0  valid      exit 1  invalid (one line says why)      exit 2  usage error */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "receipt.h"
#include "util.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: pakn-verify RECEIPT.json (--key BASE64_PUBLIC_KEY | --keys KEYS.json)\n"
		"RECEIPT.json is a receipt, or the whole reply of POST /api/v1/feedback;\n"
		"KEYS.json is a saved reply of GET /api/v1/keys.\n");
	return 2;
}

/* Parses the file as JSON; *readable tells a missing file from one that is not JSON. */
static json_object *read_json(const char *path, bool *readable)
{
	char *text = file_read(path, NULL);
	*readable = text != NULL;
	if (!text)
		return NULL;
	json_object *doc = json_tokener_parse(text);
	free(text);
	return doc;
}

static int decode_key(const char *b64, uint8_t pk[crypto_sign_PUBLICKEYBYTES])
{
	size_t len;
	return sodium_base642bin(pk, crypto_sign_PUBLICKEYBYTES, b64, strlen(b64), NULL, &len,
				 NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
			       len == crypto_sign_PUBLICKEYBYTES
		       ? 0
		       : -1;
}

/* Finds the key with key_id in a saved keys list. */
static int key_from_list(json_object *list, const char *key_id,
			 uint8_t pk[crypto_sign_PUBLICKEYBYTES])
{
	json_object *keys;
	if (!json_object_object_get_ex(list, "keys", &keys) ||
	    !json_object_is_type(keys, json_type_array))
		return -1;
	for (size_t i = 0; i < json_object_array_length(keys); i++) {
		json_object *k = json_object_array_get_idx(keys, i), *id, *pub;
		if (json_object_object_get_ex(k, "key_id", &id) &&
		    json_object_object_get_ex(k, "public_key", &pub) &&
		    strcmp(json_object_get_string(id), key_id) == 0)
			return decode_key(json_object_get_string(pub), pk);
	}
	return -1;
}

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[2], "--key") != 0 && strcmp(argv[2], "--keys") != 0))
		return usage();
	if (sodium_init() < 0)
		return 2;
	bool readable;
	json_object *doc = read_json(argv[1], &readable);
	if (!doc) {
		if (!readable) {
			fprintf(stderr, "pakn-verify: cannot read %s\n", argv[1]);
			return 2;
		}
		printf("invalid: %s is not JSON\n", argv[1]);
		return 1;
	}
	json_object *receipt_json = doc, *inner;
	if (json_object_object_get_ex(doc, "receipt", &inner))
		receipt_json = inner;
	struct receipt r;
	char err[256];
	int rc = 1;
	if (receipt_from_json(receipt_json, &r, err, sizeof(err)) < 0) {
		printf("invalid: %s\n", err);
		goto out;
	}
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	if (strcmp(argv[2], "--key") == 0) {
		if (decode_key(argv[3], pk) < 0) {
			fprintf(stderr, "pakn-verify: --key is not a base64 Ed25519 public key\n");
			rc = 2;
			goto out;
		}
		char id[KEY_ID_LEN + 1];
		keys_id_of(pk, id);
		if (strcmp(id, r.key_id) != 0) {
			printf("invalid: signed by key %s, not by the key given (%s)\n", r.key_id, id);
			goto out;
		}
	} else {
		json_object *list = read_json(argv[3], &readable);
		if (!list) {
			fprintf(stderr, "pakn-verify: %s is not a keys list\n", argv[3]);
			rc = 2;
			goto out;
		}
		int found = key_from_list(list, r.key_id, pk);
		json_object_put(list);
		if (found < 0) {
			printf("invalid: key %s is not in %s\n", r.key_id, argv[3]);
			goto out;
		}
	}
	if (!receipt_signature_ok(&r, pk)) {
		printf("invalid: the signature does not match the receipt's fields\n");
		goto out;
	}
	printf("valid: %s, feedback %lld on %s at %s, log index %lld, key %s\n", r.tracking_code,
	       (long long)r.feedback_id, r.item_code, r.committed_at, (long long)r.log_index,
	       r.key_id);
	rc = 0;
out:
	json_object_put(doc);
	return rc;
}
