/* keys.h - the key directory: Ed25519 signing keys (the current one signs, old ones stay
 * for verifying), and one master key from which the keys for contact encryption, receipt
 * secrets and client hashes are derived. Files are created with mode 0600 in a directory
 * of mode 0700:
 *   ed25519-<key id>.key   64-byte libsodium secret key (public key inside)
 *   current                the key id that signs now
 *   master.key             32 random bytes
 * A key id is the first 16 hex digits of SHA-256 of the 32-byte public key. */
#ifndef PAKN_KEYS_H
#define PAKN_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#define KEY_ID_LEN 16

struct signing_key {
	char id[KEY_ID_LEN + 1];
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
};

enum derived_key {
	KEY_CONTACT = 1, /* XChaCha20-Poly1305 key for contact details */
	KEY_SECRET = 2,  /* keyed BLAKE2b key for receipt secrets */
	KEY_CLIENT = 3,  /* keyed BLAKE2b key for client-address hashes */
	KEY_CSRF = 4,    /* keyed BLAKE2b key deriving a session's CSRF token */
	KEY_TOTP = 5,    /* XChaCha20-Poly1305 key for officials' TOTP secrets */
	KEY_RECOVERY = 6, /* keyed BLAKE2b key for officials' recovery codes */
};
#define KEY_DERIVED_LAST KEY_RECOVERY

struct keyring;

/* Loads the directory; with create, makes it and any missing key first (safe if several
 * processes start at once). Returns NULL with a message in err. The keyring is read-only
 * afterwards and may be shared between threads. */
struct keyring *keys_load(const char *dir, bool create, char *err, size_t errlen);

void keys_free(struct keyring *kr);

/* The key that signs new receipts. */
const struct signing_key *keys_current(const struct keyring *kr);

/* A key by id, or NULL. */
const struct signing_key *keys_find(const struct keyring *kr, const char *id);

/* All signing keys, in key-id order. */
size_t keys_count(const struct keyring *kr);
const struct signing_key *keys_at(const struct keyring *kr, size_t i);

/* The public keys of keys_at(kr, 0 .. keys_count - 1), as one array: what a verifier of
 * receipts and checkpoints takes. */
const uint8_t (*keys_public(const struct keyring *kr))[crypto_sign_PUBLICKEYBYTES];

/* A 32-byte key derived from the master key for one purpose. */
const uint8_t *keys_derived(const struct keyring *kr, enum derived_key which);

/* Adds a new signing key and makes it current; writes its id to new_id. Returns 0 or -1
 * with err. */
int keys_rotate(const char *dir, char new_id[KEY_ID_LEN + 1], char *err, size_t errlen);

/* Computes the key id of a public key. */
void keys_id_of(const uint8_t pk[crypto_sign_PUBLICKEYBYTES], char id[KEY_ID_LEN + 1]);

#endif
