/* test_tlog.c - tests server/tlog/tlog.c against other people's arithmetic: the RFC 6962/9162
 * test vectors of the Certificate Transparency reference implementation (as kept in
 * transparency-dev/merkle, testonly/constants.go: the eight leaves, the roots of sizes 0-8,
 * inclusion and consistency proofs) and the signed-note example of
 * golang.org/x/mod/sumdb/note (the "PeterNeumann" key and signature). Then, for every tree
 * of 1 to 70 leaves, every inclusion and consistency proof made by a plain recursive
 * reading of RFC 9162 §2.1 verifies, and a proof with one bit changed does not; and the
 * tree of an appending batch (tlog_span: a frontier and new leaves) gives that reading's
 * root and inclusion proofs for every batch of a tree of up to 70 leaves and for some of a
 * tree of 8,200. tlog_hash_from_b64 takes exactly what libsodium's decoder takes as a hash. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tlog/tlog.h"

static const struct {
	const char *bytes;
	size_t len;
} leaves[] = {
	{"", 0},
	{"\x00", 1},
	{"\x10", 1},
	{"\x20\x21", 2},
	{"\x30\x31", 2},
	{"\x40\x41\x42\x43", 4},
	{"\x50\x51\x52\x53\x54\x55\x56\x57", 8},
	{"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16},
};

static const char *const roots[] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void hex32(const char *hex, uint8_t out[TLOG_HASH])
{
	assert_int_equal(sodium_hex2bin(out, TLOG_HASH, hex, strlen(hex), NULL, NULL, NULL), 0);
}

static void leaf_hash(int i, uint8_t out[TLOG_HASH])
{
	tlog_leaf_hash(leaves[i].bytes, leaves[i].len, out);
}

static void test_roots_of_the_reference_vectors(void **state)
{
	(void)state;
	struct tlog_builder b = {0};
	for (int n = 0; n <= 8; n++) {
		uint8_t got[TLOG_HASH], want[TLOG_HASH];
		tlog_builder_root(&b, got);
		hex32(roots[n], want);
		assert_memory_equal(got, want, TLOG_HASH);
		if (n < 8) {
			uint8_t h[TLOG_HASH];
			leaf_hash(n, h);
			tlog_builder_add(&b, h);
		}
	}
}

struct vector {
	uint64_t a, b; /* index and size, or old and new size */
	int n;
	const char *proof[3];
};

static void test_reference_inclusion_proofs(void **state)
{
	(void)state;
	static const struct vector v[] = {
		{0, 8, 3,
		 {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
		{5, 8, 3,
		 {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t proof[3][TLOG_HASH], leaf[TLOG_HASH], root[TLOG_HASH];
		for (int k = 0; k < v[i].n; k++)
			hex32(v[i].proof[k], proof[k]);
		leaf_hash((int)v[i].a, leaf);
		hex32(roots[v[i].b], root);
		assert_true(tlog_inclusion_ok(v[i].a, v[i].b, leaf, proof, (size_t)v[i].n, root));
		/* Another leaf, another index, a short proof: all refused. */
		assert_false(tlog_inclusion_ok(v[i].a ^ 1, v[i].b, leaf, proof, (size_t)v[i].n, root));
		assert_false(tlog_inclusion_ok(v[i].a, v[i].b, leaf, proof, (size_t)v[i].n - 1, root));
		leaf[0] ^= 1;
		assert_false(tlog_inclusion_ok(v[i].a, v[i].b, leaf, proof, (size_t)v[i].n, root));
	}
}

static void test_reference_consistency_proofs(void **state)
{
	(void)state;
	static const struct vector v[] = {
		{1, 1, 0, {NULL}},
		{1, 8, 3,
		 {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
		{6, 8, 3,
		 {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
		{2, 5, 2,
		 {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t proof[3][TLOG_HASH], old_root[TLOG_HASH], new_root[TLOG_HASH];
		for (int k = 0; k < v[i].n; k++)
			hex32(v[i].proof[k], proof[k]);
		hex32(roots[v[i].a], old_root);
		hex32(roots[v[i].b], new_root);
		assert_true(tlog_consistency_ok(v[i].a, v[i].b, old_root, new_root, proof,
						(size_t)v[i].n));
		old_root[5] ^= 0x20;
		assert_false(tlog_consistency_ok(v[i].a, v[i].b, old_root, new_root, proof,
						 (size_t)v[i].n));
	}
}

/* --- every tree of 1 to 70 leaves ------------------------------------------------------- */

#define MAXN 70
#define BIGN 8200 /* past 2^13, for the spans of a larger tree */
static uint8_t big[BIGN][TLOG_HASH];

static void make_leaves(void)
{
	for (int i = 0; i < BIGN; i++) {
		char entry[32];
		int len = snprintf(entry, sizeof(entry), "entry %d", i);
		tlog_leaf_hash(entry, (size_t)len, big[i]);
	}
}

static uint64_t split(uint64_t n)
{
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	return k;
}

static void mth(uint64_t lo, uint64_t hi, uint8_t out[TLOG_HASH])
{
	if (hi - lo == 1) {
		memcpy(out, big[lo], TLOG_HASH);
		return;
	}
	uint64_t k = split(hi - lo);
	uint8_t l[TLOG_HASH], r[TLOG_HASH];
	mth(lo, lo + k, l);
	mth(lo + k, hi, r);
	tlog_node_hash(l, r, out);
}

static void path(uint64_t m, uint64_t lo, uint64_t hi, uint8_t (*out)[TLOG_HASH], size_t *n)
{
	if (hi - lo <= 1)
		return;
	uint64_t k = split(hi - lo);
	if (m < k) {
		path(m, lo, lo + k, out, n);
		mth(lo + k, hi, out[(*n)++]);
	} else {
		path(m - k, lo + k, hi, out, n);
		mth(lo, lo + k, out[(*n)++]);
	}
}

static void subproof(uint64_t m, uint64_t lo, uint64_t hi, bool b, uint8_t (*out)[TLOG_HASH],
		     size_t *n)
{
	if (m == hi - lo) {
		if (!b)
			mth(lo, hi, out[(*n)++]);
		return;
	}
	uint64_t k = split(hi - lo);
	if (m <= k) {
		subproof(m, lo, lo + k, b, out, n);
		mth(lo + k, hi, out[(*n)++]);
	} else {
		subproof(m - k, lo + k, hi, false, out, n);
		mth(lo, lo + k, out[(*n)++]);
	}
}

static void test_every_proof_of_small_trees(void **state)
{
	(void)state;
	make_leaves();
	uint8_t rootof[MAXN + 1][TLOG_HASH];
	struct tlog_builder b = {0};
	for (uint64_t n = 1; n <= MAXN; n++) {
		tlog_builder_add(&b, big[n - 1]);
		tlog_builder_root(&b, rootof[n]);
		uint8_t want[TLOG_HASH];
		mth(0, n, want);
		assert_memory_equal(rootof[n], want, TLOG_HASH);
	}
	uint8_t proof[TLOG_MAX_PROOF][TLOG_HASH];
	for (uint64_t n = 1; n <= MAXN; n++) {
		for (uint64_t m = 0; m < n; m++) {
			size_t len = 0;
			path(m, 0, n, proof, &len);
			assert_true(tlog_inclusion_ok(m, n, big[m], proof, len, rootof[n]));
			if (len) {
				proof[len - 1][7] ^= 4;
				assert_false(tlog_inclusion_ok(m, n, big[m], proof, len, rootof[n]));
			}
		}
		for (uint64_t m = 1; m <= n; m++) {
			size_t len = 0;
			if (m < n)
				subproof(m, 0, n, true, proof, &len);
			assert_true(tlog_consistency_ok(m, n, rootof[m], rootof[n], proof, len));
			if (len) {
				proof[0][0] ^= 1;
				assert_false(tlog_consistency_ok(m, n, rootof[m], rootof[n], proof, len));
			}
		}
	}
}

/* --- spans: the tree one appending transaction sees ------------------------------------ */

/* The frontier of the first start leaves: the roots of its perfect subtrees, largest
 * first, as the RFC's MTH gives them. Returns how many. */
static int frontier_of(uint64_t start, uint8_t (*out)[TLOG_HASH])
{
	int n = 0;
	uint64_t lo = 0;
	for (int bit = 63; bit >= 0; bit--)
		if (start & (1ULL << bit)) {
			mth(lo, lo + (1ULL << bit), out[n++]);
			lo += 1ULL << bit;
		}
	return n;
}

/* The span [start, size) over big[] gives the RFC's root and, for each index it holds
 * (every step-th one), the RFC's inclusion proof; want is the root when already known. */
static void check_span(uint64_t start, uint64_t size, uint64_t step, const uint8_t *want)
{
	uint8_t f[64][TLOG_HASH], root[TLOG_HASH], ref[TLOG_HASH];
	int nf = frontier_of(start, f);
	struct tlog_span sp;
	assert_int_equal(tlog_span_init(&sp, start, (const uint8_t(*)[TLOG_HASH])f, nf,
					(const uint8_t(*)[TLOG_HASH])big + start, size - start),
			 0);
	tlog_span_root(&sp, root);
	if (!want) {
		mth(0, size, ref);
		want = ref;
	}
	assert_memory_equal(root, want, TLOG_HASH);
	uint8_t got[TLOG_MAX_PROOF][TLOG_HASH], proof[TLOG_MAX_PROOF][TLOG_HASH];
	for (uint64_t m = start; m < size; m += step) {
		size_t len = 0;
		path(m, 0, size, proof, &len);
		assert_int_equal(tlog_span_proof(&sp, m, got), (int)len);
		assert_memory_equal(got, proof, len * TLOG_HASH);
	}
	/* outside the span there is nothing to prove */
	assert_int_equal(tlog_span_proof(&sp, size, got), -1);
	if (start > 0)
		assert_int_equal(tlog_span_proof(&sp, start - 1, got), -1);
	tlog_span_free(&sp);
}

static void test_span_of_every_small_batch(void **state)
{
	(void)state;
	make_leaves();
	uint8_t rootof[MAXN + 1][TLOG_HASH];
	for (uint64_t n = 1; n <= MAXN; n++)
		mth(0, n, rootof[n]);
	for (uint64_t size = 1; size <= MAXN; size++)
		for (uint64_t start = 0; start < size; start++)
			check_span(start, size, 1, rootof[size]);
}

static void test_span_of_a_larger_tree(void **state)
{
	(void)state;
	make_leaves();
	static const struct {
		uint64_t start, size, step;
	} cases[] = {
		{8189, 8197, 1}, /* across 2^13 */
		{8191, 8192, 1}, {8192, 8200, 1}, {4095, 4097, 1}, {5000, 5001, 1},
		{6143, 8200, 97}, {1, 8200, 389}, {0, 8200, 1000},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_span(cases[i].start, cases[i].size, cases[i].step, NULL);
}

static void test_span_refuses_a_frontier_that_does_not_fit(void **state)
{
	(void)state;
	make_leaves();
	uint8_t f[64][TLOG_HASH];
	struct tlog_span sp;
	for (uint64_t start = 0; start < 70; start++) {
		int nf = frontier_of(start, f);
		const uint8_t(*batch)[TLOG_HASH] = (const uint8_t(*)[TLOG_HASH])big + start;
		assert_int_equal(tlog_span_init(&sp, start, (const uint8_t(*)[TLOG_HASH])f, nf + 1,
						batch, 3),
				 -1);
		if (nf > 0)
			assert_int_equal(tlog_span_init(&sp, start, (const uint8_t(*)[TLOG_HASH])f,
							nf - 1, batch, 3),
					 -1);
		/* a batch of nothing has no tree head */
		assert_int_equal(tlog_span_init(&sp, start, (const uint8_t(*)[TLOG_HASH])f, nf, batch,
						0),
				 -1);
	}
}

/* --- signed notes and checkpoints ------------------------------------------------------- */

static bool sodium_hash(const char *b64, uint8_t out[TLOG_HASH])
{
	size_t len;
	return sodium_base642bin(out, TLOG_HASH, b64, strlen(b64), NULL, &len, NULL,
				 sodium_base64_VARIANT_ORIGINAL) == 0 &&
	       len == TLOG_HASH;
}

/* Random hashes, each character of each replaced by every byte, cut, grown, unpadded: the
 * table decoder says yes exactly when libsodium does, with the same bytes. */
static void test_hash_from_b64_as_libsodium_decodes(void **state)
{
	(void)state;
	int accepted = 0, refused = 0;
	for (int round = 0; round < 40; round++) {
		uint8_t h[TLOG_HASH];
		randombytes_buf(h, sizeof(h));
		if (round == 0)
			memset(h, 0, sizeof(h));
		if (round == 1)
			memset(h, 0xff, sizeof(h));
		char b64[64];
		sodium_bin2base64(b64, sizeof(b64), h, sizeof(h), sodium_base64_VARIANT_ORIGINAL);
		for (size_t i = 0; i <= strlen(b64); i++) {
			for (int c = 1; c < 256; c += (round < 2 ? 1 : 7)) {
				char t[64];
				snprintf(t, sizeof(t), "%s", b64);
				t[i] = (char)c; /* at strlen: one byte more */
				if (i == strlen(b64))
					t[i + 1] = '\0';
				uint8_t mine[TLOG_HASH], theirs[TLOG_HASH];
				bool a = tlog_hash_from_b64(t, mine), b = sodium_hash(t, theirs);
				assert_int_equal(a, b);
				if (a)
					assert_memory_equal(mine, theirs, TLOG_HASH);
				accepted += a;
				refused += !a;
			}
		}
		uint8_t out[TLOG_HASH];
		assert_true(tlog_hash_from_b64(b64, out));
		assert_memory_equal(out, h, TLOG_HASH);
		char cut[64];
		snprintf(cut, sizeof(cut), "%.43s", b64); /* no padding */
		assert_false(tlog_hash_from_b64(cut, out));
		assert_false(sodium_hash(cut, out));
		snprintf(cut, sizeof(cut), "%.40s", b64);
		assert_false(tlog_hash_from_b64(cut, out));
	}
	assert_false(tlog_hash_from_b64(NULL, (uint8_t[TLOG_HASH]){0}));
	assert_false(tlog_hash_from_b64("", (uint8_t[TLOG_HASH]){0}));
	assert_true(accepted > 40 && refused > 1000);
}

static void test_go_signed_note_example(void **state)
{
	(void)state;
	/* vkey "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW": after the
	 * type byte 0x01, the public key. */
	uint8_t raw[33];
	size_t len;
	const char *vkey = "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
	assert_int_equal(sodium_base642bin(raw, sizeof(raw), vkey, strlen(vkey), NULL, &len, NULL,
					   sodium_base64_VARIANT_ORIGINAL),
			 0);
	assert_int_equal(len, 33);
	assert_int_equal(raw[0], 1);
	uint8_t hash[4];
	tlog_note_key_id("PeterNeumann", TLOG_NOTE_ED25519, raw + 1, hash);
	assert_memory_equal(hash, "\xc7\x4f\x20\xa3", 4);
	const char *note =
		"If you think cryptography is the answer to your problem,\n"
		"then you don't know what your problem is.\n"
		"\n"
		"\xE2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
	char err[128];
	assert_int_equal(tlog_note_verify(note, "PeterNeumann", raw + 1, err, sizeof(err)), 0);
	char *changed = strdup(note);
	changed[3] = 'Y';
	assert_int_equal(tlog_note_verify(changed, "PeterNeumann", raw + 1, err, sizeof(err)), -1);
	free(changed);
	assert_int_equal(tlog_note_verify(note, "Someone", raw + 1, err, sizeof(err)), -1);
}

static void test_checkpoint_round_trip(void **state)
{
	(void)state;
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], root[TLOG_HASH];
	crypto_sign_keypair(pk, sk);
	hex32(roots[8], root);
	struct sbuf note = {0};
	tlog_checkpoint_sign(&note, "pakn57.example/log", 8, root, sk, pk);
	char root64[64];
	sodium_bin2base64(root64, sizeof(root64), root, TLOG_HASH, sodium_base64_VARIANT_ORIGINAL);
	char want[256];
	snprintf(want, sizeof(want), "pakn57.example/log\n8\n%s\n\n\xE2\x80\x94 pakn57.example/log ",
		 root64);
	assert_memory_equal(note.data, want, strlen(want));
	uint64_t size = 0;
	uint8_t got[TLOG_HASH];
	char err[128];
	assert_int_equal(tlog_checkpoint_open(note.data, "pakn57.example/log", pk, &size, got, err,
					      sizeof(err)),
			 0);
	assert_int_equal(size, 8);
	assert_memory_equal(got, root, TLOG_HASH);
	assert_int_equal(tlog_checkpoint_open(note.data, NULL, pk, &size, got, err, sizeof(err)), 0);
	assert_int_equal(tlog_checkpoint_open(note.data, "other/log", pk, &size, got, err,
					      sizeof(err)),
			 -1);
	note.data[strlen("pakn57.example/log\n")] = '9'; /* another size */
	assert_int_equal(tlog_checkpoint_open(note.data, NULL, pk, &size, got, err, sizeof(err)),
			 -1);
	sbuf_free(&note);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roots_of_the_reference_vectors),
		cmocka_unit_test(test_reference_inclusion_proofs),
		cmocka_unit_test(test_reference_consistency_proofs),
		cmocka_unit_test(test_every_proof_of_small_trees),
		cmocka_unit_test(test_span_of_every_small_batch),
		cmocka_unit_test(test_span_of_a_larger_tree),
		cmocka_unit_test(test_span_refuses_a_frontier_that_does_not_fit),
		cmocka_unit_test(test_hash_from_b64_as_libsodium_decodes),
		cmocka_unit_test(test_go_signed_note_example),
		cmocka_unit_test(test_checkpoint_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
