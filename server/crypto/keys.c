/* keys.c - owns the key directory's files and the keys derived from it (see keys.h). */
#include "crypto/keys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_KEYS 64
#define KDF_CONTEXT "PAKN57KY" /* crypto_kdf context: 8 bytes */

struct keyring {
	struct signing_key keys[MAX_KEYS];
	size_t nkeys;
	size_t current;
	uint8_t pks[MAX_KEYS][crypto_sign_PUBLICKEYBYTES]; /* keys[i].pk, for keys_public */
	uint8_t derived[KEY_DERIVED_LAST + 1][32];
};

void keys_id_of(const uint8_t pk[crypto_sign_PUBLICKEYBYTES], char id[KEY_ID_LEN + 1])
{
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, pk, crypto_sign_PUBLICKEYBYTES);
	sodium_bin2hex(id, KEY_ID_LEN + 1, h, KEY_ID_LEN / 2);
}

/* Writes len bytes to dir/name with mode 0600, failing if it exists. */
static int write_new(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, data, len);
	int rc = (w == (ssize_t)len && fsync(fd) == 0) ? 0 : -1;
	close(fd);
	if (rc < 0)
		unlink(path);
	return rc;
}

/* Reads exactly len bytes of dir/name. */
static int read_exact(const char *dir, const char *name, void *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r = read(fd, data, len);
	char extra;
	int rc = (r == (ssize_t)len && read(fd, &extra, 1) == 0) ? 0 : -1;
	close(fd);
	return rc;
}

static int set_current(const char *dir, const char *id)
{
	char tmp[4096], path[4096];
	snprintf(tmp, sizeof(tmp), "%s/current.%d", dir, (int)getpid());
	snprintf(path, sizeof(path), "%s/current", dir);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(f, "%s\n", id);
	int rc = fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -1;
	fclose(f);
	if (rc == 0)
		rc = rename(tmp, path);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

static int new_signing_key(const char *dir, char id[KEY_ID_LEN + 1])
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_keypair(pk, sk);
	keys_id_of(pk, id);
	char name[64];
	snprintf(name, sizeof(name), "ed25519-%s.key", id);
	int rc = write_new(dir, name, sk, sizeof(sk));
	sodium_memzero(sk, sizeof(sk));
	return rc;
}

int keys_rotate(const char *dir, char new_id[KEY_ID_LEN + 1], char *err, size_t errlen)
{
	if (new_signing_key(dir, new_id) < 0 || set_current(dir, new_id) < 0) {
		snprintf(err, errlen, "%s: cannot write a new key: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int create_missing(const char *dir, char *err, size_t errlen)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	uint8_t master[32];
	randombytes_buf(master, sizeof(master));
	int rc = write_new(dir, "master.key", master, sizeof(master));
	sodium_memzero(master, sizeof(master));
	if (rc < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s/master.key: %s", dir, strerror(errno));
		return -1;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/current", dir);
	if (access(path, F_OK) == 0)
		return 0;
	char id[KEY_ID_LEN + 1];
	if (new_signing_key(dir, id) < 0 || access(path, F_OK) == 0) /* another process won */
		return 0;
	if (set_current(dir, id) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int load_signing_keys(struct keyring *kr, const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (strncmp(e->d_name, "ed25519-", 8) != 0 || n != 8 + KEY_ID_LEN + 4 ||
		    strcmp(e->d_name + n - 4, ".key") != 0)
			continue;
		if (kr->nkeys == MAX_KEYS) {
			snprintf(err, errlen, "%s: more than %d signing keys", dir, MAX_KEYS);
			rc = -1;
			break;
		}
		struct signing_key *k = &kr->keys[kr->nkeys];
		if (read_exact(dir, e->d_name, k->sk, sizeof(k->sk)) < 0) {
			snprintf(err, errlen, "%s/%s: not a signing key", dir, e->d_name);
			rc = -1;
			break;
		}
		crypto_sign_ed25519_sk_to_pk(k->pk, k->sk);
		keys_id_of(k->pk, k->id);
		if (strncmp(e->d_name + 8, k->id, KEY_ID_LEN) != 0) {
			snprintf(err, errlen, "%s/%s: name does not match its key", dir, e->d_name);
			rc = -1;
			break;
		}
		kr->nkeys++;
	}
	closedir(d);
	return rc;
}

/* Keys are listed in key-id order: stable, whatever the directory's order. */
static int key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct signing_key *)a)->id, ((const struct signing_key *)b)->id);
}

struct keyring *keys_load(const char *dir, bool create, char *err, size_t errlen)
{
	if (create && create_missing(dir, err, errlen) < 0)
		return NULL;
	struct keyring *kr = sodium_malloc(sizeof(*kr));
	if (!kr) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memset(kr, 0, sizeof(*kr));
	uint8_t master[32];
	char current[KEY_ID_LEN + 2] = "";
	if (read_exact(dir, "master.key", master, sizeof(master)) < 0) {
		snprintf(err, errlen, "%s/master.key: missing or not 32 bytes", dir);
		goto out_free;
	}
	for (int k = KEY_CONTACT; k <= KEY_DERIVED_LAST; k++)
		crypto_kdf_derive_from_key(kr->derived[k], 32, (uint64_t)k, KDF_CONTEXT, master);
	sodium_memzero(master, sizeof(master));
	if (load_signing_keys(kr, dir, err, errlen) < 0)
		goto out_free;
	char path[4096];
	snprintf(path, sizeof(path), "%s/current", dir);
	FILE *f = fopen(path, "r");
	if (!f || !fgets(current, sizeof(current), f)) {
		snprintf(err, errlen, "%s: missing", path);
		if (f)
			fclose(f);
		goto out_free;
	}
	fclose(f);
	current[strcspn(current, "\n")] = '\0';
	qsort(kr->keys, kr->nkeys, sizeof(kr->keys[0]), key_cmp);
	for (size_t i = 0; i < kr->nkeys; i++)
		memcpy(kr->pks[i], kr->keys[i].pk, crypto_sign_PUBLICKEYBYTES);
	for (kr->current = 0; kr->current < kr->nkeys; kr->current++)
		if (strcmp(kr->keys[kr->current].id, current) == 0)
			return kr;
	snprintf(err, errlen, "%s names key %s, which is not in %s", path, current, dir);
out_free:
	sodium_free(kr);
	return NULL;
}

void keys_free(struct keyring *kr)
{
	if (kr)
		sodium_free(kr);
}

const struct signing_key *keys_current(const struct keyring *kr)
{
	return &kr->keys[kr->current];
}

const struct signing_key *keys_find(const struct keyring *kr, const char *id)
{
	for (size_t i = 0; i < kr->nkeys; i++)
		if (strcmp(kr->keys[i].id, id) == 0)
			return &kr->keys[i];
	return NULL;
}

size_t keys_count(const struct keyring *kr)
{
	return kr->nkeys;
}

const struct signing_key *keys_at(const struct keyring *kr, size_t i)
{
	return i < kr->nkeys ? &kr->keys[i] : NULL;
}

const uint8_t (*keys_public(const struct keyring *kr))[crypto_sign_PUBLICKEYBYTES]
{
	return (const uint8_t(*)[crypto_sign_PUBLICKEYBYTES])kr->pks;
}

const uint8_t *keys_derived(const struct keyring *kr, enum derived_key which)
{
	return kr->derived[which];
}
