/* test_witness.c - tests tools/witness.c, the decisions of pakn-witness, on a log of our own
 * key: every status C2SP tlog-witness gives an add-checkpoint (400, 403, 404, 409, 422, 200),
 * a fork refused and kept as evidence, the state surviving a restart (a new witness on the
 * same directory still refuses the fork and accepts the true log), a damaged state file
 * refused at start, and the key file's round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "witness.h"

#define ORIGIN "example.org/log"

struct fixture {
	char dir[64];
	uint8_t log_pk[crypto_sign_PUBLICKEYBYTES], log_sk[crypto_sign_SECRETKEYBYTES];
	uint8_t w_sk[crypto_sign_SECRETKEYBYTES];
	struct cosign_vkey self;
	char log_spec[TLOG_NAME_MAX + 128];
	uint8_t leaf[4][TLOG_HASH], other[TLOG_HASH]; /* leaves 0-3, and a changed leaf 1 */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/pakn-witness-test-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	crypto_sign_keypair(f->log_pk, f->log_sk);
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	crypto_sign_keypair(pk, f->w_sk);
	f->self = (struct cosign_vkey){.type = COSIGN_TYPE_V1};
	snprintf(f->self.name, sizeof(f->self.name), "witness.example/w1");
	memcpy(f->self.pk, pk, sizeof(pk));
	tlog_note_key_id(f->self.name, COSIGN_TYPE_V1, pk, f->self.key_id);
	struct cosign_vkey lk = {.type = COSIGN_TYPE_NOTE};
	snprintf(lk.name, sizeof(lk.name), ORIGIN);
	memcpy(lk.pk, f->log_pk, sizeof(f->log_pk));
	tlog_note_key_id(ORIGIN, COSIGN_TYPE_NOTE, f->log_pk, lk.key_id);
	struct sbuf spec = {0};
	sbuf_puts(&spec, ORIGIN "=");
	cosign_vkey_format(&spec, &lk);
	snprintf(f->log_spec, sizeof(f->log_spec), "%s", spec.data);
	sbuf_free(&spec);
	for (int i = 0; i < 4; i++) {
		char e[16];
		snprintf(e, sizeof(e), "e%d", i);
		tlog_leaf_hash(e, strlen(e), f->leaf[i]);
	}
	tlog_leaf_hash("changed", 7, f->other);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	DIR *d = opendir(f->dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", f->dir, e->d_name);
		if (e->d_name[0] != '.' || strlen(e->d_name) > 2)
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct witness *open_witness(struct fixture *f)
{
	char err[256];
	struct witness *w = witness_new(f->self.name, f->w_sk, f->dir);
	assert_int_equal(witness_add_log(w, f->log_spec, err, sizeof(err)), 0);
	assert_int_equal(witness_load(w, err, sizeof(err)), 0);
	return w;
}

/* The root of leaves[0..n), with leaf 1 changed if forked. */
static void root_of(struct fixture *f, int n, bool forked, uint8_t out[TLOG_HASH])
{
	struct tlog_builder b = {0};
	for (int i = 0; i < n; i++)
		tlog_builder_add(&b, i == 1 && forked ? f->other : f->leaf[i]);
	tlog_builder_root(&b, out);
}

/* An add-checkpoint body: old, proof, and the checkpoint of n leaves signed with sk. */
static char *body_of(struct fixture *f, uint64_t old, const uint8_t (*proof)[TLOG_HASH],
		     int nproof, int n, bool forked, const uint8_t *sk)
{
	uint8_t root[TLOG_HASH];
	root_of(f, n, forked, root);
	struct sbuf note = {0}, body = {0};
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	tlog_checkpoint_sign(&note, ORIGIN, (uint64_t)n, root, sk, pk);
	cosign_request_format(&body, old, proof, nproof, note.data);
	sbuf_free(&note);
	return sbuf_take(&body);
}

static int add(struct witness *w, char *body, struct sbuf *reply, const char **type)
{
	sbuf_free(reply);
	int status = witness_add_checkpoint(w, body, strlen(body), 1779573024, reply, type);
	free(body);
	return status;
}

static bool has_evidence(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;
	while (d && (e = readdir(d)))
		found = found || strncmp(e->d_name, "fork-", 5) == 0;
	closedir(d);
	return found;
}

static void test_the_statuses_of_add_checkpoint(void **state)
{
	struct fixture *f = *state;
	struct witness *w = open_witness(f);
	struct sbuf reply = {0};
	const char *type;
	uint8_t other_pk[crypto_sign_PUBLICKEYBYTES], other_sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_keypair(other_pk, other_sk);

	assert_int_equal(add(w, strdup("garbage"), &reply, &type), 400);
	assert_int_equal(add(w, strdup("old 0\n\nelsewhere.org/log\n1\n"
				       "KgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"
				       "\xE2\x80\x94 elsewhere.org/log AAAAAAAA\n"),
			     &reply, &type),
			 404);
	assert_int_equal(add(w, body_of(f, 0, NULL, 0, 1, false, other_sk), &reply, &type), 403);
	/* The log's own key and key ID, a signature that fails: 403 too. */
	char *bad = body_of(f, 0, NULL, 0, 1, false, f->log_sk);
	bad[strlen(bad) - 5] = bad[strlen(bad) - 5] == 'A' ? 'B' : 'A';
	assert_int_equal(add(w, bad, &reply, &type), 403);
	/* A proof from the empty tree must be empty. */
	assert_int_equal(add(w, body_of(f, 0, f->leaf, 1, 1, false, f->log_sk), &reply, &type), 422);

	/* The first checkpoint is taken on trust; the reply is a cosignature of it. */
	char *first = body_of(f, 0, NULL, 0, 1, false, f->log_sk);
	struct cosign_request rq;
	char err[160];
	assert_int_equal(cosign_request_parse(first, strlen(first), &rq, err, sizeof(err)), 0);
	struct sbuf note = {0};
	sbuf_printf(&note, "%s", rq.note);
	assert_int_equal(add(w, first, &reply, &type), 200);
	sbuf_append(&note, reply.data, reply.len);
	uint64_t ts;
	assert_int_equal(cosign_note_check(note.data, &f->self, &ts, NULL, 0, err, sizeof(err)), 1);
	assert_true(ts == 1779573024);
	sbuf_free(&note);

	/* A client that does not know the witness's size learns it. */
	assert_int_equal(add(w, body_of(f, 0, NULL, 0, 2, false, f->log_sk), &reply, &type), 409);
	assert_string_equal(type, "text/x.tlog.size");
	assert_string_equal(reply.data, "1\n");
	assert_int_equal(add(w, body_of(f, 3, NULL, 0, 2, false, f->log_sk), &reply, &type), 400);

	/* 1 -> 2 with its proof (the second leaf). */
	assert_int_equal(add(w, body_of(f, 1, &f->leaf[1], 1, 2, false, f->log_sk), &reply, &type),
			 200);
	/* The same size again with the same root is cosigned again; with another, refused. */
	assert_int_equal(add(w, body_of(f, 2, NULL, 0, 2, false, f->log_sk), &reply, &type), 200);
	assert_false(has_evidence(f->dir));
	assert_int_equal(add(w, body_of(f, 2, NULL, 0, 2, true, f->log_sk), &reply, &type), 422);
	assert_true(has_evidence(f->dir));
	/* A rewritten log, its checkpoint signed by the log's own key: leaf 1 changed, and the
	 * proof from 2 to 3 as the rewritten log would give it. */
	assert_int_equal(add(w, body_of(f, 2, &f->leaf[2], 1, 3, true, f->log_sk), &reply, &type),
			 422);
	witness_free(w);

	/* After a restart on the same directory: the fork is still refused, the log goes on. */
	w = open_witness(f);
	assert_int_equal(add(w, body_of(f, 0, NULL, 0, 3, true, f->log_sk), &reply, &type), 409);
	assert_string_equal(reply.data, "2\n");
	assert_int_equal(add(w, body_of(f, 2, &f->leaf[2], 1, 3, true, f->log_sk), &reply, &type),
			 422);
	assert_int_equal(add(w, body_of(f, 2, &f->leaf[2], 1, 3, false, f->log_sk), &reply, &type),
			 200);
	/* What it serves to monitors: the checkpoint, the log's signature, its cosignature. */
	struct sbuf kept = {0};
	uint8_t h[crypto_hash_sha256_BYTES];
	char hex[65];
	crypto_hash_sha256(h, (const uint8_t *)ORIGIN, strlen(ORIGIN));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	assert_int_equal(witness_checkpoint(w, hex, &kept), 200);
	assert_int_equal(tlog_note_verify(kept.data, ORIGIN, f->log_pk, err, sizeof(err)), 0);
	assert_int_equal(cosign_note_check(kept.data, &f->self, &ts, NULL, 0, err, sizeof(err)), 1);
	sbuf_free(&kept);
	hex[0] = hex[0] == '0' ? '1' : '0';
	assert_int_equal(witness_checkpoint(w, hex, &kept), 404);
	sbuf_free(&kept);
	sbuf_free(&reply);
	witness_free(w);
}

static void test_an_empty_tree_needs_the_empty_root(void **state)
{
	struct fixture *f = *state;
	struct witness *w = open_witness(f);
	struct sbuf reply = {0}, note = {0}, body = {0};
	const char *type;
	uint8_t empty[TLOG_HASH];
	crypto_hash_sha256(empty, (const uint8_t *)"", 0);
	tlog_checkpoint_sign(&note, ORIGIN, 0, f->leaf[0], f->log_sk, f->log_pk);
	cosign_request_format(&body, 0, NULL, 0, note.data);
	assert_int_equal(add(w, sbuf_take(&body), &reply, &type), 422);
	sbuf_free(&note);
	tlog_checkpoint_sign(&note, ORIGIN, 0, empty, f->log_sk, f->log_pk);
	cosign_request_format(&body, 0, NULL, 0, note.data);
	assert_int_equal(add(w, sbuf_take(&body), &reply, &type), 200);
	sbuf_free(&note);
	sbuf_free(&reply);
	witness_free(w);
}

static void test_a_damaged_state_is_refused_at_start(void **state)
{
	struct fixture *f = *state;
	struct witness *w = open_witness(f);
	struct sbuf reply = {0};
	const char *type;
	assert_int_equal(add(w, body_of(f, 0, NULL, 0, 2, false, f->log_sk), &reply, &type), 200);
	witness_free(w);
	sbuf_free(&reply);

	uint8_t h[crypto_hash_sha256_BYTES];
	char hex[65], path[256], err[512];
	crypto_hash_sha256(h, (const uint8_t *)ORIGIN, strlen(ORIGIN));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(path, sizeof(path), "%s/%s", f->dir, hex);
	size_t len;
	char *text = file_read(path, &len);
	assert_non_null(text);
	text[len - 3] ^= 1; /* in the cosignature */
	FILE *out = fopen(path, "w");
	fwrite(text, 1, len, out);
	fclose(out);
	free(text);
	w = witness_new(f->self.name, f->w_sk, f->dir);
	assert_int_equal(witness_add_log(w, f->log_spec, err, sizeof(err)), 0);
	assert_int_equal(witness_load(w, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "refusing to start"));
	witness_free(w);
}

static void test_key_files(void **state)
{
	struct fixture *f = *state;
	char path[128], name[TLOG_NAME_MAX], err[512];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	snprintf(path, sizeof(path), "%s/key", f->dir);
	struct sbuf vkey = {0};
	assert_int_equal(witness_key_create(path, "witness.example/w2", &vkey, err, sizeof(err)), 0);
	assert_int_equal(access(path, F_OK), 0);
	struct cosign_vkey k;
	assert_int_equal(cosign_vkey_parse(vkey.data, &k, err, sizeof(err)), 0);
	assert_int_equal(k.type, COSIGN_TYPE_V1);
	assert_int_equal(witness_key_load(path, name, sk, err, sizeof(err)), 0);
	assert_string_equal(name, "witness.example/w2");
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	assert_memory_equal(pk, k.pk, sizeof(pk));
	/* Never over an existing file; a bad name or file is refused. */
	assert_int_equal(witness_key_create(path, "witness.example/w2", &vkey, err, sizeof(err)), -1);
	assert_int_equal(witness_key_create("/nonexistent/x", "a b", &vkey, err, sizeof(err)), -1);
	FILE *out = fopen(path, "w");
	fputs("PRIVATE+KEY+witness.example/w2+00000000+BAAA\n", out);
	fclose(out);
	assert_int_equal(witness_key_load(path, name, sk, err, sizeof(err)), -1);
	sbuf_free(&vkey);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_the_statuses_of_add_checkpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_empty_tree_needs_the_empty_root, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_damaged_state_is_refused_at_start, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_key_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
