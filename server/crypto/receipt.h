/* receipt.h - receipts: the exact bytes that are signed (docs/receipts.md), Ed25519 signing
 * and verification, the JSON form, and the secret that lets a submitter rate the answer. */
#ifndef PAKN_RECEIPT_H
#define PAKN_RECEIPT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "crypto/keys.h"
#include "crypto/tracking.h"

#define RECEIPT_VERSION 1
#define RECEIPT_SECRET_LEN 22 /* base64url of 16 bytes, no padding */

struct receipt {
	int version;
	char tracking_code[TRACKING_CODE_LEN + 1];
	int64_t feedback_id;
	char item_code[65];
	char committed_at[32];      /* UTC, microseconds: 2026-11-24T08:45:12.123456Z */
	char submission_hash[65];   /* hex BLAKE2b-256 of the canonical submission */
	int64_t log_index;
	char key_id[KEY_ID_LEN + 1];
	uint8_t signature[crypto_sign_BYTES];
};

enum receipt_check {
	RECEIPT_VALID,
	RECEIPT_BAD_SIGNATURE, /* the signature does not match the fields */
	RECEIPT_UNKNOWN_KEY,   /* no public key with that key id */
};

/* Writes the signed bytes into out (outlen bytes) and returns their length; the return
 * value is the length needed even when outlen is too small. */
size_t receipt_signed_bytes(const struct receipt *r, char *out, size_t outlen);

/* Fills key_id and signature with key k. */
void receipt_sign(struct receipt *r, const struct signing_key *k);

/* Checks the signature with public key pk. */
bool receipt_signature_ok(const struct receipt *r, const uint8_t pk[crypto_sign_PUBLICKEYBYTES]);

/* Checks against the keyring: the key must be known and the signature good. */
enum receipt_check receipt_verify(const struct receipt *r, const struct keyring *kr);

/* Appends the JSON form to out; secret (may be NULL) is added as "secret", outside the
 * signed fields. Written directly, not through json-c: every receipt goes through it. */
void receipt_json(struct sbuf *out, const struct receipt *r, const char *secret);

/* Reads the JSON form strictly (every signed field present and well formed; "secret" and
 * nothing else may be added). Returns 0, or -1 with a reason in err. */
int receipt_from_json(json_object *o, struct receipt *r, char *err, size_t errlen);

/* The submitter's secret for a tracking code: keyed BLAKE2b with the KEY_SECRET key, so a
 * retried submission gets the same one back; the database keeps only its hash. */
void receipt_secret(const struct keyring *kr, const char *tracking_code,
		    char out[RECEIPT_SECRET_LEN + 1]);

/* Hex BLAKE2b-256 of a secret, as stored. */
void receipt_secret_hash(const char *secret, char out[65]);

#endif
