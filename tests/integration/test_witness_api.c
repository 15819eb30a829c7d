/* test_witness_api.c - witnesses as another body runs them: the real server, on a database of its
 * own with a checkpoint every second, configured with two pakn-witness processes. While
 * they are down the log goes on; once up, they cosign each checkpoint and the service serves
 * it with both cosignatures; pakn-verify proves a receipt against it with --witness and
 * --require, and refuses an unknown key or a quorum not met. A witness killed with SIGKILL
 * comes back with its state, and a restarted service learns the witnesses' sizes from their
 * 409s; a witness refuses a rewritten log (a checkpoint of it signed with the
 * log's own key), before and after such a restart, and still cosigns the true one. Hostile
 * bodies get their statuses and leave it serving. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/keys.h"
#include "tlog/cosign.h"
#include "harness.h"

#define ORIGIN "pakn57.local/log"
#define SUBMISSIONS 5

static struct th_server srv, wit[2];
static int wport[2];
static char db_url[1024], url_env[1100], witnesses_env[1200];
static char tmp[512];
static char wkey[3][600], wstate[2][600], wvkey[3][300]; /* the third key cosigns nothing */
static struct cosign_vkey wk[2];
static char log_spec[400];
static char receipt[64] = "w-receipt.json";
static long long receipt_index;
static bool have_receipt;

static const char *const server_env[] = {url_env, witnesses_env, "PAKN_LOG_INTERVAL=1",
					 "PAKN_INTAKE_RATE=100000", "PAKN_INTAKE_BURST=100000",
					 NULL};

static const char *bin(void)
{
	return getenv("PAKN_WITNESS_BIN") ? getenv("PAKN_WITNESS_BIN") : "build/asan/pakn-witness";
}

/* Runs cmd; its first line of output goes to line. 0, or -1 if it failed. */
static int first_line(const char *cmd, char *line, size_t cap)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	bool got = fgets(line, (int)cap, p) != NULL;
	line[strcspn(line, "\n")] = '\0';
	return pclose(p) == 0 && got ? 0 : -1;
}

/* pakn-witness keygen; the vkey it prints goes to vkey. */
static int keygen(const char *name, const char *file, char *vkey, size_t cap)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "%s keygen %s %s", bin(), name, file);
	return first_line(cmd, vkey, cap);
}

static int group_setup(void **state)
{
	(void)state;
	if (th_own_database("witness", db_url, sizeof(db_url)) < 0)
		return -1;
	snprintf(url_env, sizeof(url_env), "PAKN_DATABASE_URL=%s", db_url);
	snprintf(tmp, sizeof(tmp), "%s", getenv("PAKN_TEST_TMP") ? getenv("PAKN_TEST_TMP") : "/tmp");
	char err[200];
	for (int i = 0; i < 3; i++) {
		char name[64];
		snprintf(name, sizeof(name), "witness.example/w%d", i + 1);
		snprintf(wkey[i], sizeof(wkey[i]), "%s/witness-%d.key", tmp, i + 1);
		unlink(wkey[i]);
		if (keygen(name, wkey[i], wvkey[i], sizeof(wvkey[i])) < 0)
			return -1;
		if (i < 2) {
			if (cosign_vkey_parse(wvkey[i], &wk[i], err, sizeof(err)) < 0)
				return -1;
			snprintf(wstate[i], sizeof(wstate[i]), "%s/witness-%d-state", tmp, i + 1);
			th_run("rm -rf %s", wstate[i]);
			mkdir(wstate[i], 0755);
			wport[i] = th_free_port();
		}
	}
	snprintf(witnesses_env, sizeof(witnesses_env),
		 "PAKN_WITNESSES=http://127.0.0.1:%d=%s http://127.0.0.1:%d/=%s", wport[0], wvkey[0],
		 wport[1], wvkey[1]);
	if (th_server_start(&srv, "witness_api", server_env) < 0 ||
	    th_server_wait_ready(&srv, 10000) < 0)
		return -1;
	/* The log's verifier key, as a witness's operator makes it from the published key. */
	struct keyring *kr = keys_load(getenv("PAKN_KEY_DIR"), false, err, sizeof(err));
	if (!kr)
		return -1;
	char pk64[64], cmd[2048];
	sodium_bin2base64(pk64, sizeof(pk64), keys_current(kr)->pk, crypto_sign_PUBLICKEYBYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	keys_free(kr);
	snprintf(cmd, sizeof(cmd), "%s log-vkey %s %s", bin(), ORIGIN, pk64);
	char vkey[300];
	if (first_line(cmd, vkey, sizeof(vkey)) < 0)
		return -1;
	snprintf(log_spec, sizeof(log_spec), ORIGIN "=%s", vkey);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++)
		if (wit[i].pid > 0 && th_server_stop(&wit[i]) != 0)
			return -1;
	return th_server_stop(&srv) == 0 ? 0 : -1;
}

static void start_witness(int i)
{
	char listen[64], name[32];
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", wport[i]);
	snprintf(name, sizeof(name), "witness-%d", i + 1);
	const char *const args[] = {bin(),	   "--listen", listen,   "--key", wkey[i],
				    "--state", wstate[i], "--log", log_spec, NULL};
	assert_int_equal(th_process_start(&wit[i], name, args, NULL), 0);
}

static void kill_witness(int i)
{
	int status;
	kill(wit[i].pid, SIGKILL);
	waitpid(wit[i].pid, &status, 0);
	wit[i].pid = 0;
}

/* The served checkpoint (caller frees), or NULL. */
static char *served(void)
{
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", "/api/v1/log/checkpoint", NULL, NULL, 0, &r), 0);
	char *note = r.status == 200 ? strdup(r.body) : NULL;
	th_resp_free(&r);
	return note;
}

static long long size_of(const char *note)
{
	const char *nl = note ? strchr(note, '\n') : NULL;
	return nl ? atoll(nl + 1) : 0;
}

static bool cosigned_by(const char *note, int i)
{
	uint64_t ts;
	char err[200];
	return note && cosign_note_check(note, &wk[i], &ts, NULL, 0, err, sizeof(err)) == 1;
}

/* Waits (up to 40 s, × th_time_scale()) for a served checkpoint of at least size entries cosigned by the
 * witnesses of mask (bit i: witness i); returns it (caller frees), or NULL. */
static char *wait_cosigned(long long size, int mask)
{
	for (int t = 0; t < 400 * th_time_scale(); t++) {
		char *note = served();
		bool ok = size_of(note) >= size;
		for (int i = 0; i < 2; i++)
			ok = ok && (!(mask & 1 << i) || cosigned_by(note, i));
		if (ok)
			return note;
		free(note);
		usleep(100 * 1000);
	}
	return NULL;
}

static void write_file(const char *name, const char *text, size_t len)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fwrite(text, 1, len, f);
	fclose(f);
}

static int save(const char *path, const char *name)
{
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", path, NULL, NULL, 0, &r), 0);
	write_file(name, r.body, r.body_len);
	int status = r.status;
	th_resp_free(&r);
	return status;
}

static int verify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int verify(const char *fmt, ...)
{
	char args[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	char *path = realpath(getenv("PAKN_VERIFY_BIN") ? getenv("PAKN_VERIFY_BIN")
							: "build/asan/pakn-verify",
			      NULL);
	assert_non_null(path);
	int rc = th_run("cd %s && %s %s", tmp, path, args);
	free(path);
	return rc;
}

/* POSTs body to witness i's add-checkpoint; fills r. */
static void to_witness(int i, const char *method, const char *body, size_t len,
		       const char *headers, struct th_resp *r)
{
	assert_int_equal(th_http(&wit[i], method, "/add-checkpoint", headers, body, len, r), 0);
}

static void submit(int n)
{
	static int sent; /* each body differs: the same one again is a duplicate, not an entry */
	for (int i = sent; i < sent + n; i++) {
		char body[200];
		snprintf(body, sizeof(body),
			 "{\"item_code\":\"LC-T%d\",\"rating\":4,\"kind\":\"opinion\","
			 "\"body\":\"Nhân chứng số %d\"}",
			 1 + i % 30, i);
		struct th_resp r;
		assert_int_equal(th_http(&srv, "POST", "/api/v1/feedback",
					 "Content-Type: application/json\r\n", body, strlen(body), &r),
				 0);
		assert_int_equal(r.status, 201);
		if (!have_receipt) {
			json_object *doc = th_json(&r);
			receipt_index = json_object_get_int64(th_get(doc, "receipt", "log_index", NULL));
			json_object_put(doc);
			write_file(receipt, r.body, r.body_len);
			have_receipt = true;
		}
		th_resp_free(&r);
	}
	sent += n;
}

static void test_a_down_witness_does_not_hold_the_log_back(void **state)
{
	(void)state;
	submit(SUBMISSIONS);
	char *note = NULL;
	for (int t = 0; t < 150 * th_time_scale() && size_of(note) < SUBMISSIONS; t++) {
		free(note);
		usleep(100 * 1000);
		note = served();
	}
	assert_true(size_of(note) >= SUBMISSIONS);
	assert_false(cosigned_by(note, 0) || cosigned_by(note, 1));
	free(note);
	/* It was tried, and said so. */
	int found = 1;
	for (int t = 0; t < 50 * th_time_scale() && found != 0; t++, usleep(100 * 1000))
		found = th_run("grep -q 'witness http://127.0.0.1:%d' %s", wport[0], srv.log_path);
	assert_int_equal(found, 0);
}

static void test_checkpoints_get_cosigned_and_served_with_the_cosignatures(void **state)
{
	(void)state;
	start_witness(0);
	start_witness(1);
	char *note = wait_cosigned(SUBMISSIONS, 3);
	assert_non_null(note);
	/* Still the log's checkpoint: its signature checks, the lines after it are extra. */
	char err[200];
	uint64_t size;
	uint8_t root[TLOG_HASH];
	struct keyring *kr = keys_load(getenv("PAKN_KEY_DIR"), false, err, sizeof(err));
	assert_non_null(kr);
	assert_int_equal(tlog_checkpoint_open(note, ORIGIN, keys_current(kr)->pk, &size, root, err,
					      sizeof(err)),
			 0);
	keys_free(kr);
	free(note);
	/* A new entry: the next checkpoint is cosigned too, with a proof from the last. */
	submit(1);
	note = wait_cosigned(SUBMISSIONS + 1, 3);
	assert_non_null(note);
	free(note);
	char *rows;
	assert_int_equal(th_sql(db_url, "SELECT count(DISTINCT witness) || ' ' || (count(*) >= 4) "
					"FROM tlog_cosignature", &rows), 0);
	assert_string_equal(rows, "2 true");
	free(rows);
}

static void test_a_receipt_verifies_with_required_witnesses(void **state)
{
	(void)state;
	char *note = wait_cosigned(SUBMISSIONS + 1, 3);
	assert_non_null(note);
	write_file("w-cp.txt", note, strlen(note));
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/log/proof/inclusion?index=%lld&size=%lld",
		 receipt_index, size_of(note));
	assert_int_equal(save(path, "w-proof.json"), 200);
	assert_int_equal(save("/api/v1/keys", "w-keys.json"), 200);
	const char *base = "w-receipt.json --keys w-keys.json --checkpoint w-cp.txt --proof "
			   "w-proof.json";
	assert_int_equal(verify("%s", base), 0);
	assert_int_equal(verify("%s --witness %s", base, wvkey[0]), 0);
	assert_int_equal(verify("%s --witness %s --witness %s --require 2", base, wvkey[0],
				wvkey[1]),
			 0);
	/* A key that cosigned nothing; a quorum of two with only one of them cosigning. */
	assert_int_equal(verify("%s --witness %s --require 1", base, wvkey[2]), 1);
	assert_int_equal(verify("%s --witness %s --witness %s --require 2", base, wvkey[0],
				wvkey[2]),
			 1);
	/* More required than keys given is a usage error. */
	assert_int_equal(verify("%s --witness %s --require 2", base, wvkey[0]), 2);
	/* Not forked: the tree head in the (version 2) receipt is part of the cosigned log. */
	char file[600];
	snprintf(file, sizeof(file), "%s/w-receipt.json", tmp);
	json_object *doc = json_object_from_file(file), *head;
	assert_non_null(doc);
	head = th_get(doc, "receipt", "checkpoint", NULL);
	assert_non_null(head);
	write_file("w-head.txt", json_object_get_string(head), strlen(json_object_get_string(head)));
	snprintf(path, sizeof(path), "/api/v1/log/proof/consistency?from=%lld&to=%lld",
		 size_of(json_object_get_string(head)), size_of(note));
	json_object_put(doc);
	assert_int_equal(save(path, "w-consistency.json"), 200);
	const char *fork = "--consistency w-head.txt w-cp.txt --proof w-consistency.json --keys "
			   "w-keys.json";
	assert_int_equal(verify("%s --witness %s --witness %s --require 2", fork, wvkey[0],
				wvkey[1]),
			 0);
	assert_int_equal(verify("%s --witness %s --require 1", fork, wvkey[2]), 1);
	/* A changed cosignature is not a cosignature. */
	char *at = strstr(note, "witness.example/w1 ");
	assert_non_null(at);
	at += strlen("witness.example/w1 ") + 30;
	*at = *at == 'A' ? 'B' : 'A';
	write_file("w-cp-bad.txt", note, strlen(note));
	assert_int_equal(verify("w-receipt.json --keys w-keys.json --checkpoint w-cp-bad.txt --proof "
				"w-proof.json --witness %s",
				wvkey[0]),
			 1);
	free(note);
}

/* Asks witness i the size it has (its 409 to "old 0" for note); -1 if it did not answer so. */
static long long witness_size(int i, const char *note)
{
	struct sbuf body = {0};
	cosign_request_format(&body, 0, NULL, 0, note);
	struct th_resp r;
	to_witness(i, "POST", body.data, body.len, NULL, &r);
	sbuf_free(&body);
	const char *type = th_header(&r, "Content-Type");
	long long size = r.status == 409 && type && strcmp(type, "text/x.tlog.size") == 0
				 ? atoll(r.body)
				 : -1;
	th_resp_free(&r);
	return size;
}

static void test_a_witness_killed_keeps_its_state(void **state)
{
	(void)state;
	char *note = wait_cosigned(SUBMISSIONS + 1, 1);
	assert_non_null(note);
	long long had = witness_size(0, note);
	assert_true(had >= SUBMISSIONS + 1);
	kill_witness(0);
	start_witness(0);
	assert_int_equal(witness_size(0, note), had);
	free(note);
	/* And it goes on cosigning the log. */
	submit(1);
	note = wait_cosigned(had + 1, 1);
	assert_non_null(note);
	free(note);
	/* A restarted service does not know what the witnesses have: it asks with "old 0",
	 * learns their size from the 409, and sends the proof from there. */
	assert_int_equal(th_server_stop(&srv), 0);
	assert_int_equal(th_server_start(&srv, "witness_api", server_env), 0);
	assert_int_equal(th_server_wait_ready(&srv, 10000), 0);
	submit(1);
	note = wait_cosigned(had + 2, 3);
	assert_non_null(note);
	free(note);
	assert_int_equal(th_run("grep -q 'add-checkpoint: 409' %s", wit[1].log_path), 0);
}

static int evidence_files(int i)
{
	DIR *d = opendir(wstate[i]);
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)))
		n += strncmp(e->d_name, "fork-", 5) == 0;
	if (d)
		closedir(d);
	return n;
}

static void test_a_rewritten_log_is_refused(void **state)
{
	(void)state;
	char *truth = wait_cosigned(SUBMISSIONS + 3, 1);
	assert_non_null(truth);
	long long size = witness_size(0, truth);
	assert_int_equal(size, size_of(truth));

	/* The log rewritten in SQL: entry 1 becomes another, the tree is hashed again. The
	 * service itself will not sign it; its key, taken by other means, does. */
	assert_int_equal(th_sql(db_url, "UPDATE tlog_entry SET leaf = sha256('rewritten'::bytea) "
					"WHERE idx = 1", NULL), 0);
	assert_int_equal(th_sql(db_url, "DELETE FROM tlog_node", NULL), 0);
	assert_int_equal(th_sql(db_url, "UPDATE tlog_tree SET size = 0", NULL), 0);
	submit(1);
	char *forged_size = NULL;
	for (int t = 0; t < 100 * th_time_scale(); t++) {
		free(forged_size);
		assert_int_equal(th_sql(db_url, "SELECT size FROM tlog_tree WHERE size > 0",
					&forged_size), 0);
		if (forged_size && atoll(forged_size) > size)
			break;
		usleep(100 * 1000);
	}
	assert_non_null(forged_size);
	long long n = atoll(forged_size);
	assert_true(n > size);
	char *root64;
	assert_int_equal(th_sql(db_url, "SELECT encode(pakn_tlog_mth(0, size), 'base64') FROM "
					"tlog_tree", &root64), 0);
	uint8_t root[TLOG_HASH];
	assert_true(tlog_hash_from_b64(root64, root));
	char err[200];
	struct keyring *kr = keys_load(getenv("PAKN_KEY_DIR"), false, err, sizeof(err));
	assert_non_null(kr);
	struct sbuf forged = {0}, body = {0};
	tlog_checkpoint_sign(&forged, ORIGIN, (uint64_t)n, root, keys_current(kr)->sk,
			     keys_current(kr)->pk);
	keys_free(kr);
	/* With the consistency proof the rewritten log gives from the witness's size. */
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/log/proof/consistency?from=%lld&to=%lld", size, n);
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	json_object *doc = th_json(&r), *list;
	uint8_t proof[COSIGN_MAX_PROOF][TLOG_HASH];
	assert_true(json_object_object_get_ex(doc, "proof", &list));
	int count = tlog_proof_from_json(list, proof, COSIGN_MAX_PROOF);
	assert_true(count > 0);
	json_object_put(doc);
	th_resp_free(&r);
	cosign_request_format(&body, (uint64_t)size, (const uint8_t(*)[TLOG_HASH])proof, count,
			      forged.data);
	to_witness(0, "POST", body.data, body.len, NULL, &r);
	assert_int_equal(r.status, 422);
	assert_null(strstr(r.body, "\xE2\x80\x94"));
	th_resp_free(&r);
	assert_true(evidence_files(0) >= 1);

	/* Killed and started again, it still refuses the fork and still cosigns the truth. */
	kill_witness(0);
	start_witness(0);
	to_witness(0, "POST", body.data, body.len, NULL, &r);
	assert_int_equal(r.status, 422);
	th_resp_free(&r);
	sbuf_free(&body);
	cosign_request_format(&body, (uint64_t)size, NULL, 0, truth);
	to_witness(0, "POST", body.data, body.len, NULL, &r);
	assert_int_equal(r.status, 200);
	struct sbuf cosigned = {0};
	sbuf_printf(&cosigned, "%s%s", truth, r.body);
	assert_true(cosigned_by(cosigned.data, 0));
	sbuf_free(&cosigned);
	th_resp_free(&r);
	sbuf_free(&body);
	sbuf_free(&forged);
	free(forged_size);
	free(root64);
	free(truth);
}

static void test_hostile_bodies_get_their_statuses(void **state)
{
	(void)state;
	char *truth = wait_cosigned(1, 2);
	assert_non_null(truth);
	long long size = witness_size(1, truth);
	assert_true(size > 0);
	struct th_resp r;
	struct sbuf body = {0};

	to_witness(1, "POST", "garbage", 7, NULL, &r);
	assert_int_equal(r.status, 400);
	th_resp_free(&r);
	/* Bigger than its limit: refused before it is read. */
	size_t big = 200 * 1024;
	char *huge = malloc(big);
	memset(huge, 'A', big);
	to_witness(1, "POST", huge, big, NULL, &r);
	assert_int_equal(r.status, 413);
	th_resp_free(&r);
	free(huge);
	to_witness(1, "GET", NULL, 0, NULL, &r);
	assert_int_equal(r.status, 405);
	th_resp_free(&r);
	/* A wrong old size: 409 and the witness's size; above the checkpoint's: 400. */
	cosign_request_format(&body, (uint64_t)size - 1, NULL, 0, truth);
	to_witness(1, "POST", body.data, body.len, NULL, &r);
	assert_int_equal(r.status, 409);
	assert_int_equal(atoll(r.body), size);
	th_resp_free(&r);
	sbuf_free(&body);
	cosign_request_format(&body, (uint64_t)size + 1, NULL, 0, truth);
	to_witness(1, "POST", body.data, body.len, NULL, &r);
	assert_int_equal(r.status, 400);
	th_resp_free(&r);
	sbuf_free(&body);
	/* Another log; this log signed by another key. */
	char *other = strdup(truth);
	other[0] = 'q';
	cosign_request_format(&body, (uint64_t)size, NULL, 0, other);
	to_witness(1, "POST", body.data, body.len, NULL, &r);
	assert_int_equal(r.status, 404);
	th_resp_free(&r);
	sbuf_free(&body);
	free(other);
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], root[TLOG_HASH] = {1};
	crypto_sign_keypair(pk, sk);
	struct sbuf note = {0};
	tlog_checkpoint_sign(&note, ORIGIN, (uint64_t)size, root, sk, pk);
	cosign_request_format(&body, (uint64_t)size, NULL, 0, note.data);
	to_witness(1, "POST", body.data, body.len, NULL, &r);
	assert_int_equal(r.status, 403);
	th_resp_free(&r);
	sbuf_free(&body);
	sbuf_free(&note);
	/* Framing it will not take. */
	to_witness(1, "POST", "5\r\nold 0\r\n0\r\n\r\n", 15, "Transfer-Encoding: chunked\r\n", &r);
	assert_true(r.status == 411 || r.status == 400);
	th_resp_free(&r);
	/* And after all that it still cosigns the log. */
	cosign_request_format(&body, (uint64_t)size, NULL, 0, truth);
	to_witness(1, "POST", body.data, body.len, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	sbuf_free(&body);
	assert_true(th_server_alive(&wit[1]));
	free(truth);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_down_witness_does_not_hold_the_log_back),
		cmocka_unit_test(test_checkpoints_get_cosigned_and_served_with_the_cosignatures),
		cmocka_unit_test(test_a_receipt_verifies_with_required_witnesses),
		cmocka_unit_test(test_a_witness_killed_keeps_its_state),
		cmocka_unit_test(test_hostile_bodies_get_their_statuses),
		cmocka_unit_test(test_a_rewritten_log_is_refused),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
