/* totp.h - officials' second factor: TOTP codes (RFC 6238 over RFC 4226 HOTP: HMAC-SHA-1,
 * 30-second steps, 6 digits, what authenticator apps expect) computed and checked with
 * liboath, the otpauth:// URI an app scans, and single-use recovery codes with their keyed
 * hashes. Nothing here touches the database: the caller keeps the secret sealed
 * (personal_seal with KEY_TOTP) and refuses a step it accepted before (replay). */
#ifndef PAKN_TOTP_H
#define PAKN_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/keys.h"

#define TOTP_SECRET_LEN 20 /* bytes: RFC 4226's recommended 160 bits */
#define TOTP_STEP 30       /* seconds */
#define TOTP_DIGITS 6
#define TOTP_WINDOW 1      /* steps accepted either side of now: a clock off by up to 30 s */
#define TOTP_ISSUER "PAKN-57"
#define TOTP_RECOVERY_CODES 10
#define TOTP_RECOVERY_LEN 19 /* "xxxx-xxxx-xxxx-xxxx": 16 base32 characters, 80 bits */

/* A new random secret. */
void totp_secret_new(uint8_t secret[TOTP_SECRET_LEN]);

/* The code of time step step (unix time / TOTP_STEP) with digits digits (6..8) into out
 * (digits + 1 bytes). Returns 0, or -1 when liboath refuses. */
int totp_code(const uint8_t *secret, size_t len, uint64_t step, unsigned digits, char *out);

/* True when code (TOTP_DIGITS ASCII digits, nothing else) is the code of a step within
 * TOTP_WINDOW of now; that step goes to *step. Compares in constant time. */
bool totp_check(const uint8_t *secret, size_t len, time_t now, const char *code,
		uint64_t *step);

/* otpauth://totp/PAKN-57:<account>?secret=<base32>&issuer=PAKN-57&algorithm=SHA1&digits=6
 * &period=30 (Google Authenticator's key URI format), account percent-encoded; new text
 * (caller frees). The base32 secret alone goes to secret_b32 (33 bytes) for typing in. */
char *totp_uri(const char *account, const uint8_t secret[TOTP_SECRET_LEN],
	       char secret_b32[33]);

/* A new recovery code, "xxxx-xxxx-xxxx-xxxx" from a-z and 2-7. */
void totp_recovery_new(char out[TOTP_RECOVERY_LEN + 1]);

/* The stored form of a recovery code: hex keyed BLAKE2b-256 (KEY_RECOVERY) of its 16
 * characters, read case-blind with dashes and spaces ignored. Returns false (hash
 * untouched) when input is not 16 such characters. */
bool totp_recovery_hash(const struct keyring *kr, const char *input, char hash[65]);

#endif
