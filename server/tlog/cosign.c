/* cosign.c - owns the bytes of witness cosignatures, verifier keys and add-checkpoint
 * bodies (see cosign.h), read as C2SP signed-note, tlog-cosignature and tlog-witness say. */
#include "tlog/cosign.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char dash[] = "\xE2\x80\x94 "; /* U+2014 EM DASH, space: a signature line */

#define COSIG_BYTES (4 + 8 + crypto_sign_BYTES) /* key ID, timestamp, signature */

bool cosign_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n >= TLOG_NAME_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p <= ' ' || *p == '+' || *p == 0x7f)
			return false;
	return true;
}

int cosign_key_split(const char *text, char name[TLOG_NAME_MAX], uint8_t key_id[4],
		     uint8_t *type, uint8_t key[crypto_sign_PUBLICKEYBYTES])
{
	/* The name has no '+'; the key ID is 8 hex digits; the base64 after it may have some. */
	const char *p1 = strchr(text, '+'), *p2 = p1 && strlen(p1) > 9 ? p1 + 9 : NULL;
	if (!p2 || *p2 != '+' || (size_t)(p1 - text) >= TLOG_NAME_MAX)
		return -1;
	memcpy(name, text, (size_t)(p1 - text));
	name[p1 - text] = '\0';
	uint8_t bytes[1 + crypto_sign_PUBLICKEYBYTES];
	size_t len;
	if (!cosign_name_ok(name) || sodium_hex2bin(key_id, 4, p1 + 1, 8, NULL, &len, NULL) != 0 ||
	    len != 4 ||
	    sodium_base642bin(bytes, sizeof(bytes), p2 + 1, strlen(p2 + 1), NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != sizeof(bytes))
		return -1;
	*type = bytes[0];
	memcpy(key, bytes + 1, crypto_sign_PUBLICKEYBYTES);
	sodium_memzero(bytes, sizeof(bytes));
	return 0;
}

int cosign_vkey_parse(const char *text, struct cosign_vkey *out, char *err, size_t errlen)
{
	if (cosign_key_split(text, out->name, out->key_id, &out->type, out->pk) < 0) {
		snprintf(err, errlen, "not a verifier key: name+keyid+key expected");
		return -1;
	}
	if (out->type != COSIGN_TYPE_NOTE && out->type != COSIGN_TYPE_V1) {
		snprintf(err, errlen, "verifier key of type 0x%02x: only Ed25519 (0x01, 0x04) is known",
			 out->type);
		return -1;
	}
	uint8_t id[4];
	tlog_note_key_id(out->name, out->type, out->pk, id);
	if (memcmp(id, out->key_id, 4) != 0) {
		snprintf(err, errlen, "verifier key: its key ID is not the one of its name and key");
		return -1;
	}
	return 0;
}

void cosign_vkey_format(struct sbuf *out, const struct cosign_vkey *k)
{
	uint8_t key[1 + crypto_sign_PUBLICKEYBYTES] = {k->type};
	memcpy(key + 1, k->pk, crypto_sign_PUBLICKEYBYTES);
	char hex[9], b64[sodium_base64_ENCODED_LEN(sizeof(key), sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2hex(hex, sizeof(hex), k->key_id, 4);
	sodium_bin2base64(b64, sizeof(b64), key, sizeof(key), sodium_base64_VARIANT_ORIGINAL);
	sbuf_printf(out, "%s+%s+%s", k->name, hex, b64);
}

/* "cosignature/v1\ntime T\n" and the checkpoint's text: what a v1 cosignature signs. */
static void v1_message(struct sbuf *msg, uint64_t timestamp, const char *body, size_t len)
{
	sbuf_printf(msg, "cosignature/v1\ntime %" PRIu64 "\n", timestamp);
	sbuf_append(msg, body, len);
}

void cosign_line(struct sbuf *out, const char *name, const uint8_t sk[crypto_sign_SECRETKEYBYTES],
		 const uint8_t pk[crypto_sign_PUBLICKEYBYTES], const char *body, size_t len,
		 uint64_t timestamp)
{
	uint8_t sig[COSIG_BYTES];
	tlog_note_key_id(name, COSIGN_TYPE_V1, pk, sig);
	for (int i = 0; i < 8; i++)
		sig[4 + i] = (uint8_t)(timestamp >> (56 - 8 * i));
	struct sbuf msg = {0};
	v1_message(&msg, timestamp, body, len);
	crypto_sign_detached(sig + 12, NULL, (const uint8_t *)msg.data, msg.len, sk);
	sbuf_free(&msg);
	char b64[sodium_base64_ENCODED_LEN(COSIG_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
	sbuf_printf(out, "%s%s %s\n", dash, name, b64);
}

int cosign_note_check(const char *note, const struct cosign_vkey *k, uint64_t *timestamp,
		      char *line, size_t line_cap, char *err, size_t errlen)
{
	/* A cosignature carries a timestamp before the signature; a log's signature does not. */
	size_t want = k->type == COSIGN_TYPE_V1 ? COSIG_BYTES : 4 + crypto_sign_BYTES;
	uint8_t sig[COSIG_BYTES];
	const char *l;
	size_t len;
	int found = tlog_note_find(note, k->name, k->key_id, sig, want, &l, &len);
	if (found != 1) {
		snprintf(err, errlen, found < 0 ? "not a signed note" : "no signature by %s", k->name);
		return 0;
	}
	size_t text_len = tlog_note_text_len(note);
	uint64_t ts = 0;
	struct sbuf msg = {0};
	if (k->type == COSIGN_TYPE_V1) {
		for (int i = 0; i < 8; i++)
			ts = ts << 8 | sig[4 + i];
		v1_message(&msg, ts, note, text_len);
	} else {
		sbuf_append(&msg, note, text_len);
	}
	bool good = (k->type != COSIGN_TYPE_V1 || (ts != 0 && ts < (UINT64_C(1) << 63))) &&
		    crypto_sign_verify_detached(sig + want - crypto_sign_BYTES,
						(const uint8_t *)msg.data, msg.len, k->pk) == 0;
	sbuf_free(&msg);
	if (!good) {
		snprintf(err, errlen, "the signature of %s does not verify", k->name);
		return -1;
	}
	*timestamp = ts;
	if (line)
		snprintf(line, line_cap, "%.*s", (int)len, l);
	return 1;
}

/* The line at *p (without its newline) and *p moved past it; false at the end of the text
 * or on a line without a newline. */
static bool next_line(const char **p, const char *end, const char **line, size_t *len)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	if (!nl)
		return false;
	*line = *p;
	*len = (size_t)(nl - *p);
	*p = nl + 1;
	return true;
}

static bool hash_line(const char *s, size_t len, uint8_t out[TLOG_HASH])
{
	size_t n;
	return sodium_base642bin(out, TLOG_HASH, s, len, NULL, &n, NULL,
				 sodium_base64_VARIANT_ORIGINAL) == 0 &&
	       n == TLOG_HASH;
}

int cosign_request_parse(const char *body, size_t len, struct cosign_request *out, char *err,
			 size_t errlen)
{
	const char *p = body, *end = body + len, *l;
	size_t n;
	if (memchr(body, '\0', len)) {
		snprintf(err, errlen, "a NUL byte in the body");
		return -1;
	}
	if (!next_line(&p, end, &l, &n) || n < 5 || memcmp(l, "old ", 4) != 0 ||
	    !tlog_parse_u64(l + 4, n - 4, &out->old_size)) {
		snprintf(err, errlen, "the first line must be \"old N\"");
		return -1;
	}
	out->nproof = 0;
	for (;;) {
		if (!next_line(&p, end, &l, &n)) {
			snprintf(err, errlen, "no blank line before the checkpoint");
			return -1;
		}
		if (n == 0)
			break;
		if (out->nproof == COSIGN_MAX_PROOF || !hash_line(l, n, out->proof[out->nproof])) {
			snprintf(err, errlen, "proof line %d is not a base64 hash, or more than %d",
				 out->nproof + 1, COSIGN_MAX_PROOF);
			return -1;
		}
		out->nproof++;
	}
	out->note = p;
	return 0;
}

void cosign_request_format(struct sbuf *out, uint64_t old_size,
			   const uint8_t (*proof)[TLOG_HASH], int nproof, const char *note)
{
	sbuf_printf(out, "old %" PRIu64 "\n", old_size);
	for (int i = 0; i < nproof; i++) {
		char b64[sodium_base64_ENCODED_LEN(TLOG_HASH, sodium_base64_VARIANT_ORIGINAL)];
		sodium_bin2base64(b64, sizeof(b64), proof[i], TLOG_HASH,
				  sodium_base64_VARIANT_ORIGINAL);
		sbuf_printf(out, "%s\n", b64);
	}
	sbuf_printf(out, "\n%s", note);
}
