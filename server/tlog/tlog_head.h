/* tlog_head.h - the signed tree head that ends an appending transaction (an intake batch, a
 * moderation action): made from what pakn_tlog_append answered (sql/functions/tlog.sql)
 * and the leaves the transaction appended, signed as a C2SP checkpoint, and able to prove
 * each of those entries (docs/tlog.md, "Tree heads"). */
#ifndef PAKN_TLOG_HEAD_H
#define PAKN_TLOG_HEAD_H

#include <json-c/json.h>

#include "crypto/keys.h"
#include "crypto/receipt.h"
#include "tlog/tlog.h"

struct tlog_head {
	struct tlog_span span;
	char note[RECEIPT_NOTE_MAX]; /* the signed checkpoint of the tree after it */
};

/* log is pakn_tlog_append's answer ({"start", "frontier", "size", "root"}) or
 * pakn_tlog_batch_of's; leaves are the appended entries' leaf hashes from start on, as
 * many as make size. When want_root is given (base64) the tree must have that root. Signs with key k as the log
 * called origin. Returns 0, or -1 (logged) when the answer and the leaves make no tree or
 * another one. */
int tlog_head_make(struct tlog_head *h, json_object *log, const uint8_t (*leaves)[TLOG_HASH],
		   uint64_t nleaves, const char *want_root, const char *origin,
		   const struct signing_key *k);

/* Like tlog_head_make, with the leaves from log's "leaves" (base64) and the root from its
 * "root": a head is signed only for the tree the database appended. */
int tlog_head_from_json(struct tlog_head *h, json_object *log, const char *origin,
			const struct signing_key *k);

/* {"index", "checkpoint", "proof": [base64…]}: the head and entry index's proof in it, or
 * NULL when index is not one the head proves. */
json_object *tlog_head_proof_json(struct tlog_head *h, uint64_t index);

void tlog_head_free(struct tlog_head *h);

#endif
