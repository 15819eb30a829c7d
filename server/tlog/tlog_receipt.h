/* tlog_receipt.h - checking a receipt of either version offline (docs/receipts.md): version
 * 1 by its Ed25519 signature, version 2 by its commitment, its entry's inclusion proof and
 * the signed tree head it carries. Shared by the service's POST /api/v1/receipts/verify and
 * pakn-verify. */
#ifndef PAKN_TLOG_RECEIPT_H
#define PAKN_TLOG_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "crypto/receipt.h"

/* Checks r against the public keys pks (those of GET /api/v1/keys); a version 2 receipt's
 * head must be a checkpoint of the log called origin (any name the key signed when NULL).
 * On RECEIPT_VALID of a version 2 receipt, *size is the size of the signed tree it is
 * proven in (0 for version 1). Otherwise err says why. */
enum receipt_check tlog_receipt_check(const struct receipt *r,
				      const uint8_t (*pks)[crypto_sign_PUBLICKEYBYTES], size_t npk,
				      const char *origin, uint64_t *size, char *err, size_t errlen);

#endif
