/* test_tlog_api.c - the transparency log as a citizen and an auditor use it: the real server
 * over HTTP against a database of its own (the log starts empty, and the tampering below
 * touches nobody else's data), checkpoints every second. Receipts are proven in the log with
 * pakn-verify alone; tests/integration/tlog_check.py checks every proof of the trees of 1 to
 * 70 entries with hashlib; moderation actions and answers are entries; a restart resumes the
 * same tree; an edit, a deletion and a rewrite done directly in SQL are caught by `paknctl
 * log audit`, by the service (which will not sign) and by a client with an older
 * checkpoint. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "crypto/keys.h"
#include "crypto/receipt.h"
#include "tlog/tlog.h"
#include "harness.h"

#define ENTRIES 70

static struct th_server srv;
static char db_url[1024];
static char url_env[1100];
static char tmp[512];
static char receipts[ENTRIES][64]; /* files */
static char tracking[ENTRIES][32];
static long long log_index[ENTRIES];

static const char *const server_env[] = {url_env, "PAKN_LOG_INTERVAL=1",
					 "PAKN_INTAKE_RATE=100000", "PAKN_INTAKE_BURST=100000",
					 NULL};

static int group_setup(void **state)
{
	(void)state;
	/* A database of this test's own: the log starts empty. */
	if (th_own_database("tlog", db_url, sizeof(db_url)) < 0)
		return -1;
	snprintf(url_env, sizeof(url_env), "PAKN_DATABASE_URL=%s", db_url);
	snprintf(tmp, sizeof(tmp), "%s", getenv("PAKN_TEST_TMP") ? getenv("PAKN_TEST_TMP") : "/tmp");
	if (th_server_start(&srv, "tlog_api", server_env) < 0)
		return -1;
	return th_server_wait_ready(&srv, 10000);
}

static int group_teardown(void **state)
{
	(void)state;
	return th_server_stop(&srv) == 0 ? 0 : -1;
}

static char *sql_value(const char *query)
{
	char *v;
	assert_int_equal(th_sql(db_url, query, &v), 0);
	return v;
}

/* GETs path into the file tmp/name; returns the HTTP status. */
static int save(const char *path, const char *name)
{
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", path, NULL, NULL, 0, &r), 0);
	char file[700];
	snprintf(file, sizeof(file), "%s/%s", tmp, name);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fwrite(r.body, 1, r.body_len, f);
	fclose(f);
	int status = r.status;
	th_resp_free(&r);
	return status;
}

/* The newest checkpoint's size (0 if none). */
static long long checkpoint_size(void)
{
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", "/api/v1/log/checkpoint", NULL, NULL, 0, &r), 0);
	long long size = 0;
	if (r.status == 200) {
		const char *nl = strchr(r.body, '\n');
		size = nl ? atoll(nl + 1) : 0;
	}
	th_resp_free(&r);
	return size;
}

/* Waits (up to 15 s) for a checkpoint of at least size entries. */
static long long wait_checkpoint(long long size)
{
	long long got = 0;
	for (int i = 0; i < 150 && (got = checkpoint_size()) < size; i++)
		usleep(100 * 1000);
	return got;
}

/* Runs pakn-verify with arguments (file names relative to tmp, spliced in by the caller);
 * returns its exit status. */
static int verify(const char *args)
{
	char *bin = realpath(getenv("PAKN_VERIFY_BIN") ? getenv("PAKN_VERIFY_BIN")
						       : "build/asan/pakn-verify",
			     NULL);
	assert_non_null(bin);
	int rc = th_run("cd %s && %s %s", tmp, bin, args);
	free(bin);
	return rc;
}

static int audit(const char *expect)
{
	const char *ctl = getenv("PAKNCTL_BIN") ? getenv("PAKNCTL_BIN") : "build/asan/paknctl";
	return th_run("PAKN_DATABASE_URL=\"%s\" %s log audit > %s/audit.out; rc=$?; cat %s/audit.out; "
		      "grep -q '%s' %s/audit.out && exit $rc; exit 99",
		      db_url, ctl, tmp, tmp, expect, tmp);
}

/* Writes text to the file tmp/name. */
static void put_file(const char *name, const char *text, size_t len)
{
	char file[700];
	snprintf(file, sizeof(file), "%s/%s", tmp, name);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fwrite(text, 1, len, f);
	fclose(f);
}

/* The tree size a signed note names. */
static long long note_size(const char *note)
{
	const char *nl = strchr(note, '\n');
	assert_non_null(nl);
	return atoll(nl + 1);
}

static void test_receipts_are_proven_in_the_log(void **state)
{
	(void)state;
	/* Sent in two waves at once (the service takes 64 connections from one address), so
	 * that intake stores them in batches of several. */
	enum { WAVE = ENTRIES / 2 };
	int fds[WAVE];
	/* Each receipt's signed head, by log index. */
	static char heads[ENTRIES][RECEIPT_NOTE_MAX];
	bool seen[ENTRIES] = {false};
	for (int w = 0; w < ENTRIES; w += WAVE) {
		for (int i = 0; i < WAVE; i++) {
			char body[200];
			snprintf(body, sizeof(body),
				 "{\"item_code\":\"LC-T%d\",\"rating\":%d,\"kind\":\"proposal\","
				 "\"body\":\"Góp ý vào nhật ký số %d\"}",
				 1 + (w + i) % 30, 1 + (w + i) % 5, w + i);
			fds[i] = th_send(&srv, "POST", "/api/v1/feedback",
					 "Content-Type: application/json\r\n", body, strlen(body));
			assert_true(fds[i] >= 0);
		}
		for (int i = 0; i < WAVE; i++) {
			struct th_resp r;
			assert_int_equal(th_recv(fds[i], &r), 0);
			assert_int_equal(r.status, 201);
			json_object *doc = th_json(&r);
			long long ix = json_object_get_int64(th_get(doc, "receipt", "log_index", NULL));
			/* the log of this database starts empty */
			assert_true(ix >= 0 && ix < ENTRIES);
			assert_false(seen[ix]);
			seen[ix] = true;
			log_index[ix] = ix;
			snprintf(tracking[ix], sizeof(tracking[ix]), "%s",
				 th_str(doc, "receipt", "tracking_code", NULL));
			snprintf(heads[ix], sizeof(heads[ix]), "%s",
				 th_str(doc, "receipt", "checkpoint", NULL));
			assert_int_equal(json_object_get_int(th_get(doc, "log", "max_merge_delay_seconds",
								    NULL)),
					 60);
			snprintf(receipts[ix], sizeof(receipts[ix]), "receipt-%lld.json", ix);
			put_file(receipts[ix], r.body, r.body_len);
			json_object_put(doc);
			th_resp_free(&r);
		}
	}
	assert_int_equal(save("/api/v1/keys", "keys.json"), 200);
	/* At once, before any checkpoint: each receipt is proven by itself, by pakn-verify
	 * and by the independent verifier. */
	for (int i = 0; i < ENTRIES; i++) {
		char args[512];
		snprintf(args, sizeof(args), "%s --keys keys.json >/dev/null", receipts[i]);
		assert_int_equal(verify(args), 0);
		if (i % 7 == 0)
			assert_int_equal(th_run("/usr/bin/python3 tests/integration/verify_receipt.py "
						"%s/%s %s/keys.json >/dev/null",
						tmp, receipts[i], tmp),
					 0);
	}
	/* One head per batch: the receipts of a batch share it, byte for byte, and it covers
	 * exactly the entries up to its batch's last. */
	int batches = 0;
	for (int i = 0; i < ENTRIES; i++) {
		long long size = note_size(heads[i]);
		assert_true(size > i && size <= ENTRIES);
		if (i == 0 || strcmp(heads[i], heads[i - 1]) != 0) {
			batches++;
			assert_true(i == 0 || note_size(heads[i - 1]) == i);
		} else {
			assert_int_equal(note_size(heads[i - 1]), size);
		}
	}
	print_message("# %d receipts from %d signed heads\n", ENTRIES, batches);
	assert_true(batches < ENTRIES);

	/* Within the promised delay (here a second or two) a signed checkpoint covers them. */
	long long size = wait_checkpoint(ENTRIES);
	assert_true(size >= ENTRIES);
	assert_int_equal(save("/api/v1/log/checkpoint", "cp-old.txt"), 200);
	size = checkpoint_size();
	/* Every batch's head is consistent with that checkpoint. */
	for (int i = 0; i < ENTRIES; i++) {
		if (i > 0 && strcmp(heads[i], heads[i - 1]) == 0)
			continue;
		char path[128], args[512];
		put_file("head.txt", heads[i], strlen(heads[i]));
		snprintf(path, sizeof(path), "/api/v1/log/proof/consistency?from=%lld&to=%lld",
			 note_size(heads[i]), size);
		assert_int_equal(save(path, "head-consistency.json"), 200);
		snprintf(args, sizeof(args), "--consistency head.txt cp-old.txt --proof "
			 "head-consistency.json --keys keys.json >/dev/null");
		assert_int_equal(verify(args), 0);
		/* not with the roots swapped */
		if (note_size(heads[i]) < size) {
			snprintf(args, sizeof(args), "--consistency cp-old.txt head.txt --proof "
				 "head-consistency.json --keys keys.json >/dev/null");
			assert_int_equal(verify(args), 1);
		}
	}
	for (int i = 0; i < ENTRIES; i += 23) {
		char path[128], args[512];
		snprintf(path, sizeof(path), "/api/v1/log/proof/inclusion?index=%lld&size=%lld",
			 log_index[i], size);
		assert_int_equal(save(path, "proof.json"), 200);
		snprintf(args, sizeof(args),
			 "%s --keys keys.json --checkpoint cp-old.txt --proof proof.json", receipts[i]);
		assert_int_equal(verify(args), 0);
		/* Another receipt with this proof is refused. */
		snprintf(args, sizeof(args),
			 "%s --keys keys.json --checkpoint cp-old.txt --proof proof.json",
			 receipts[(i + 1) % ENTRIES]);
		assert_int_equal(verify(args), 1);
	}
	/* Everyone else's arithmetic: hashlib, every proof of the trees of 1 to 70 entries. */
	assert_int_equal(th_run("python3 tests/integration/tlog_check.py http://127.0.0.1:%d %d",
				srv.port, ENTRIES),
			 0);
	assert_int_equal(audit("log intact"), 0);
}

static void test_bad_requests(void **state)
{
	(void)state;
	static const struct {
		const char *path;
		int status;
	} cases[] = {
		{"/api/v1/log/proof/inclusion?index=5&size=5", 400},
		{"/api/v1/log/proof/inclusion?index=5", 400},
		{"/api/v1/log/proof/inclusion?index=-1&size=5", 400},
		{"/api/v1/log/proof/inclusion?index=x&size=5", 400},
		{"/api/v1/log/proof/inclusion?index=1&size=99999999", 404},
		{"/api/v1/log/proof/consistency?from=0&to=5", 400},
		{"/api/v1/log/proof/consistency?from=6&to=5", 400},
		{"/api/v1/log/proof/consistency?from=1&to=99999999", 404},
		{"/api/v1/log/entries?start=5&end=5", 400},
		{"/api/v1/log/entries?start=1&nope=1", 400},
		{"/api/v1/log/checkpoint?x=1", 400},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct th_resp r;
		assert_int_equal(th_http(&srv, "GET", cases[i].path, NULL, NULL, 0, &r), 0);
		if (r.status != cases[i].status)
			fprintf(stderr, "%s: %d %s\n", cases[i].path, r.status, r.body);
		assert_int_equal(r.status, cases[i].status);
		json_object *doc = th_json(&r);
		assert_non_null(th_get(doc, "error", "code", NULL));
		json_object_put(doc);
		th_resp_free(&r);
	}
}

static void test_moderation_and_answers_are_entries(void **state)
{
	(void)state;
	char *v = sql_value("SELECT size FROM tlog_state");
	long long before = atoll(v);
	free(v);
	char q[1024];
	/* A moderator of every agency that leads or coordinates the item. */
	free(sql_value("INSERT INTO official (username, display_name, roles, password_hash) "
		       "VALUES ('tlog-admin', 'Kiểm thử nhật ký', '{moderator}', 'x')"));
	free(sql_value("INSERT INTO official_agency SELECT o.id, a.id FROM official o, agency a "
		       "WHERE o.username = 'tlog-admin'"));
	snprintf(q, sizeof(q),
		 "SELECT pakn_moderate((SELECT id FROM official WHERE username = 'tlog-admin'),"
		 " 'moderator', f.id, 'forward', ARRAY['received'], NULL, NULL, NULL,"
		 " 'lc-dang-uy-ubnd-tinh', NULL, NULL, NULL, NULL, NULL)->>'status'"
		 " FROM feedback f WHERE f.tracking_code = '%s'",
		 tracking[1]);
	char *st = sql_value(q);
	assert_string_equal(st, "ok");
	free(st);
	snprintf(q, sizeof(q),
		 "SELECT pakn_moderate((SELECT id FROM official WHERE username = 'tlog-admin'),"
		 " 'responder', f.id, 'answer', ARRAY['received'], 'answered', NULL, NULL, NULL,"
		 " 'Sở đã tiếp thu và sẽ trả lời trong quý.', now(), 'k', 's', NULL)->>'status'"
		 " FROM feedback f WHERE f.tracking_code = '%s'",
		 tracking[1]);
	st = sql_value(q);
	assert_string_equal(st, "ok");
	free(st);
	/* Once in a checkpoint, the log's entries for this feedback are three. */
	assert_true(wait_checkpoint(before + 2) >= before + 2);
	snprintf(q, sizeof(q),
		 "SELECT string_agg(kind || '@' || idx, ' ' ORDER BY idx) FROM tlog_entry"
		 " WHERE handle = (SELECT handle FROM feedback WHERE tracking_code = '%s')"
		 " AND tracking_code IS NULL AND item_code IS NULL AND version = 2",
		 tracking[1]);
	char *kinds = sql_value(q), want[128];
	snprintf(want, sizeof(want), "submission@1 moderation@%lld answer@%lld", before, before + 1);
	assert_string_equal(kinds, want);
	free(kinds);
	/* In the public entries they are linked by the handle alone: no tracking code, no
	 * item code, and each commitment is salted (none is the unsalted audit hash). */
	snprintf(q, sizeof(q), "/api/v1/log/entries?start=0&end=%lld", before + 2);
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", q, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	for (int i = 0; i < ENTRIES; i++)
		assert_null(strstr(r.body, tracking[i]));
	assert_null(strstr(r.body, "LC-T"));
	assert_null(strstr(r.body, "tracking_code"));
	json_object *page = th_json(&r);
	th_resp_free(&r);
	json_object *entries = th_get(page, "entries", NULL);
	const char *handle = th_str(entries, "1", "handle", NULL);
	assert_non_null(handle);
	char ix[2][24];
	snprintf(ix[0], sizeof(ix[0]), "%lld", before);
	snprintf(ix[1], sizeof(ix[1]), "%lld", before + 1);
	assert_string_equal(th_str(entries, ix[0], "kind", NULL), "moderation");
	assert_string_equal(th_str(entries, ix[1], "kind", NULL), "answer");
	assert_string_equal(th_str(entries, ix[0], "handle", NULL), handle);
	assert_string_equal(th_str(entries, ix[1], "handle", NULL), handle);
	snprintf(q, sizeof(q),
		 "SELECT count(*) FROM moderation_event e JOIN feedback f ON f.id = e.feedback_id"
		 " WHERE f.tracking_code = '%s' AND pakn_event_hash(e) IN ('%s', '%s')",
		 tracking[1], th_str(entries, ix[0], "commitment", NULL),
		 th_str(entries, ix[1], "commitment", NULL));
	char *unsalted = sql_value(q);
	assert_string_equal(unsalted, "0");
	free(unsalted);
	json_object_put(page);
	assert_int_equal(audit("log intact"), 0);
}

static void test_restart_resumes_the_same_tree(void **state)
{
	(void)state;
	long long size = checkpoint_size();
	assert_int_equal(save("/api/v1/log/checkpoint", "cp-before.txt"), 200);
	assert_int_equal(th_server_stop(&srv), 0);
	assert_int_equal(th_server_start(&srv, "tlog_api", server_env), 0);
	assert_int_equal(th_server_wait_ready(&srv, 10000), 0);
	const char *body = "{\"item_code\":\"DB-I01\",\"rating\":5,\"kind\":\"opinion\","
			   "\"body\":\"Sau khi khởi động lại\"}";
	struct th_resp r;
	assert_int_equal(th_http(&srv, "POST", "/api/v1/feedback",
				 "Content-Type: application/json\r\n", body, strlen(body), &r),
			 0);
	assert_int_equal(r.status, 201);
	th_resp_free(&r);
	long long after = wait_checkpoint(size + 1);
	assert_true(after > size);
	assert_int_equal(save("/api/v1/log/checkpoint", "cp-after.txt"), 200);
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/log/proof/consistency?from=%lld&to=%lld", size, after);
	assert_int_equal(save(path, "consistency.json"), 200);
	assert_int_equal(verify("--consistency cp-before.txt cp-after.txt --proof consistency.json "
				"--keys keys.json"),
			 0);
	/* Swapped, the same proof proves nothing. */
	assert_int_equal(verify("--consistency cp-after.txt cp-before.txt --proof consistency.json "
				"--keys keys.json"),
			 1);
}

static void test_tampering_is_caught(void **state)
{
	(void)state;
	/* An edit of a stored submission: the audit names it; undone, the log is intact. */
	free(sql_value("UPDATE feedback SET body = body || ' (đã sửa)' WHERE log_index = 3"));
	assert_int_equal(audit("entry 3: submission .* has changed"), 1);
	free(sql_value("UPDATE feedback SET body = left(body, -9) WHERE log_index = 3"));
	assert_int_equal(audit("log intact"), 0);

	/* A deletion: the audit names the entry; the citizen's receipt still proves it was
	 * logged while the service no longer knows the tracking code. */
	free(sql_value("DELETE FROM intake_recent WHERE feedback_id IN "
		       "(SELECT id FROM feedback WHERE log_index = 5)"));
	free(sql_value("DELETE FROM feedback WHERE log_index = 5"));
	assert_int_equal(audit("entry 5: its submission or action is no longer in the database"), 1);
	char path[128], args[512];
	snprintf(path, sizeof(path), "/api/v1/feedback/%s", tracking[5]);
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	th_resp_free(&r);
	long long old_size = 0;
	{
		FILE *f;
		char file[700], line[256];
		snprintf(file, sizeof(file), "%s/cp-old.txt", tmp);
		f = fopen(file, "r");
		assert_non_null(f);
		assert_non_null(fgets(line, sizeof(line), f));
		assert_non_null(fgets(line, sizeof(line), f));
		old_size = atoll(line);
		fclose(f);
	}
	snprintf(path, sizeof(path), "/api/v1/log/proof/inclusion?index=5&size=%lld", old_size);
	assert_int_equal(save(path, "proof5.json"), 200);
	snprintf(args, sizeof(args), "%s --keys keys.json --checkpoint cp-old.txt --proof proof5.json",
		 receipts[5]);
	assert_int_equal(verify(args), 0);

	/* A rewrite of the log itself to hide it: entry 5 becomes another, the tree is hashed
	 * again. The service will not sign the new tree, and the citizen's receipt no longer
	 * verifies against a proof from it, with the checkpoint they kept. */
	long long signed_before = checkpoint_size();
	free(sql_value("UPDATE tlog_entry SET leaf = sha256('rewritten'::bytea) WHERE idx = 5"));
	free(sql_value("DELETE FROM tlog_node"));
	free(sql_value("UPDATE tlog_tree SET size = 0"));
	const char *body = "{\"item_code\":\"DB-I01\",\"rating\":3,\"kind\":\"opinion\","
			   "\"body\":\"Sau khi nhật ký bị viết lại\"}";
	assert_int_equal(th_http(&srv, "POST", "/api/v1/feedback",
				 "Content-Type: application/json\r\n", body, strlen(body), &r),
			 0);
	assert_int_equal(r.status, 201);
	th_resp_free(&r);
	sleep(3);
	assert_int_equal(checkpoint_size(), signed_before);
	assert_int_equal(th_run("grep -q 'does not extend the checkpoint' %s", srv.log_path), 0);
	/* The holder of entry 4, whose proof passes through entry 5: */
	snprintf(path, sizeof(path), "/api/v1/log/proof/inclusion?index=4&size=%lld", old_size);
	assert_int_equal(save(path, "proof4-rewritten.json"), 200);
	snprintf(args, sizeof(args),
		 "%s --keys keys.json --checkpoint cp-old.txt --proof proof4-rewritten.json",
		 receipts[4]);
	assert_int_equal(verify(args), 1);
	/* And if whoever holds the key signs the rewritten log by other means, anyone with an
	 * older checkpoint sees that it does not extend theirs. */
	char *size = sql_value("SELECT size FROM tlog_tree");
	char *root64 = sql_value("SELECT encode(pakn_tlog_mth(0, size), 'base64') FROM tlog_tree");
	uint8_t root[TLOG_HASH];
	assert_true(tlog_hash_from_b64(root64, root));
	char err[256];
	struct keyring *kr = keys_load(getenv("PAKN_KEY_DIR"), false, err, sizeof(err));
	assert_non_null(kr);
	struct sbuf forged = {0};
	tlog_checkpoint_sign(&forged, "pakn57.local/log", (uint64_t)atoll(size), root,
			     keys_current(kr)->sk, keys_current(kr)->pk);
	keys_free(kr);
	char file[700];
	snprintf(file, sizeof(file), "%s/cp-forged.txt", tmp);
	FILE *f = fopen(file, "w");
	fputs(forged.data, f);
	fclose(f);
	sbuf_free(&forged);
	snprintf(path, sizeof(path), "/api/v1/log/proof/consistency?from=%lld&to=%s", old_size,
		 size);
	assert_int_equal(save(path, "consistency-forged.json"), 200);
	assert_int_equal(verify("--consistency cp-old.txt cp-forged.txt --proof "
				"consistency-forged.json --keys keys.json"),
			 1);
	free(size);
	free(root64);
	assert_int_equal(audit("log NOT intact"), 1);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_receipts_are_proven_in_the_log),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_moderation_and_answers_are_entries),
		cmocka_unit_test(test_restart_resumes_the_same_tree),
		cmocka_unit_test(test_tampering_is_caught),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
