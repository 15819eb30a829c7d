/* test_tlog_privacy.c - the public log read as an attacker would (issue 21, docs/tlog.md "What
 * a reader of the public log learns"): feedback whose senders did not consent to
 * publication, among it the body "Rất không hài lòng" with rating 1, is stored through the
 * real server; then an outsider holding only GET /api/v1/log/entries, the checkpoint and
 * the proofs tries the guessing attack that recovered that body from a version 1 log in 0.1
 * s: every item of the catalog × ratings 1–5 × kinds × consents × a dictionary of short
 * Vietnamese texts, hashed the version 1 way (BLAKE2b of the canonical submission) and the
 * version 2 way without the salt. No guess matches any commitment or leaf. The entries name
 * no tracking code and no item; no endpoint returns feedback by handle or log index, and the
 * status page answers 404 to random codes. As the control that lets this test fail, the same
 * attack given the salt and tracking code of the receipt finds the text, and the version 1
 * way finds it in the database's own unsalted hash. The hashing here is written from
 * docs/receipts.md with libsodium, not taken from the service. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "core/util.h"
#include "crypto/tracking.h"
#include "harness.h"

static struct th_server srv;

static int group_setup(void **state)
{
	(void)state;
	static const char *const env[] = {"PAKN_LOG_INTERVAL=1", "PAKN_INTAKE_RATE=100000",
					  "PAKN_INTAKE_BURST=100000", NULL};
	if (sodium_init() < 0 || th_server_start(&srv, "tlog_privacy", env) < 0)
		return -1;
	return th_server_wait_ready(&srv, 10000);
}

static int group_teardown(void **state)
{
	(void)state;
	return th_server_stop(&srv) == 0 ? 0 : -1;
}

/* What the attacker guesses from. */
static const char *const kinds[] = {"opinion", "proposal", "report", "question"};
static const char *const texts[] = {
	"Rất không hài lòng", "Không hài lòng", "Hài lòng", "Rất hài lòng", "Bình thường",
	"Tốt", "Rất tốt", "Chưa tốt", "Kém", "Tạm được", "Cần cải thiện", "Quá chậm",
	"Đồng ý", "Không đồng ý", "Cảm ơn", "Không có ý kiến",
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))
#define NTEXTS (sizeof(texts) / sizeof(texts[0]))

/* The unpublished feedback stored: the target first. */
static const struct {
	const char *item;
	int rating, kind, text;
	bool publish, contact;
} stored[] = {
	{"LC-T25", 1, 0, 0, false, false}, /* "Rất không hài lòng" */
	{"LC-T3", 2, 2, 1, false, false},
	{"DB-I03", 5, 0, 3, false, true},
	{"DB-T-V.1.2", 3, 1, 10, false, false},
	{"LC-T7", 4, 3, 15, false, true},
	{"LC-T12", 1, 2, 11, false, false},
	{"DB-I04", 3, 0, 4, false, false},
	{"LC-T25", 2, 0, 7, false, false},
};
#define NSTORED (sizeof(stored) / sizeof(stored[0]))

/* The attacker's targets: every commitment and leaf hash of the public log, sorted. */
static uint8_t (*targets)[32];
static size_t ntargets;

static int cmp32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static bool is_target(const uint8_t h[32])
{
	return bsearch(h, targets, ntargets, 32, cmp32) != NULL;
}

/* One guess. */
struct guess {
	int item, rating, kind, text;
	bool publish, contact;
};

enum way {
	WAY_V1,          /* BLAKE2b-256 of the version 1 canonical submission */
	WAY_V2_UNSALTED, /* version 2's lines and body hash without a salt, no tracking code */
	WAY_V2_SALTED,   /* version 2 with a receipt's salt and tracking code: the control */
};

static void hex_of(const uint8_t *b, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, b, n);
}

/* SHA-256(salt || a || b), salt of saltlen bytes (0: none). */
static void sha256_3(const uint8_t *salt, size_t saltlen, const char *a, size_t alen,
		     const char *b, size_t blen, uint8_t out[32])
{
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, salt, saltlen);
	crypto_hash_sha256_update(&st, (const uint8_t *)a, alen);
	crypto_hash_sha256_update(&st, (const uint8_t *)b, blen);
	crypto_hash_sha256_final(&st, out);
}

/* The hash a guess gives the way named (docs/receipts.md). */
static void hash_guess(enum way way, const struct guess *g, char (*items)[65],
		       const uint8_t *salt, const char *code, uint8_t out[32])
{
	const char *text = texts[g->text];
	char lines[512];
	if (way == WAY_V1) {
		int n = snprintf(lines, sizeof(lines),
				 "pakn57-submission-v1\nitem_code:%s\nrating:%d\nkind:%s\n"
				 "submitter_type:\nconsent_publish:%s\nconsent_contact:%s\n"
				 "body_bytes:%zu\n%s",
				 items[g->item], g->rating, kinds[g->kind],
				 g->publish ? "true" : "false", g->contact ? "true" : "false",
				 strlen(text), text);
		crypto_generichash(out, 32, (const uint8_t *)lines, (size_t)n, NULL, 0);
		return;
	}
	size_t saltlen = way == WAY_V2_SALTED ? 32 : 0;
	static const char tag[] = "pakn57-body-v2\n";
	uint8_t body[32];
	char body_hex[65];
	sha256_3(salt, saltlen, tag, sizeof(tag) - 1, text, strlen(text), body);
	hex_of(body, 32, body_hex);
	int n = snprintf(lines, sizeof(lines),
			 "pakn57-submission-v2\ntracking_code:%s\nitem_code:%s\nrating:%d\nkind:%s\n"
			 "submitter_type:\nconsent_publish:%s\nconsent_contact:%s\nbody_hash:%s\n",
			 code, items[g->item], g->rating, kinds[g->kind],
			 g->publish ? "true" : "false", g->contact ? "true" : "false", body_hex);
	sha256_3(salt, saltlen, lines, (size_t)n, "", 0, out);
}

/* Tries every guess the way named; returns how many were tried, the number that matched a
 * target in *hits and the first in *hit. */
static long attack(enum way way, char (*items)[65], int nitems, const uint8_t *salt,
		   const char *code, int *hits, struct guess *hit)
{
	long tried = 0;
	*hits = 0;
	struct guess g;
	for (g.item = 0; g.item < nitems; g.item++)
		for (g.rating = 1; g.rating <= 5; g.rating++)
			for (g.kind = 0; g.kind < (int)NKINDS; g.kind++)
				for (int c = 0; c < 4; c++)
					for (g.text = 0; g.text < (int)NTEXTS; g.text++) {
						g.publish = c & 1;
						g.contact = c & 2;
						uint8_t h[32];
						hash_guess(way, &g, items, salt, code, h);
						tried++;
						if (is_target(h) && (*hits)++ == 0)
							*hit = g;
					}
	return tried;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int get(const char *path, struct th_resp *r)
{
	assert_int_equal(th_http(&srv, "GET", path, NULL, NULL, 0, r), 0);
	return r->status;
}

/* Every item code of the catalog, as anyone can list them. */
static int catalog(char (**items)[65])
{
	struct th_resp r;
	assert_int_equal(get("/api/v1/items?limit=200", &r), 200);
	json_object *doc = th_json(&r);
	th_resp_free(&r);
	json_object *list = th_get(doc, "items", NULL);
	int n = (int)json_object_array_length(list);
	assert_int_equal(n, json_object_get_int(th_get(doc, "total", NULL)));
	*items = calloc((size_t)n, sizeof(**items));
	for (int i = 0; i < n; i++)
		snprintf((*items)[i], sizeof((*items)[i]), "%s",
			 th_str(json_object_array_get_idx(list, (size_t)i), "code", NULL));
	json_object_put(doc);
	return n;
}

/* The newest checkpoint's size, once it covers at least size entries (waits up to 15 s). */
static long long checkpoint_at_least(long long size)
{
	long long got = 0;
	for (int i = 0; i < 150; i++) {
		struct th_resp r;
		if (get("/api/v1/log/checkpoint", &r) == 200)
			got = atoll(strchr(r.body, '\n') + 1);
		th_resp_free(&r);
		if (got >= size)
			break;
		usleep(100 * 1000);
	}
	return got;
}

static uint8_t target_salt[32];
static char target_code[32], target_handle[40];
static long long target_index;
static char target_entry[40]; /* the handle the public entry at target_index names */

/* Stores the feedback, each without consent to publication; keeps the target's receipt. */
static void store_unpublished(char codes[NSTORED][32], long long *last_index)
{
	*last_index = 0;
	for (size_t i = 0; i < NSTORED; i++) {
		char body[512];
		snprintf(body, sizeof(body),
			 "{\"item_code\":\"%s\",\"rating\":%d,\"kind\":\"%s\",\"body\":\"%s\","
			 "\"consent\":{\"publish\":%s,\"contact\":%s}%s}",
			 stored[i].item, stored[i].rating, kinds[stored[i].kind],
			 texts[stored[i].text], stored[i].publish ? "true" : "false",
			 stored[i].contact ? "true" : "false",
			 stored[i].contact ? ",\"contact\":{\"email\":\"dan@example.vn\"}" : "");
		struct th_resp r;
		assert_int_equal(th_http(&srv, "POST", "/api/v1/feedback",
					 "Content-Type: application/json\r\n", body, strlen(body), &r),
				 0);
		if (r.status != 201)
			print_error("%s\n", r.body);
		assert_int_equal(r.status, 201);
		json_object *doc = th_json(&r);
		th_resp_free(&r);
		json_object *receipt = th_get(doc, "receipt", NULL);
		snprintf(codes[i], 32, "%s", th_str(receipt, "tracking_code", NULL));
		long long ix = json_object_get_int64(th_get(receipt, "log_index", NULL));
		if (ix > *last_index)
			*last_index = ix;
		if (i == 0) {
			snprintf(target_code, sizeof(target_code), "%s", codes[i]);
			snprintf(target_handle, sizeof(target_handle), "%s",
				 th_str(receipt, "handle", NULL));
			target_index = ix;
			const char *salt = th_str(receipt, "salt", NULL);
			assert_int_equal(sodium_hex2bin(target_salt, 32, salt, strlen(salt), NULL,
							NULL, NULL),
					 0);
		}
		json_object_put(doc);
	}
}

/* Reads the whole public log as an outsider: every entry's JSON text into all, every
 * commitment and leaf hash into targets. Returns the number of entries. */
static long long read_public_log(long long size, struct sbuf *all)
{
	targets = calloc((size_t)size * 2, 32);
	ntargets = 0;
	long long n = 0;
	while (n < size) {
		char path[128];
		snprintf(path, sizeof(path), "/api/v1/log/entries?start=%lld&end=%lld", n, size);
		struct th_resp r;
		assert_int_equal(get(path, &r), 200);
		sbuf_puts(all, r.body);
		json_object *doc = th_json(&r);
		th_resp_free(&r);
		json_object *entries = th_get(doc, "entries", NULL);
		assert_true(json_object_array_length(entries) > 0);
		for (size_t i = 0; i < json_object_array_length(entries); i++, n++) {
			json_object *e = json_object_array_get_idx(entries, i);
			if (n == target_index && json_object_get_int(th_get(e, "version", NULL)) == 2 &&
			    strcmp(th_str(e, "kind", NULL), "submission") == 0)
				snprintf(target_entry, sizeof(target_entry), "%s",
					 th_str(e, "handle", NULL));
			const char *leaf = th_str(e, "leaf_hash", NULL);
			size_t len;
			assert_int_equal(sodium_base642bin(targets[ntargets++], 32, leaf, strlen(leaf),
							   NULL, &len, NULL,
							   sodium_base64_VARIANT_ORIGINAL),
					 0);
			const char *c = th_str(e, "commitment", NULL);
			if (c)
				assert_int_equal(sodium_hex2bin(targets[ntargets++], 32, c, strlen(c),
								NULL, NULL, NULL),
						 0);
		}
		json_object_put(doc);
	}
	qsort(targets, ntargets, 32, cmp32);
	return n;
}

static void test_the_guessing_attack_fails(void **state)
{
	(void)state;
	char codes[NSTORED][32];
	long long last;
	store_unpublished(codes, &last);
	long long size = checkpoint_at_least(last + 1);
	assert_true(size > last);

	/* The outsider: the catalog, the checkpoint and the entries, nothing else. */
	char(*items)[65];
	int nitems = catalog(&items);
	struct sbuf all = {0};
	long long entries = read_public_log(size, &all);
	assert_int_equal(entries, size);

	/* No tracking code, no item code, no text in the entries. */
	for (size_t i = 0; i < NSTORED; i++)
		assert_null(strstr(all.data, codes[i]));
	for (int i = 0; i < nitems; i++) {
		char quoted[80];
		snprintf(quoted, sizeof(quoted), "\"%s\"", items[i]);
		assert_null(strstr(all.data, quoted));
		assert_null(strstr(all.data, items[i]));
	}
	assert_null(strstr(all.data, "tracking_code"));
	assert_null(strstr(all.data, "item_code"));
	assert_null(strstr(all.data, "rating"));
	assert_null(strstr(all.data, texts[0]));
	/* The target's entry is there, under its handle alone. */
	assert_string_equal(target_entry, target_handle);

	/* The attack of the issue, both ways, over every guess. */
	struct timespec t0;
	struct guess hit;
	int hits;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long tried_v1 = attack(WAY_V1, items, nitems, NULL, "", &hits, &hit);
	double s_v1 = seconds_since(&t0);
	assert_int_equal(hits, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long tried_v2 = attack(WAY_V2_UNSALTED, items, nitems, NULL, "", &hits, &hit);
	double s_v2 = seconds_since(&t0);
	assert_int_equal(hits, 0);
	print_message("# %lld public entries (%zu commitments and leaf hashes); %d items x 5 "
		      "ratings x %zu kinds x 4 consents x %zu texts: %ld guesses hashed the "
		      "version 1 way in %.2f s, %ld the version 2 way without salt in %.2f s: "
		      "0 matches\n",
		      entries, ntargets, nitems, NKINDS, NTEXTS, tried_v1, s_v1, tried_v2, s_v2);
	assert_true(tried_v1 >= 10000 && tried_v2 == tried_v1);

	/* The control: the same attack, given what the receipt holds (salt and tracking code),
	 * finds the target, and nothing else. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long tried = attack(WAY_V2_SALTED, items, nitems, target_salt, target_code, &hits, &hit);
	double s_salted = seconds_since(&t0);
	print_message("# with the receipt's salt and tracking code: %ld guesses in %.2f s, %d "
		      "match: %s, rating %d, %s, \"%s\"\n",
		      tried, s_salted, hits, hits ? items[hit.item] : "-", hits ? hit.rating : 0,
		      hits ? kinds[hit.kind] : "-", hits ? texts[hit.text] : "-");
	assert_int_equal(hits, 1);
	assert_string_equal(items[hit.item], stored[0].item);
	assert_int_equal(hit.rating, stored[0].rating);
	assert_int_equal(hit.kind, stored[0].kind);
	assert_int_equal(hit.text, stored[0].text);
	assert_false(hit.publish);
	assert_false(hit.contact);

	/* And the version 1 way is the one that broke the old log: it finds the target in the
	 * unsalted hash the database keeps for itself (never published). */
	PGconn *pg = PQconnectdb(getenv("PAKN_DATABASE_URL"));
	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	const char *param = target_code;
	PGresult *res = PQexecParams(pg, "SELECT submission_hash FROM feedback WHERE tracking_code = $1",
				     1, NULL, &param, NULL, NULL, 0);
	assert_int_equal(PQntuples(res), 1);
	free(targets);
	targets = calloc(1, 32);
	ntargets = 1;
	const char *hex = PQgetvalue(res, 0, 0);
	assert_int_equal(sodium_hex2bin(targets[0], 32, hex, strlen(hex), NULL, NULL, NULL), 0);
	PQclear(res);
	PQfinish(pg);
	attack(WAY_V1, items, nitems, NULL, "", &hits, &hit);
	assert_int_equal(hits, 1);
	assert_int_equal(hit.text, stored[0].text);
	free(targets);
	targets = NULL;
	free(items);
	sbuf_free(&all);
}

/* No feedback is reachable by anything but its tracking code. */
static void test_nothing_by_enumeration(void **state)
{
	(void)state;
	assert_true(target_code[0]); /* set by the test above */
	struct th_resp r;
	char path[160];
	/* The holder of the code sees the status. */
	snprintf(path, sizeof(path), "/api/v1/feedback/%s", target_code);
	assert_int_equal(get(path, &r), 200);
	th_resp_free(&r);
	/* Neither the handle nor the log index (nor the row's number) is a key to it. */
	char index[24];
	snprintf(index, sizeof(index), "%lld", target_index);
	const char *keys[] = {target_handle, index, "1", "0"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		static const char *const forms[] = {"/api/v1/feedback/%s",
						    "/api/v1/feedback?handle=%s",
						    "/api/v1/feedback?index=%s",
						    "/api/v1/log/entries?handle=%s",
						    "/api/v1/moderation/%s/history"};
		for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
			snprintf(path, sizeof(path), forms[k], keys[i]);
			int status = get(path, &r);
			if (k == 0)
				assert_int_equal(status, 404);
			else
				assert_true(status == 400 || status == 401 || status == 404);
			assert_null(strstr(r.body, texts[0]));
			assert_null(strstr(r.body, target_code));
			th_resp_free(&r);
		}
	}
	/* The public feed has none of it (nobody consented). */
	assert_int_equal(get("/api/v1/feedback", &r), 200);
	assert_null(strstr(r.body, texts[0]));
	assert_null(strstr(r.body, target_code));
	th_resp_free(&r);
	/* Random well-formed codes: 404, every one. */
	enum { CODES = 500 };
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int not_found = 0, limited = 0;
	for (int i = 0; i < CODES; i++) {
		char code[TRACKING_CODE_LEN + 1];
		tracking_new(code);
		snprintf(path, sizeof(path), "/api/v1/feedback/%s", code);
		int status = get(path, &r);
		not_found += status == 404;
		limited += status == 429;
		th_resp_free(&r);
	}
	double s = seconds_since(&t0);
	print_message("# %d random tracking codes: %d answered 404, %d 429, in %.2f s (%.0f a "
		      "second from one client; 2^80 codes)\n",
		      CODES, not_found, limited, s, CODES / s);
	assert_int_equal(not_found + limited, CODES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_guessing_attack_fails),
		cmocka_unit_test(test_nothing_by_enumeration),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
