/* personal.h - encryption at rest of a feedback's personal data (name, organization,
 * e-mail, phone): XChaCha20-Poly1305 with the KEY_CONTACT key, a random nonce, and
 * "feedback:<id>" as associated data, so a ciphertext moved to another row does not open.
 * Stored as nonce || ciphertext, carried as base64. */
#ifndef PAKN_PERSONAL_H
#define PAKN_PERSONAL_H

#include <stdint.h>

#include "crypto/keys.h"

/* Encrypts plain (NUL-terminated) for feedback id; returns new base64 text (caller
 * frees). */
char *personal_encrypt(const struct keyring *kr, int64_t id, const char *plain);

/* Decrypts base64 for feedback id; returns the plaintext (caller frees), or NULL if it
 * does not open (wrong row, wrong key, damaged). */
char *personal_decrypt(const struct keyring *kr, int64_t id, const char *b64);

#endif
