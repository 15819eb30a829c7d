/* test_receipt.c - tests server/crypto/receipt.c: version 1's signed bytes exactly as
 * docs/receipts.md writes them, Ed25519 signing and checking, version 2's body hash and
 * salted commitment, the JSON form of both read strictly, and the submitter's secret. Expected signatures and hashes were worked out once with PyNaCl and
 * hashlib (independent of libsodium's C API as used here) and are written literally. */
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
#include "crypto/receipt.h"
#include "tlog/tlog_receipt.h"
#include "../unit_dir.h"

/* The receipt of docs/receipts.md. */
static struct receipt doc_receipt(void)
{
	struct receipt r;
	memset(&r, 0, sizeof(r));
	r.version = 1;
	strcpy(r.tracking_code, "11M1-VAP0-VNY3-VCX3-D");
	r.feedback_id = 1;
	strcpy(r.item_code, "LC-T25");
	strcpy(r.committed_at, "2026-11-24T08:51:47.587978Z");
	strcpy(r.submission_hash, "773f0dfb769105faf32c4d445a8f8d50ad83e7cefdbf5a7f8d09b2a2c29fb7c2");
	r.log_index = 0;
	strcpy(r.key_id, "a95964c0cfb2e290");
	return r;
}

static const char doc_signed_bytes[] =
	"pakn57-receipt-v1\n"
	"tracking_code:11M1-VAP0-VNY3-VCX3-D\n"
	"feedback_id:1\n"
	"item_code:LC-T25\n"
	"committed_at:2026-11-24T08:51:47.587978Z\n"
	"submission_blake2b:773f0dfb769105faf32c4d445a8f8d50ad83e7cefdbf5a7f8d09b2a2c29fb7c2\n"
	"log_index:0\n"
	"key_id:a95964c0cfb2e290\n";

/* The fixed signing key: crypto_sign_seed_keypair of seed[i] = 7 i + 1. PyNaCl gives its
 * public key 5AMJmM/VrRcjwWn5VqoLnrhhm1mSvWEsKvQo68efjfA= and key id d3c05ab2093cb220,
 * and for the docs' receipt signed with it (key_id d3c05ab2093cb220) this signature. */
#define FIXED_PK_B64 "5AMJmM/VrRcjwWn5VqoLnrhhm1mSvWEsKvQo68efjfA="
#define FIXED_KEY_ID "d3c05ab2093cb220"
#define FIXED_SIG_B64 \
	"1GBxpnz3HNUT9kTQb8piohP8WHGyGu37IkBmV1L/PKcTb/hKEcdqEYg5p6rYGMXe5iReo9TAhmKbxDP9yBMGDw=="

struct fixture {
	struct signing_key key; /* the fixed one */
	char dir[256];          /* a key directory for the keyring-based calls */
	struct keyring *kr;
};

static int group_setup(void **state)
{
	if (sodium_init() < 0)
		return -1;
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	uint8_t seed[crypto_sign_SEEDBYTES];
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(i * 7 + 1);
	crypto_sign_seed_keypair(f->key.pk, f->key.sk, seed);
	keys_id_of(f->key.pk, f->key.id);
	const char *root = getenv("PAKN_TEST_TMP");
	snprintf(f->dir, sizeof(f->dir), "%s/test_receipt.XXXXXX", root ? root : "/tmp");
	char err[512];
	if (!mkdtemp(f->dir) || !(f->kr = keys_load(f->dir, true, err, sizeof(err)))) {
		unit_rm_dir(f->dir);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *f = *state;
	keys_free(f->kr);
	unit_rm_dir(f->dir);
	free(f);
	return 0;
}

/* --- the signed bytes ----------------------------------------------------------------- */

/* The receipt's JSON form, read back as an object. */
static json_object *receipt_obj(const struct receipt *r, const char *secret)
{
	struct sbuf b = {0};
	receipt_json(&b, r, secret);
	json_object *o = json_tokener_parse(b.data);
	sbuf_free(&b);
	return o;
}

/* Strings are written as json-c writes them (plain, "/" unescaped): quotes, backslashes,
 * every control character, UTF-8 and "/". */
static void test_json_string_as_json_c_writes_it(void **state)
{
	(void)state;
	char all[40];
	for (int i = 1; i < 0x20; i++)
		all[i - 1] = (char)i;
	all[0x1F] = '\0';
	const char *const cases[] = {"", "plain", "quo\"te", "back\\slash", "a/b+c=",
				     "Vi\u1ec7t Nam \U0001F600", all, "\x7f end"};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sbuf b = {0};
		sbuf_json_string(&b, cases[i]);
		json_object *o = json_object_new_string(cases[i]);
		assert_string_equal(b.data, json_object_to_json_string_ext(
						    o, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		sbuf_free(&b);
	}
}

/* sbuf_printf appends whatever the room left: short and long texts, onto a buffer that is
 * empty, nearly full or just grown. */
static void test_printf_appends(void **state)
{
	(void)state;
	char long_text[300];
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	struct sbuf b = {0};
	char expect[8192] = "";
	for (int i = 0; i < 40; i++) {
		const char *piece = i % 3 == 2 ? long_text : "ab";
		sbuf_printf(&b, "[%d:%s]", i, piece);
		size_t n = strlen(expect);
		snprintf(expect + n, sizeof(expect) - n, "[%d:%s]", i, piece);
		assert_int_equal(b.len, strlen(expect));
		assert_string_equal(b.data, expect);
	}
	sbuf_free(&b);
}

static void test_signed_bytes_exact(void **state)
{
	(void)state;
	struct receipt r = doc_receipt();
	char buf[512];
	size_t n = receipt_signed_bytes(&r, buf, sizeof(buf));
	assert_int_equal(n, sizeof(doc_signed_bytes) - 1);
	assert_string_equal(buf, doc_signed_bytes);

	/* big numbers in decimal, no leading zeros, no sign, no grouping */
	r.feedback_id = 1234567890123;
	r.log_index = 9000000000000000000;
	n = receipt_signed_bytes(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nfeedback_id:1234567890123\n"));
	assert_non_null(strstr(buf, "\nlog_index:9000000000000000000\n"));
	assert_int_equal(n, strlen(buf));

	/* a short buffer: the length needed comes back, the text is cut and terminated */
	r = doc_receipt();
	char small[20];
	memset(small, 'x', sizeof(small));
	assert_int_equal(receipt_signed_bytes(&r, small, sizeof(small)), sizeof(doc_signed_bytes) - 1);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, doc_signed_bytes, sizeof(small) - 1);
}

/* --- signing -------------------------------------------------------------------------- */

static void test_fixed_key(void **state)
{
	struct fixture *f = *state;
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	size_t len;
	assert_int_equal(sodium_base642bin(pk, sizeof(pk), FIXED_PK_B64, strlen(FIXED_PK_B64), NULL,
					   &len, NULL, sodium_base64_VARIANT_ORIGINAL),
			 0);
	assert_int_equal(len, sizeof(pk));
	assert_memory_equal(pk, f->key.pk, sizeof(pk));
	assert_string_equal(f->key.id, FIXED_KEY_ID);
}

static void test_sign_and_check(void **state)
{
	struct fixture *f = *state;
	struct receipt r = doc_receipt();
	memset(r.key_id, 0, sizeof(r.key_id));
	receipt_sign(&r, &f->key);
	assert_string_equal(r.key_id, FIXED_KEY_ID);

	/* the same signature as PyNaCl over the documented bytes */
	uint8_t want[crypto_sign_BYTES];
	size_t len;
	assert_int_equal(sodium_base642bin(want, sizeof(want), FIXED_SIG_B64, strlen(FIXED_SIG_B64),
					   NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL),
			 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(r.signature, want, sizeof(want));

	/* and it checks against exactly the documented bytes, written out here */
	char msg[512];
	snprintf(msg, sizeof(msg), "%.*skey_id:%s\n", (int)(strstr(doc_signed_bytes, "key_id:") -
							     doc_signed_bytes),
		 doc_signed_bytes, FIXED_KEY_ID);
	assert_int_equal(crypto_sign_verify_detached(r.signature, (const uint8_t *)msg, strlen(msg),
						     f->key.pk),
			 0);
	assert_true(receipt_signature_ok(&r, f->key.pk));

	/* another public key does not check it */
	assert_false(receipt_signature_ok(&r, keys_current(f->kr)->pk));
	/* neither does a signature with one bit changed */
	for (size_t i = 0; i < sizeof(r.signature); i += 9) {
		struct receipt bad = r;
		bad.signature[i] ^= 0x01;
		if (receipt_signature_ok(&bad, f->key.pk)) {
			print_error("signature with byte %zu changed still checks\n", i);
			fail();
		}
	}
}

/* Every signed field, changed a little. */
static void test_each_field_is_signed(void **state)
{
	struct fixture *f = *state;
	struct receipt r = doc_receipt();
	receipt_sign(&r, &f->key);
	assert_true(receipt_signature_ok(&r, f->key.pk));
	int failures = 0;
	for (int which = 0; which < 8; which++) {
		struct receipt bad = r;
		const char *name = "";
		switch (which) {
		case 0: name = "tracking_code"; bad.tracking_code[0] = '2'; break;
		case 1: name = "feedback_id"; bad.feedback_id = 2; break;
		case 2: name = "item_code"; strcpy(bad.item_code, "LC-T26"); break;
		case 3: name = "committed_at"; bad.committed_at[25] = '9'; break;
		case 4: name = "submission_hash"; bad.submission_hash[63] = '3'; break;
		case 5: name = "log_index"; bad.log_index = 1; break;
		case 6: name = "key_id"; bad.key_id[15] = '1'; break;
		case 7: name = "version"; bad.version = 2; break;
		}
		if (receipt_signature_ok(&bad, f->key.pk)) {
			print_error("changing %s keeps the signature good\n", name);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* A version 1 receipt against the keyring's public keys, as the service checks it. */
static enum receipt_check verify(const struct receipt *r, const struct keyring *kr)
{
	uint8_t pks[8][crypto_sign_PUBLICKEYBYTES];
	size_t n = keys_count(kr) < 8 ? keys_count(kr) : 8;
	for (size_t i = 0; i < n; i++)
		memcpy(pks[i], keys_at(kr, i)->pk, sizeof(pks[i]));
	uint64_t size;
	char err[200];
	return tlog_receipt_check(r, (const uint8_t(*)[crypto_sign_PUBLICKEYBYTES])pks, n, NULL,
				  &size, err, sizeof(err));
}

static void test_verify_with_keyring(void **state)
{
	struct fixture *f = *state;
	struct receipt r = doc_receipt();
	receipt_sign(&r, keys_current(f->kr));
	assert_string_equal(r.key_id, keys_current(f->kr)->id);
	assert_int_equal(verify(&r, f->kr), RECEIPT_VALID);
	struct receipt bad = r;
	bad.log_index = 5;
	assert_int_equal(verify(&bad, f->kr), RECEIPT_BAD_SIGNATURE);
	/* signed with a key the keyring does not have */
	receipt_sign(&bad, &f->key);
	assert_int_equal(verify(&bad, f->kr), RECEIPT_UNKNOWN_KEY);
}

/* --- JSON ----------------------------------------------------------------------------- */

static void assert_receipts_equal(const struct receipt *a, const struct receipt *b)
{
	assert_int_equal(a->version, b->version);
	assert_string_equal(a->tracking_code, b->tracking_code);
	assert_int_equal(a->feedback_id, b->feedback_id);
	assert_string_equal(a->item_code, b->item_code);
	assert_string_equal(a->committed_at, b->committed_at);
	assert_string_equal(a->submission_hash, b->submission_hash);
	assert_int_equal(a->log_index, b->log_index);
	assert_string_equal(a->key_id, b->key_id);
	assert_memory_equal(a->signature, b->signature, sizeof(a->signature));
}

/* to_json, then text, then back. */
static void test_json_round_trip(void **state)
{
	struct fixture *f = *state;
	struct receipt r = doc_receipt();
	r.feedback_id = 987654321012;
	r.log_index = 42;
	receipt_sign(&r, &f->key);
	json_object *o = receipt_obj(&r, "Jsixol7kJTo60w2m4_S_Sg");
	assert_non_null(o);
	/* byte for byte what json-c writes for the same members in the same order */
	struct sbuf raw = {0};
	receipt_json(&raw, &r, "Jsixol7kJTo60w2m4_S_Sg");
	assert_string_equal(raw.data,
			    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								      JSON_C_TO_STRING_NOSLASHESCAPE));
	sbuf_free(&raw);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	json_object *back = json_tokener_parse(text);
	assert_non_null(back);
	json_object_put(o);

	/* the documented field names and forms */
	static const char *const names[] = {"version", "tracking_code", "feedback_id",
					    "item_code", "committed_at", "submission_blake2b",
					    "log_index", "key_id", "signature", "secret"};
	assert_int_equal(json_object_object_length(back), 10);
	for (size_t i = 0; i < 10; i++)
		if (!json_object_object_get_ex(back, names[i], NULL)) {
			print_error("\"%s\" missing from %s\n", names[i], text);
			fail();
		}
	json_object *v;
	assert_true(json_object_object_get_ex(back, "version", &v));
	assert_true(json_object_is_type(v, json_type_int));
	assert_int_equal(json_object_get_int(v), 1);
	assert_true(json_object_object_get_ex(back, "feedback_id", &v));
	assert_true(json_object_is_type(v, json_type_int));
	assert_true(json_object_object_get_ex(back, "signature", &v));
	const char *sig = json_object_get_string(v);
	assert_int_equal(strlen(sig), 88); /* standard base64 with padding */
	assert_string_equal(sig + 86, "==");
	assert_true(json_object_object_get_ex(back, "secret", &v));
	assert_string_equal(json_object_get_string(v), "Jsixol7kJTo60w2m4_S_Sg");

	struct receipt got;
	char err[256] = "";
	int rc = receipt_from_json(back, &got, err, sizeof(err));
	if (rc != 0)
		print_error("receipt_from_json: %s\n", err);
	assert_int_equal(rc, 0);
	assert_receipts_equal(&got, &r);
	assert_true(receipt_signature_ok(&got, f->key.pk));
	json_object_put(back);

	/* without a secret: no "secret" member, and it reads back the same */
	o = receipt_obj(&r, NULL);
	assert_false(json_object_object_get_ex(o, "secret", NULL));
	assert_int_equal(json_object_object_length(o), 9);
	assert_int_equal(receipt_from_json(o, &got, err, sizeof(err)), 0);
	assert_receipts_equal(&got, &r);
	json_object_put(o);
}

/* The secret is carried but not signed: any secret, or none, gives the same receipt and
 * the same signed bytes. */
static void test_secret_not_signed(void **state)
{
	struct fixture *f = *state;
	struct receipt r = doc_receipt();
	receipt_sign(&r, &f->key);
	char bytes[512];
	receipt_signed_bytes(&r, bytes, sizeof(bytes));
	assert_null(strstr(bytes, "secret"));
	const char *secrets[] = {NULL, "Jsixol7kJTo60w2m4_S_Sg", "AAAAAAAAAAAAAAAAAAAAAA"};
	for (size_t i = 0; i < 3; i++) {
		json_object *o = receipt_obj(&r, secrets[i]);
		struct receipt got;
		char err[256] = "";
		assert_int_equal(receipt_from_json(o, &got, err, sizeof(err)), 0);
		assert_receipts_equal(&got, &r);
		char again[512];
		receipt_signed_bytes(&got, again, sizeof(again));
		assert_string_equal(again, bytes);
		assert_true(receipt_signature_ok(&got, f->key.pk));
		json_object_put(o);
	}
}

/* Each row changes one member of a good receipt: value NULL deletes it, else the member is
 * set to that JSON text. err must mention want_in_err. */
struct bad_json {
	const char *key, *value, *want_in_err;
};

static const struct bad_json bad_rows[] = {
	/* missing */
	{"version", NULL, "version"},
	{"tracking_code", NULL, "tracking_code"},
	{"feedback_id", NULL, "feedback_id"},
	{"item_code", NULL, "item_code"},
	{"committed_at", NULL, "committed_at"},
	{"submission_blake2b", NULL, "submission_blake2b"},
	{"log_index", NULL, "log_index"},
	{"key_id", NULL, "key_id"},
	{"signature", NULL, "signature"},
	/* wrong types */
	{"version", "\"1\"", "version"},
	{"version", "1.0", "version"},
	{"version", "true", "version"},
	{"version", "null", "version"},
	{"tracking_code", "5", "tracking_code"},
	{"tracking_code", "null", "tracking_code"},
	{"feedback_id", "\"1\"", "feedback_id"},
	{"feedback_id", "1.0", "feedback_id"},
	{"feedback_id", "[1]", "feedback_id"},
	{"item_code", "[\"LC-T25\"]", "item_code"},
	{"committed_at", "1795510307", "committed_at"},
	{"submission_blake2b", "{}", "submission_blake2b"},
	{"log_index", "false", "log_index"},
	{"log_index", "\"0\"", "log_index"},
	{"key_id", "12345678", "key_id"},
	{"signature", "[]", "signature"},
	/* values out of shape */
	{"version", "3", "version"},
	{"version", "0", "version"},
	{"feedback_id", "-1", "feedback_id"},
	{"log_index", "-1", "log_index"},
	{"tracking_code", "\"\"", "tracking_code"},
	{"tracking_code", "\"11M1-VAP0-VNY3-VCX3-D-EXTRA\"", "tracking_code"},
	{"tracking_code", "\"11m1-vap0-vny3-vcx3-d\"", "tracking_code"},
	{"item_code", "\"\"", "item_code"},
	{"item_code", "\"LC T25\"", "item_code"},
	{"item_code", "\"LC-T25\\nkey_id:x\"", "item_code"}, /* no line feed can get in */
	{"committed_at", "\"2026-11-24 08:51:47Z\"", "committed_at"},
	{"submission_blake2b", "\"773f0dfb769105faf32c4d445a8f8d50ad83e7cefdbf5a7f8d09b2a2c29fb7c\"",
	 "submission_blake2b"}, /* 63 digits */
	{"submission_blake2b", "\"773F0DFB769105FAF32C4D445A8F8D50AD83E7CEFDBF5A7F8D09B2A2C29FB7C2\"",
	 "submission_blake2b"}, /* upper case */
	{"key_id", "\"a95964c0cfb2e29\"", "key_id"},     /* 15 digits */
	{"key_id", "\"a95964c0cfb2e2900\"", "key_id"},   /* 17 digits */
	{"key_id", "\"a95964c0cfb2e29g\"", "key_id"},
	/* signatures */
	{"signature", "\"\"", "signature"},
	{"signature", "\"!!!!\"", "signature"},
	{"signature", "\"not base64 at all, with spaces\"", "signature"},
	/* 63 bytes */
	{"signature",
	 "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"",
	 "signature"},
	/* 65 bytes */
	{"signature",
	 "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE=\"",
	 "signature"},
	/* the right signature without its padding, and in the URL-safe alphabet */
	{"signature",
	 "\"1GBxpnz3HNUT9kTQb8piohP8WHGyGu37IkBmV1L/PKcTb/hKEcdqEYg5p6rYGMXe5iReo9TAhmKbxDP9yBMGDw\"",
	 "signature"},
	{"signature",
	 "\"1GBxpnz3HNUT9kTQb8piohP8WHGyGu37IkBmV1L_PKcTb_hKEcdqEYg5p6rYGMXe5iReo9TAhmKbxDP9yBMGDw==\"",
	 "signature"},
	/* members that are not in a receipt */
	{"extra", "1", "extra"},
	{"Version", "1", "Version"},
	{"signature_b64", "\"x\"", "signature_b64"},
};

static void test_from_json_rejects(void **state)
{
	struct fixture *f = *state;
	struct receipt r = doc_receipt();
	receipt_sign(&r, &f->key);
	int failures = 0;
	for (size_t i = 0; i < sizeof(bad_rows) / sizeof(bad_rows[0]); i++) {
		const struct bad_json *c = &bad_rows[i];
		json_object *o = receipt_obj(&r, "Jsixol7kJTo60w2m4_S_Sg");
		if (c->value) {
			json_object *v = json_tokener_parse(c->value);
			if (!v && strcmp(c->value, "null") != 0) {
				print_error("row %zu: test value %s is not JSON\n", i, c->value);
				failures++;
				json_object_put(o);
				continue;
			}
			json_object_object_add(o, c->key, v);
		} else {
			json_object_object_del(o, c->key);
		}
		struct receipt got;
		char err[256] = "";
		int rc = receipt_from_json(o, &got, err, sizeof(err));
		if (rc != -1 || !strstr(err, c->want_in_err)) {
			print_error("row %zu (%s = %s): rc %d, err \"%s\"; want -1 and an error naming %s\n",
				    i, c->key, c->value ? c->value : "(deleted)", rc, err, c->want_in_err);
			failures++;
		}
		json_object_put(o);
	}
	/* not an object at all */
	const char *not_objects[] = {"[]", "\"receipt\"", "1", "null"};
	for (size_t i = 0; i < 4; i++) {
		json_object *o = json_tokener_parse(not_objects[i]);
		struct receipt got;
		char err[256] = "";
		if (receipt_from_json(o, &got, err, sizeof(err)) != -1 || !*err) {
			print_error("%s accepted as a receipt\n", not_objects[i]);
			failures++;
		}
		json_object_put(o);
	}
	assert_int_equal(failures, 0);
}

/* --- version 2 ------------------------------------------------------------------------ */

/* A version 2 receipt for the body "Rất không hài lòng"; body_hash and commitment worked
 * out with Python's hashlib from docs/receipts.md:
 *   sha256(salt + b"pakn57-body-v2\n" + body), sha256(salt + canonical lines). */
#define V2_SALT "d70ab75f30c6f2762a446aed492602f96c3518e4a5ecc148b24e83473defd336"
#define V2_BODY "Rất không hài lòng"
#define V2_BODY_HASH "90872c41e95d3d71f67e90584634da79bfb2c4de1ec665d98b84b143e5a46992"
#define V2_COMMITMENT "717633bc8471e2fff7e4c533b2c7a594f2c958cf3df788b14083930436f6f8ce"

static struct receipt v2_receipt(void)
{
	struct receipt r;
	memset(&r, 0, sizeof(r));
	r.version = 2;
	strcpy(r.tracking_code, "8XB0-NPJA-X3K8-0MBB-G");
	strcpy(r.item_code, "LC-T25");
	r.rating = 1;
	strcpy(r.kind, "opinion");
	strcpy(r.body_hash, V2_BODY_HASH);
	strcpy(r.committed_at, "2026-12-07T15:05:17.930139Z");
	strcpy(r.handle, "52a8dca5ad93e3d4c3ecbb6aa05c7b3a");
	strcpy(r.salt, V2_SALT);
	strcpy(r.commitment, V2_COMMITMENT);
	r.log_index = 5;
	strcpy(r.checkpoint, "pakn57.local/log\n8\nF5FrFopCfeWPQBJWqsXrzoKCZnwoRUbkArx8fuIPdAA=\n\n"
			     "\u2014 pakn57.local/log IwGO2B1s\n");
	r.nproof = 3;
	for (int i = 0; i < 3; i++)
		memset(r.proof[i], 0x11 * (i + 1), 32);
	return r;
}

/* The body hash and the commitment as docs/receipts.md writes them; every field is bound. */
static void test_v2_commitment(void **state)
{
	(void)state;
	struct receipt r = v2_receipt();
	char h[65];
	receipt_body_hash(V2_SALT, V2_BODY, strlen(V2_BODY), h);
	assert_string_equal(h, V2_BODY_HASH);
	assert_int_equal(receipt_commitment(&r, h), 0);
	assert_string_equal(h, V2_COMMITMENT);
	/* the salt blinds it: another salt, another body hash and commitment */
	char other_salt[] = V2_SALT;
	other_salt[0] = 'e';
	receipt_body_hash(other_salt, V2_BODY, strlen(V2_BODY), h);
	assert_string_not_equal(h, V2_BODY_HASH);
	for (int field = 0; field < 9; field++) {
		struct receipt bad = v2_receipt();
		switch (field) {
		case 0: strcpy(bad.tracking_code, "8XB0-NPJA-X3K8-0MBB-H"); break;
		case 1: strcpy(bad.item_code, "LC-T26"); break;
		case 2: bad.rating = 2; break;
		case 3: strcpy(bad.kind, "report"); break;
		case 4: strcpy(bad.submitter_type, "individual"); break;
		case 5: bad.consent_publish = true; break;
		case 6: bad.consent_contact = true; break;
		case 7: bad.body_hash[0] = 'a'; break;
		default: bad.salt[0] = 'e'; break;
		}
		assert_int_equal(receipt_commitment(&bad, h), 0);
		assert_string_not_equal(h, V2_COMMITMENT);
	}
	/* a salt that is not 32 bytes of hex gives no commitment */
	struct receipt bad = v2_receipt();
	bad.salt[63] = '\0';
	assert_int_equal(receipt_commitment(&bad, h), -1);
	strcpy(bad.salt, V2_SALT);
	bad.salt[5] = 'x';
	assert_int_equal(receipt_commitment(&bad, h), -1);
}

static void test_v2_json_round_trip(void **state)
{
	(void)state;
	struct receipt r = v2_receipt();
	json_object *o = receipt_obj(&r, "Jsixol7kJTo60w2m4_S_Sg");
	assert_non_null(o);
	struct sbuf raw = {0};
	receipt_json(&raw, &r, "Jsixol7kJTo60w2m4_S_Sg");
	assert_string_equal(raw.data,
			    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								      JSON_C_TO_STRING_NOSLASHESCAPE));
	sbuf_free(&raw);
	/* the documented members, in the documented order, and nothing of version 1 */
	static const char *const names[] = {
		"version", "tracking_code", "item_code", "rating", "kind", "submitter_type",
		"consent_publish", "consent_contact", "body_hash", "committed_at", "handle", "salt",
		"commitment", "log_index", "checkpoint", "proof", "secret"};
	size_t k = 0;
	json_object_object_foreach(o, key, val) {
		(void)val;
		assert_true(k < sizeof(names) / sizeof(names[0]));
		assert_string_equal(key, names[k++]);
	}
	assert_int_equal(k, sizeof(names) / sizeof(names[0]));
	json_object *v;
	assert_true(json_object_object_get_ex(o, "consent_publish", &v));
	assert_true(json_object_is_type(v, json_type_boolean));
	assert_true(json_object_object_get_ex(o, "proof", &v));
	assert_int_equal(json_object_array_length(v), 3);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)),
			    "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=");
	struct receipt got;
	char err[256] = "";
	int rc = receipt_from_json(o, &got, err, sizeof(err));
	if (rc != 0)
		print_error("receipt_from_json: %s\n", err);
	assert_int_equal(rc, 0);
	assert_int_equal(got.version, 2);
	assert_string_equal(got.tracking_code, r.tracking_code);
	assert_string_equal(got.item_code, r.item_code);
	assert_int_equal(got.rating, r.rating);
	assert_string_equal(got.kind, r.kind);
	assert_string_equal(got.submitter_type, "");
	assert_false(got.consent_publish);
	assert_false(got.consent_contact);
	assert_string_equal(got.body_hash, r.body_hash);
	assert_string_equal(got.committed_at, r.committed_at);
	assert_string_equal(got.handle, r.handle);
	assert_string_equal(got.salt, r.salt);
	assert_string_equal(got.commitment, r.commitment);
	assert_int_equal(got.log_index, r.log_index);
	assert_string_equal(got.checkpoint, r.checkpoint);
	assert_int_equal(got.nproof, 3);
	assert_memory_equal(got.proof, r.proof, 3 * 32);
	json_object_put(o);
	/* an empty proof (the tree of one entry) reads back empty */
	r.nproof = 0;
	o = receipt_obj(&r, NULL);
	assert_int_equal(receipt_from_json(o, &got, err, sizeof(err)), 0);
	assert_int_equal(got.nproof, 0);
	json_object_put(o);
}

static const struct bad_json bad_v2_rows[] = {
	{"rating", NULL, "rating"},
	{"kind", NULL, "kind"},
	{"submitter_type", NULL, "submitter_type"},
	{"consent_publish", NULL, "consent_publish"},
	{"consent_contact", NULL, "consent_contact"},
	{"body_hash", NULL, "body_hash"},
	{"handle", NULL, "handle"},
	{"salt", NULL, "salt"},
	{"commitment", NULL, "commitment"},
	{"checkpoint", NULL, "checkpoint"},
	{"proof", NULL, "proof"},
	{"log_index", NULL, "log_index"},
	{"rating", "0", "rating"},
	{"rating", "6", "rating"},
	{"rating", "\"1\"", "rating"},
	{"kind", "\"Opinion\"", "kind"},
	{"kind", "\"\"", "kind"},
	{"consent_publish", "1", "consent_publish"},
	{"consent_contact", "\"false\"", "consent_contact"},
	{"body_hash", "\"" V2_BODY_HASH "0\"", "body_hash"},
	{"salt", "\"d70ab75f30c6f2762a446aed492602f96c3518e4a5ecc148b24e83473defd33\"", "salt"},
	{"salt", "\"D70AB75F30C6F2762A446AED492602F96C3518E4A5ECC148B24E83473DEFD336\"", "salt"},
	{"handle", "\"52a8dca5ad93e3d4c3ecbb6aa05c7b3\"", "handle"},
	{"handle", "\"52a8dca5ad93e3d4c3ecbb6aa05c7b3g\"", "handle"},
	{"commitment", "\"717633bc\"", "commitment"},
	{"checkpoint", "\"\"", "checkpoint"},
	{"checkpoint", "7", "checkpoint"},
	{"proof", "\"AAAA\"", "proof"},
	{"proof", "[1]", "proof[0]"},
	{"proof", "[\"IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=\", \"AAAA\"]", "proof[1]"},
	/* version 1's members are not version 2's */
	{"feedback_id", "1", "feedback_id"},
	{"signature", "\"" FIXED_SIG_B64 "\"", "signature"},
	{"key_id", "\"d3c05ab2093cb220\"", "key_id"},
};

static void test_v2_from_json_rejects(void **state)
{
	(void)state;
	struct receipt r = v2_receipt();
	int failures = 0;
	for (size_t i = 0; i < sizeof(bad_v2_rows) / sizeof(bad_v2_rows[0]); i++) {
		const struct bad_json *c = &bad_v2_rows[i];
		json_object *o = receipt_obj(&r, NULL);
		if (c->value)
			json_object_object_add(o, c->key, json_tokener_parse(c->value));
		else
			json_object_object_del(o, c->key);
		struct receipt got;
		char err[256] = "";
		int rc = receipt_from_json(o, &got, err, sizeof(err));
		if (rc != -1 || !strstr(err, c->want_in_err)) {
			print_error("row %zu (%s = %s): rc %d, err \"%s\"; want -1 and an error naming %s\n",
				    i, c->key, c->value ? c->value : "(deleted)", rc, err, c->want_in_err);
			failures++;
		}
		json_object_put(o);
	}
	/* 65 hashes are more than any tree of 2^64 entries needs */
	json_object *o = receipt_obj(&r, NULL), *list = json_object_new_array();
	for (int i = 0; i < RECEIPT_MAX_PROOF + 1; i++)
		json_object_array_add(list, json_object_new_string(
						    "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI="));
	json_object_object_add(o, "proof", list);
	struct receipt got;
	char err[256] = "";
	if (receipt_from_json(o, &got, err, sizeof(err)) != -1 || !strstr(err, "proof")) {
		print_error("a proof of %d hashes: err \"%s\"\n", RECEIPT_MAX_PROOF + 1, err);
		failures++;
	}
	json_object_put(o);
	assert_int_equal(failures, 0);
}

/* --- the submitter's secret ------------------------------------------------------------ */

/* base64url without padding, written out here. */
static void b64url(const uint8_t *in, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 6) {
			out[o++] = a[(acc >> (bits - 6)) & 63];
			bits -= 6;
		}
	}
	if (bits > 0)
		out[o++] = a[(acc << (6 - bits)) & 63];
	out[o] = '\0';
}

static void test_secret(void **state)
{
	struct fixture *f = *state;
	char a1[RECEIPT_SECRET_LEN + 1], a2[RECEIPT_SECRET_LEN + 1], b[RECEIPT_SECRET_LEN + 1];
	memset(a1, 'x', sizeof(a1));
	receipt_secret(f->kr, "11M1-VAP0-VNY3-VCX3-D", a1);
	receipt_secret(f->kr, "11M1-VAP0-VNY3-VCX3-D", a2);
	receipt_secret(f->kr, "7K3M-9QXD-2F8H-W4TR-M", b);
	assert_int_equal(strlen(a1), 22);
	assert_int_equal(strspn(a1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
			 22);
	assert_string_equal(a1, a2);
	assert_string_not_equal(a1, b);

	/* keyed BLAKE2b-128 of the code with the KEY_SECRET key, base64url */
	uint8_t raw[16];
	const char *code = "11M1-VAP0-VNY3-VCX3-D";
	crypto_generichash(raw, sizeof(raw), (const uint8_t *)code, strlen(code),
			   keys_derived(f->kr, KEY_SECRET), 32);
	char want[32];
	b64url(raw, sizeof(raw), want);
	assert_string_equal(a1, want);

	/* the same directory loaded again gives the same secret */
	char err[512];
	struct keyring *again = keys_load(f->dir, false, err, sizeof(err));
	assert_non_null(again);
	receipt_secret(again, code, a2);
	keys_free(again);
	assert_string_equal(a1, a2);

	/* 100 codes, 100 different secrets */
	static char seen[100][RECEIPT_SECRET_LEN + 1];
	for (int i = 0; i < 100; i++) {
		char c[TRACKING_CODE_LEN + 1];
		tracking_new(c);
		receipt_secret(f->kr, c, seen[i]);
		assert_int_equal(strlen(seen[i]), RECEIPT_SECRET_LEN);
		assert_int_equal(strspn(seen[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
						 "0123456789-_"),
				 RECEIPT_SECRET_LEN);
		char w[32];
		crypto_generichash(raw, sizeof(raw), (const uint8_t *)c, strlen(c),
				   keys_derived(f->kr, KEY_SECRET), 32);
		b64url(raw, sizeof(raw), w);
		assert_string_equal(seen[i], w);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(seen[i], seen[j]);
	}
}

static void test_secret_hash(void **state)
{
	(void)state;
	char h[65];
	memset(h, 'x', sizeof(h));
	receipt_secret_hash("abc", h); /* BLAKE2b-256 test vector */
	assert_string_equal(h, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
	receipt_secret_hash("Jsixol7kJTo60w2m4_S_Sg", h); /* from Python's hashlib */
	assert_string_equal(h, "6b979b43f7fa8dba6039f5985f4131b17e2361d9f9aa4b027dbb6f1e649be50a");
	assert_int_equal(strlen(h), 64);
	assert_int_equal(strspn(h, "0123456789abcdef"), 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_string_as_json_c_writes_it),
		cmocka_unit_test(test_printf_appends),
		cmocka_unit_test(test_signed_bytes_exact),
		cmocka_unit_test(test_fixed_key),
		cmocka_unit_test(test_sign_and_check),
		cmocka_unit_test(test_each_field_is_signed),
		cmocka_unit_test(test_verify_with_keyring),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_secret_not_signed),
		cmocka_unit_test(test_from_json_rejects),
		cmocka_unit_test(test_v2_commitment),
		cmocka_unit_test(test_v2_json_round_trip),
		cmocka_unit_test(test_v2_from_json_rejects),
		cmocka_unit_test(test_secret),
		cmocka_unit_test(test_secret_hash),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
