/* tlog.c - owns the log's bytes and hashes, proof checks and signed checkpoints (see
 * tlog.h). The proof checks follow RFC 9162 §2.1.3.2 and §2.1.4.2 step by step. */
#include "tlog/tlog.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/text.h"
#include "core/xalloc.h"
#include "crypto/receipt.h"

static const char sig_prefix[] = "\xE2\x80\x94 "; /* U+2014 EM DASH, space */

void tlog_entry_bytes(struct sbuf *out, const char *kind, const char *tracking_code,
		      const char *item_code, const char *at, const char *commitment)
{
	sbuf_cat(out, "pakn57-log-entry/1\n", kind, "\n", tracking_code, "\n", item_code, "\n", at,
		 "\n", commitment, "\n", NULL);
}

void tlog_entry_v2_bytes(struct sbuf *out, const char *kind, const char *handle, const char *at,
			 const char *commitment)
{
	sbuf_cat(out, "pakn57-log-entry/2\n", kind, "\n", handle, "\n", at, "\n", commitment, "\n",
		 NULL);
}

void tlog_receipt_entry(struct sbuf *out, const struct receipt *r)
{
	if (r->version == 1)
		tlog_entry_bytes(out, "submission", r->tracking_code, r->item_code, r->committed_at,
				 r->submission_hash);
	else
		tlog_entry_v2_bytes(out, "submission", r->handle, r->committed_at, r->commitment);
}

void tlog_leaf_hash(const void *entry, size_t len, uint8_t out[TLOG_HASH])
{
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)"\x00", 1);
	crypto_hash_sha256_update(&st, entry, len);
	crypto_hash_sha256_final(&st, out);
}

void tlog_node_hash(const uint8_t left[TLOG_HASH], const uint8_t right[TLOG_HASH],
		    uint8_t out[TLOG_HASH])
{
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)"\x01", 1);
	crypto_hash_sha256_update(&st, left, TLOG_HASH);
	crypto_hash_sha256_update(&st, right, TLOG_HASH);
	crypto_hash_sha256_final(&st, out);
}

/* --- the root, leaf by leaf ----------------------------------------------------------- */

void tlog_builder_add(struct tlog_builder *b, const uint8_t leaf[TLOG_HASH])
{
	memcpy(b->stack[b->depth++], leaf, TLOG_HASH);
	/* Each trailing one bit of the old size is a perfect subtree the new leaf completes. */
	for (uint64_t n = b->size; n & 1; n >>= 1) {
		b->depth--;
		tlog_node_hash(b->stack[b->depth - 1], b->stack[b->depth], b->stack[b->depth - 1]);
	}
	b->size++;
}

void tlog_builder_root(const struct tlog_builder *b, uint8_t out[TLOG_HASH])
{
	if (b->depth == 0) {
		crypto_hash_sha256(out, (const uint8_t *)"", 0);
		return;
	}
	uint8_t h[TLOG_HASH];
	memcpy(h, b->stack[b->depth - 1], TLOG_HASH);
	for (int i = b->depth - 2; i >= 0; i--)
		tlog_node_hash(b->stack[i], h, h);
	memcpy(out, h, TLOG_HASH);
}

/* --- a span: the part of a tree one transaction appended ------------------------------ */

static int popcount64(uint64_t x)
{
	int n = 0;
	for (; x; x &= x - 1)
		n++;
	return n;
}

/* The root of the perfect subtree at level l, index j ([j << l, (j + 1) << l)), which must
 * either reach into [start, size) or be one of the frontier's subtrees. */
static const uint8_t *span_node(const struct tlog_span *t, int l, uint64_t j)
{
	if (((j + 1) << l) <= t->start) {
		/* wholly before start: the frontier's subtree of level l, if start has that bit */
		if (!(t->start & (1ULL << l)) || j != (t->start >> l) - 1)
			return NULL;
		return t->frontier[popcount64(t->start >> (l + 1))];
	}
	return t->nodes[t->level_at[l] + (j - (t->start >> l))];
}

int tlog_span_init(struct tlog_span *t, uint64_t start, const uint8_t (*frontier)[TLOG_HASH],
		   int nfrontier, const uint8_t (*leaves)[TLOG_HASH], uint64_t nleaves)
{
	memset(t, 0, sizeof(*t));
	if (nleaves == 0 || nfrontier != popcount64(start) || nfrontier > 64)
		return -1;
	t->start = start;
	t->size = start + nleaves;
	t->nfrontier = nfrontier;
	memcpy(t->frontier, frontier, (size_t)nfrontier * TLOG_HASH);
	/* Level l holds the subtrees j from start >> l to size >> l that reach past start. */
	uint64_t total = 0;
	int top = 0;
	for (int l = 0; l < 64 && (t->size >> l); l++, top = l) {
		t->level_at[l] = total;
		total += (t->size >> l) - (t->start >> l);
	}
	t->level_at[top] = total;
	t->nodes = xcalloc(total ? total : 1, TLOG_HASH);
	memcpy(t->nodes, leaves, nleaves * TLOG_HASH);
	for (int l = 1; l < top; l++)
		for (uint64_t j = t->start >> l; j < t->size >> l; j++) {
			const uint8_t *a = span_node(t, l - 1, 2 * j), *b = span_node(t, l - 1, 2 * j + 1);
			if (!a || !b) { /* cannot happen with a frontier that fits start */
				tlog_span_free(t);
				return -1;
			}
			tlog_node_hash(a, b, t->nodes[t->level_at[l] + (j - (t->start >> l))]);
		}
	return 0;
}

/* RFC 9162's MTH(D[lo:hi]) for the subtrees a proof in the span meets: perfect ones, or
 * [lo, size) at the right edge, remembered since every proof meets the same few. */
static const uint8_t *span_mth(struct tlog_span *t, uint64_t lo, uint64_t hi)
{
	uint64_t n = hi - lo;
	if ((n & (n - 1)) == 0 && lo % n == 0)
		return span_node(t, __builtin_ctzll(n), lo / n);
	for (int i = 0; i < t->nedge; i++)
		if (t->edge_lo[i] == lo)
			return t->edge[i];
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	const uint8_t *a = span_mth(t, lo, lo + k), *b = span_mth(t, lo + k, hi);
	if (!a || !b || t->nedge == 64)
		return NULL;
	uint8_t *out = t->edge[t->nedge];
	tlog_node_hash(a, b, out);
	t->edge_lo[t->nedge++] = lo;
	return out;
}

void tlog_span_root(struct tlog_span *t, uint8_t out[TLOG_HASH])
{
	const uint8_t *r = span_mth(t, 0, t->size);
	memcpy(out, r, TLOG_HASH); /* every subtree of the root is the frontier's or the span's */
}

int tlog_span_proof(struct tlog_span *t, uint64_t index, uint8_t (*proof)[TLOG_HASH])
{
	if (index < t->start || index >= t->size)
		return -1;
	/* RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]), from the root down; the path lists the
	 * siblings from the leaf up, so they are filled in from the end. */
	uint8_t (*path)[TLOG_HASH] = proof;
	const uint8_t *sib[TLOG_MAX_PROOF];
	int n = 0;
	uint64_t lo = 0, hi = t->size, m = index;
	while (hi - lo > 1) {
		uint64_t k = 1;
		while (k * 2 < hi - lo)
			k *= 2;
		if (m - lo < k) {
			sib[n++] = span_mth(t, lo + k, hi);
			hi = lo + k;
		} else {
			sib[n++] = span_mth(t, lo, lo + k);
			lo += k;
		}
		if (!sib[n - 1] || n == TLOG_MAX_PROOF)
			return -1;
	}
	for (int i = 0; i < n; i++)
		memcpy(path[i], sib[n - 1 - i], TLOG_HASH);
	return n;
}

void tlog_span_free(struct tlog_span *t)
{
	free(t->nodes);
	t->nodes = NULL;
}

/* --- proofs ----------------------------------------------------------------------------- */

/* Both verifications: on the tree's right edge (fn even there), climb until fn is a right
 * child again or the root. */
static void skip_right_edge(uint64_t *fn, uint64_t *sn)
{
	if (*fn & 1)
		return;
	do {
		*fn >>= 1;
		*sn >>= 1;
	} while (!(*fn & 1) && *fn != 0);
}

bool tlog_inclusion_ok(uint64_t index, uint64_t size, const uint8_t leaf[TLOG_HASH],
		       const uint8_t (*proof)[TLOG_HASH], size_t n, const uint8_t root[TLOG_HASH])
{
	if (index >= size)
		return false;
	uint64_t fn = index, sn = size - 1;
	uint8_t r[TLOG_HASH];
	memcpy(r, leaf, TLOG_HASH);
	for (size_t i = 0; i < n; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			tlog_node_hash(proof[i], r, r);
			skip_right_edge(&fn, &sn);
		} else {
			tlog_node_hash(r, proof[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && sodium_memcmp(r, root, TLOG_HASH) == 0;
}

bool tlog_consistency_ok(uint64_t m, uint64_t n, const uint8_t old_root[TLOG_HASH],
			 const uint8_t new_root[TLOG_HASH], const uint8_t (*proof)[TLOG_HASH],
			 size_t count)
{
	if (m == 0 || m > n)
		return false;
	if (m == n)
		return count == 0 && sodium_memcmp(old_root, new_root, TLOG_HASH) == 0;
	if (count == 0 || count > TLOG_MAX_PROOF)
		return false;
	/* If m is a power of two the old root is the first node of the path. */
	uint8_t path[TLOG_MAX_PROOF + 1][TLOG_HASH];
	size_t len = 0;
	if ((m & (m - 1)) == 0)
		memcpy(path[len++], old_root, TLOG_HASH);
	memcpy(path[len], proof, count * TLOG_HASH);
	len += count;
	uint64_t fn = m - 1, sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	uint8_t fr[TLOG_HASH], sr[TLOG_HASH];
	memcpy(fr, path[0], TLOG_HASH);
	memcpy(sr, path[0], TLOG_HASH);
	for (size_t i = 1; i < len; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			tlog_node_hash(path[i], fr, fr);
			tlog_node_hash(path[i], sr, sr);
			skip_right_edge(&fn, &sn);
		} else {
			tlog_node_hash(sr, path[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && sodium_memcmp(fr, old_root, TLOG_HASH) == 0 &&
	       sodium_memcmp(sr, new_root, TLOG_HASH) == 0;
}

/* The value of a base64 digit (RFC 4648 §4), or -1. */
static int b64_digit(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* A hash as base64 is written: 43 digits, the last with its two unused bits zero, then one
 * "=". Hashes are public, and a batch's head reads its frontier's, so a plain table does
 * instead of libsodium's constant-time decoder. False for anything else. */
static bool hash_from_plain_b64(const char *b64, uint8_t out[TLOG_HASH])
{
	enum { DIGITS = (TLOG_HASH * 8 + 5) / 6 };
	if (strlen(b64) != DIGITS + 1 || b64[DIGITS] != '=')
		return false;
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;
	for (size_t i = 0; i < DIGITS; i++) {
		int d = b64_digit((unsigned char)b64[i]);
		if (d < 0)
			return false;
		acc = acc << 6 | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
			acc &= (1U << bits) - 1;
		}
	}
	return acc == 0 && n == TLOG_HASH;
}

/* libsodium decides what the plain reading refuses, so the two take the same texts (its
 * decoder also takes some bytes above 0x7F as digits). */
bool tlog_hash_from_b64(const char *b64, uint8_t out[TLOG_HASH])
{
	size_t len;
	return b64 && (hash_from_plain_b64(b64, out) ||
		       (sodium_base642bin(out, TLOG_HASH, b64, strlen(b64), NULL, &len, NULL,
					  sodium_base64_VARIANT_ORIGINAL) == 0 &&
			len == TLOG_HASH));
}

int tlog_proof_from_json(json_object *list, uint8_t (*out)[TLOG_HASH], int max)
{
	if (!json_object_is_type(list, json_type_array))
		return -1;
	size_t n = json_object_array_length(list);
	if (n > (size_t)max)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!tlog_hash_from_b64(json_object_get_string(json_object_array_get_idx(list, i)),
				   out[i]))
			return -1;
	return (int)n;
}

/* --- signed checkpoints ----------------------------------------------------------------- */

void tlog_note_key_id(const char *name, uint8_t type,
		      const uint8_t pk[crypto_sign_PUBLICKEYBYTES], uint8_t out[4])
{
	uint8_t h[crypto_hash_sha256_BYTES], sep[2] = {'\n', type};
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
	crypto_hash_sha256_update(&st, sep, sizeof(sep));
	crypto_hash_sha256_update(&st, pk, crypto_sign_PUBLICKEYBYTES);
	crypto_hash_sha256_final(&st, h);
	memcpy(out, h, 4);
}

/* One signature line "— name base64" (without its newline), as C2SP signed-note has it: a
 * name without spaces or '+', and base64 of at least a key ID and one more byte. */
static bool note_sig_line(const char *l, size_t len)
{
	size_t plen = strlen(sig_prefix);
	if (len <= plen || memcmp(l, sig_prefix, plen) != 0)
		return false;
	const char *name = l + plen, *end = l + len;
	const char *sp = memchr(name, ' ', (size_t)(end - name));
	if (!sp || sp == name || memchr(name, '+', (size_t)(sp - name)) || sp + 1 == end)
		return false;
	uint8_t blob[128];
	size_t n;
	return sodium_base642bin(blob, sizeof(blob), sp + 1, (size_t)(end - sp - 1), NULL, &n,
				 NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
	       n >= 5;
}

size_t tlog_note_text_len(const char *note)
{
	/* Whole UTF-8, no control character but the newline. */
	size_t total = strlen(note);
	if (!utf8_is_valid((const uint8_t *)note, total))
		return 0;
	for (const unsigned char *c = (const unsigned char *)note; *c; c++)
		if ((*c < ' ' && *c != '\n') || *c == 0x7f)
			return 0;
	/* The signatures follow the last blank line: at least one, each a whole line. */
	const char *last = NULL;
	for (const char *p = strstr(note, "\n\n"); p; p = strstr(p + 1, "\n\n"))
		last = p;
	if (!last || last + 2 == note + total || note[total - 1] != '\n')
		return 0;
	for (const char *l = last + 2, *nl; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		if (!note_sig_line(l, (size_t)(nl - l)))
			return 0;
	}
	return (size_t)(last - note) + 1;
}

int tlog_note_find(const char *note, const char *name, const uint8_t key_id[4], uint8_t *blob,
		   size_t blob_len, const char **line, size_t *line_len)
{
	size_t text_len = tlog_note_text_len(note), plen = strlen(sig_prefix), nlen = strlen(name);
	if (text_len == 0 || blob_len > 128)
		return -1;
	/* Signature lines: "— name base64(key ID || signature)". */
	const char *nl;
	for (const char *l = note + text_len + 1; *l; l = nl + 1) {
		nl = strchr(l, '\n'); /* every signature line ends in one (tlog_note_text_len) */
		size_t len = (size_t)(nl - l);
		if (len < plen + nlen + 1 || memcmp(l, sig_prefix, plen) != 0 ||
		    memcmp(l + plen, name, nlen) != 0 || l[plen + nlen] != ' ')
			continue;
		const char *b64 = l + plen + nlen + 1;
		uint8_t got[128];
		size_t glen;
		/* Another key with this name, or another signature type: not this one's. */
		if (sodium_base642bin(got, sizeof(got), b64, len - (size_t)(b64 - l), NULL, &glen,
				      NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    glen != blob_len || memcmp(got, key_id, 4) != 0)
			continue;
		memcpy(blob, got, blob_len);
		if (line) {
			*line = l;
			*line_len = len;
		}
		return 1;
	}
	return 0;
}

void tlog_checkpoint_sign(struct sbuf *out, const char *origin, uint64_t size,
			  const uint8_t root[TLOG_HASH], const uint8_t sk[crypto_sign_SECRETKEYBYTES],
			  const uint8_t pk[crypto_sign_PUBLICKEYBYTES])
{
	char root64[sodium_base64_ENCODED_LEN(TLOG_HASH, sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(root64, sizeof(root64), root, TLOG_HASH, sodium_base64_VARIANT_ORIGINAL);
	size_t start = out->len;
	sbuf_printf(out, "%s\n%" PRIu64 "\n%s\n", origin, size, root64);
	uint8_t sig[4 + crypto_sign_BYTES];
	tlog_note_key_id(origin, TLOG_NOTE_ED25519, pk, sig);
	crypto_sign_detached(sig + 4, NULL, (const uint8_t *)out->data + start, out->len - start,
			     sk);
	char sig64[sodium_base64_ENCODED_LEN(sizeof(sig), sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(sig64, sizeof(sig64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
	sbuf_printf(out, "\n%s%s %s\n", sig_prefix, origin, sig64);
}

int tlog_note_verify(const char *note, const char *name,
		     const uint8_t pk[crypto_sign_PUBLICKEYBYTES], char *err, size_t errlen)
{
	uint8_t want[4], sig[4 + crypto_sign_BYTES];
	tlog_note_key_id(name, TLOG_NOTE_ED25519, pk, want);
	switch (tlog_note_find(note, name, want, sig, sizeof(sig), NULL, NULL)) {
	case -1:
		snprintf(err, errlen, "not a signed note: text, a blank line, then whole signature lines expected");
		return -1;
	case 0:
		snprintf(err, errlen, "no signature by this key on the note");
		return -1;
	}
	if (crypto_sign_verify_detached(sig + 4, (const uint8_t *)note, tlog_note_text_len(note),
					pk) == 0)
		return 0;
	snprintf(err, errlen, "the note's signature does not verify");
	return -1;
}

bool tlog_parse_u64(const char *s, size_t len, uint64_t *out)
{
	if (len == 0 || len > 20 || (s[0] == '0' && len > 1))
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

int tlog_checkpoint_parse(const char *note, struct tlog_checkpoint *out, char *err,
			  size_t errlen)
{
	out->text_len = tlog_note_text_len(note);
	if (out->text_len == 0) {
		snprintf(err, errlen, "not a signed note: text, a blank line, then whole "
				      "signature lines expected");
		return -1;
	}
	/* Origin, size and root, each ended by a newline; what follows them (extension lines)
	 * is signed but not read. The text ends in a newline, so each strchr finds one. */
	const char *l[3], *nl[3], *p = note, *end = note + out->text_len;
	for (int i = 0; i < 3; i++) {
		if (p == end) {
			snprintf(err, errlen, "not a checkpoint: origin, size and root lines expected");
			return -1;
		}
		l[i] = p;
		nl[i] = strchr(p, '\n');
		p = nl[i] + 1;
	}
	size_t origin_len = (size_t)(nl[0] - l[0]), root_len = (size_t)(nl[2] - l[2]), n;
	if (origin_len == 0 || origin_len >= TLOG_NAME_MAX ||
	    !tlog_parse_u64(l[1], (size_t)(nl[1] - l[1]), &out->size) ||
	    sodium_base642bin(out->root, TLOG_HASH, l[2], root_len, NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n != TLOG_HASH) {
		snprintf(err, errlen, "not a checkpoint: bad origin, size or root hash line");
		return -1;
	}
	memcpy(out->origin, l[0], origin_len);
	out->origin[origin_len] = '\0';
	return 0;
}

int tlog_checkpoint_open(const char *note, const char *origin,
			 const uint8_t pk[crypto_sign_PUBLICKEYBYTES], uint64_t *size,
			 uint8_t root[TLOG_HASH], char *err, size_t errlen)
{
	struct tlog_checkpoint cp;
	if (tlog_checkpoint_parse(note, &cp, err, errlen) < 0)
		return -1;
	if (origin && strcmp(origin, cp.origin) != 0) {
		snprintf(err, errlen, "a checkpoint of another log: '%.*s'",
			 (int)utf8_cut(cp.origin, strlen(cp.origin), TEXT_QUOTE_MAX), cp.origin);
		return -1;
	}
	if (tlog_note_verify(note, cp.origin, pk, err, errlen) < 0)
		return -1;
	*size = cp.size;
	memcpy(root, cp.root, TLOG_HASH);
	return 0;
}
