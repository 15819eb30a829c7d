/* pakn-verify - checks a PAKN-57 receipt offline (docs/receipts.md), with a public key given
 * on the command line or a saved copy of GET /api/v1/keys: a version 2 receipt by its
 * commitment, the signed tree head it carries and its entry's inclusion proof in it (and,
 * given the text sent, the text's hash); a version 1 receipt by its Ed25519 signature. With
 * a saved checkpoint and inclusion proof it also proves that the receipt's submission is in
 * that (later) log; with two saved checkpoints and a consistency proof, that the later log
 * extends the earlier one (docs/tlog.md). Needs no network and no database.
 *   exit 0  valid      exit 1  invalid (one line says why)      exit 2  usage error */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "core/util.h"
#include "crypto/receipt.h"
#include "tlog/tlog.h"
#include "tlog/tlog_receipt.h"
#include "verify_witness.h"

#define MAX_KEYS 64

static struct verify_witnesses witnesses = {.require = -1};
static const char *origin; /* --origin: the log every checkpoint must be of, or NULL */

static int usage(void)
{
	fprintf(stderr,
		"usage: pakn-verify RECEIPT.json KEY [--text BODY.txt] [--origin LOG_NAME]\n"
		"                   [--checkpoint CHECKPOINT --proof PROOF.json]\n"
		"       pakn-verify --consistency OLD_CHECKPOINT NEW_CHECKPOINT --proof PROOF.json KEY\n"
		"KEY is --key BASE64_PUBLIC_KEY or --keys KEYS.json (a saved GET /api/v1/keys);\n"
		"RECEIPT.json is a receipt, the whole reply of POST /api/v1/feedback, or the\n"
		"receipt page the feedback form downloads (bien-nhan-CODE.html);\n"
		"a CHECKPOINT is a saved GET /api/v1/log/checkpoint and PROOF.json a saved reply of\n"
		"GET /api/v1/log/proof/inclusion (with the receipt's log index and the checkpoint's\n"
		"size) or /api/v1/log/proof/consistency; BODY.txt the text sent (version 2);\n"
		"LOG_NAME the log's origin, the first line of its checkpoints and tree heads\n"
		"(any, if not given).\n%s",
		verify_witnesses_usage);
	return 2;
}

/* The receipt page a browser downloads (bien-nhan-<code>.html, docs/web.md "The receipt")
 * carries the JSON in <script type="application/json" id="receipt">; it writes "</" as
 * "<\/", which JSON reads as the same text, so the element ends at the first "</script". */
#define RECEIPT_SCRIPT_TAG "<script type=\"application/json\" id=\"receipt\">"

/* Parses the file as JSON, or the JSON inside a downloaded receipt page; *readable tells
 * a missing file from one that is not JSON. */
static json_object *read_json(const char *path, bool *readable)
{
	char *text = file_read(path, NULL);
	*readable = text != NULL;
	if (!text)
		return NULL;
	char *json = text, *tag = strstr(text, RECEIPT_SCRIPT_TAG);
	if (tag) {
		json = tag + strlen(RECEIPT_SCRIPT_TAG);
		char *end = strstr(json, "</script");
		if (end)
			*end = '\0';
	}
	json_object *doc = json_tokener_parse(json);
	free(text);
	return doc;
}

static int decode_key(const char *b64, uint8_t pk[crypto_sign_PUBLICKEYBYTES])
{
	size_t len;
	return sodium_base642bin(pk, crypto_sign_PUBLICKEYBYTES, b64, strlen(b64), NULL, &len,
				 NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
			       len == crypto_sign_PUBLICKEYBYTES
		       ? 0
		       : -1;
}

/* Finds the key with key_id in a saved keys list. */
static int key_from_list(json_object *list, const char *key_id,
			 uint8_t pk[crypto_sign_PUBLICKEYBYTES])
{
	json_object *keys;
	if (!json_object_object_get_ex(list, "keys", &keys) ||
	    !json_object_is_type(keys, json_type_array))
		return -1;
	for (size_t i = 0; i < json_object_array_length(keys); i++) {
		json_object *k = json_object_array_get_idx(keys, i), *id, *pub;
		if (json_object_object_get_ex(k, "key_id", &id) &&
		    json_object_object_get_ex(k, "public_key", &pub) &&
		    strcmp(json_object_get_string(id), key_id) == 0)
			return decode_key(json_object_get_string(pub), pk);
	}
	return -1;
}

/* Every public key the KEY option gives: one, or all of a saved list. */
static int load_keys(const char *opt, const char *value, uint8_t pks[][crypto_sign_PUBLICKEYBYTES],
		     char ids[][KEY_ID_LEN + 1])
{
	if (strcmp(opt, "--key") == 0) {
		if (decode_key(value, pks[0]) < 0)
			return -1;
		keys_id_of(pks[0], ids[0]);
		return 1;
	}
	bool readable;
	json_object *list = read_json(value, &readable), *keys;
	int n = 0;
	if (list && json_object_object_get_ex(list, "keys", &keys) &&
	    json_object_is_type(keys, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(keys) && n < MAX_KEYS; i++) {
			json_object *k = json_object_array_get_idx(keys, i), *id;
			if (json_object_object_get_ex(k, "key_id", &id) &&
			    key_from_list(list, json_object_get_string(id), pks[n]) == 0) {
				snprintf(ids[n], KEY_ID_LEN + 1, "%s", json_object_get_string(id));
				n++;
			}
		}
	}
	json_object_put(list);
	return n > 0 ? n : -1;
}

struct keyset {
	int n;
	uint8_t pk[MAX_KEYS][crypto_sign_PUBLICKEYBYTES];
	char id[MAX_KEYS][KEY_ID_LEN + 1];
};

/* Reads and checks a saved checkpoint against the keys, and, when witnessed, against the
 * witnesses' cosignatures required. 0, 1 (invalid, said why) or 2. */
static int checkpoint_of(const char *path, const struct keyset *ks, bool witnessed,
			 uint64_t *size, uint8_t root[TLOG_HASH])
{
	char *note = file_read(path, NULL);
	if (!note) {
		fprintf(stderr, "pakn-verify: cannot read %s\n", path);
		return 2;
	}
	char err[160] = "";
	int rc = 1;
	for (int i = 0; i < ks->n && rc; i++)
		rc = tlog_checkpoint_open(note, origin, ks->pk[i], size, root, err, sizeof(err)) ? 1 : 0;
	if (rc)
		printf("invalid: checkpoint %s: %s\n", path, err);
	else if (witnessed)
		rc = verify_witnesses_check(&witnesses, note, path);
	free(note);
	return rc;
}

/* Reads a saved proof reply: its two numbers (named a and b) and its hashes. */
static int proof_of(const char *path, const char *a, const char *b, uint64_t *va, uint64_t *vb,
		    uint8_t (*proof)[TLOG_HASH], int *n)
{
	bool readable;
	json_object *doc = read_json(path, &readable), *x, *y, *list;
	if (!doc) {
		if (!readable)
			fprintf(stderr, "pakn-verify: cannot read %s\n", path);
		else
			printf("invalid: %s is not JSON\n", path);
		return readable ? 1 : 2;
	}
	int rc = 1;
	if (json_object_object_get_ex(doc, a, &x) && json_object_object_get_ex(doc, b, &y) &&
	    json_object_object_get_ex(doc, "proof", &list) &&
	    (*n = tlog_proof_from_json(list, proof, TLOG_MAX_PROOF)) >= 0) {
		*va = (uint64_t)json_object_get_int64(x);
		*vb = (uint64_t)json_object_get_int64(y);
		rc = 0;
	} else {
		printf("invalid: %s is not a proof (\"%s\", \"%s\" and \"proof\" expected)\n", path, a, b);
	}
	json_object_put(doc);
	return rc;
}

static int verify_consistency(const char *old_path, const char *new_path, const char *proof_path,
			      const struct keyset *ks)
{
	uint64_t m, n, from, to;
	uint8_t old_root[TLOG_HASH], new_root[TLOG_HASH], proof[TLOG_MAX_PROOF][TLOG_HASH];
	int count, rc;
	/* The old one may be a receipt's head, which no witness saw: the new one is the
	 * witnessed view that the old is part of. */
	if ((rc = checkpoint_of(old_path, ks, false, &m, old_root)) ||
	    (rc = checkpoint_of(new_path, ks, true, &n, new_root)) ||
	    (rc = proof_of(proof_path, "from", "to", &from, &to, proof, &count)))
		return rc;
	if (from != m || to != n) {
		printf("invalid: the proof is from %llu to %llu entries, the checkpoints have %llu and "
		       "%llu\n", (unsigned long long)from, (unsigned long long)to,
		       (unsigned long long)m, (unsigned long long)n);
		return 1;
	}
	if (!tlog_consistency_ok(m, n, old_root, new_root, proof, (size_t)count)) {
		printf("invalid: the log of %llu entries does not extend the one of %llu: entries "
		       "were changed or removed\n", (unsigned long long)n, (unsigned long long)m);
		return 1;
	}
	printf("valid: the log of %llu entries extends the one of %llu entries\n",
	       (unsigned long long)n, (unsigned long long)m);
	return 0;
}

/* The receipt's submission is in the log of the checkpoint. */
static int verify_inclusion(const struct receipt *r, const char *cp_path, const char *proof_path,
			    const struct keyset *ks)
{
	uint64_t size, index, psize;
	uint8_t root[TLOG_HASH], proof[TLOG_MAX_PROOF][TLOG_HASH];
	int count, rc;
	if ((rc = checkpoint_of(cp_path, ks, true, &size, root)) ||
	    (rc = proof_of(proof_path, "index", "size", &index, &psize, proof, &count)))
		return rc;
	if (index != (uint64_t)r->log_index || psize != size) {
		printf("invalid: the proof is for entry %llu of %llu; the receipt's entry is %lld and "
		       "the checkpoint has %llu\n", (unsigned long long)index,
		       (unsigned long long)psize, (long long)r->log_index, (unsigned long long)size);
		return 1;
	}
	struct sbuf entry = {0};
	uint8_t leaf[TLOG_HASH];
	tlog_receipt_entry(&entry, r);
	tlog_leaf_hash(entry.data, entry.len, leaf);
	sbuf_free(&entry);
	if (!tlog_inclusion_ok(index, size, leaf, proof, (size_t)count, root)) {
		printf("invalid: the receipt's submission is not entry %lld of the log of %llu "
		       "entries\n", (long long)r->log_index, (unsigned long long)size);
		return 1;
	}
	printf("valid: entry %lld of the signed log of %llu entries is this submission\n",
	       (long long)r->log_index, (unsigned long long)size);
	return 0;
}

static int verify_v1(const struct receipt *r, const char *key_opt, const struct keyset *ks)
{
	int k = 0;
	while (k < ks->n && strcmp(ks->id[k], r->key_id) != 0)
		k++;
	if (k == ks->n) {
		printf("invalid: signed by key %s, not by %s\n", r->key_id,
		       strcmp(key_opt, "--key") == 0 ? "the key given" : "a key of the list");
		return 1;
	}
	if (!receipt_signature_ok(r, ks->pk[k])) {
		printf("invalid: the signature does not match the receipt's fields\n");
		return 1;
	}
	printf("valid: %s, feedback %lld on %s at %s, log index %lld, key %s\n", r->tracking_code,
	       (long long)r->feedback_id, r->item_code, r->committed_at, (long long)r->log_index,
	       r->key_id);
	return 0;
}

/* The commitment, the head and the proof; with text_path, the text's hash too. */
static int verify_v2(const struct receipt *r, const char *text_path, const struct keyset *ks)
{
	char err[256];
	uint64_t size;
	if (tlog_receipt_check(r, (const uint8_t(*)[crypto_sign_PUBLICKEYBYTES])ks->pk,
			       (size_t)ks->n, origin, &size, err, sizeof(err)) != RECEIPT_VALID) {
		printf("invalid: %s\n", err);
		return 1;
	}
	if (text_path) {
		size_t len;
		char *body = file_read(text_path, &len), hash[65];
		if (!body) {
			fprintf(stderr, "pakn-verify: cannot read %s\n", text_path);
			return 2;
		}
		receipt_body_hash(r->salt, body, len, hash);
		free(body);
		if (strcmp(hash, r->body_hash) != 0) {
			printf("invalid: %s is not the text this receipt is for\n", text_path);
			return 1;
		}
	}
	printf("valid: %s, rating %d on %s at %s%s, is entry %lld of the signed log of %llu "
	       "entries\n",
	       r->tracking_code, r->rating, r->item_code, r->committed_at,
	       text_path ? " with this text" : "", (long long)r->log_index,
	       (unsigned long long)size);
	return 0;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 2;
	const char *receipt_path = NULL, *old_cp = NULL, *new_cp = NULL, *cp = NULL,
		   *proof = NULL, *key_opt = NULL, *key_value = NULL, *text = NULL;
	for (int i = 1; i < argc; i++) {
		bool has = i + 1 < argc;
		int taken = verify_witnesses_option(&witnesses, argc, argv, &i);
		if (taken < 0)
			return usage();
		if (taken)
			continue;
		if ((strcmp(argv[i], "--key") == 0 || strcmp(argv[i], "--keys") == 0) && has) {
			key_opt = argv[i];
			key_value = argv[++i];
		} else if (strcmp(argv[i], "--checkpoint") == 0 && has) {
			cp = argv[++i];
		} else if (strcmp(argv[i], "--origin") == 0 && has) {
			origin = argv[++i];
		} else if (strcmp(argv[i], "--text") == 0 && has) {
			text = argv[++i];
		} else if (strcmp(argv[i], "--proof") == 0 && has) {
			proof = argv[++i];
		} else if (strcmp(argv[i], "--consistency") == 0 && i + 2 < argc) {
			old_cp = argv[++i];
			new_cp = argv[++i];
		} else if (argv[i][0] != '-' && !receipt_path) {
			receipt_path = argv[i];
		} else {
			return usage();
		}
	}
	static struct keyset ks;
	if (verify_witnesses_finish(&witnesses) < 0 || (witnesses.n && !cp && !old_cp))
		return usage();
	if (!key_opt || (old_cp && (receipt_path || cp || !proof)) ||
	    (!old_cp && (!receipt_path || !cp != !proof)))
		return usage();
	ks.n = load_keys(key_opt, key_value, ks.pk, ks.id);
	if (ks.n < 0) {
		fprintf(stderr, "pakn-verify: %s %s gives no Ed25519 public key\n", key_opt, key_value);
		return 2;
	}
	if (old_cp)
		return verify_consistency(old_cp, new_cp, proof, &ks);

	bool readable;
	json_object *doc = read_json(receipt_path, &readable);
	if (!doc) {
		if (!readable) {
			fprintf(stderr, "pakn-verify: cannot read %s\n", receipt_path);
			return 2;
		}
		printf("invalid: %s is not JSON\n", receipt_path);
		return 1;
	}
	json_object *receipt_json = doc, *inner;
	if (json_object_object_get_ex(doc, "receipt", &inner))
		receipt_json = inner;
	struct receipt r;
	char err[256];
	int rc = 1;
	if (receipt_from_json(receipt_json, &r, err, sizeof(err)) < 0) {
		printf("invalid: %s\n", err);
		goto out;
	}
	if (r.version == 2)
		rc = verify_v2(&r, text, &ks);
	else
		rc = verify_v1(&r, key_opt, &ks);
	if (rc)
		goto out;
	rc = cp ? verify_inclusion(&r, cp, proof, &ks) : 0;
out:
	json_object_put(doc);
	return rc;
}
