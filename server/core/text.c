/* text.c - owns UTF-8 handling and search folding (see text.h). */
#include "core/text.h"

#include <stdlib.h>
#include <string.h>

struct fold_entry {
	uint32_t cp;
	char base;
};

#include "core/text_fold_table.h"

struct nfc_decomp {
	uint32_t cp, first, second; /* second is 0 for a singleton */
};

struct nfc_comp {
	uint32_t first, second, cp; /* sorted by (first, second) */
};

struct nfc_range {
	uint32_t first, last;
};

#include "core/text_nfc_table.h"
#include "core/xalloc.h"

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

size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	/* Back off continuation bytes: the cut then falls before a lead byte. */
	size_t n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
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
	char *out = xtry_malloc(len + 1);
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

char *text_search_key(const char *s, size_t len)
{
	char *f = text_fold(s, len);
	if (!f)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; f[i]; i++) {
		char c = f[i];
		if ((c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
		    (c >= '{' && c <= '~'))
			c = ' ';
		if (c == ' ' && (o == 0 || f[o - 1] == ' '))
			continue;
		f[o++] = c;
	}
	while (o > 0 && f[o - 1] == ' ')
		o--;
	f[o] = '\0';
	return f;
}

/* --- NFC ------------------------------------------------------------------------------ */

/* The decomposition of cp, or NULL. Most text is below the first precomposed letter. */
static const struct nfc_decomp *nfc_find(uint32_t cp)
{
	if (cp < nfc_decomp[0].cp)
		return NULL;
	size_t lo = 0, hi = sizeof(nfc_decomp) / sizeof(nfc_decomp[0]);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (nfc_decomp[mid].cp == cp)
			return &nfc_decomp[mid];
		if (nfc_decomp[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int ccc_of(uint32_t cp)
{
	return cp >= 0x300 && cp <= 0x36F ? nfc_ccc[cp - 0x300] : 0;
}

/* Combining class not 0, in all of Unicode (ccc_of knows the marks text_nfc composes). */
static bool is_nonstarter(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(nfc_nonstarters) / sizeof(nfc_nonstarters[0]);
	if (cp < nfc_nonstarters[0].first)
		return false;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cp < nfc_nonstarters[mid].first)
			hi = mid;
		else if (cp > nfc_nonstarters[mid].last)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static uint32_t compose_pair(uint32_t first, uint32_t second)
{
	size_t lo = 0, hi = sizeof(nfc_comp) / sizeof(nfc_comp[0]);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct nfc_comp *c = &nfc_comp[mid];
		if (c->first == first && c->second == second)
			return c->cp;
		if (c->first < first || (c->first == first && c->second < second))
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Appends the full canonical decomposition of cp; returns the new length. */
static size_t decompose(uint32_t cp, uint32_t *buf, size_t n)
{
	const struct nfc_decomp *d = nfc_find(cp);
	if (!d) {
		buf[n++] = cp;
		return n;
	}
	n = decompose(d->first, buf, n);
	if (d->second)
		n = decompose(d->second, buf, n);
	return n;
}

bool text_is_stream_safe(const char *text, size_t len)
{
	const uint8_t *s = (const uint8_t *)text;
	size_t run = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp, parts[8];
		i += utf8_decode(s + i, len - i, &cp);
		size_t n = decompose(cp, parts, 0);
		/* A starter inside the decomposition ends the run; marks after it start one. */
		for (size_t k = 0; k < n; k++)
			run = is_nonstarter(parts[k]) ? run + 1 : 0;
		if (run > TEXT_MAX_NONSTARTERS)
			return false;
	}
	return true;
}

/* White_Space and Default_Ignorable_Code_Point of Unicode's PropList.txt and
 * DerivedCoreProperties.txt, and the blank braille pattern, which is drawn empty. */
static bool is_invisible(uint32_t cp)
{
	static const struct nfc_range ranges[] = {
		{0x0009, 0x000D}, {0x0020, 0x0020}, {0x0085, 0x0085}, {0x00A0, 0x00A0},
		{0x00AD, 0x00AD}, {0x034F, 0x034F}, {0x061C, 0x061C}, {0x115F, 0x1160},
		{0x1680, 0x1680}, {0x17B4, 0x17B5}, {0x180B, 0x180F}, {0x2000, 0x200F},
		{0x2028, 0x202F}, {0x205F, 0x206F}, {0x2800, 0x2800}, {0x3000, 0x3000},
		{0x3164, 0x3164}, {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF}, {0xFFA0, 0xFFA0},
		{0xFFF0, 0xFFF8}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF},
	};
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (cp >= ranges[i].first && cp <= ranges[i].last)
			return true;
	return false;
}

bool text_is_blank(const char *text, size_t len)
{
	const uint8_t *s = (const uint8_t *)text;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		i += utf8_decode(s + i, len - i, &cp);
		if (!is_invisible(cp))
			return false;
	}
	return true;
}

/* Sorts the k marks at a by combining class, keeping the order of equal classes (canonical
 * ordering). Insertion for the short runs of real text; merging for long ones, which
 * insertion would make quadratic. tmp has room for k. */
static void sort_marks(uint32_t *a, size_t k, uint32_t *tmp)
{
	if (k <= TEXT_MAX_NONSTARTERS) {
		for (size_t i = 1; i < k; i++)
			for (size_t j = i; j > 0 && ccc_of(a[j - 1]) > ccc_of(a[j]); j--) {
				uint32_t t = a[j - 1];
				a[j - 1] = a[j];
				a[j] = t;
			}
		return;
	}
	size_t half = k / 2;
	sort_marks(a, half, tmp);
	sort_marks(a + half, k - half, tmp);
	size_t i = 0, j = half, o = 0;
	while (i < half && j < k)
		tmp[o++] = ccc_of(a[j]) < ccc_of(a[i]) ? a[j++] : a[i++];
	while (i < half)
		tmp[o++] = a[i++];
	while (j < k)
		tmp[o++] = a[j++];
	memcpy(a, tmp, k * sizeof(*a));
}

size_t utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

char *text_nfc(const char *text, size_t len, size_t *outlen)
{
	const uint8_t *s = (const uint8_t *)text;
	if (!utf8_is_valid(s, len))
		return NULL;
	/* Without a combining mark (U+0300-U+036F, whose UTF-8 starts with byte 0xCC or 0xCD)
	 * the text is in NFC already: every precomposed letter of the tables composes back to
	 * itself (test_text_nfc checks each one). Text typed on a phone is mostly like that. */
	if (!memchr(s, 0xCC, len) && !memchr(s, 0xCD, len)) {
		char *out = xtry_malloc(len + 1);
		if (!out)
			return NULL;
		memcpy(out, text, len);
		out[len] = '\0';
		if (outlen)
			*outlen = len;
		return out;
	}
	/* A code point decomposes into at most 4 here (letter, two marks, and one more). */
	uint32_t *buf = xtry_malloc((len * 4 + 1) * sizeof(*buf)), *tmp = NULL;
	char *out = xtry_malloc(len * 4 + 1);
	if (!buf || !out)
		goto out_free;
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		i += utf8_decode(s + i, len - i, &cp);
		n = decompose(cp, buf, n);
	}
	/* Canonical order: each run of marks sorted by combining class, stable. Only a run
	 * longer than real text has needs room to merge in. */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && ccc_of(buf[j]) != 0)
			j++;
		if (j - i > TEXT_MAX_NONSTARTERS && !tmp && !(tmp = xtry_malloc(n * sizeof(*tmp))))
			goto out_free;
		sort_marks(buf + i, j - i, tmp);
		i = j > i ? j : i + 1;
	}
	free(tmp);
	/* Canonical composition (UAX #15). */
	size_t comp = n ? 1 : 0, starter = 0;
	int last = n && ccc_of(buf[0]) ? 256 : 0;
	for (size_t i = 1; i < n; i++) {
		int cc = ccc_of(buf[i]);
		uint32_t c = compose_pair(buf[starter], buf[i]);
		if (c && (last < cc || last == 0)) {
			buf[starter] = c;
			continue;
		}
		if (cc == 0)
			starter = comp;
		last = cc;
		buf[comp++] = buf[i];
	}
	size_t o = 0;
	for (size_t i = 0; i < comp; i++)
		o += utf8_encode(buf[i], out + o);
	out[o] = '\0';
	free(buf);
	if (outlen)
		*outlen = o;
	return out;

out_free:
	free(tmp);
	free(buf);
	free(out);
	return NULL;
}

static bool is_made_of(const char *s, size_t max, const char *set)
{
	size_t n = strlen(s);
	return n > 0 && n <= max && strspn(s, set) == n;
}

bool text_is_item_code(const char *s)
{
	return is_made_of(s, ITEM_CODE_MAX, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.");
}

bool text_is_agency_code(const char *s)
{
	return is_made_of(s, AGENCY_CODE_MAX, "abcdefghijklmnopqrstuvwxyz0123456789-");
}

bool text_is_host(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > TEXT_HOST_MAX)
		return false;
	size_t name;
	if (s[0] == '[') {
		name = 1 + strspn(s + 1, "0123456789abcdefABCDEF:.");
		if (name == 1 || s[name] != ']')
			return false;
		name++;
	} else {
		name = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
		if (name == 0 || s[0] == '.' || s[0] == '-')
			return false;
	}
	if (s[name] == '\0')
		return true;
	size_t digits = strspn(s + name + 1, "0123456789");
	return s[name] == ':' && digits >= 1 && digits <= 5 && s[name + 1 + digits] == '\0';
}
