/* tlog.h - the transparency log's pure parts, shared by the service, pakn-verify and
 * paknctl (docs/tlog.md): entry bytes, RFC 9162 §2.1 Merkle hashing and proof checks, and
 * checkpoints (C2SP tlog-checkpoint) in C2SP signed notes with Ed25519. */
#ifndef PAKN_TLOG_H
#define PAKN_TLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "core/util.h"

#define TLOG_HASH 32
#define TLOG_MAX_PROOF 64
#define TLOG_ORIGIN_MAX 200 /* bytes of log_origin, so that a tree head fits a receipt */

struct receipt;

/* The bytes of one version 1 entry (pakn_tlog_entry in sql/functions/tlog.sql says the
 * same): the entries appended before sql/018_receipts_v2.sql. */
void tlog_entry_bytes(struct sbuf *out, const char *kind, const char *tracking_code,
		      const char *item_code, const char *at, const char *commitment);

/* The bytes of one version 2 entry: kind, the feedback's handle, time, commitment. */
void tlog_entry_v2_bytes(struct sbuf *out, const char *kind, const char *handle, const char *at,
			 const char *commitment);

/* The entry a receipt's submission is (of the receipt's version): everything it needs is
 * in the receipt. */
void tlog_receipt_entry(struct sbuf *out, const struct receipt *r);

void tlog_leaf_hash(const void *entry, size_t len, uint8_t out[TLOG_HASH]);
void tlog_node_hash(const uint8_t left[TLOG_HASH], const uint8_t right[TLOG_HASH],
		    uint8_t out[TLOG_HASH]);

/* The root of a tree built leaf by leaf: O(log n) memory, the RFC's MTH. */
struct tlog_builder {
	uint64_t size;
	uint8_t stack[64][TLOG_HASH]; /* perfect subtrees, largest first */
	int depth;
};
void tlog_builder_add(struct tlog_builder *b, const uint8_t leaf[TLOG_HASH]);
void tlog_builder_root(const struct tlog_builder *b, uint8_t out[TLOG_HASH]);

/* The tree of size entries as one appending transaction sees it: its first start entries
 * only through their frontier (the roots of their perfect subtrees, largest first: what
 * pakn_tlog_append keeps), the others as leaves. Enough for the root and for the inclusion
 * proof of any entry from start on, with about 2 (size - start) + log2(size) hashes in
 * all: how a batch's tree head and its receipts' proofs are made. */
struct tlog_span {
	uint64_t start, size;
	uint8_t frontier[64][TLOG_HASH];
	int nfrontier;
	uint8_t (*nodes)[TLOG_HASH]; /* perfect subtrees over [start, size), level by level */
	uint64_t level_at[65];       /* where level l begins in nodes */
	uint64_t edge_lo[64];        /* the subtrees [lo, size) that are not perfect */
	uint8_t edge[64][TLOG_HASH];
	int nedge;
};

/* Builds the span from the frontier of the first start entries (nfrontier must be the
 * number of one bits of start) and the leaf hashes of entries start to size - 1. Returns 0,
 * or -1 if the frontier does not fit start or there are no leaves. */
int tlog_span_init(struct tlog_span *t, uint64_t start, const uint8_t (*frontier)[TLOG_HASH],
		   int nfrontier, const uint8_t (*leaves)[TLOG_HASH], uint64_t nleaves);
void tlog_span_root(struct tlog_span *t, uint8_t out[TLOG_HASH]);
/* The RFC 9162 inclusion proof of entry index (start <= index < size) into proof, which has
 * room for TLOG_MAX_PROOF hashes. Returns its length, or -1 if index is out of the span. */
int tlog_span_proof(struct tlog_span *t, uint64_t index, uint8_t (*proof)[TLOG_HASH]);
void tlog_span_free(struct tlog_span *t);

/* RFC 9162 §2.1.3.2: is leaf at index in the tree of size with this root? */
bool tlog_inclusion_ok(uint64_t index, uint64_t size, const uint8_t leaf[TLOG_HASH],
		       const uint8_t (*proof)[TLOG_HASH], size_t n, const uint8_t root[TLOG_HASH]);

/* RFC 9162 §2.1.4.2: is the tree of size m (old_root) a prefix of the one of size n? */
bool tlog_consistency_ok(uint64_t m, uint64_t n, const uint8_t old_root[TLOG_HASH],
			 const uint8_t new_root[TLOG_HASH], const uint8_t (*proof)[TLOG_HASH],
			 size_t count);

/* Decodes one base64 hash; false unless it is exactly TLOG_HASH bytes. */
bool tlog_hash_from_b64(const char *b64, uint8_t out[TLOG_HASH]);

/* Decodes a JSON-style list of base64 hashes; returns how many, or -1 if one is not a
 * hash or there are more than max. */
struct json_object;
int tlog_proof_from_json(struct json_object *list, uint8_t (*out)[TLOG_HASH], int max);

/* C2SP signed notes. A key's ID is SHA-256(name || "\n" || type || pk)[:4]; the type of a
 * log's Ed25519 key is 0x01, of a witness's cosignature/v1 key 0x04 (cosign.h). */
#define TLOG_NOTE_ED25519 0x01
void tlog_note_key_id(const char *name, uint8_t type,
		      const uint8_t pk[crypto_sign_PUBLICKEYBYTES], uint8_t out[4]);

/* The length of a signed note's text: up to and including the newline before its last
 * blank line. 0 if the note is not well formed as C2SP signed-note says: whole UTF-8 with
 * no control character but the newline, a blank line, then one or more signature lines
 * "— name base64", each ending in a newline. Every reader of a note starts here, so bytes
 * after the last signature line are never ignored. */
size_t tlog_note_text_len(const char *note);

/* Finds, among the note's signature lines, the one by the key called name with this key ID
 * whose base64 holds blob_len bytes (at most 128: key ID, then the signature and what the
 * signature type adds). Copies them to blob and, if line is not NULL, points it at the line
 * (without its newline). 1 when found, 0 when no line is this key's, -1 when the note is
 * not well formed (tlog_note_text_len). Checks no signature: the caller knows what its type signs. */
int tlog_note_find(const char *note, const char *name, const uint8_t key_id[4], uint8_t *blob,
		   size_t blob_len, const char **line, size_t *line_len);

/* Checks a C2SP signed note: a signature line by the key called name (key pk) whose key
 * hash matches and whose Ed25519 signature over the note's text is good. 0, or -1 with a
 * reason in err. */
int tlog_note_verify(const char *note, const char *name,
		     const uint8_t pk[crypto_sign_PUBLICKEYBYTES], char *err, size_t errlen);

/* A signed checkpoint: origin, size and root as a C2SP tlog-checkpoint, signed as a C2SP
 * signed note by the key called origin. */
void tlog_checkpoint_sign(struct sbuf *out, const char *origin, uint64_t size,
			  const uint8_t root[TLOG_HASH], const uint8_t sk[crypto_sign_SECRETKEYBYTES],
			  const uint8_t pk[crypto_sign_PUBLICKEYBYTES]);

#define TLOG_NAME_MAX 256 /* a key name or a log's origin, with its NUL */

/* Reads a uint64 in decimal, digits only and without leading zeroes ("0" is fine), from
 * s[0..len), as C2SP writes sizes. */
bool tlog_parse_u64(const char *s, size_t len, uint64_t *out);

/* A C2SP checkpoint as its note's text gives it: origin, size and root hash. */
struct tlog_checkpoint {
	char origin[TLOG_NAME_MAX];
	uint64_t size;
	uint8_t root[TLOG_HASH];
	size_t text_len; /* the note text's length (tlog_note_text_len) */
};

/* Reads a checkpoint's lines from a well-formed signed note (tlog_note_text_len) without
 * checking any signature. 0, or -1 with a reason in err. */
int tlog_checkpoint_parse(const char *note, struct tlog_checkpoint *out, char *err,
			  size_t errlen);

/* Opens a signed checkpoint: one signature line must be by the key pk named as the
 * checkpoint's origin (its first line; if origin is not NULL the first line must be it) and
 * good. Fills size and root. Returns 0, or -1 with a reason in err. */
int tlog_checkpoint_open(const char *note, const char *origin,
			 const uint8_t pk[crypto_sign_PUBLICKEYBYTES], uint64_t *size,
			 uint8_t root[TLOG_HASH], char *err, size_t errlen);

#endif
