/* tlog_head.c - owns making and signing the tree head of an appending transaction (see
 * tlog_head.h). */
#include "tlog/tlog_head.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "core/xalloc.h"

int tlog_head_make(struct tlog_head *h, json_object *log, const uint8_t (*leaves)[TLOG_HASH],
		   uint64_t nleaves, const char *want_root, const char *origin,
		   const struct signing_key *k)
{
	json_object *v;
	uint8_t frontier[64][TLOG_HASH], root[TLOG_HASH], want[TLOG_HASH];
	int nf = json_object_object_get_ex(log, "frontier", &v)
			 ? tlog_proof_from_json(v, frontier, 64)
			 : -1;
	int64_t start = json_object_object_get_ex(log, "start", &v) ? json_object_get_int64(v) : -1;
	int64_t size = json_object_object_get_ex(log, "size", &v) ? json_object_get_int64(v) : -1;
	if (nf < 0 || start < 0 || size != start + (int64_t)nleaves ||
	    tlog_span_init(&h->span, (uint64_t)start, (const uint8_t(*)[TLOG_HASH])frontier, nf,
			   leaves, nleaves) < 0) {
		log_error(NULL, "log: the database's answer makes no tree");
		return -1;
	}
	tlog_span_root(&h->span, root);
	if (want_root && (!tlog_hash_from_b64(want_root, want) ||
			  sodium_memcmp(want, root, TLOG_HASH) != 0)) {
		log_error(NULL, "log: the tree of %" PRIu64 " entries has another root in the "
				"database than its entries make here",
			  h->span.size);
		tlog_span_free(&h->span);
		return -1;
	}
	struct sbuf note = {0};
	tlog_checkpoint_sign(&note, origin, h->span.size, root, k->sk, k->pk);
	bool fits = note.len < sizeof(h->note); /* log_origin is bounded (config.c): always */
	if (fits)
		memcpy(h->note, note.data, note.len + 1);
	sbuf_free(&note);
	if (!fits) {
		log_error(NULL, "log: a tree head does not fit a receipt");
		tlog_span_free(&h->span);
		return -1;
	}
	return 0;
}

int tlog_head_from_json(struct tlog_head *h, json_object *log, const char *origin,
			const struct signing_key *k)
{
	json_object *list, *root;
	size_t n = json_object_object_get_ex(log, "leaves", &list) &&
				   json_object_is_type(list, json_type_array)
			   ? json_object_array_length(list)
			   : 0;
	if (n == 0 || !json_object_object_get_ex(log, "root", &root) ||
	    !json_object_is_type(root, json_type_string)) {
		log_error(NULL, "log: the database's answer has no leaves or no root");
		return -1;
	}
	uint8_t (*leaves)[TLOG_HASH] = xcalloc(n, TLOG_HASH);
	int rc = tlog_proof_from_json(list, leaves, (int)n) == (int)n
			 ? tlog_head_make(h, log, (const uint8_t(*)[TLOG_HASH])leaves, n,
					  json_object_get_string(root), origin, k)
			 : -1;
	free(leaves);
	return rc;
}

json_object *tlog_head_proof_json(struct tlog_head *h, uint64_t index)
{
	uint8_t proof[TLOG_MAX_PROOF][TLOG_HASH];
	int n = tlog_span_proof(&h->span, index, proof);
	if (n < 0)
		return NULL;
	json_object *out = json_object_new_object(), *list = json_object_new_array();
	json_object_object_add(out, "index", json_object_new_int64((int64_t)index));
	json_object_object_add(out, "checkpoint", json_object_new_string(h->note));
	for (int i = 0; i < n; i++) {
		char b64[sodium_base64_ENCODED_LEN(TLOG_HASH, sodium_base64_VARIANT_ORIGINAL)];
		sodium_bin2base64(b64, sizeof(b64), proof[i], TLOG_HASH,
				  sodium_base64_VARIANT_ORIGINAL);
		json_object_array_add(list, json_object_new_string(b64));
	}
	json_object_object_add(out, "proof", list);
	return out;
}

void tlog_head_free(struct tlog_head *h)
{
	tlog_span_free(&h->span);
}
