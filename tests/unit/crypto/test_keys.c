/* test_keys.c - tests server/crypto/keys.c: the key directory made on first start (files, modes),
 * loading it again, rotation, the errors for missing or damaged files, key ids, and the
 * keys derived from master.key. Every directory is made with mkdtemp and removed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/keys.h"
#include "../unit_dir.h"

static int group_setup(void **state)
{
	(void)state;
	umask(022); /* the modes below are the ones keys.c asks for, whatever the caller had */
	return sodium_init() < 0 ? -1 : 0;
}

/* --- a temporary directory per test ------------------------------------------------- */

struct tmp {
	char base[256]; /* made by mkdtemp */
	char dir[300];  /* base/keys: not there until keys_load(create) makes it */
};

static int tmp_setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	const char *root = getenv("PAKN_TEST_TMP");
	if (!root)
		root = getenv("TMPDIR");
	snprintf(t->base, sizeof(t->base), "%s/test_keys.XXXXXX", root ? root : "/tmp");
	if (!mkdtemp(t->base)) {
		free(t);
		return -1;
	}
	snprintf(t->dir, sizeof(t->dir), "%s/keys", t->base);
	*state = t;
	return 0;
}

static int tmp_teardown(void **state)
{
	struct tmp *t = *state;
	unit_rm_dir(t->base);
	struct stat st;
	int gone = stat(t->base, &st) != 0;
	free(t);
	return gone ? 0 : -1;
}

/* --- helpers -------------------------------------------------------------------------- */

static mode_t mode_of(const char *dir, const char *name)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static off_t size_of(const char *dir, const char *name)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* Lists the directory (sorted, "." and ".." left out) as "a,b,c". */
static void list_dir(const char *dir, char *out, size_t outlen)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	assert_true(n >= 0);
	size_t o = 0;
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0)
			o += (size_t)snprintf(out + o, outlen - o, "%s%s", o ? "," : "", names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

static void read_text(const char *dir, const char *name, char *out, size_t outlen)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(out, 1, outlen - 1, f);
	out[n] = '\0';
	fclose(f);
}

static void write_bytes(const char *dir, const char *name, const void *data, size_t len)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static size_t read_bytes(const char *dir, const char *name, void *data, size_t cap)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	ssize_t n = read(fd, data, cap);
	close(fd);
	assert_true(n >= 0);
	return (size_t)n;
}

/* Lower-case hex of the first 8 bytes of SHA-256(pk), written out by hand. */
static void expected_id(const uint8_t pk[crypto_sign_PUBLICKEYBYTES], char id[KEY_ID_LEN + 1])
{
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, pk, crypto_sign_PUBLICKEYBYTES);
	for (int i = 0; i < KEY_ID_LEN / 2; i++)
		snprintf(id + 2 * i, 3, "%02x", h[i]);
}

/* --- first start ---------------------------------------------------------------------- */

static void test_create_fresh(void **state)
{
	struct tmp *t = *state;
	char err[512] = "";
	struct keyring *kr = keys_load(t->dir, true, err, sizeof(err));
	if (!kr)
		print_error("keys_load: %s\n", err);
	assert_non_null(kr);

	/* directory 0700 with exactly three files, each 0600 */
	struct stat st;
	assert_int_equal(stat(t->dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);

	assert_int_equal(keys_count(kr), 1);
	const struct signing_key *k = keys_current(kr);
	assert_non_null(k);
	assert_int_equal(strlen(k->id), KEY_ID_LEN);
	char key_name[64], want_list[256], list[1024];
	snprintf(key_name, sizeof(key_name), "ed25519-%s.key", k->id);
	snprintf(want_list, sizeof(want_list), "current,%s,master.key", key_name);
	list_dir(t->dir, list, sizeof(list));
	assert_string_equal(list, want_list);
	assert_int_equal(mode_of(t->dir, "master.key"), 0600);
	assert_int_equal(mode_of(t->dir, "current"), 0600);
	assert_int_equal(mode_of(t->dir, key_name), 0600);
	assert_int_equal(size_of(t->dir, "master.key"), 32);
	assert_int_equal(size_of(t->dir, key_name), crypto_sign_SECRETKEYBYTES);

	/* current holds the id and a line feed */
	char cur[64];
	read_text(t->dir, "current", cur, sizeof(cur));
	char want_cur[32];
	snprintf(want_cur, sizeof(want_cur), "%s\n", k->id);
	assert_string_equal(cur, want_cur);

	/* the key file is the libsodium secret key of the loaded pair; its name is its id */
	uint8_t sk[crypto_sign_SECRETKEYBYTES + 1];
	assert_int_equal(read_bytes(t->dir, key_name, sk, sizeof(sk)), crypto_sign_SECRETKEYBYTES);
	assert_memory_equal(sk, k->sk, crypto_sign_SECRETKEYBYTES);
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	assert_int_equal(crypto_sign_ed25519_sk_to_pk(pk, sk), 0);
	assert_memory_equal(pk, k->pk, sizeof(pk));
	char id[KEY_ID_LEN + 1];
	expected_id(pk, id);
	assert_string_equal(k->id, id);
	/* and it signs */
	uint8_t sig[crypto_sign_BYTES];
	crypto_sign_detached(sig, NULL, (const uint8_t *)"x", 1, k->sk);
	assert_int_equal(crypto_sign_verify_detached(sig, (const uint8_t *)"x", 1, k->pk), 0);
	sodium_memzero(sk, sizeof(sk));
	keys_free(kr);
}

/* mkdtemp's directory itself (it exists already) works as well. */
static void test_create_in_existing_dir(void **state)
{
	struct tmp *t = *state;
	char err[512] = "";
	struct keyring *kr = keys_load(t->base, true, err, sizeof(err));
	if (!kr)
		print_error("keys_load: %s\n", err);
	assert_non_null(kr);
	assert_int_equal(keys_count(kr), 1);
	char list[1024], want[256];
	list_dir(t->base, list, sizeof(list));
	snprintf(want, sizeof(want), "current,ed25519-%s.key,master.key", keys_current(kr)->id);
	assert_string_equal(list, want);
	keys_free(kr);
}

static void test_second_load_same_keys(void **state)
{
	struct tmp *t = *state;
	char err[512] = "";
	struct keyring *a = keys_load(t->dir, true, err, sizeof(err));
	assert_non_null(a);
	struct keyring *b = keys_load(t->dir, true, err, sizeof(err));
	assert_non_null(b);
	struct keyring *c = keys_load(t->dir, false, err, sizeof(err));
	assert_non_null(c);
	const struct keyring *all[] = {b, c};
	for (int i = 0; i < 2; i++) {
		assert_int_equal(keys_count(all[i]), 1);
		assert_string_equal(keys_current(all[i])->id, keys_current(a)->id);
		assert_memory_equal(keys_current(all[i])->pk, keys_current(a)->pk,
				    crypto_sign_PUBLICKEYBYTES);
		assert_memory_equal(keys_current(all[i])->sk, keys_current(a)->sk,
				    crypto_sign_SECRETKEYBYTES);
		for (int d = KEY_CONTACT; d <= KEY_CLIENT; d++)
			assert_memory_equal(keys_derived(all[i], (enum derived_key)d),
					    keys_derived(a, (enum derived_key)d), 32);
	}
	/* nothing new was written */
	char list[1024], want[256];
	list_dir(t->dir, list, sizeof(list));
	snprintf(want, sizeof(want), "current,ed25519-%s.key,master.key", keys_current(a)->id);
	assert_string_equal(list, want);
	keys_free(a);
	keys_free(b);
	keys_free(c);
	keys_free(NULL);
}

static void test_derived_keys(void **state)
{
	struct tmp *t = *state;
	char err[512] = "", other[320];
	struct keyring *kr = keys_load(t->dir, true, err, sizeof(err));
	assert_non_null(kr);
	snprintf(other, sizeof(other), "%s/other", t->base);
	struct keyring *kr2 = keys_load(other, true, err, sizeof(err));
	assert_non_null(kr2);
	static const uint8_t zero[32];
	const uint8_t *contact = keys_derived(kr, KEY_CONTACT);
	const uint8_t *secret = keys_derived(kr, KEY_SECRET);
	const uint8_t *client = keys_derived(kr, KEY_CLIENT);
	assert_memory_not_equal(contact, zero, 32);
	assert_memory_not_equal(secret, zero, 32);
	assert_memory_not_equal(client, zero, 32);
	assert_memory_not_equal(contact, secret, 32);
	assert_memory_not_equal(contact, client, 32);
	assert_memory_not_equal(secret, client, 32);
	/* none is the master key itself */
	uint8_t master[33];
	assert_int_equal(read_bytes(t->dir, "master.key", master, sizeof(master)), 32);
	assert_memory_not_equal(contact, master, 32);
	assert_memory_not_equal(secret, master, 32);
	assert_memory_not_equal(client, master, 32);
	/* another directory has another master key, so other derived keys */
	for (int d = KEY_CONTACT; d <= KEY_CLIENT; d++)
		assert_memory_not_equal(keys_derived(kr2, (enum derived_key)d),
					keys_derived(kr, (enum derived_key)d), 32);
	/* they come from master.key: copying it over makes the derived keys equal */
	keys_free(kr2);
	char path[400];
	snprintf(path, sizeof(path), "%s/master.key", other);
	assert_int_equal(unlink(path), 0);
	write_bytes(other, "master.key", master, 32);
	kr2 = keys_load(other, false, err, sizeof(err));
	assert_non_null(kr2);
	for (int d = KEY_CONTACT; d <= KEY_CLIENT; d++)
		assert_memory_equal(keys_derived(kr2, (enum derived_key)d),
				    keys_derived(kr, (enum derived_key)d), 32);
	sodium_memzero(master, sizeof(master));
	keys_free(kr);
	keys_free(kr2);
}

/* --- rotation ------------------------------------------------------------------------- */

static void test_rotate(void **state)
{
	struct tmp *t = *state;
	char err[512] = "";
	struct keyring *kr = keys_load(t->dir, true, err, sizeof(err));
	assert_non_null(kr);
	struct signing_key old = *keys_current(kr);
	uint8_t derived_before[3][32];
	for (int d = KEY_CONTACT; d <= KEY_CLIENT; d++)
		memcpy(derived_before[d - 1], keys_derived(kr, (enum derived_key)d), 32);
	keys_free(kr);

	char new_id[KEY_ID_LEN + 1] = "";
	if (keys_rotate(t->dir, new_id, err, sizeof(err)) != 0)
		print_error("keys_rotate: %s\n", err);
	assert_int_equal(strlen(new_id), KEY_ID_LEN);
	assert_string_not_equal(new_id, old.id);

	kr = keys_load(t->dir, false, err, sizeof(err));
	if (!kr)
		print_error("keys_load after rotate: %s\n", err);
	assert_non_null(kr);
	assert_int_equal(keys_count(kr), 2);
	assert_string_equal(keys_current(kr)->id, new_id);
	char id[KEY_ID_LEN + 1];
	expected_id(keys_current(kr)->pk, id);
	assert_string_equal(id, new_id);
	const struct signing_key *found = keys_find(kr, old.id);
	assert_non_null(found);
	assert_memory_equal(found->pk, old.pk, sizeof(old.pk));
	assert_memory_equal(found->sk, old.sk, sizeof(old.sk));
	assert_ptr_equal(keys_find(kr, new_id), keys_current(kr));
	assert_null(keys_find(kr, "0000000000000000"));
	assert_null(keys_find(kr, ""));
	/* listed in key-id order */
	assert_true(strcmp(keys_at(kr, 0)->id, keys_at(kr, 1)->id) < 0);
	assert_null(keys_at(kr, 2));
	/* rotation does not touch the derived keys */
	for (int d = KEY_CONTACT; d <= KEY_CLIENT; d++)
		assert_memory_equal(keys_derived(kr, (enum derived_key)d), derived_before[d - 1], 32);
	/* files: four, all 0600 */
	char list[1024], want[256];
	list_dir(t->dir, list, sizeof(list));
	const char *lo = strcmp(old.id, new_id) < 0 ? old.id : new_id;
	const char *hi = lo == old.id ? new_id : old.id;
	snprintf(want, sizeof(want), "current,ed25519-%s.key,ed25519-%s.key,master.key", lo, hi);
	assert_string_equal(list, want);
	char name[64];
	snprintf(name, sizeof(name), "ed25519-%s.key", new_id);
	assert_int_equal(mode_of(t->dir, name), 0600);
	assert_int_equal(mode_of(t->dir, "current"), 0600);
	keys_free(kr);

	/* a second rotation: three keys, the newest current, both older ones found */
	char third[KEY_ID_LEN + 1];
	assert_int_equal(keys_rotate(t->dir, third, err, sizeof(err)), 0);
	kr = keys_load(t->dir, true, err, sizeof(err));
	assert_non_null(kr);
	assert_int_equal(keys_count(kr), 3);
	assert_string_equal(keys_current(kr)->id, third);
	assert_non_null(keys_find(kr, old.id));
	assert_non_null(keys_find(kr, new_id));
	keys_free(kr);

	/* eight keys: all listed, in key-id order whatever the directory's order, each found */
	char ids[8][KEY_ID_LEN + 1];
	for (int i = 0; i < 5; i++)
		assert_int_equal(keys_rotate(t->dir, ids[i], err, sizeof(err)), 0);
	kr = keys_load(t->dir, false, err, sizeof(err));
	assert_non_null(kr);
	assert_int_equal(keys_count(kr), 8);
	assert_string_equal(keys_current(kr)->id, ids[4]);
	for (size_t i = 1; i < 8; i++)
		if (strcmp(keys_at(kr, i - 1)->id, keys_at(kr, i)->id) >= 0) {
			print_error("keys_at(%zu) %s before keys_at(%zu) %s\n", i - 1,
				    keys_at(kr, i - 1)->id, i, keys_at(kr, i)->id);
			fail();
		}
	for (int i = 0; i < 5; i++)
		assert_string_equal(keys_find(kr, ids[i])->id, ids[i]);
	assert_non_null(keys_find(kr, old.id));
	sodium_memzero(&old, sizeof(old));
	keys_free(kr);
}

/* --- errors ---------------------------------------------------------------------------- */

/* Asserts that loading fails and that the message names want (a path). */
static void assert_load_fails(const char *dir, bool create, const char *want)
{
	char err[512] = "";
	struct keyring *kr = keys_load(dir, create, err, sizeof(err));
	if (kr || !strstr(err, want))
		print_error("keys_load(%s): %s, error \"%s\", want one naming \"%s\"\n", dir,
			    kr ? "loaded" : "failed", err, want);
	keys_free(kr);
	assert_null(kr);
	assert_non_null(strstr(err, want));
}

static void test_no_create_empty_dir(void **state)
{
	struct tmp *t = *state;
	char want[400];
	snprintf(want, sizeof(want), "%s/master.key", t->base);
	assert_load_fails(t->base, false, want);
	/* nothing was created */
	char list[64];
	list_dir(t->base, list, sizeof(list));
	assert_string_equal(list, "");
	/* a directory that is not there */
	assert_load_fails(t->dir, false, t->dir);
	struct stat st;
	assert_int_not_equal(stat(t->dir, &st), 0);
}

static void test_missing_current(void **state)
{
	struct tmp *t = *state;
	char err[512];
	struct keyring *kr = keys_load(t->dir, true, err, sizeof(err));
	assert_non_null(kr);
	keys_free(kr);
	char path[400];
	snprintf(path, sizeof(path), "%s/current", t->dir);
	assert_int_equal(unlink(path), 0);
	assert_load_fails(t->dir, false, path);
	/* current naming a key that is not there */
	write_bytes(t->dir, "current", "0123456789abcdef\n", 17);
	assert_load_fails(t->dir, false, "0123456789abcdef");
}

static void test_master_wrong_size(void **state)
{
	struct tmp *t = *state;
	char err[512];
	struct keyring *kr = keys_load(t->dir, true, err, sizeof(err));
	assert_non_null(kr);
	keys_free(kr);
	uint8_t master[33] = {0};
	char want[400];
	snprintf(want, sizeof(want), "%s/master.key", t->dir);
	write_bytes(t->dir, "master.key", master, 31);
	assert_load_fails(t->dir, false, want);
	write_bytes(t->dir, "master.key", master, 33);
	assert_load_fails(t->dir, false, want);
	write_bytes(t->dir, "master.key", master, 0);
	assert_load_fails(t->dir, false, want);
}

static void test_key_file_wrong_size(void **state)
{
	struct tmp *t = *state;
	char err[512];
	struct keyring *kr = keys_load(t->dir, true, err, sizeof(err));
	assert_non_null(kr);
	char name[64], want[400];
	snprintf(name, sizeof(name), "ed25519-%s.key", keys_current(kr)->id);
	snprintf(want, sizeof(want), "%s/%s", t->dir, name);
	uint8_t sk[crypto_sign_SECRETKEYBYTES + 1];
	memcpy(sk, keys_current(kr)->sk, crypto_sign_SECRETKEYBYTES);
	sk[crypto_sign_SECRETKEYBYTES] = 0;
	keys_free(kr);

	write_bytes(t->dir, name, sk, crypto_sign_SECRETKEYBYTES - 1);
	assert_load_fails(t->dir, false, want);
	write_bytes(t->dir, name, sk, crypto_sign_SECRETKEYBYTES + 1);
	assert_load_fails(t->dir, false, want);
	write_bytes(t->dir, name, sk, 32); /* a seed is not a key file */
	assert_load_fails(t->dir, false, want);
	/* create does not repair it either */
	assert_load_fails(t->dir, true, want);
	/* the right bytes again: it loads */
	write_bytes(t->dir, name, sk, crypto_sign_SECRETKEYBYTES);
	kr = keys_load(t->dir, false, err, sizeof(err));
	assert_non_null(kr);
	keys_free(kr);
	sodium_memzero(sk, sizeof(sk));
}

static void test_key_file_name_mismatch(void **state)
{
	struct tmp *t = *state;
	char err[512];
	struct keyring *kr = keys_load(t->dir, true, err, sizeof(err));
	assert_non_null(kr);
	char from[400], to[400];
	snprintf(from, sizeof(from), "%s/ed25519-%s.key", t->dir, keys_current(kr)->id);
	keys_free(kr);
	/* another key's file under this one's name: renamed, and current adjusted to match */
	snprintf(to, sizeof(to), "%s/ed25519-0123456789abcdef.key", t->dir);
	assert_int_equal(rename(from, to), 0);
	write_bytes(t->dir, "current", "0123456789abcdef\n", 17);
	assert_load_fails(t->dir, false, to);
	/* a copy beside the right one is caught as well */
	assert_int_equal(link(to, from), 0);
	assert_load_fails(t->dir, false, to);
}

/* --- key ids -------------------------------------------------------------------------- */

static void test_key_id_of(void **state)
{
	(void)state;
	/* a fixed vector: SHA-256 of 32 zero bytes is 66687aadf862bd776c8fc18b8e9f8e20... */
	static const uint8_t zero[crypto_sign_PUBLICKEYBYTES];
	char id[KEY_ID_LEN + 1];
	memset(id, 'x', sizeof(id));
	keys_id_of(zero, id);
	assert_string_equal(id, "66687aadf862bd77");

	/* a key made from a fixed seed, against SHA-256 written out by hand */
	uint8_t seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES],
		sk[crypto_sign_SECRETKEYBYTES];
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(i * 7 + 1);
	crypto_sign_seed_keypair(pk, sk, seed);
	char want[KEY_ID_LEN + 1];
	expected_id(pk, want);
	keys_id_of(pk, id);
	assert_string_equal(id, want);
	assert_int_equal(strspn(id, "0123456789abcdef"), KEY_ID_LEN);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tmp_setup, tmp_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_fresh),
		T(test_create_in_existing_dir),
		T(test_second_load_same_keys),
		T(test_derived_keys),
		T(test_rotate),
		T(test_no_create_empty_dir),
		T(test_missing_current),
		T(test_master_wrong_size),
		T(test_key_file_wrong_size),
		T(test_key_file_name_mismatch),
		cmocka_unit_test(test_key_id_of),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
