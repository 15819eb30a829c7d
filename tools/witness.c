/* witness.c - owns pakn-witness's state files and the add-checkpoint decision (see
 * witness.h). The checks are C2SP tlog-witness's, in its order: the body's form (400), the
 * origin (404), the log's signature (403), the old size (400 above the new size, 409 unless
 * it is the size this witness last cosigned), then the tree (422: a non-empty proof from 0,
 * a proof that does not lead from the stored root to the new one, a changed root at the same
 * size, or a root of the empty tree that is not SHA-256 of nothing). */
#include "witness.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xalloc.h"

#define KEY_PREFIX "PRIVATE+KEY+"

struct witness_log {
	char origin[TLOG_NAME_MAX];
	char origin_hex[2 * crypto_hash_sha256_BYTES + 1]; /* its state file's name */
	int nkeys;
	struct cosign_vkey keys[WITNESS_MAX_KEYS];
	bool has; /* it cosigned a checkpoint of this log */
	uint64_t size;
	uint8_t root[TLOG_HASH];
	char *note; /* that checkpoint: text, the log's signature, this witness's cosignature */
};

struct witness {
	struct cosign_vkey self;
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	char dir[PATH_MAX];
	int nlogs;
	struct witness_log logs[WITNESS_MAX_LOGS];
};

struct witness *witness_new(const char *name, const uint8_t sk[crypto_sign_SECRETKEYBYTES],
			    const char *dir)
{
	struct witness *w = xcalloc(1, sizeof(*w));
	snprintf(w->self.name, sizeof(w->self.name), "%s", name);
	w->self.type = COSIGN_TYPE_V1;
	memcpy(w->sk, sk, sizeof(w->sk));
	crypto_sign_ed25519_sk_to_pk(w->self.pk, sk);
	tlog_note_key_id(name, COSIGN_TYPE_V1, w->self.pk, w->self.key_id);
	snprintf(w->dir, sizeof(w->dir), "%s", dir);
	return w;
}

void witness_free(struct witness *w)
{
	if (!w)
		return;
	for (int i = 0; i < w->nlogs; i++)
		free(w->logs[i].note);
	sodium_memzero(w->sk, sizeof(w->sk));
	free(w);
}

void witness_vkey(const struct witness *w, struct sbuf *out)
{
	cosign_vkey_format(out, &w->self);
}

static struct witness_log *log_of(struct witness *w, const char *origin)
{
	for (int i = 0; i < w->nlogs; i++)
		if (strcmp(w->logs[i].origin, origin) == 0)
			return &w->logs[i];
	return NULL;
}

int witness_add_log(struct witness *w, const char *spec, char *err, size_t errlen)
{
	const char *eq = strchr(spec, '=');
	struct cosign_vkey k;
	char origin[TLOG_NAME_MAX], sub[160];
	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof(origin)) {
		snprintf(err, errlen, "--log %s: ORIGIN=VKEY expected", spec);
		return -1;
	}
	snprintf(origin, sizeof(origin), "%.*s", (int)(eq - spec), spec);
	int parsed = cosign_vkey_parse(eq + 1, &k, sub, sizeof(sub));
	if (parsed < 0 || k.type != COSIGN_TYPE_NOTE) {
		snprintf(err, errlen, "--log %s: %s", origin,
			 parsed < 0 ? sub : "not a log's note key (type 0x01)");
		return -1;
	}
	struct witness_log *log = log_of(w, origin);
	if (!log) {
		if (w->nlogs == WITNESS_MAX_LOGS) {
			snprintf(err, errlen, "more than %d logs", WITNESS_MAX_LOGS);
			return -1;
		}
		log = &w->logs[w->nlogs++];
		snprintf(log->origin, sizeof(log->origin), "%s", origin);
		uint8_t h[crypto_hash_sha256_BYTES];
		crypto_hash_sha256(h, (const uint8_t *)origin, strlen(origin));
		sodium_bin2hex(log->origin_hex, sizeof(log->origin_hex), h, sizeof(h));
	}
	if (log->nkeys == WITNESS_MAX_KEYS) {
		snprintf(err, errlen, "--log %s: more than %d keys", origin, WITNESS_MAX_KEYS);
		return -1;
	}
	log->keys[log->nkeys++] = k;
	return 0;
}

/* Writes data as dir/name so that a crash leaves the old file or the new one, never a part:
 * a temporary file, fsync, rename over, fsync of the directory. */
static int write_atomically(const char *dir, const char *name, const char *data, size_t len,
			    char *err, size_t errlen)
{
	char tmp[PATH_MAX + 96], path[PATH_MAX + 96];
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto out_err;
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			goto out_unlink;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0) {
		close(fd);
		goto out_unlink;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0)
		goto out_unlink;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		if (dfd >= 0)
			close(dfd);
		goto out_err;
	}
	close(dfd);
	return 0;
out_unlink:
	snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
	unlink(tmp);
	return -1;
out_err:
	snprintf(err, errlen, "%s: %s", dir, strerror(errno));
	return -1;
}

int witness_load(struct witness *w, char *err, size_t errlen)
{
	for (int i = 0; i < w->nlogs; i++) {
		struct witness_log *log = &w->logs[i];
		char path[PATH_MAX + 96], sub[160];
		snprintf(path, sizeof(path), "%s/%s", w->dir, log->origin_hex);
		errno = 0;
		char *note = file_read(path, NULL);
		if (!note) {
			if (errno == ENOENT)
				continue; /* never cosigned this log */
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		struct tlog_checkpoint cp;
		uint64_t ts;
		if (tlog_checkpoint_parse(note, &cp, sub, sizeof(sub)) < 0 ||
		    strcmp(cp.origin, log->origin) != 0 ||
		    cosign_note_check(note, &w->self, &ts, NULL, 0, sub, sizeof(sub)) != 1) {
			snprintf(err, errlen,
				 "%s: not a checkpoint of %s cosigned by this witness's key; refusing "
				 "to start without its state",
				 path, log->origin);
			free(note);
			return -1;
		}
		log->has = true;
		log->size = cp.size;
		memcpy(log->root, cp.root, TLOG_HASH);
		log->note = note;
	}
	return 0;
}

static int say(struct sbuf *reply, int status, const char *reason)
{
	sbuf_printf(reply, "%s\n", reason);
	return status;
}

/* Keeps a checkpoint the log signed that does not extend what this witness cosigned: it
 * proves that the log showed two views. Only the log's key can make one, so they cannot
 * flood the disk. */
static void keep_evidence(const struct witness *w, const struct witness_log *log,
			  const char *body, size_t len, uint64_t size, uint64_t now)
{
	char name[128], err[PATH_MAX + 160];
	snprintf(name, sizeof(name), "fork-%.16s-%" PRIu64 "-%" PRIu64, log->origin_hex, size, now);
	if (write_atomically(w->dir, name, body, len, err, sizeof(err)) < 0)
		log_error(NULL, "could not keep the evidence of a fork: %s", err);
	else
		log_error(NULL, "the log %s showed a checkpoint that does not extend the one cosigned "
				"(size %" PRIu64 "): kept as %s/%s",
			  log->origin, log->size, w->dir, name);
}

int witness_add_checkpoint(struct witness *w, const char *body, size_t len, uint64_t now,
			   struct sbuf *reply, const char **content_type)
{
	struct cosign_request rq;
	struct tlog_checkpoint cp;
	char err[PATH_MAX + 160];
	*content_type = "text/plain; charset=utf-8";
	if (cosign_request_parse(body, len, &rq, err, sizeof(err)) < 0 ||
	    tlog_checkpoint_parse(rq.note, &cp, err, sizeof(err)) < 0)
		return say(reply, 400, err);
	struct witness_log *log = log_of(w, cp.origin);
	if (!log)
		return say(reply, 404, "unknown log");

	char logsig[TLOG_NAME_MAX + 160];
	bool good = false, bad = false;
	for (int i = 0; i < log->nkeys; i++) {
		uint64_t ts;
		int r = cosign_note_check(rq.note, &log->keys[i], &ts, good ? NULL : logsig,
					  sizeof(logsig), err, sizeof(err));
		bad = bad || r < 0;
		good = good || r == 1;
	}
	if (bad || !good)
		return say(reply, 403, bad ? "a signature by the log's key does not verify"
					   : "no signature by the log's key");

	if (rq.old_size > cp.size)
		return say(reply, 400, "the old size is above the checkpoint's size");
	uint64_t have = log->has ? log->size : 0;
	if (rq.old_size != have) {
		*content_type = "text/x.tlog.size";
		sbuf_printf(reply, "%" PRIu64 "\n", have);
		return 409;
	}
	uint8_t empty[TLOG_HASH];
	crypto_hash_sha256(empty, (const uint8_t *)"", 0);
	if (cp.size == 0 && sodium_memcmp(cp.root, empty, TLOG_HASH) != 0)
		return say(reply, 422, "a checkpoint of 0 entries must have the empty tree's root");
	if (rq.old_size == 0 && rq.nproof != 0)
		return say(reply, 422, "a proof from the empty tree must be empty");
	if (rq.old_size != 0 && !tlog_consistency_ok(rq.old_size, cp.size, log->root, cp.root,
						     rq.proof, (size_t)rq.nproof)) {
		keep_evidence(w, log, body, len, cp.size, now);
		return say(reply, 422, "the checkpoint does not extend the one cosigned before");
	}

	/* What is kept: the text, the log's signature that was checked, and the cosignature.
	 * Other lines of the request are not: a forged line by this witness's own name would
	 * make the file fail its check at the next start. */
	struct sbuf kept = {0}, line = {0};
	cosign_line(&line, w->self.name, w->sk, w->self.pk, rq.note, cp.text_len, now);
	sbuf_append(&kept, rq.note, cp.text_len);
	sbuf_printf(&kept, "\n%s\n%s", logsig, line.data);
	int status = 200;
	if (write_atomically(w->dir, log->origin_hex, kept.data, kept.len, err, sizeof(err)) < 0) {
		log_error(NULL, "cannot store the state of %s: %s", log->origin, err);
		status = say(reply, 500, "the witness cannot store its state");
		sbuf_free(&kept);
	} else {
		free(log->note);
		log->note = sbuf_take(&kept);
		log->has = true;
		log->size = cp.size;
		memcpy(log->root, cp.root, TLOG_HASH);
		sbuf_append(reply, line.data, line.len);
	}
	sbuf_free(&line);
	return status;
}

int witness_checkpoint(const struct witness *w, const char *origin_sha256_hex, struct sbuf *out)
{
	for (int i = 0; i < w->nlogs; i++)
		if (w->logs[i].has && strcmp(w->logs[i].origin_hex, origin_sha256_hex) == 0) {
			sbuf_puts(out, w->logs[i].note);
			return 200;
		}
	return 404;
}

/* --- key files ---------------------------------------------------------------------- */

static void key_text(struct sbuf *out, const char *name, const uint8_t key_id[4],
		     const uint8_t seed[crypto_sign_SEEDBYTES])
{
	uint8_t bytes[1 + crypto_sign_SEEDBYTES] = {COSIGN_TYPE_V1};
	memcpy(bytes + 1, seed, crypto_sign_SEEDBYTES);
	char hex[9], b64[sodium_base64_ENCODED_LEN(sizeof(bytes), sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2hex(hex, sizeof(hex), key_id, 4);
	sodium_bin2base64(b64, sizeof(b64), bytes, sizeof(bytes), sodium_base64_VARIANT_ORIGINAL);
	sbuf_printf(out, KEY_PREFIX "%s+%s+%s\n", name, hex, b64);
	sodium_memzero(bytes, sizeof(bytes));
	sodium_memzero(b64, sizeof(b64));
}

int witness_key_create(const char *path, const char *name, struct sbuf *vkey, char *err,
		       size_t errlen)
{
	if (!cosign_name_ok(name)) {
		snprintf(err, errlen, "'%s' is not a key name: no spaces, no '+'", name);
		return -1;
	}
	struct cosign_vkey k = {.type = COSIGN_TYPE_V1};
	uint8_t seed[crypto_sign_SEEDBYTES], sk[crypto_sign_SECRETKEYBYTES];
	randombytes_buf(seed, sizeof(seed));
	crypto_sign_seed_keypair(k.pk, sk, seed);
	snprintf(k.name, sizeof(k.name), "%s", name);
	tlog_note_key_id(name, COSIGN_TYPE_V1, k.pk, k.key_id);
	struct sbuf text = {0};
	key_text(&text, name, k.key_id, seed);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	int rc = -1, fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0 && write(fd, text.data, text.len) == (ssize_t)text.len && fsync(fd) == 0)
		rc = 0;
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	sodium_memzero(text.data, text.len);
	sbuf_free(&text);
	if (rc == 0)
		cosign_vkey_format(vkey, &k);
	return rc;
}

int witness_key_load(const char *path, char name[TLOG_NAME_MAX],
		     uint8_t sk[crypto_sign_SECRETKEYBYTES], char *err, size_t errlen)
{
	size_t len;
	char *text = file_read(path, &len);
	if (!text) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	uint8_t id[4], want[4], type = 0, seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	int rc = -1;
	if (strncmp(text, KEY_PREFIX, strlen(KEY_PREFIX)) == 0 &&
	    cosign_key_split(text + strlen(KEY_PREFIX), name, id, &type, seed) == 0 &&
	    type == COSIGN_TYPE_V1) {
		crypto_sign_seed_keypair(pk, sk, seed);
		tlog_note_key_id(name, COSIGN_TYPE_V1, pk, want);
		rc = memcmp(id, want, 4) == 0 ? 0 : -1;
	}
	if (rc < 0)
		snprintf(err, errlen, "%s: not a witness key file (pakn-witness keygen makes one)",
			 path);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(text, len);
	free(text);
	return rc;
}
