/* text.c - owns UTF-8 handling and search folding (see text.h). */
#include "text.h"

#include <stdlib.h>
#include <string.h>

struct fold_entry {
	uint32_t cp;
	char base;
};

#include "text_fold_table.h"

size_t utf8_decode(const uint8_t *s, size_t len, uint32_t *cp)
{
	if (len == 0)
		return 0;
	uint8_t c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t n;
	uint32_t v, min;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2, v = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, v = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

bool utf8_is_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0 || cp == 0)
			return false;
		i += n;
	}
	return true;
}

size_t utf8_length(const uint8_t *s, size_t len)
{
	size_t count = 0;
	for (size_t i = 0; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

static char fold_lookup(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(fold_table) / sizeof(fold_table[0]);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (fold_table[mid].cp == cp)
			return fold_table[mid].base;
		if (fold_table[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static bool is_space(uint32_t cp)
{
	return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0;
}

char *text_fold(const char *text, size_t len)
{
	const uint8_t *s = (const uint8_t *)text;
	if (!utf8_is_valid(s, len))
		return NULL;
	/* Folding never makes text longer: every code point becomes itself or fewer bytes. */
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	size_t o = 0, i = 0;
	bool pending_space = false;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (is_space(cp)) {
			pending_space = o > 0;
		} else if (cp >= 0x300 && cp <= 0x36F) {
			/* combining mark of decomposed text: dropped like a precomposed accent */
		} else {
			if (pending_space)
				out[o++] = ' ';
			pending_space = false;
			char base = cp < 0x80 ? 0 : fold_lookup(cp);
			if (cp < 0x80)
				out[o++] = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
			else if (base)
				out[o++] = base;
			else {
				memcpy(out + o, s + i, n);
				o += n;
			}
		}
		i += n;
	}
	out[o] = '\0';
	return out;
}
