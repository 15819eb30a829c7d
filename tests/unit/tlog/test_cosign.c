/* test_cosign.c - tests server/tlog/cosign.c against other people's bytes: a cosignature a
 * production witness (remora.n621.de) made on a checkpoint of the transparency.dev staging CT
 * log, with its verifier key as transparency-dev/formats lists it (note/note_cosigv1_test.go);
 * the verifier-key example of C2SP signed-note; and the add-checkpoint bodies of
 * filippo.io/torchwood's witness tests (internal/witness/witness_test.go): their log
 * signatures and their consistency proof from 1 to 5 entries. Then our own lines round-trip,
 * and bad keys, bodies and notes are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tlog/cosign.h"

#define EM "\xE2\x80\x94 "

/* remora.n621.de's cosignature, taken from a checkpoint of 1,432,088,532 entries. */
static const char remora_vkey[] =
	"remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";
static const char arche_note[] =
	"arche2025h1.staging.ct.transparency.dev\n"
	"1432088532\n"
	"U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n"
	"\n"
	EM "arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=\n"
	EM "witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==\n"
	EM "remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==\n";

/* C2SP signed-note's example. */
static const char foo_vkey[] = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
static const char foo_note[] =
	"This is an example message.\n\n" EM "example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

/* torchwood's witness test: a log key, and two add-checkpoint bodies it signed. */
#define SIGSUM "sigsum.org/v1/tree/4d6d8825a6bb689d459628312889dfbb0bcd41b5211d9e1ce768b0ff0309e562"
static const char sigsum_vkey[] = SIGSUM "+5202289b+Af/cLU2Y5BJNP+r3iMDC+av9eWCD0fBJVDfzAux5zxAP";
static const char body_1[] =
	"old 0\n\n" SIGSUM "\n1\nKgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n" EM SIGSUM
	" UgIom7fPZTqpxWWhyjWduBvTvGVqsokMbqTArsQilegKoFBJQjUFAmQ0+YeSPM3wfUQMFSzVnnNuWRTYrajXpNUbIQY=\n";
static const char body_5[] =
	"old 1\nKgEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
	"+fUDV+k970B4I3uKrqJM4aP1lloPZP8mvr2Z4wRw2LI=\nKgQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n" SIGSUM
	"\n5\nQrtXrQZCCvpIgsSmOsah7HdICzMLLyDfxToMql9WTjY=\n\n" EM SIGSUM
	" UgIomw/EOJmWi0i1FQsOj+etB7F8IccFam/jgd6wzRns4QPVmyEZtdvl1U2KEmLOZ/ASRcWJi0tW90dJWAShei7sDww=\n";

static void vkey(const char *text, struct cosign_vkey *k)
{
	char err[160];
	assert_int_equal(cosign_vkey_parse(text, k, err, sizeof(err)), 0);
}

static void test_vkeys_parse_and_format_back(void **state)
{
	(void)state;
	const char *texts[] = {remora_vkey, foo_vkey, sigsum_vkey};
	const uint8_t types[] = {COSIGN_TYPE_V1, COSIGN_TYPE_NOTE, COSIGN_TYPE_NOTE};
	for (int i = 0; i < 3; i++) {
		struct cosign_vkey k;
		vkey(texts[i], &k);
		assert_int_equal(k.type, types[i]);
		struct sbuf out = {0};
		cosign_vkey_format(&out, &k);
		assert_string_equal(out.data, texts[i]);
		sbuf_free(&out);
	}
}

static void test_bad_vkeys_are_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"bananas.example+12344556",                                   /* two parts */
		"remora.n621.de+da77ade7+THIS_IS_NOT_BASE64!",                /* base64 */
		"remora.n621.de+00000000+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2", /* key ID */
		"remora.n621.de+da77ade+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",  /* short ID */
		"remora.n621.de+da77ade7+AwEB",                               /* type 3, short */
		"+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",     /* no name */
		"a b+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",  /* a space */
		"remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2+x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cosign_vkey k;
		char err[160] = "";
		assert_int_equal(cosign_vkey_parse(bad[i], &k, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
}

static void test_a_production_witness_cosignature_verifies(void **state)
{
	(void)state;
	struct cosign_vkey k;
	vkey(remora_vkey, &k);
	uint64_t ts = 0;
	char line[256], err[160];
	assert_int_equal(cosign_note_check(arche_note, &k, &ts, line, sizeof(line), err, sizeof(err)),
			 1);
	assert_true(ts == 1779573024);
	assert_true(strncmp(line, EM "remora.n621.de 2net5w", strlen(EM) + 21) == 0);

	/* One changed byte of the body: the known key's line fails, so the note is malformed. */
	char *changed = strdup(arche_note);
	changed[45] ^= 1;
	assert_int_equal(cosign_note_check(changed, &k, &ts, NULL, 0, err, sizeof(err)), -1);
	free(changed);

	/* Another witness's key with the same name is not this one: ignored. */
	struct cosign_vkey other = k;
	other.key_id[0] ^= 1;
	assert_int_equal(cosign_note_check(arche_note, &other, &ts, NULL, 0, err, sizeof(err)), 0);
}

static void test_a_log_signature_is_checked_as_a_note_signature(void **state)
{
	(void)state;
	struct cosign_vkey k;
	uint64_t ts = 99;
	char err[160];
	vkey(foo_vkey, &k);
	assert_int_equal(cosign_note_check(foo_note, &k, &ts, NULL, 0, err, sizeof(err)), 1);
	assert_true(ts == 0);
	/* A witness key does not read a note signature as a cosignature, nor the other way. */
	struct cosign_vkey w;
	vkey(remora_vkey, &w);
	snprintf(w.name, sizeof(w.name), "example.com/foo");
	memcpy(w.key_id, k.key_id, 4);
	assert_int_equal(cosign_note_check(foo_note, &w, &ts, NULL, 0, err, sizeof(err)), 0);
}

static void test_torchwood_bodies_parse_verify_and_extend(void **state)
{
	(void)state;
	struct cosign_vkey log;
	vkey(sigsum_vkey, &log);
	struct cosign_request r1, r5;
	struct tlog_checkpoint c1, c5;
	char err[160];
	uint64_t ts;
	assert_int_equal(cosign_request_parse(body_1, strlen(body_1), &r1, err, sizeof(err)), 0);
	assert_int_equal(cosign_request_parse(body_5, strlen(body_5), &r5, err, sizeof(err)), 0);
	assert_true(r1.old_size == 0 && r1.nproof == 0);
	assert_true(r5.old_size == 1 && r5.nproof == 3);
	assert_int_equal(tlog_checkpoint_parse(r1.note, &c1, err, sizeof(err)), 0);
	assert_int_equal(tlog_checkpoint_parse(r5.note, &c5, err, sizeof(err)), 0);
	assert_string_equal(c5.origin, SIGSUM);
	assert_true(c1.size == 1 && c5.size == 5);
	assert_int_equal(cosign_note_check(r1.note, &log, &ts, NULL, 0, err, sizeof(err)), 1);
	assert_int_equal(cosign_note_check(r5.note, &log, &ts, NULL, 0, err, sizeof(err)), 1);
	/* The root torchwood's witness stores after the second request. */
	uint8_t want[TLOG_HASH];
	sodium_hex2bin(want, sizeof(want),
		       "42bb57ad06420afa4882c4a63ac6a1ec77480b330b2f20dfc53a0caa5f564e36", 64, NULL,
		       NULL, NULL);
	assert_memory_equal(c5.root, want, TLOG_HASH);
	assert_true(tlog_consistency_ok(1, 5, c1.root, c5.root, r5.proof, (size_t)r5.nproof));
	r5.proof[1][0] ^= 1;
	assert_false(tlog_consistency_ok(1, 5, c1.root, c5.root, r5.proof, (size_t)r5.nproof));

	/* Formatted back, byte for byte. */
	struct sbuf out = {0};
	cosign_request_parse(body_5, strlen(body_5), &r5, err, sizeof(err));
	cosign_request_format(&out, r5.old_size, r5.proof, r5.nproof, r5.note);
	assert_string_equal(out.data, body_5);
	sbuf_free(&out);
}

static void test_bad_bodies_are_refused(void **state)
{
	(void)state;
	struct sbuf many = {0};
	sbuf_puts(&many, "old 1\n");
	for (int i = 0; i < 64; i++)
		sbuf_puts(&many, "KgEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
	sbuf_puts(&many, "\nx\n");
	const char *bad[] = {
		many.data,
		"",
		"old 01\n\nx\n",
		"old -1\n\nx\n",
		"old 1\n",
		"old 18446744073709551616\n\nx\n",
		"new 1\n\nx\n",
		"old 1\nnot base64\n\nx\n",
		"old 1\nKgEA\n\nx\n",
		"old 1\r\n\r\nx\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cosign_request r;
		char err[160];
		assert_int_equal(cosign_request_parse(bad[i], strlen(bad[i]), &r, err, sizeof(err)), -1);
	}
	sbuf_free(&many);
	struct cosign_request r;
	char err[160];
	assert_int_equal(cosign_request_parse("old 0\n\0\nx\n", 10, &r, err, sizeof(err)), -1);
}

static void test_bad_checkpoints_are_refused(void **state)
{
	(void)state;
#define SIG "o AAAAAAAA\n" /* a well-formed signature line */
	static const char *const bad[] = {
		"o\n1\nKgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",           /* unsigned */
		"o\n01\nKgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n" EM SIG,
		"o\n1\nKgAAAAAAAAAAAAAAAAAAAAAAAAAA\n\n" EM SIG,
		"\n1\nKgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n" EM SIG,
		"o\t\n1\nKgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n" EM SIG,
		"o\n1\n\n" EM SIG,
		"o\n1\nKgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nx\n",
		/* Signed-note framing: every line after the blank one a whole signature line. */
		"o\n1\nKgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n" EM SIG "\xff\xff",
		"o\n1\nKgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n" EM "o AAAAAAAA",
		"o\n1\nKgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n" EM SIG "x\n",
		"o\n1\nKgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n" EM "o AAAA\n",
		"o\n1\nKgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n" EM "o+ AAAAAAAA\n",
		"o\n1\nKgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n" EM "o \n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tlog_checkpoint c;
		char err[160];
		assert_int_equal(tlog_checkpoint_parse(bad[i], &c, err, sizeof(err)), -1);
	}
	/* The same framing with nothing wrong parses, so each line above fails for its own. */
	struct tlog_checkpoint c;
	char err[160];
	assert_int_equal(tlog_checkpoint_parse("o\n1\nKgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
						 "\n\n" EM SIG EM "w AAAAAAAA\n",
						 &c, err, sizeof(err)),
			 0);
#undef SIG
}

static void test_our_cosignature_round_trips(void **state)
{
	(void)state;
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], seed[32] = {7};
	crypto_sign_seed_keypair(pk, sk, seed);
	struct cosign_vkey k = {.type = COSIGN_TYPE_V1};
	snprintf(k.name, sizeof(k.name), "witness.example/w1");
	memcpy(k.pk, pk, sizeof(pk));
	tlog_note_key_id(k.name, k.type, pk, k.key_id);

	struct sbuf note = {0};
	const char *body = "example.com/log\n5\nQrtXrQZCCvpIgsSmOsah7HdICzMLLyDfxToMql9WTjY=\n";
	sbuf_printf(&note, "%s\n" EM "example.com/log AAAAAAAA\n", body);
	cosign_line(&note, k.name, sk, pk, body, strlen(body), 1779573024);
	uint64_t ts = 0;
	char err[160];
	assert_int_equal(cosign_note_check(note.data, &k, &ts, NULL, 0, err, sizeof(err)), 1);
	assert_true(ts == 1779573024);
	/* The same line verifies after a second cosignature, which is how a note collects them. */
	cosign_line(&note, "witness.example/w2", sk, pk, body, strlen(body), 1);
	assert_int_equal(cosign_note_check(note.data, &k, &ts, NULL, 0, err, sizeof(err)), 1);
	sbuf_free(&note);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vkeys_parse_and_format_back),
		cmocka_unit_test(test_bad_vkeys_are_refused),
		cmocka_unit_test(test_a_production_witness_cosignature_verifies),
		cmocka_unit_test(test_a_log_signature_is_checked_as_a_note_signature),
		cmocka_unit_test(test_torchwood_bodies_parse_verify_and_extend),
		cmocka_unit_test(test_bad_bodies_are_refused),
		cmocka_unit_test(test_bad_checkpoints_are_refused),
		cmocka_unit_test(test_our_cosignature_round_trips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
