/* cosign.h - witness cosignatures, pure functions shared by the service, pakn-witness and
 * pakn-verify (docs/witness.md): verifier keys (C2SP signed-note "vkeys"), Ed25519
 * cosignature/v1 lines (C2SP tlog-cosignature, signature type 0x04) and the body of the
 * add-checkpoint request (C2SP tlog-witness). Nothing here touches the network or a file. */
#ifndef PAKN_COSIGN_H
#define PAKN_COSIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "core/util.h"
#include "tlog/tlog.h"

#define COSIGN_MAX_PROOF 63   /* proof lines tlog-witness allows */
#define COSIGN_TYPE_NOTE TLOG_NOTE_ED25519 /* an Ed25519 signed-note key: a log's */
#define COSIGN_TYPE_V1 0x04   /* an Ed25519 cosignature/v1 key: what a witness signs with */

/* A verifier key, "name+hex(key ID)+base64(type || public key)". */
struct cosign_vkey {
	char name[TLOG_NAME_MAX];
	uint8_t type; /* COSIGN_TYPE_NOTE or COSIGN_TYPE_V1 */
	uint8_t key_id[4];
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
};

/* Splits "name+hex(key ID)+base64(type || 32 bytes)": the form of a vkey and of a key
 * file's secret (tools/witness.c). Checks the form only. 0, or -1. */
int cosign_key_split(const char *text, char name[TLOG_NAME_MAX], uint8_t key_id[4],
		     uint8_t *type, uint8_t key[crypto_sign_PUBLICKEYBYTES]);

/* Reads a vkey of type COSIGN_TYPE_NOTE or COSIGN_TYPE_V1 whose key ID is the one its name
 * and key give. 0, or -1 with a reason in err. */
int cosign_vkey_parse(const char *text, struct cosign_vkey *out, char *err, size_t errlen);

/* Appends the vkey's text. */
void cosign_vkey_format(struct sbuf *out, const struct cosign_vkey *k);

/* Is name a valid key name (signed-note: non-empty, no space, no '+', no control byte)? */
bool cosign_name_ok(const char *name);

/* Appends "— name base64(key ID || timestamp || Ed25519 signature)\n": the cosignature of the
 * checkpoint whose note text (up to and including its last line's newline, without the
 * blank line and signatures) is body[0..len), at timestamp (POSIX seconds, not 0). */
void cosign_line(struct sbuf *out, const char *name, const uint8_t sk[crypto_sign_SECRETKEYBYTES],
		 const uint8_t pk[crypto_sign_PUBLICKEYBYTES], const char *body, size_t len,
		 uint64_t timestamp);

/* Looks in a signed note (text, blank line, signature lines) for a signature by the key k
 * and checks it: an Ed25519 note signature over the text (COSIGN_TYPE_NOTE, a log's), or a
 * cosignature/v1 (COSIGN_TYPE_V1, a witness's). Lines by other keys are ignored. Returns 1
 * when a good one is there, with its timestamp (0 for a note signature) and, if line is not
 * NULL, the signature line without its newline in a buffer of line_cap; 0 when none is by
 * this key; -1 when one by this key fails (the note is then malformed), with err. */
int cosign_note_check(const char *note, const struct cosign_vkey *k, uint64_t *timestamp,
		      char *line, size_t line_cap, char *err, size_t errlen);

/* A checkpoint's first three lines (C2SP tlog-checkpoint), read strictly: a non-empty origin,
 * a decimal size without leading zeroes, a base64 root of TLOG_HASH bytes; extension lines
 * may follow. Nothing about signatures. */
/* The add-checkpoint request body: "old N", the proof's lines, a blank line, the note. */
struct cosign_request {
	uint64_t old_size;
	int nproof;
	uint8_t proof[COSIGN_MAX_PROOF][TLOG_HASH];
	const char *note; /* points into the body parsed */
};

/* Reads a request body of len bytes (which must be NUL-terminated at len: a NUL inside it
 * is refused). 0, or -1 with a reason in err (the witness answers 400). */
int cosign_request_parse(const char *body, size_t len, struct cosign_request *out, char *err,
			 size_t errlen);

/* Appends a request body. */
void cosign_request_format(struct sbuf *out, uint64_t old_size,
			   const uint8_t (*proof)[TLOG_HASH], int nproof, const char *note);


#endif
