/* tracking.c - owns the tracking code format (see tracking.h). */
#include "crypto/tracking.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "core/random.h"

static const char symbols[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/* Crockford's check symbols: the 32 above, then five more for values 32..36. */
static const char check_symbols[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";

/* The check value of 16 symbol values read as one 80-bit number, mod 37. */
static int check_value(const uint8_t v[16])
{
	int r = 0;
	for (int i = 0; i < 16; i++)
		r = (r * 32 + v[i]) % 37;
	return r;
}

static void format(const uint8_t v[16], char out[TRACKING_CODE_LEN + 1])
{
	char *o = out;
	for (int i = 0; i < 16; i++) {
		if (i > 0 && i % 4 == 0)
			*o++ = '-';
		*o++ = symbols[v[i]];
	}
	*o++ = '-';
	*o++ = check_symbols[check_value(v)];
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
	format(v, out);
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

bool tracking_parse(const char *text, char out[TRACKING_CODE_LEN + 1])
{
	uint8_t v[16];
	int n = 0, check = -1;
	for (const char *p = text; *p; p++) {
		if (*p == '-' || *p == ' ')
			continue;
		if (n < 16) {
			int x = symbol_value(*p, symbols);
			if (x < 0)
				return false;
			v[n++] = (uint8_t)x;
		} else if (check < 0) {
			check = symbol_value(*p, check_symbols);
			if (check < 0)
				return false;
		} else {
			return false; /* too long */
		}
	}
	if (n != 16 || check != check_value(v))
		return false;
	format(v, out);
	return true;
}
