/* tracking.h - tracking codes: 80 random bits written as 16 Crockford base32 symbols in
 * four groups, then a check symbol (value mod 37) that catches any single mistyped symbol
 * and any swap of two neighbours: "7K3M-9QXD-2F8H-W4TR-M". */
#ifndef PAKN_TRACKING_H
#define PAKN_TRACKING_H

#include <stdbool.h>
#include <stddef.h>

#define TRACKING_CODE_LEN 21 /* 16 symbols, 3 hyphens, 1 check symbol */

/* Writes a new random code (NUL-terminated) into out[TRACKING_CODE_LEN + 1]. */
void tracking_new(char out[TRACKING_CODE_LEN + 1]);

/* Reads a code as a person may type it: any case, with or without hyphens and spaces,
 * I and L read as 1, O as 0. Writes the canonical form into out and returns true only when
 * there are 16 symbols and the check symbol matches. */
bool tracking_parse(const char *text, char out[TRACKING_CODE_LEN + 1]);

#endif
