/* tracking.h - tracking codes: 80 random bits written as 16 Crockford base32 symbols in
 * four groups, then a check symbol from the same 32 symbols that catches any single
 * mistyped symbol and any swap of two neighbours: "7K3M-9QXD-2F8H-W4TR-R". Codes given
 * before issue 23 end in a check symbol mod 37, possibly one of * ~ $ = U; they keep
 * working (docs/intake.md, "Tracking codes"). */
#ifndef PAKN_TRACKING_H
#define PAKN_TRACKING_H

#include <stdbool.h>
#include <stddef.h>

#define TRACKING_CODE_LEN 21 /* 16 symbols, 3 hyphens, 1 check symbol */

/* Which check a code passes. */
enum tracking_scheme {
	TRACKING_INVALID, /* neither: not a code, or a mistyped one */
	TRACKING_NEW,     /* the GF(32) check symbol, as tracking_new writes them */
	TRACKING_OLD,     /* only the old mod-37 check: a code given before the new scheme */
};

/* Writes a new random code (NUL-terminated, new scheme) into out[TRACKING_CODE_LEN + 1]. */
void tracking_new(char out[TRACKING_CODE_LEN + 1]);

/* Reads a code as a person may type it: any case, with or without hyphens and spaces,
 * I and L read as 1, O as 0. Returns the check it passes (the new one first) and then
 * writes the canonical form into out; on TRACKING_INVALID out is untouched. */
enum tracking_scheme tracking_read(const char *text, char out[TRACKING_CODE_LEN + 1]);

/* tracking_read(text, out) != TRACKING_INVALID: a new code or an old one. */
bool tracking_parse(const char *text, char out[TRACKING_CODE_LEN + 1]);

#endif
