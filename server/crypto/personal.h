/* personal.h - encryption at rest of a feedback's personal data (name, organization,
 * e-mail, phone): XChaCha20-Poly1305 with the KEY_CONTACT key, a random nonce, and
 * "feedback:<id>" as associated data, so a ciphertext moved to another row does not open.
 * Stored as nonce || ciphertext, carried as base64. */
#ifndef PAKN_PERSONAL_H
#define PAKN_PERSONAL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/keys.h"

/* Encrypts plain (NUL-terminated) for feedback id; returns new base64 text (caller
 * frees). */
char *personal_encrypt(const struct keyring *kr, int64_t id, const char *plain);

/* Decrypts base64 for feedback id; returns the plaintext (caller frees), or NULL if it
 * does not open (wrong row, wrong key, damaged). */
char *personal_decrypt(const struct keyring *kr, int64_t id, const char *b64);

/* The same for other secrets kept at rest (an official's TOTP secret, with KEY_TOTP and
 * "official:<id>"): seals len bytes under the derived key which, bound to the associated
 * data ad; returns new base64 text (caller frees). */
char *personal_seal(const struct keyring *kr, enum derived_key which, const char *ad,
		    const uint8_t *plain, size_t len);

/* Opens what personal_seal made with the same key and ad: returns the bytes, followed by a
 * NUL not counted in *len (caller frees), or NULL if it does not open. */
uint8_t *personal_open(const struct keyring *kr, enum derived_key which, const char *ad,
		       const char *b64, size_t *len);

#endif
