/* tracking.c - owns the tracking code format (see tracking.h). */
#include "crypto/tracking.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "core/random.h"

static const char symbols[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/* The old check symbols: the 32 above, then five more for values 32..36 (Crockford's). */
static const char old_check_symbols[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";

/* x^5 + x^2 + 1: irreducible and primitive, so x (the value 2) has order 31 in GF(32). */
#define GF32_POLY 0x25

/* The check value of new codes: the sum over GF(32) of v[i] * x^(16 - i). With the check
 * symbol at weight x^0 the 17 weights x^16 .. x^0 are distinct and non-zero (17 < 31), so a
 * single substitution changes the sum by w * e != 0 and a swap of neighbours a, b by
 * (w_i + w_i+1)(a + b) != 0: both always caught (tests/unit/crypto/test_tracking.c). */
static int gf32_check(const uint8_t v[16])
{
	int r = 0;
	for (int i = 0; i < 16; i++) {
		r ^= v[i];
		r <<= 1; /* times x */
		if (r & 32)
			r ^= GF32_POLY;
	}
	return r;
}

/* The check value of old codes: the 16 symbol values read as one 80-bit number, mod 37. */
static int mod37_check(const uint8_t v[16])
{
	int r = 0;
	for (int i = 0; i < 16; i++)
		r = (r * 32 + v[i]) % 37;
	return r;
}

static void format(const uint8_t v[16], char check, char out[TRACKING_CODE_LEN + 1])
{
	char *o = out;
	for (int i = 0; i < 16; i++) {
		if (i > 0 && i % 4 == 0)
			*o++ = '-';
		*o++ = symbols[v[i]];
	}
	*o++ = '-';
	*o++ = check;
	*o = '\0';
}

void tracking_new(char out[TRACKING_CODE_LEN + 1])
{
	uint8_t raw[10]; /* 80 bits */
	random_bytes(raw, sizeof(raw));
	uint8_t v[16];
	for (int i = 0; i < 16; i++) {
		int bit = i * 5, byte = bit / 8, shift = bit % 8;
		unsigned w = (unsigned)raw[byte] << 8 | (byte + 1 < 10 ? raw[byte + 1] : 0);
		v[i] = (uint8_t)((w >> (11 - shift)) & 31);
	}
	format(v, symbols[gf32_check(v)], out);
}

static int symbol_value(char c, const char *set)
{
	c = (char)toupper((unsigned char)c);
	if (c == 'O')
		c = '0';
	if (c == 'I' || c == 'L')
		c = '1';
	const char *p = strchr(set, c);
	return p && c ? (int)(p - set) : -1;
}

enum tracking_scheme tracking_read(const char *text, char out[TRACKING_CODE_LEN + 1])
{
	uint8_t v[16];
	int n = 0, check = -1;
	for (const char *p = text; *p; p++) {
		if (*p == '-' || *p == ' ')
			continue;
		if (n < 16) {
			int x = symbol_value(*p, symbols);
			if (x < 0)
				return TRACKING_INVALID;
			v[n++] = (uint8_t)x;
		} else if (check < 0) {
			check = symbol_value(*p, old_check_symbols);
			if (check < 0)
				return TRACKING_INVALID;
		} else {
			return TRACKING_INVALID; /* too long */
		}
	}
	if (n != 16)
		return TRACKING_INVALID;
	enum tracking_scheme scheme = check == gf32_check(v)	? TRACKING_NEW
				      : check == mod37_check(v) ? TRACKING_OLD
								: TRACKING_INVALID;
	if (scheme != TRACKING_INVALID)
		format(v, old_check_symbols[check], out);
	return scheme;
}

bool tracking_parse(const char *text, char out[TRACKING_CODE_LEN + 1])
{
	return tracking_read(text, out) != TRACKING_INVALID;
}
