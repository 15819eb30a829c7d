/* receipt_cost.c - what proving a submission costs the service, per submission, in CPU
 * time on this machine, for batch sizes 1 to 128 (docs/tlog.md, "Tree heads"):
 *   v1  one Ed25519 signature per receipt (receipt_sign), as before receipts version 2;
 *   v2  per submission its body hash and commitment, and per batch one tree span over the
 *       batch's leaves (the first entries through a frontier of 20 hashes), one signed
 *       checkpoint, and each entry's inclusion proof, which is what intake does now.
 * Run by `make bench` (bench/run.sh), which puts the table in bench/results/. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "crypto/receipt.h"
#include "tlog/tlog.h"

static double cpu_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct signing_key key;

static void v1_batch(struct receipt *r, int n)
{
	for (int i = 0; i < n; i++) {
		r[i].log_index = i;
		receipt_sign(&r[i], &key);
	}
}

static void v2_batch(struct receipt *r, int n, uint64_t start,
		     const uint8_t (*frontier)[TLOG_HASH], int nf, const char *body)
{
	uint8_t (*leaves)[TLOG_HASH] = malloc((size_t)n * TLOG_HASH);
	for (int i = 0; i < n; i++) {
		receipt_body_hash(r[i].salt, body, strlen(body), r[i].body_hash);
		receipt_commitment(&r[i], r[i].commitment);
		struct sbuf e = {0};
		tlog_entry_v2_bytes(&e, "submission", r[i].handle, r[i].committed_at, r[i].commitment);
		tlog_leaf_hash(e.data, e.len, leaves[i]);
		sbuf_free(&e);
	}
	struct tlog_span span;
	uint8_t root[TLOG_HASH];
	if (tlog_span_init(&span, start, frontier, nf, (const uint8_t(*)[TLOG_HASH])leaves,
			   (uint64_t)n) < 0)
		abort();
	tlog_span_root(&span, root);
	struct sbuf note = {0};
	tlog_checkpoint_sign(&note, "pakn57.local/log", span.size, root, key.sk, key.pk);
	for (int i = 0; i < n; i++) {
		r[i].nproof = tlog_span_proof(&span, start + (uint64_t)i, (uint8_t(*)[TLOG_HASH])r[i].proof);
		memcpy(r[i].checkpoint, note.data, note.len + 1);
	}
	sbuf_free(&note);
	tlog_span_free(&span);
	free(leaves);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	crypto_sign_keypair(key.pk, key.sk);
	keys_id_of(key.pk, key.id);
	static const char body[] = "Đề nghị tỉnh công khai tiến độ số hóa hồ sơ thủ tục hành chính "
				   "cấp xã, và lập kênh góp ý riêng cho doanh nghiệp nhỏ.";
	/* A log of about a million entries: the frontier has one hash per one bit. */
	uint64_t start = (1u << 20) - 1;
	int nf = __builtin_popcountll(start);
	uint8_t frontier[64][TLOG_HASH];
	randombytes_buf(frontier, sizeof(frontier));
	static const int sizes[] = {1, 4, 16, 64, 128};
	struct receipt *r = calloc(128, sizeof(*r));
	for (int i = 0; i < 128; i++) {
		r[i].version = 2;
		snprintf(r[i].tracking_code, sizeof(r[i].tracking_code), "8XB0-NPJA-X3K8-0MB%c-G",
			 'A' + i % 20);
		snprintf(r[i].item_code, sizeof(r[i].item_code), "LC-T25");
		snprintf(r[i].committed_at, sizeof(r[i].committed_at), "2026-12-07T15:05:17.930139Z");
		snprintf(r[i].submission_hash, sizeof(r[i].submission_hash), "%064d", i);
		r[i].rating = 4;
		snprintf(r[i].kind, sizeof(r[i].kind), "opinion");
		uint8_t rnd[32];
		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(r[i].salt, sizeof(r[i].salt), rnd, 32);
		sodium_bin2hex(r[i].handle, sizeof(r[i].handle), rnd, 16);
	}
	printf("| batch size | v1: one signature per receipt, µs per submission | v2: head, proofs "
	       "and commitment, µs per submission | of which the one signature | v2 ÷ v1 |\n");
	printf("| --- | --- | --- | --- | --- |\n");
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		int n = sizes[s], rounds = 20000 / n + 200;
		double t0 = cpu_seconds();
		for (int k = 0; k < rounds; k++)
			v1_batch(r, n);
		double v1 = (cpu_seconds() - t0) / rounds / n * 1e6;
		t0 = cpu_seconds();
		for (int k = 0; k < rounds; k++)
			v2_batch(r, n, start, (const uint8_t(*)[TLOG_HASH])frontier, nf, body);
		double v2 = (cpu_seconds() - t0) / rounds / n * 1e6;
		/* the signature alone: v1's per receipt, shared by the batch in v2 */
		printf("| %d | %.2f | %.2f | %.2f | %.3f |\n", n, v1, v2, v1 / n, v2 / v1);
	}
	free(r);
	return 0;
}
