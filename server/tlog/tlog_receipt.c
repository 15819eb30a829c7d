/* tlog_receipt.c - owns checking receipts of both versions (see tlog_receipt.h). */
#include "tlog/tlog_receipt.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tlog/tlog.h"

static enum receipt_check check_v1(const struct receipt *r,
				   const uint8_t (*pks)[crypto_sign_PUBLICKEYBYTES], size_t npk,
				   char *err, size_t errlen)
{
	for (size_t i = 0; i < npk; i++) {
		char id[KEY_ID_LEN + 1];
		keys_id_of(pks[i], id);
		if (strcmp(id, r->key_id) != 0)
			continue;
		if (receipt_signature_ok(r, pks[i]))
			return RECEIPT_VALID;
		snprintf(err, errlen, "the signature does not match the fields");
		return RECEIPT_BAD_SIGNATURE;
	}
	snprintf(err, errlen, "unknown key id %s", r->key_id);
	return RECEIPT_UNKNOWN_KEY;
}

static enum receipt_check check_v2(const struct receipt *r,
				   const uint8_t (*pks)[crypto_sign_PUBLICKEYBYTES], size_t npk,
				   const char *origin, uint64_t *size, char *err, size_t errlen)
{
	char commitment[65];
	if (receipt_commitment(r, commitment) < 0 || strcmp(commitment, r->commitment) != 0) {
		snprintf(err, errlen, "the commitment does not match the receipt's fields");
		return RECEIPT_BAD_COMMITMENT;
	}
	uint8_t root[TLOG_HASH];
	bool signed_ok = false;
	snprintf(err, errlen, "no keys");
	for (size_t i = 0; i < npk && !signed_ok; i++)
		signed_ok = tlog_checkpoint_open(r->checkpoint, origin, pks[i], size, root, err,
						 errlen) == 0;
	if (!signed_ok) {
		char why[160];
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "the tree head: %s", why);
		return RECEIPT_UNKNOWN_KEY;
	}
	struct sbuf entry = {0};
	tlog_receipt_entry(&entry, r);
	uint8_t leaf[TLOG_HASH];
	tlog_leaf_hash(entry.data, entry.len, leaf);
	sbuf_free(&entry);
	if (r->log_index < 0 ||
	    !tlog_inclusion_ok((uint64_t)r->log_index, *size, leaf,
			       (const uint8_t(*)[TLOG_HASH])r->proof, (size_t)r->nproof, root)) {
		snprintf(err, errlen, "the proof does not lead from entry %" PRId64
				      " to the signed tree of %" PRIu64 " entries",
			 r->log_index, *size);
		return RECEIPT_NOT_IN_TREE;
	}
	return RECEIPT_VALID;
}

enum receipt_check tlog_receipt_check(const struct receipt *r,
				      const uint8_t (*pks)[crypto_sign_PUBLICKEYBYTES], size_t npk,
				      const char *origin, uint64_t *size, char *err, size_t errlen)
{
	*size = 0;
	return r->version == 1 ? check_v1(r, pks, npk, err, errlen)
			       : check_v2(r, pks, npk, origin, size, err, errlen);
}
