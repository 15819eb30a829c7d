/* receipt.c - owns the receipt format, its signature and the submitter's secret. */
#include "crypto/receipt.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

enum receipt_check receipt_verify(const struct receipt *r, const struct keyring *kr)
{
	const struct signing_key *k = keys_find(kr, r->key_id);
	if (!k)
		return RECEIPT_UNKNOWN_KEY;
	return receipt_signature_ok(r, k->pk) ? RECEIPT_VALID : RECEIPT_BAD_SIGNATURE;
}

void receipt_json(struct sbuf *out, const struct receipt *r, const char *secret)
{
	char sig[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(sig, sizeof(sig), r->signature, sizeof(r->signature),
			  sodium_base64_VARIANT_ORIGINAL);
	sbuf_printf(out, "{\"version\":%d", r->version);
	sbuf_json_field(out, "tracking_code", r->tracking_code);
	sbuf_printf(out, ",\"feedback_id\":%" PRId64, r->feedback_id);
	sbuf_json_field(out, "item_code", r->item_code);
	sbuf_json_field(out, "committed_at", r->committed_at);
	sbuf_json_field(out, "submission_blake2b", r->submission_hash);
	sbuf_printf(out, ",\"log_index\":%" PRId64, r->log_index);
	sbuf_json_field(out, "key_id", r->key_id);
	sbuf_json_field(out, "signature", sig);
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

int receipt_from_json(json_object *o, struct receipt *r, char *err, size_t errlen)
{
	static const char *const known[] = {"version", "tracking_code", "feedback_id",
					    "item_code", "committed_at", "submission_blake2b",
					    "log_index", "key_id", "signature", "secret"};
	memset(r, 0, sizeof(*r));
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "a receipt is a JSON object");
		return -1;
	}
	json_object_object_foreach(o, key, val) {
		(void)val;
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok |= strcmp(key, known[i]) == 0;
		if (!ok) {
			snprintf(err, errlen, "unknown field %s", key);
			return -1;
		}
	}
	int64_t version;
	char sig[128];
	static const char hex[] = "0123456789abcdef";
	if (get_int(o, "version", &version, err, errlen) < 0 ||
	    get_text(o, "tracking_code", r->tracking_code, sizeof(r->tracking_code), 1,
		     "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U-", err, errlen) < 0 ||
	    get_int(o, "feedback_id", &r->feedback_id, err, errlen) < 0 ||
	    (r->feedback_id == 0 && snprintf(err, errlen, "feedback_id must be positive") > 0) ||
	    get_text(o, "item_code", r->item_code, sizeof(r->item_code), 1,
		     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.", err, errlen) < 0 ||
	    get_text(o, "committed_at", r->committed_at, sizeof(r->committed_at), 20,
		     "0123456789-:.TZ", err, errlen) < 0 ||
	    get_text(o, "submission_blake2b", r->submission_hash, sizeof(r->submission_hash), 64,
		     hex, err, errlen) < 0 ||
	    get_int(o, "log_index", &r->log_index, err, errlen) < 0 ||
	    get_text(o, "key_id", r->key_id, sizeof(r->key_id), KEY_ID_LEN, hex, err, errlen) < 0 ||
	    get_text(o, "signature", sig, sizeof(sig), 1, NULL, err, errlen) < 0)
		return -1;
	json_object *secret;
	if (json_object_object_get_ex(o, "secret", &secret) &&
	    !json_object_is_type(secret, json_type_string)) {
		snprintf(err, errlen, "secret must be a string");
		return -1;
	}
	if (version != RECEIPT_VERSION) {
		snprintf(err, errlen, "unknown receipt version %" PRId64, version);
		return -1;
	}
	r->version = (int)version;
	size_t len;
	if (sodium_base642bin(r->signature, sizeof(r->signature), sig, strlen(sig), NULL, &len,
			      NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != sizeof(r->signature)) {
		snprintf(err, errlen, "signature is not 64 bytes of base64");
		return -1;
	}
	return 0;
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
