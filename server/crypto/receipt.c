/* receipt.c - owns the receipt format of both versions, version 1's signature, version 2's
 * commitment, and the submitter's secret. */
#include "crypto/receipt.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

static int salt_of(const char *hex, uint8_t out[RECEIPT_SALT_BYTES])
{
	size_t len;
	return hex && strlen(hex) == 2 * RECEIPT_SALT_BYTES &&
			       sodium_hex2bin(out, RECEIPT_SALT_BYTES, hex, strlen(hex), NULL, &len,
					      NULL) == 0 &&
			       len == RECEIPT_SALT_BYTES
		       ? 0
		       : -1;
}

/* hex SHA-256(salt || a || b) */
static void salted_sha256(const uint8_t salt[RECEIPT_SALT_BYTES], const char *a, size_t alen,
			  const char *b, size_t blen, char out[65])
{
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, salt, RECEIPT_SALT_BYTES);
	crypto_hash_sha256_update(&st, (const uint8_t *)a, alen);
	crypto_hash_sha256_update(&st, (const uint8_t *)b, blen);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

static const char body_tag[] = "pakn57-body-v2\n";

void receipt_body_hash(const char *salt_hex, const char *body, size_t len, char out[65])
{
	uint8_t salt[RECEIPT_SALT_BYTES];
	if (salt_of(salt_hex, salt) < 0)
		out[0] = '\0';
	else
		salted_sha256(salt, body_tag, sizeof(body_tag) - 1, body, len, out);
}

/* The commitment's canonical lines (docs/receipts.md) hashed with the salt's bytes; -1 if
 * they are longer than any receipt's fields make them. */
static int commitment_of(const struct receipt *r, const uint8_t salt[RECEIPT_SALT_BYTES],
			 char out[65])
{
	struct sbuf lines = {0};
	sbuf_reserve(&lines, 512);
	sbuf_cat(&lines, "pakn57-submission-v2\ntracking_code:", r->tracking_code,
		 "\nitem_code:", r->item_code, "\nrating:", NULL);
	sbuf_int(&lines, r->rating);
	sbuf_cat(&lines, "\nkind:", r->kind, "\nsubmitter_type:", r->submitter_type,
		 "\nconsent_publish:", r->consent_publish ? "true" : "false",
		 "\nconsent_contact:", r->consent_contact ? "true" : "false",
		 "\nbody_hash:", r->body_hash, "\n", NULL);
	int rc = lines.len < 512 ? 0 : -1;
	if (rc == 0)
		salted_sha256(salt, lines.data, lines.len, "", 0, out);
	sbuf_free(&lines);
	return rc;
}

int receipt_commitment(const struct receipt *r, char out[65])
{
	uint8_t salt[RECEIPT_SALT_BYTES];
	return salt_of(r->salt, salt) < 0 ? -1 : commitment_of(r, salt, out);
}

int receipt_v2_seal(struct receipt *r, const uint8_t salt[RECEIPT_SALT_BYTES], const char *body,
		    size_t len)
{
	sodium_bin2hex(r->salt, sizeof(r->salt), salt, RECEIPT_SALT_BYTES);
	salted_sha256(salt, body_tag, sizeof(body_tag) - 1, body, len, r->body_hash);
	return commitment_of(r, salt, r->commitment);
}

size_t receipt_signed_bytes(const struct receipt *r, char *out, size_t outlen)
{
	int n = snprintf(out, outlen,
			 "pakn57-receipt-v%d\n"
			 "tracking_code:%s\n"
			 "feedback_id:%" PRId64 "\n"
			 "item_code:%s\n"
			 "committed_at:%s\n"
			 "submission_blake2b:%s\n"
			 "log_index:%" PRId64 "\n"
			 "key_id:%s\n",
			 r->version, r->tracking_code, r->feedback_id, r->item_code,
			 r->committed_at, r->submission_hash, r->log_index, r->key_id);
	return n < 0 ? 0 : (size_t)n;
}

void receipt_sign(struct receipt *r, const struct signing_key *k)
{
	memcpy(r->key_id, k->id, sizeof(r->key_id));
	char msg[512];
	size_t n = receipt_signed_bytes(r, msg, sizeof(msg));
	crypto_sign_detached(r->signature, NULL, (const uint8_t *)msg, n, k->sk);
}

bool receipt_signature_ok(const struct receipt *r, const uint8_t pk[crypto_sign_PUBLICKEYBYTES])
{
	char msg[512];
	size_t n = receipt_signed_bytes(r, msg, sizeof(msg));
	return n < sizeof(msg) &&
	       crypto_sign_verify_detached(r->signature, (const uint8_t *)msg, n, pk) == 0;
}

static void json_v1(struct sbuf *out, const struct receipt *r)
{
	char sig[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(sig, sizeof(sig), r->signature, sizeof(r->signature),
			  sodium_base64_VARIANT_ORIGINAL);
	sbuf_puts(out, ",\"feedback_id\":");
	sbuf_int(out, r->feedback_id);
	sbuf_json_field(out, "item_code", r->item_code);
	sbuf_json_field(out, "committed_at", r->committed_at);
	sbuf_json_field(out, "submission_blake2b", r->submission_hash);
	sbuf_puts(out, ",\"log_index\":");
	sbuf_int(out, r->log_index);
	sbuf_json_field(out, "key_id", r->key_id);
	sbuf_json_field(out, "signature", sig);
}

static void json_v2(struct sbuf *out, const struct receipt *r)
{
	sbuf_json_field(out, "item_code", r->item_code);
	sbuf_puts(out, ",\"rating\":");
	sbuf_int(out, r->rating);
	sbuf_json_field(out, "kind", r->kind);
	sbuf_json_field(out, "submitter_type", r->submitter_type);
	sbuf_cat(out, ",\"consent_publish\":", r->consent_publish ? "true" : "false",
		 ",\"consent_contact\":", r->consent_contact ? "true" : "false", NULL);
	sbuf_json_field(out, "body_hash", r->body_hash);
	sbuf_json_field(out, "committed_at", r->committed_at);
	sbuf_json_field(out, "handle", r->handle);
	sbuf_json_field(out, "salt", r->salt);
	sbuf_json_field(out, "commitment", r->commitment);
	sbuf_puts(out, ",\"log_index\":");
	sbuf_int(out, r->log_index);
	sbuf_json_field(out, "checkpoint", r->checkpoint);
	sbuf_puts(out, ",\"proof\":[");
	for (int i = 0; i < r->nproof; i++) {
		sbuf_puts(out, i ? ",\"" : "\"");
		sbuf_base64(out, r->proof[i], 32); /* every reply carries these: the fast encoder */
		sbuf_puts(out, "\"");
	}
	sbuf_puts(out, "]");
}

void receipt_json(struct sbuf *out, const struct receipt *r, const char *secret)
{
	sbuf_reserve(out, 2048); /* a version 2 receipt with a proof of 20 hashes: 1.7 KB */
	sbuf_puts(out, "{\"version\":");
	sbuf_int(out, r->version);
	sbuf_json_field(out, "tracking_code", r->tracking_code);
	if (r->version == 1)
		json_v1(out, r);
	else
		json_v2(out, r);
	if (secret)
		sbuf_json_field(out, "secret", secret);
	sbuf_puts(out, "}");
}

/* Copies a string member that matches the allowed characters and length range. */
static int get_text(json_object *o, const char *key, char *out, size_t outlen, size_t minlen,
		    const char *allowed, char *err, size_t errlen)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "%s missing or not a string", key);
		return -1;
	}
	const char *s = json_object_get_string(v);
	size_t n = strlen(s);
	if (n < minlen || n >= outlen || (allowed && strspn(s, allowed) != n)) {
		snprintf(err, errlen, "%s is malformed", key);
		return -1;
	}
	memcpy(out, s, n + 1);
	return 0;
}

static int get_int(json_object *o, const char *key, int64_t *out, char *err, size_t errlen)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0) {
		snprintf(err, errlen, "%s missing or not a whole number", key);
		return -1;
	}
	*out = json_object_get_int64(v);
	return 0;
}

static int get_bool(json_object *o, const char *key, bool *out, char *err, size_t errlen)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean)) {
		snprintf(err, errlen, "%s missing or not true or false", key);
		return -1;
	}
	*out = json_object_get_boolean(v);
	return 0;
}

/* Every member of o must be one of known (NULL-terminated) or "secret", a string. */
static int only_known(json_object *o, const char *const *known, char *err, size_t errlen)
{
	json_object_object_foreach(o, key, val) {
		bool ok = strcmp(key, "secret") == 0 && json_object_is_type(val, json_type_string);
		for (size_t i = 0; known[i]; i++)
			ok |= strcmp(key, known[i]) == 0;
		if (!ok) {
			/* the client's name, quoted whole: err ends up in a JSON reply */
			snprintf(err, errlen, strcmp(key, "secret") == 0 ? "secret must be a string"
									 : "unknown field %.*s",
				 (int)utf8_cut(key, strlen(key), TEXT_QUOTE_MAX), key);
			return -1;
		}
	}
	return 0;
}

static const char hex_digits[] = "0123456789abcdef";
static const char code_chars[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U-";
static const char item_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.";
static const char time_chars[] = "0123456789-:.TZ";

static int from_json_v1(json_object *o, struct receipt *r, char *err, size_t errlen)
{
	static const char *const known[] = {"version", "tracking_code", "feedback_id",
					    "item_code", "committed_at", "submission_blake2b",
					    "log_index", "key_id", "signature", NULL};
	char sig[128];
	if (only_known(o, known, err, errlen) < 0 ||
	    get_int(o, "feedback_id", &r->feedback_id, err, errlen) < 0 ||
	    (r->feedback_id == 0 && snprintf(err, errlen, "feedback_id must be positive") > 0) ||
	    get_text(o, "submission_blake2b", r->submission_hash, sizeof(r->submission_hash), 64,
		     hex_digits, err, errlen) < 0 ||
	    get_text(o, "key_id", r->key_id, sizeof(r->key_id), KEY_ID_LEN, hex_digits, err,
		     errlen) < 0 ||
	    get_text(o, "signature", sig, sizeof(sig), 1, NULL, err, errlen) < 0)
		return -1;
	size_t len;
	if (sodium_base642bin(r->signature, sizeof(r->signature), sig, strlen(sig), NULL, &len,
			      NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != sizeof(r->signature)) {
		snprintf(err, errlen, "signature is not 64 bytes of base64");
		return -1;
	}
	return 0;
}

static int proof_from_json(json_object *o, struct receipt *r, char *err, size_t errlen)
{
	json_object *list;
	if (!json_object_object_get_ex(o, "proof", &list) ||
	    !json_object_is_type(list, json_type_array) ||
	    json_object_array_length(list) > RECEIPT_MAX_PROOF) {
		snprintf(err, errlen, "proof missing or not a list of at most %d hashes",
			 RECEIPT_MAX_PROOF);
		return -1;
	}
	r->nproof = (int)json_object_array_length(list);
	for (int i = 0; i < r->nproof; i++) {
		json_object *h = json_object_array_get_idx(list, (size_t)i);
		const char *b64 = json_object_is_type(h, json_type_string) ? json_object_get_string(h)
									: NULL;
		size_t len;
		if (!b64 || sodium_base642bin(r->proof[i], 32, b64, strlen(b64), NULL, &len, NULL,
					      sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    len != 32) {
			snprintf(err, errlen, "proof[%d] is not a base64 hash of 32 bytes", i);
			return -1;
		}
	}
	return 0;
}

static int from_json_v2(json_object *o, struct receipt *r, char *err, size_t errlen)
{
	static const char *const known[] = {
		"version", "tracking_code", "item_code", "rating", "kind", "submitter_type",
		"consent_publish", "consent_contact", "body_hash", "committed_at", "handle", "salt",
		"commitment", "log_index", "checkpoint", "proof", NULL};
	int64_t rating;
	if (only_known(o, known, err, errlen) < 0 ||
	    get_int(o, "rating", &rating, err, errlen) < 0 ||
	    ((rating < 1 || rating > 5) && snprintf(err, errlen, "rating must be 1 to 5") > 0) ||
	    get_text(o, "kind", r->kind, sizeof(r->kind), 1, "abcdefghijklmnopqrstuvwxyz", err,
		     errlen) < 0 ||
	    get_text(o, "submitter_type", r->submitter_type, sizeof(r->submitter_type), 0,
		     "abcdefghijklmnopqrstuvwxyz", err, errlen) < 0 ||
	    get_bool(o, "consent_publish", &r->consent_publish, err, errlen) < 0 ||
	    get_bool(o, "consent_contact", &r->consent_contact, err, errlen) < 0 ||
	    get_text(o, "body_hash", r->body_hash, sizeof(r->body_hash), 64, hex_digits, err,
		     errlen) < 0 ||
	    get_text(o, "handle", r->handle, sizeof(r->handle), RECEIPT_HANDLE_LEN, hex_digits, err,
		     errlen) < 0 ||
	    get_text(o, "salt", r->salt, sizeof(r->salt), 2 * RECEIPT_SALT_BYTES, hex_digits, err,
		     errlen) < 0 ||
	    get_text(o, "commitment", r->commitment, sizeof(r->commitment), 64, hex_digits, err,
		     errlen) < 0 ||
	    get_text(o, "checkpoint", r->checkpoint, sizeof(r->checkpoint), 1, NULL, err,
		     errlen) < 0 ||
	    proof_from_json(o, r, err, errlen) < 0)
		return -1;
	r->rating = (int)rating;
	return 0;
}

int receipt_from_json(json_object *o, struct receipt *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "a receipt is a JSON object");
		return -1;
	}
	int64_t version;
	if (get_int(o, "version", &version, err, errlen) < 0)
		return -1;
	if (version != 1 && version != 2) {
		snprintf(err, errlen, "unknown receipt version %" PRId64, version);
		return -1;
	}
	r->version = (int)version;
	if (get_text(o, "tracking_code", r->tracking_code, sizeof(r->tracking_code), 1, code_chars,
		     err, errlen) < 0 ||
	    get_text(o, "item_code", r->item_code, sizeof(r->item_code), 1, item_chars, err,
		     errlen) < 0 ||
	    get_text(o, "committed_at", r->committed_at, sizeof(r->committed_at), 20, time_chars,
		     err, errlen) < 0 ||
	    get_int(o, "log_index", &r->log_index, err, errlen) < 0)
		return -1;
	return version == 1 ? from_json_v1(o, r, err, errlen) : from_json_v2(o, r, err, errlen);
}

void receipt_secret(const struct keyring *kr, const char *tracking_code,
		    char out[RECEIPT_SECRET_LEN + 1])
{
	uint8_t raw[16];
	crypto_generichash(raw, sizeof(raw), (const uint8_t *)tracking_code, strlen(tracking_code),
			   keys_derived(kr, KEY_SECRET), 32);
	sodium_bin2base64(out, RECEIPT_SECRET_LEN + 1, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void receipt_secret_hash(const char *secret, char out[65])
{
	uint8_t h[32];
	crypto_generichash(h, sizeof(h), (const uint8_t *)secret, strlen(secret), NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof(h));
}
