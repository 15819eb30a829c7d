/* witness.h - pakn-witness's state and decisions, apart from its HTTP (docs/witness.md): the
 * logs it follows and their keys, the last checkpoint it cosigned for each (one file per log
 * in its state directory, replaced atomically), and the C2SP tlog-witness add-checkpoint
 * rules that decide whether it cosigns. Single-threaded: the caller's event loop runs one
 * request to its end, so checking the old size and storing the new checkpoint are one step. */
#ifndef PAKN_WITNESS_H
#define PAKN_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "tlog/cosign.h"

#define WITNESS_MAX_LOGS 64
#define WITNESS_MAX_KEYS 8 /* keys one log may sign with (a rotation) */

struct witness;

/* A witness called name, signing with sk, keeping its state in dir (which must exist). */
struct witness *witness_new(const char *name, const uint8_t sk[crypto_sign_SECRETKEYBYTES],
			    const char *dir);

/* NULL is fine. */
void witness_free(struct witness *w);

/* Follows a log: "ORIGIN=VKEY", the vkey an Ed25519 note key (type 0x01). Another key for
 * an origin already followed is added to it. 0, or -1 with err. */
int witness_add_log(struct witness *w, const char *spec, char *err, size_t errlen);

/* Reads the state directory: each followed log's last cosigned checkpoint, which must carry
 * this witness's own good cosignature. A damaged file is an error, never an empty state (an
 * empty state would let a fork through). 0, or -1 with err. */
int witness_load(struct witness *w, char *err, size_t errlen);

/* Handles an add-checkpoint body at time now (POSIX seconds). Returns the HTTP status and
 * fills reply (the cosignature line on 200, the witness's size on 409, a reason otherwise)
 * and *content_type. 200 only after the new state is on disk. */
int witness_add_checkpoint(struct witness *w, const char *body, size_t len, uint64_t now,
			   struct sbuf *reply, const char **content_type);

/* The last cosigned checkpoint of the log whose origin's SHA-256 is hex (lower case), with
 * the log's signature and this witness's cosignature (tlog-witness's monitoring GET):
 * 200, or 404 if it has none. */
int witness_checkpoint(const struct witness *w, const char *origin_sha256_hex, struct sbuf *out);

/* This witness's verifier key (type 0x04). */
void witness_vkey(const struct witness *w, struct sbuf *out);

/* Makes a key file (mode 0600, never over an existing file):
 * "PRIVATE+KEY+name+hex(key ID)+base64(0x04 || 32-byte seed)\n". Appends the vkey to vkey.
 * 0, or -1 with err. */
int witness_key_create(const char *path, const char *name, struct sbuf *vkey, char *err,
		       size_t errlen);

/* Reads a key file into its name and secret key. 0, or -1 with err. */
int witness_key_load(const char *path, char name[TLOG_NAME_MAX],
		     uint8_t sk[crypto_sign_SECRETKEYBYTES], char *err, size_t errlen);

#endif
