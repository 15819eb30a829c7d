/* test_vectors.c - the C code against docs/test-vectors/, which tools/gen_test_vectors.py
 * computes from docs/receipts.md and docs/tlog.md with Python's hashlib and PyNaCl alone:
 * the keys; every entry's bytes and leaf hash (in C and, given the test database, in SQL,
 * with the moderation events' audit hashes and commitments); the roots, frontiers and
 * every inclusion and consistency proof of a log of 20 entries, and the same proofs made
 * from each frontier as an appending batch makes them (tlog_span); signed checkpoints byte
 * for byte and the notes that must be refused; receipts of both versions: their signed
 * bytes, signatures, commitments, entries, and the head and proof their batch makes
 * (tlog_head), accepted by tlog_receipt_check, and each single-field tamper refused for
 * the reason the vector names; a witness's cosignature (C2SP tlog-cosignature) and an
 * add-checkpoint body (C2SP tlog-witness). Run from the repository root (tests/run.sh
 * does). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "crypto/keys.h"
#include "crypto/receipt.h"
#include "crypto/tracking.h"
#include "intake/intake.h"
#include "tlog/cosign.h"
#include "tlog/tlog.h"
#include "tlog/tlog_head.h"
#include "tlog/tlog_receipt.h"

#define VECTORS "docs/test-vectors/"
#define MAX_LEAVES 64

static json_object *load(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), VECTORS "%s", name);
	json_object *doc = json_object_from_file(path);
	if (!doc)
		fail_msg("cannot read %s: %s", path, json_util_get_last_err());
	return doc;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no member %s in a vector", key);
	return v;
}

static const char *str(json_object *o, const char *key)
{
	return json_object_get_string(get(o, key));
}

static int64_t num(json_object *o, const char *key)
{
	return json_object_get_int64(get(o, key));
}

static json_object *at(json_object *list, size_t i)
{
	return json_object_array_get_idx(list, i);
}

static size_t len(json_object *list)
{
	return json_object_array_length(list);
}

static void hex_hash(const char *hex, uint8_t out[TLOG_HASH])
{
	size_t n;
	assert_int_equal(sodium_hex2bin(out, TLOG_HASH, hex, strlen(hex), NULL, &n, NULL), 0);
	assert_int_equal(n, TLOG_HASH);
}

/* A list of hashes, hex or base64, into out; returns how many. */
static int hashes(json_object *list, bool b64, uint8_t (*out)[TLOG_HASH])
{
	assert_true(len(list) <= TLOG_MAX_PROOF);
	for (size_t i = 0; i < len(list); i++) {
		const char *s = json_object_get_string(at(list, i));
		if (b64)
			assert_true(tlog_hash_from_b64(s, out[i]));
		else
			hex_hash(s, out[i]);
	}
	return (int)len(list);
}

static void assert_hex_of(const uint8_t *bytes, size_t n, const char *want)
{
	char hex[2 * 64 + 1];
	assert_true(n <= 64);
	sodium_bin2hex(hex, sizeof(hex), bytes, n);
	assert_string_equal(hex, want);
}

static void assert_bytes_are(const struct sbuf *got, const char *want)
{
	assert_int_equal(got->len, strlen(want));
	assert_memory_equal(got->data, want, got->len);
}

/* --- keys.json ---------------------------------------------------------------------------- */

/* The key of keys.json's member who, as the service holds one. */
static void signing_key_of(const char *who, struct signing_key *k)
{
	json_object *doc = load("keys.json"), *v = get(doc, who);
	uint8_t seed[crypto_sign_SEEDBYTES];
	size_t n;
	const char *hex = str(v, "seed");
	assert_int_equal(sodium_hex2bin(seed, sizeof(seed), hex, strlen(hex), NULL, &n, NULL), 0);
	assert_int_equal(n, sizeof(seed));
	assert_int_equal(crypto_sign_seed_keypair(k->pk, k->sk, seed), 0);
	keys_id_of(k->pk, k->id);
	json_object_put(doc);
}

static void test_keys(void **state)
{
	(void)state;
	json_object *doc = load("keys.json");
	const char *who[] = {"service", "other"};
	for (size_t i = 0; i < 2; i++) {
		json_object *v = get(doc, who[i]);
		struct signing_key k;
		signing_key_of(who[i], &k);
		char pk64[sodium_base64_ENCODED_LEN(crypto_sign_PUBLICKEYBYTES,
						    sodium_base64_VARIANT_ORIGINAL)];
		sodium_bin2base64(pk64, sizeof(pk64), k.pk, sizeof(k.pk),
				  sodium_base64_VARIANT_ORIGINAL);
		assert_string_equal(pk64, str(v, "public_key"));
		assert_string_equal(k.id, str(v, "key_id"));
		uint8_t kh[4];
		tlog_note_key_id(str(v, "note_name"), TLOG_NOTE_ED25519, k.pk, kh);
		assert_hex_of(kh, 4, str(v, "note_key_hash"));
	}
	json_object_put(doc);
}

/* --- entries.json ------------------------------------------------------------------------- */

static void test_entries(void **state)
{
	(void)state;
	json_object *doc = load("entries.json"), *list = get(doc, "entries");
	assert_true(len(list) >= 5);
	for (size_t i = 0; i < len(list); i++) {
		json_object *e = at(list, i);
		struct sbuf bytes = {0};
		if (num(e, "version") == 2)
			tlog_entry_v2_bytes(&bytes, str(e, "kind"), str(e, "handle"), str(e, "at"),
					    str(e, "commitment"));
		else
			tlog_entry_bytes(&bytes, str(e, "kind"), str(e, "tracking_code"),
					 str(e, "item_code"), str(e, "at"), str(e, "commitment"));
		assert_bytes_are(&bytes, str(e, "entry"));
		uint8_t leaf[TLOG_HASH];
		tlog_leaf_hash(bytes.data, bytes.len, leaf);
		assert_hex_of(leaf, TLOG_HASH, str(e, "leaf_hash"));
		sbuf_free(&bytes);
	}
	json_object_put(doc);
}

/* A version 1 submission as intake holds it, from a vector's "submission". */
static void submission_of(json_object *v, struct submission *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->item_code, sizeof(s->item_code), "%s", str(v, "item_code"));
	s->rating = (int)num(v, "rating");
	snprintf(s->kind, sizeof(s->kind), "%s", str(v, "kind"));
	snprintf(s->submitter_type, sizeof(s->submitter_type), "%s", str(v, "submitter_type"));
	s->consent_publish = json_object_get_boolean(get(v, "consent_publish"));
	s->consent_contact = json_object_get_boolean(get(v, "consent_contact"));
	s->body = (char *)str(v, "body");
}

static void test_entries_v1_submission_commitment(void **state)
{
	(void)state;
	json_object *doc = load("entries.json"), *list = get(doc, "entries");
	int seen = 0;
	for (size_t i = 0; i < len(list); i++) {
		json_object *e = at(list, i);
		if (num(e, "version") != 1 || strcmp(str(e, "kind"), "submission") != 0)
			continue;
		struct submission s;
		submission_of(get(get(e, "commitment_from"), "submission"), &s);
		char hash[65];
		submission_hash(&s, hash);
		assert_string_equal(hash, str(e, "commitment"));
		seen++;
	}
	assert_int_equal(seen, 1);
	json_object_put(doc);
}

/* The log's own entries are made in SQL (sql/functions/tlog.sql) from what the database
 * holds, and moderation events' hashes too (officials.sql): the same vectors, when
 * tests/run.sh gives a migrated database. */
static char *sql_value(PGconn *pg, const char *sql, int n, const char *const *params)
{
	PGresult *res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		fail_msg("%s: %s", sql, PQerrorMessage(pg));
	char *v = PQgetisnull(res, 0, 0) ? NULL : strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

static void assert_sql_is(PGconn *pg, const char *sql, int n, const char *const *params,
			  const char *want)
{
	char *got = sql_value(pg, sql, n, params);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_entries_in_sql(void **state)
{
	(void)state;
	const char *url = getenv("PAKN_DATABASE_URL");
	if (!url)
		skip(); /* tests/run.sh gives a migrated database */
	PGconn *pg = PQconnectdb(url);
	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	json_object *doc = load("entries.json"), *list = get(doc, "entries");
	for (size_t i = 0; i < len(list); i++) {
		json_object *e = at(list, i), *from = get(e, "commitment_from"), *v;
		bool v1 = num(e, "version") == 1;
		const char *p[] = {v1 ? "1" : "2", str(e, "kind"), v1 ? str(e, "tracking_code") : NULL,
				   v1 ? str(e, "item_code") : NULL, v1 ? NULL : str(e, "handle"),
				   str(e, "at"), str(e, "commitment")};
		assert_sql_is(pg,
			      "SELECT convert_from(pakn_tlog_entry($1::smallint, $2, $3, $4, $5, $6, "
			      "$7), 'UTF8')",
			      7, p, str(e, "entry"));
		assert_sql_is(pg,
			      "SELECT encode(pakn_tlog_leaf(pakn_tlog_entry($1::smallint, $2, $3, $4, "
			      "$5, $6, $7)), 'hex')",
			      7, p, str(e, "leaf_hash"));
		if (!json_object_object_get_ex(from, "event", &v))
			continue;
		const char *q[] = {json_object_to_json_string(v), p[0],
				   v1 ? NULL : str(from, "salt")};
		assert_sql_is(pg,
			      "SELECT pakn_event_hash(e) FROM jsonb_populate_record(NULL::moderation_event,"
			      " $1::jsonb) e",
			      1, q, str(from, "audit_hash"));
		/* an answer's commitment reads the stored answer, which is not here */
		if (strcmp(str(e, "kind"), "answer") != 0)
			assert_sql_is(pg,
				      "SELECT pakn_tlog_event_commitment(e, $2::smallint, decode($3, "
				      "'hex')) FROM jsonb_populate_record(NULL::moderation_event, "
				      "$1::jsonb) e",
				      3, q, str(e, "commitment"));
	}
	json_object_put(doc);
	PQfinish(pg);
}

/* --- trees.json --------------------------------------------------------------------------- */

struct tree {
	json_object *doc;
	uint64_t n;
	uint8_t leaves[MAX_LEAVES][TLOG_HASH];
	uint8_t roots[MAX_LEAVES + 1][TLOG_HASH];
};

static void tree_load(struct tree *t)
{
	t->doc = load("trees.json");
	json_object *entries = get(t->doc, "entries"), *leaves = get(t->doc, "leaves"),
		    *roots = get(t->doc, "roots");
	t->n = len(leaves);
	assert_true(t->n >= 17 && t->n <= MAX_LEAVES);
	assert_int_equal(len(entries), t->n);
	assert_int_equal(len(roots), t->n + 1);
	for (uint64_t i = 0; i < t->n; i++) {
		const char *e = json_object_get_string(at(entries, i));
		tlog_leaf_hash(e, strlen(e), t->leaves[i]);
		assert_hex_of(t->leaves[i], TLOG_HASH, json_object_get_string(at(leaves, i)));
	}
	for (uint64_t i = 0; i <= t->n; i++)
		hex_hash(json_object_get_string(at(roots, i)), t->roots[i]);
}

static void test_tree_roots_and_frontiers(void **state)
{
	(void)state;
	struct tree t;
	tree_load(&t);
	json_object *frontiers = get(t.doc, "frontiers");
	struct tlog_builder b = {0};
	for (uint64_t n = 0; n <= t.n; n++) {
		uint8_t root[TLOG_HASH];
		tlog_builder_root(&b, root);
		assert_memory_equal(root, t.roots[n], TLOG_HASH);
		/* The builder's stack is the frontier an appending batch starts from. */
		uint8_t f[64][TLOG_HASH];
		int nf = hashes(at(frontiers, n), false, f);
		assert_int_equal(b.depth, nf);
		for (int i = 0; i < nf; i++)
			assert_memory_equal(b.stack[i], f[i], TLOG_HASH);
		if (n < t.n)
			tlog_builder_add(&b, t.leaves[n]);
	}
	json_object_put(t.doc);
}

static void test_tree_inclusion_proofs(void **state)
{
	(void)state;
	struct tree t;
	tree_load(&t);
	json_object *list = get(t.doc, "inclusion");
	assert_int_equal(len(list), t.n * (t.n + 1) / 2);
	for (size_t i = 0; i < len(list); i++) {
		json_object *v = at(list, i);
		uint64_t index = (uint64_t)num(v, "index"), size = (uint64_t)num(v, "size");
		uint8_t proof[TLOG_MAX_PROOF][TLOG_HASH];
		int np = hashes(get(v, "proof"), false, proof);
		assert_true(tlog_inclusion_ok(index, size, t.leaves[index], proof, (size_t)np,
					      t.roots[size]));
		/* a neighbouring leaf is not at this index */
		uint64_t other = (index ^ 1) < size ? index ^ 1 : index - 1;
		if (size > 1)
			assert_false(tlog_inclusion_ok(index, size, t.leaves[other], proof, (size_t)np,
						       t.roots[size]));
	}
	json_object_put(t.doc);
}

static void test_tree_consistency_proofs(void **state)
{
	(void)state;
	struct tree t;
	tree_load(&t);
	json_object *list = get(t.doc, "consistency");
	assert_int_equal(len(list), t.n * (t.n + 1) / 2);
	for (size_t i = 0; i < len(list); i++) {
		json_object *v = at(list, i);
		uint64_t m = (uint64_t)num(v, "from"), n = (uint64_t)num(v, "to");
		uint8_t proof[TLOG_MAX_PROOF][TLOG_HASH];
		int np = hashes(get(v, "proof"), false, proof);
		assert_true(tlog_consistency_ok(m, n, t.roots[m], t.roots[n], proof, (size_t)np));
		if (m > 1)
			assert_false(tlog_consistency_ok(m, n, t.roots[m - 1], t.roots[n], proof,
							 (size_t)np));
	}
	json_object_put(t.doc);
}

/* Every batch [start, size) of the log, appended to the frontier of its first start
 * entries, gives the vectors' root and inclusion proofs (how a batch head and its
 * receipts' proofs are made). */
static void test_tree_spans(void **state)
{
	(void)state;
	struct tree t;
	tree_load(&t);
	json_object *frontiers = get(t.doc, "frontiers"), *incl = get(t.doc, "inclusion");
	for (uint64_t start = 0; start < t.n; start++) {
		uint8_t f[64][TLOG_HASH];
		int nf = hashes(at(frontiers, start), false, f);
		for (uint64_t size = start + 1; size <= t.n; size++) {
			struct tlog_span sp;
			assert_int_equal(tlog_span_init(&sp, start, (const uint8_t(*)[TLOG_HASH])f, nf,
							(const uint8_t(*)[TLOG_HASH])t.leaves + start,
							size - start),
					 0);
			uint8_t root[TLOG_HASH];
			tlog_span_root(&sp, root);
			assert_memory_equal(root, t.roots[size], TLOG_HASH);
			for (uint64_t index = start; index < size; index++) {
				/* inclusion lists size by size, index by index */
				json_object *v = at(incl, (size - 1) * size / 2 + index);
				assert_int_equal(num(v, "index"), index);
				assert_int_equal(num(v, "size"), size);
				uint8_t want[TLOG_MAX_PROOF][TLOG_HASH], got[TLOG_MAX_PROOF][TLOG_HASH];
				int nw = hashes(get(v, "proof"), false, want);
				assert_int_equal(tlog_span_proof(&sp, index, got), nw);
				assert_memory_equal(got, want, (size_t)nw * TLOG_HASH);
			}
			tlog_span_free(&sp);
		}
	}
	json_object_put(t.doc);
}

/* --- notes.json --------------------------------------------------------------------------- */

static void test_notes(void **state)
{
	(void)state;
	struct signing_key k;
	signing_key_of("service", &k);
	json_object *doc = load("notes.json"), *cps = get(doc, "checkpoints"),
		    *rejects = get(doc, "rejects");
	char err[160];
	for (size_t i = 0; i < len(cps); i++) {
		json_object *v = at(cps, i);
		uint8_t root[TLOG_HASH], got_root[TLOG_HASH];
		assert_true(tlog_hash_from_b64(str(v, "root"), root));
		struct sbuf note = {0};
		tlog_checkpoint_sign(&note, str(v, "origin"), (uint64_t)num(v, "size"), root, k.sk,
				     k.pk);
		assert_bytes_are(&note, str(v, "note"));
		sbuf_free(&note);
		uint64_t size = 0;
		assert_int_equal(tlog_checkpoint_open(str(v, "note"), str(v, "origin"), k.pk, &size,
						      got_root, err, sizeof(err)),
				 0);
		assert_int_equal(size, num(v, "size"));
		assert_memory_equal(got_root, root, TLOG_HASH);
	}
	const char *origin = str(at(cps, 0), "origin");
	json_object *accepts = get(doc, "accepts"), *last = at(cps, len(cps) - 1);
	assert_true(len(accepts) >= 1);
	for (size_t i = 0; i < len(accepts); i++) {
		uint64_t size = 0;
		uint8_t root[TLOG_HASH], want[TLOG_HASH];
		if (tlog_checkpoint_open(str(at(accepts, i), "note"), origin, k.pk, &size, root, err,
					 sizeof(err)) != 0)
			fail_msg("refused a note with %s: %s", str(at(accepts, i), "what"), err);
		assert_int_equal(size, num(last, "size"));
		assert_true(tlog_hash_from_b64(str(last, "root"), want));
		assert_memory_equal(root, want, TLOG_HASH);
	}
	for (size_t i = 0; i < len(rejects); i++) {
		json_object *v = at(rejects, i);
		uint64_t size;
		uint8_t root[TLOG_HASH];
		if (tlog_checkpoint_open(str(v, "note"), origin, k.pk, &size, root, err,
					 sizeof(err)) != -1)
			fail_msg("accepted a note with %s", str(v, "what"));
	}
	json_object_put(doc);
}

/* --- receipts ----------------------------------------------------------------------------- */

static void receipt_of(json_object *o, struct receipt *r)
{
	char err[160];
	if (receipt_from_json(o, r, err, sizeof(err)) != 0)
		fail_msg("a vector's receipt does not read: %s", err);
}

static enum receipt_check expected(const char *what)
{
	static const struct {
		const char *name;
		enum receipt_check check;
	} names[] = {
		{"signature", RECEIPT_BAD_SIGNATURE}, {"key", RECEIPT_UNKNOWN_KEY},
		{"commitment", RECEIPT_BAD_COMMITMENT}, {"head", RECEIPT_UNKNOWN_KEY},
		{"proof", RECEIPT_NOT_IN_TREE},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(what, names[i].name) == 0)
			return names[i].check;
	fail_msg("unknown expectation %s", what);
	return RECEIPT_VALID;
}

/* Every tamper of the vector v: the receipt with one field set otherwise still reads, and
 * is refused for the reason named. */
static void check_tampers(json_object *v, const uint8_t (*pks)[crypto_sign_PUBLICKEYBYTES])
{
	json_object *tampers = get(v, "tampers");
	assert_true(len(tampers) >= 8);
	for (size_t i = 0; i < len(tampers); i++) {
		json_object *t = at(tampers, i), *copy = NULL;
		assert_int_equal(json_object_deep_copy(get(v, "receipt"), &copy, NULL), 0);
		json_object_object_foreach(get(t, "set"), key, val)
			json_object_object_add(copy, key, json_object_get(val));
		struct receipt r;
		receipt_of(copy, &r);
		uint64_t size;
		char err[256];
		enum receipt_check got = tlog_receipt_check(&r, pks, 1, NULL, &size, err, sizeof(err));
		if (got != expected(str(t, "expect")))
			fail_msg("%s: got %d (%s), want %s", str(t, "what"), got,
				 got == RECEIPT_VALID ? "valid" : err, str(t, "expect"));
		json_object_put(copy);
	}
}

static void test_receipts_v1(void **state)
{
	(void)state;
	struct signing_key k;
	signing_key_of("service", &k);
	json_object *doc = load("receipts-v1.json"), *list = get(doc, "receipts");
	assert_true(len(list) >= 1);
	for (size_t i = 0; i < len(list); i++) {
		json_object *v = at(list, i);
		struct receipt r;
		receipt_of(get(v, "receipt"), &r);
		char code[TRACKING_CODE_LEN + 1];
		assert_true(tracking_parse(r.tracking_code, code));
		assert_string_equal(code, r.tracking_code);

		struct submission s;
		submission_of(get(v, "submission"), &s);
		size_t clen;
		char *canonical = submission_canonical(&s, &clen);
		assert_int_equal(clen, strlen(str(v, "canonical_submission")));
		assert_memory_equal(canonical, str(v, "canonical_submission"), clen);
		free(canonical);
		char hash[65];
		submission_hash(&s, hash);
		assert_string_equal(hash, r.submission_hash);

		char msg[512];
		assert_int_equal(receipt_signed_bytes(&r, msg, sizeof(msg)),
				 strlen(str(v, "signed_bytes")));
		assert_string_equal(msg, str(v, "signed_bytes"));
		uint8_t want_sig[crypto_sign_BYTES];
		memcpy(want_sig, r.signature, sizeof(want_sig));
		receipt_sign(&r, &k); /* Ed25519 is deterministic */
		assert_memory_equal(r.signature, want_sig, sizeof(want_sig));

		struct sbuf entry = {0};
		tlog_receipt_entry(&entry, &r);
		assert_bytes_are(&entry, str(v, "entry"));
		sbuf_free(&entry);

		uint64_t size = 1;
		char err[256];
		assert_int_equal(tlog_receipt_check(&r, (const uint8_t(*)[32])k.pk, 1, NULL, &size, err,
						    sizeof(err)),
				 RECEIPT_VALID);
		assert_int_equal(size, 0);
		check_tampers(v, (const uint8_t(*)[32])k.pk);
	}
	json_object_put(doc);
}

static void test_receipts_v2(void **state)
{
	(void)state;
	struct signing_key k;
	signing_key_of("service", &k);
	json_object *doc = load("receipts-v2.json"), *list = get(doc, "receipts");
	assert_true(len(list) >= 2);
	for (size_t i = 0; i < len(list); i++) {
		json_object *v = at(list, i);
		struct receipt r;
		receipt_of(get(v, "receipt"), &r);
		char code[TRACKING_CODE_LEN + 1];
		assert_true(tracking_parse(r.tracking_code, code));
		assert_string_equal(code, r.tracking_code);

		char hash[65];
		const char *body = str(v, "body");
		receipt_body_hash(r.salt, body, strlen(body), hash);
		assert_string_equal(hash, r.body_hash);
		assert_int_equal(receipt_commitment(&r, hash), 0);
		assert_string_equal(hash, r.commitment);

		struct sbuf entry = {0};
		tlog_receipt_entry(&entry, &r);
		assert_bytes_are(&entry, str(v, "entry"));
		uint8_t leaf[TLOG_HASH];
		tlog_leaf_hash(entry.data, entry.len, leaf);
		assert_hex_of(leaf, TLOG_HASH, str(v, "leaf_hash"));
		sbuf_free(&entry);

		uint64_t size;
		uint8_t root[TLOG_HASH];
		char err[256];
		assert_int_equal(tlog_checkpoint_open(r.checkpoint, NULL, k.pk, &size, root, err,
						      sizeof(err)),
				 0);
		assert_int_equal(tlog_receipt_check(&r, (const uint8_t(*)[32])k.pk, 1, NULL, &size, err,
						    sizeof(err)),
				 RECEIPT_VALID);

		/* The batch that appended it gives the same head and proof, as the service
		 * makes them (tlog_head). */
		json_object *batch = get(v, "batch");
		char origin[256], root64[64];
		snprintf(origin, sizeof(origin), "%.*s", (int)strcspn(r.checkpoint, "\n"),
			 r.checkpoint);
		sodium_bin2base64(root64, sizeof(root64), root, TLOG_HASH,
				  sodium_base64_VARIANT_ORIGINAL);
		assert_string_equal(str(batch, "root"), root64);
		struct tlog_head h;
		assert_int_equal(tlog_head_from_json(&h, batch, origin, &k), 0);
		assert_int_equal(h.span.size, size);
		assert_string_equal(h.note, r.checkpoint);
		json_object *got = tlog_head_proof_json(&h, (uint64_t)r.log_index), *want = NULL;
		assert_non_null(got);
		assert_string_equal(str(got, "checkpoint"), r.checkpoint);
		assert_true(json_object_equal(get(got, "proof"), get(get(v, "receipt"), "proof")));
		json_object_put(got);
		tlog_head_free(&h);
		/* a batch whose tree is not the signed one makes no head */
		assert_int_equal(json_object_deep_copy(batch, &want, NULL), 0);
		json_object_object_add(want, "start", json_object_new_int64(num(batch, "start") + 1));
		assert_int_equal(tlog_head_from_json(&h, want, origin, &k), -1);
		json_object_put(want);
		/* nor do leaves that no longer make the root the batch appended */
		want = NULL;
		assert_int_equal(json_object_deep_copy(batch, &want, NULL), 0);
		json_object_object_add(want, "root", json_object_new_string(
			"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
		assert_int_equal(tlog_head_from_json(&h, want, origin, &k), -1);
		json_object_put(want);

		check_tampers(v, (const uint8_t(*)[32])k.pk);
	}
	json_object_put(doc);
}

/* --- cosignatures.json ---------------------------------------------------------------- */

/* A witness's cosignature line comes out byte for byte (Ed25519 is deterministic), its
 * vkey reads, cosign_note_check finds it with its timestamp and refuses each tamper, a
 * line by another key under the witness's name is not its, and the add-checkpoint body is
 * read as the generator wrote it and written back the same. */
static void test_cosignatures(void **state)
{
	(void)state;
	json_object *doc = load("cosignatures.json"), *w = get(doc, "witness");
	uint8_t seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES],
		sk[crypto_sign_SECRETKEYBYTES];
	size_t n;
	const char *hex = str(w, "seed");
	assert_int_equal(sodium_hex2bin(seed, sizeof(seed), hex, strlen(hex), NULL, &n, NULL), 0);
	assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
	struct cosign_vkey vk;
	char err[200];
	assert_int_equal(cosign_vkey_parse(str(w, "vkey"), &vk, err, sizeof(err)), 0);
	assert_int_equal(vk.type, COSIGN_TYPE_V1);
	assert_memory_equal(vk.pk, pk, sizeof(pk));
	assert_hex_of(vk.key_id, 4, str(w, "key_id"));

	const char *note = str(doc, "checkpoint");
	size_t text_len = tlog_note_text_len(note);
	struct sbuf line = {0};
	cosign_line(&line, str(w, "name"), sk, pk, note, text_len, (uint64_t)num(doc, "timestamp"));
	assert_bytes_are(&line, str(doc, "cosignature_line"));
	sbuf_free(&line);

	uint64_t ts = 0;
	assert_int_equal(cosign_note_check(str(doc, "cosigned_checkpoint"), &vk, &ts, NULL, 0, err,
					   sizeof(err)),
			 1);
	assert_int_equal(ts, (uint64_t)num(doc, "timestamp"));
	json_object *rejects = get(doc, "rejects");
	for (size_t i = 0; i < len(rejects); i++) {
		json_object *r = at(rejects, i);
		int rc = cosign_note_check(str(r, "note"), &vk, &ts, NULL, 0, err, sizeof(err));
		if (rc == 1)
			fail_msg("accepted: %s", str(r, "what"));
	}
	assert_int_equal(cosign_note_check(str(get(doc, "not_this_witness"), "note"), &vk, &ts, NULL,
					   0, err, sizeof(err)),
			 0);

	json_object *add = get(doc, "add_checkpoint");
	const char *body = str(add, "body");
	struct cosign_request req;
	assert_int_equal(cosign_request_parse(body, strlen(body), &req, err, sizeof(err)), 0);
	assert_int_equal(req.old_size, (uint64_t)num(add, "old_size"));
	uint8_t proof[TLOG_MAX_PROOF][TLOG_HASH];
	int np = hashes(get(add, "proof"), false, proof);
	assert_int_equal(req.nproof, np);
	assert_memory_equal(req.proof, proof, (size_t)np * TLOG_HASH);
	assert_string_equal(req.note, str(add, "note"));
	struct sbuf again = {0};
	cosign_request_format(&again, req.old_size, (const uint8_t(*)[TLOG_HASH])req.proof,
			      req.nproof, req.note);
	assert_bytes_are(&again, body);
	sbuf_free(&again);
	json_object_put(doc);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_entries_v1_submission_commitment),
		cmocka_unit_test(test_entries_in_sql),
		cmocka_unit_test(test_tree_roots_and_frontiers),
		cmocka_unit_test(test_tree_inclusion_proofs),
		cmocka_unit_test(test_tree_consistency_proofs),
		cmocka_unit_test(test_tree_spans),
		cmocka_unit_test(test_notes),
		cmocka_unit_test(test_receipts_v1),
		cmocka_unit_test(test_receipts_v2),
		cmocka_unit_test(test_cosignatures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
