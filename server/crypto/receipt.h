/* receipt.h - receipts (docs/receipts.md): the JSON form of both versions, version 1's
 * signed bytes and Ed25519 signature, version 2's blinded commitment, and the secret that
 * lets a submitter rate the answer. A version 2 receipt is proven by the signed tree head
 * and inclusion proof it carries: tlog/tlog_receipt.c checks both versions. */
#ifndef PAKN_RECEIPT_H
#define PAKN_RECEIPT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "crypto/keys.h"
#include "crypto/tracking.h"

#define RECEIPT_VERSION 2      /* what intake gives now; version 1 still verifies */
#define RECEIPT_SECRET_LEN 22 /* base64url of 16 bytes, no padding */
#define RECEIPT_SALT_BYTES 32
#define RECEIPT_HANDLE_LEN 32 /* hex of 16 random bytes */
#define RECEIPT_MAX_PROOF 64
#define RECEIPT_NOTE_MAX 1024 /* a signed checkpoint: origin, size, root, one signature */

struct receipt {
	int version;
	char tracking_code[TRACKING_CODE_LEN + 1];
	char item_code[65];
	char committed_at[32];      /* UTC, microseconds: 2026-11-24T08:45:12.123456Z */
	int64_t log_index;
	/* version 1: the fields are signed one by one */
	int64_t feedback_id;
	char submission_hash[65];   /* hex BLAKE2b-256 of the canonical submission */
	char key_id[KEY_ID_LEN + 1];
	uint8_t signature[crypto_sign_BYTES];
	/* version 2: the fields are bound by the commitment, the commitment is entry
	 * log_index of the log, and the signed tree head proves that entry */
	int rating;
	char kind[16];
	char submitter_type[16];
	bool consent_publish, consent_contact;
	char body_hash[65];   /* hex SHA-256(salt || "pakn57-body-v2\n" || body) */
	char salt[2 * RECEIPT_SALT_BYTES + 1];
	char handle[RECEIPT_HANDLE_LEN + 1];
	char commitment[65];  /* receipt_commitment */
	char checkpoint[RECEIPT_NOTE_MAX]; /* a C2SP signed checkpoint of a tree holding it */
	int nproof;
	uint8_t proof[RECEIPT_MAX_PROOF][32]; /* RFC 9162 inclusion proof into that tree */
};

enum receipt_check {
	RECEIPT_VALID,
	RECEIPT_BAD_SIGNATURE, /* the signature does not match the fields */
	RECEIPT_UNKNOWN_KEY,   /* no public key with that key id, or none signed the head */
	RECEIPT_BAD_COMMITMENT, /* version 2: the commitment is not that of the fields */
	RECEIPT_NOT_IN_TREE,   /* version 2: the proof does not lead to the signed head */
};

/* Version 2: hex SHA-256(salt || "pakn57-body-v2\n" || body) of len bytes; salt is hex. */
void receipt_body_hash(const char *salt_hex, const char *body, size_t len, char out[65]);

/* Version 2: the commitment to r's fields (docs/receipts.md), hex SHA-256 of the salt and
 * the canonical lines. 0, or -1 if r's salt is not 32 bytes of hex. */
int receipt_commitment(const struct receipt *r, char out[65]);
/* Version 2, a new submission: r's salt (as hex), body_hash of body (len bytes) and
 * commitment, from the salt's bytes, as receipt_body_hash and receipt_commitment make them
 * (without reading the salt back from its hex twice). r's other fields must be set. 0, or -1
 * as receipt_commitment. */
int receipt_v2_seal(struct receipt *r, const uint8_t salt[RECEIPT_SALT_BYTES], const char *body,
		    size_t len);

/* Version 1: writes the signed bytes into out (outlen bytes) and returns their length; the return
 * value is the length needed even when outlen is too small. */
size_t receipt_signed_bytes(const struct receipt *r, char *out, size_t outlen);

/* Fills key_id and signature with key k. */
void receipt_sign(struct receipt *r, const struct signing_key *k);

/* Checks the signature with public key pk. */
bool receipt_signature_ok(const struct receipt *r, const uint8_t pk[crypto_sign_PUBLICKEYBYTES]);

/* Appends the JSON form (of r's version) to out; secret (may be NULL) is added as "secret", outside the
 * signed fields. Written directly, not through json-c: every receipt goes through it. */
void receipt_json(struct sbuf *out, const struct receipt *r, const char *secret);

/* Reads the JSON form of either version strictly (every field of its version present and
 * well formed; "secret" and nothing else may be added). Returns 0, or -1 with a reason in
 * err. */
int receipt_from_json(json_object *o, struct receipt *r, char *err, size_t errlen);

/* The submitter's secret for a tracking code: keyed BLAKE2b with the KEY_SECRET key, so a
 * retried submission gets the same one back; the database keeps only its hash. */
void receipt_secret(const struct keyring *kr, const char *tracking_code,
		    char out[RECEIPT_SECRET_LEN + 1]);

/* Hex BLAKE2b-256 of a secret, as stored. */
void receipt_secret_hash(const char *secret, char out[65]);

#endif
