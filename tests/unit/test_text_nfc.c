/* test_text_nfc.c - tests text_nfc() in server/text.c: Vietnamese letters typed as a base
 * letter and combining marks (in any canonically equivalent order) come out precomposed,
 * text already in NFC and other scripts are kept byte for byte, invalid UTF-8 is refused,
 * and the seed plans in data/plans/ come out as expected. Run from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Shows bytes as C escapes so a failing row can be read. */
static const char *shown(const char *s, size_t len)
{
	static char buf[4][512];
	static int turn;
	char *out = buf[turn++ % 4];
	size_t o = 0;
	for (size_t i = 0; i < len && o + 5 < sizeof(buf[0]); i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7F && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, sizeof(buf[0]) - o, "\\x%02x", c);
	}
	out[o] = '\0';
	return out;
}

/* --- decomposed Vietnamese -> precomposed ------------------------------------------------ */

struct nfc_case {
	const char *in, *want;
};

/* Expected values are what Python's unicodedata.normalize("NFC", in) gives (worked out once,
 * written here literally). Marks of classes 216 (horn) / 220 (dot below) and 230 (the rest)
 * commute, so both orders must give the same letter; two marks of class 230 do not. */
static const struct nfc_case nfc_cases[] = {
	{"Vie\u0323\u0302t", "Vi\u1ec7t"},             /* Việt: e + dot below + circumflex */
	{"Vie\u0302\u0323t", "Vi\u1ec7t"},             /* the other order */
	{"Vi\u00ea\u0323t", "Vi\u1ec7t"},              /* ê precomposed + dot below */
	{"Vi\u1eb9\u0302t", "Vi\u1ec7t"},              /* ẹ precomposed + circumflex */
	{"Nguye\u0302\u0303n", "Nguy\u1ec5n"},         /* Nguyễn */
	{"ngu\u031bo\u031b\u0300i", "ng\u01b0\u1eddi"}, /* người */
	{"ngu\u031bo\u0300\u031bi", "ng\u01b0\u1eddi"}, /* grave before horn */
	{"na\u0306\u0323ng", "n\u1eb7ng"},             /* nặng: breve + dot below */
	{"na\u0323\u0306ng", "n\u1eb7ng"},             /* the other order */
	{"\u0110a\u0300 Na\u0306\u0303ng", "\u0110\u00e0 N\u1eb5ng"}, /* Đà Nẵng */
	{"o\u031b\u0309", "\u1edf"},                   /* ở */
	{"o\u0309\u031b", "\u1edf"},
	{"cu\u031b\u0323", "c\u1ef1"},                 /* cự */
	{"cu\u0323\u031b", "c\u1ef1"},
	{"E\u0302\u0301", "\u1ebe"},                   /* Ế */
	{"A\u0306\u0301", "\u1eae"},                   /* Ắ */
	{"O\u0323\u0302", "\u1ed8"},                   /* Ộ */
	{"U\u0323\u031b", "\u1ef0"},                   /* Ự */
	{"Ho\u0302\u0300 Chi\u0301 Minh", "H\u1ed3 Ch\u00ed Minh"}, /* Hồ Chí Minh */
	{"kho\u0309e", "kh\u1ecfe"},                   /* khỏe */
	{"ba\u0309n", "b\u1ea3n"},                     /* bản */
	/* two class-230 marks do not commute: only the first composes */
	{"Nguye\u0303\u0302n", "Nguy\u1ebd\u0302n"},
	{"e\u0301\u0302", "\u00e9\u0302"},
	/* dot below composes first, then no "ạ + acute" letter exists */
	{"a\u0301\u0323", "\u1ea1\u0301"},
	/* U+0305 (overline, class 230) composes with nothing: it blocks a later class-230 mark
	 * from the letter, but not a mark of a lower class, which sorts before it */
	{"e\u0305\u0301", "e\u0305\u0301"},
	{"a\u0323\u0305\u0302", "\u1ea1\u0305\u0302"},
	{"o\u0305\u031b", "\u01a1\u0305"},
	{"e\u0302\u0305\u0323", "\u1ec7\u0305"},
	/* a mark with no letter before it stays */
	{"\u0301a", "\u0301a"},
	{"", ""},
};

/* --- text that must come out byte for byte the same -------------------------------------- */

static const char *const unchanged[] = {
	"C\u1ed9ng h\u00f2a x\u00e3 h\u1ed9i ch\u1ee7 ngh\u0129a Vi\u1ec7t Nam", /* NFC already */
	"\u0110\u1ea0I H\u1eccC QU\u1ed0C GIA \u0111\u01b0\u1eddng", /* ĐẠI HỌC QUỐC GIA đường */
	"Lai Ch\u00e2u, \u0110i\u1ec7n Bi\u00ean",
	"plain ASCII text, with punctuation: <>&\"'!? 0123456789\t\n",
	"\u6578\u5b57\u5316\u8f49\u578b",            /* Chinese */
	"\U0001F600\U0001F1FB\U0001F1F3 ok",         /* emoji, flag */
	"\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",      /* Thai */
	"\u041f\u0440\u0438\u0432\u0435\u0442",      /* Cyrillic */
};

static void test_nfc_table(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(nfc_cases) / sizeof(nfc_cases[0]); i++) {
		const struct nfc_case *c = &nfc_cases[i];
		size_t outlen = 12345;
		char *out = text_nfc(c->in, strlen(c->in), &outlen);
		if (!out) {
			print_error("row %zu \"%s\": NULL\n", i, shown(c->in, strlen(c->in)));
			failures++;
			continue;
		}
		if (outlen != strlen(c->want) || memcmp(out, c->want, outlen + 1) != 0) {
			print_error("row %zu \"%s\": got \"%s\" (%zu bytes), want \"%s\"\n", i,
				    shown(c->in, strlen(c->in)), shown(out, outlen), outlen,
				    shown(c->want, strlen(c->want)));
			failures++;
		}
		free(out);
	}
	assert_int_equal(failures, 0);
}

static void test_nfc_unchanged(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(unchanged) / sizeof(unchanged[0]); i++) {
		const char *in = unchanged[i];
		size_t outlen = 0;
		char *out = text_nfc(in, strlen(in), &outlen);
		if (!out || outlen != strlen(in) || memcmp(out, in, outlen + 1) != 0) {
			print_error("row %zu \"%s\": got \"%s\"\n", i, shown(in, strlen(in)),
				    out ? shown(out, outlen) : "NULL");
			failures++;
		}
		free(out);
	}
	assert_int_equal(failures, 0);
}

/* outlen may be NULL; len is honoured (no reading up to a NUL). */
/* text_nfc copies text without a combining mark as it is. That holds only if the full
 * algorithm keeps every other code point as it is: checked here for each one up to U+FFFF,
 * made to take the full path by a mark after it (U+0305 composes with nothing, and a space
 * stands between). */
static void test_nfc_copy_is_exact(void **state)
{
	(void)state;
	int failures = 0;
	for (uint32_t cp = 0x20; cp <= 0xFFFF; cp++) {
		if ((cp >= 0x300 && cp <= 0x36F) || (cp >= 0xD800 && cp <= 0xDFFF))
			continue;
		char in[16];
		size_t n = utf8_encode(cp, in);
		memcpy(in + n, " \u0305", 4);
		n += 3;
		size_t outlen;
		char *out = text_nfc(in, n, &outlen);
		if (!out || outlen != n || memcmp(out, in, n) != 0) {
			if (failures++ < 10)
				print_error("U+%04X changes under NFC\n", cp);
		}
		free(out);
	}
	assert_int_equal(failures, 0);
}

static void test_nfc_len_and_null_outlen(void **state)
{
	(void)state;
	char *out = text_nfc("e\u0302\u0323 and more", 5, NULL); /* just "e" + the two marks */
	assert_non_null(out);
	assert_string_equal(out, "\u1ec7");
	free(out);
}

struct invalid_case {
	const char *name, *bytes;
	size_t len;
};

#define B(s) s, sizeof(s) - 1

static const struct invalid_case invalid_cases[] = {
	{"lone FF", B("\xff")},
	{"truncated ệ", B("Vi\xe1\xbb")},
	{"stray continuation", B("a\x80" "b")},
	{"overlong '/'", B("\xc0\xaf")},
	{"surrogate", B("\xed\xa0\x80")},
	{"above U+10FFFF", B("\xf4\x90\x80\x80")},
	{"NUL inside", B("a\0b")},
	{"Latin-1 'ệ' lookalike", B("Vi\xea" "t")},
};

static void test_nfc_invalid_utf8(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
		const struct invalid_case *c = &invalid_cases[i];
		size_t outlen = 7;
		char *out = text_nfc(c->bytes, c->len, &outlen);
		if (out) {
			print_error("%s: got \"%s\", want NULL\n", c->name, shown(out, outlen));
			failures++;
			free(out);
		}
	}
	assert_int_equal(failures, 0);
}

/* --- the seed plans ------------------------------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		print_error("%s: cannot open (run from the repository root)\n", path);
		return NULL;
	}
	char *buf = NULL;
	long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	if (size > 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size + 1)) &&
	    fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = size > 0 ? (size_t)size : 0;
	return buf;
}

/* Applies text_nfc twice; the second pass must change nothing. Returns the first result. */
static char *nfc_checked_idempotent(const char *path, const char *in, size_t len, size_t *outlen)
{
	char *once = text_nfc(in, len, outlen);
	assert_non_null(once);
	size_t twice_len;
	char *twice = text_nfc(once, *outlen, &twice_len);
	assert_non_null(twice);
	if (twice_len != *outlen || memcmp(once, twice, twice_len) != 0)
		print_error("%s: a second text_nfc changed %zu bytes into %zu\n", path, *outlen,
			    twice_len);
	bool same = twice_len == *outlen && memcmp(once, twice, twice_len) == 0;
	free(twice);
	if (!same)
		free(once);
	assert_true(same);
	return once;
}

static void test_plan_lc(void **state)
{
	(void)state;
	const char *path = "data/plans/LC-2026.txt";
	size_t len;
	char *in = read_file(path, &len);
	assert_non_null(in);
	size_t outlen;
	char *out = nfc_checked_idempotent(path, in, len, &outlen);

	/* The file has exactly one decomposed letter: "ba" + U+0309 in "thôn, bản". */
	static const char decomposed[] = "th\u00f4n, ba\u0309n";
	static const char composed[] = "th\u00f4n, b\u1ea3n";
	const char *at = memmem(in, len, decomposed, sizeof(decomposed) - 1);
	assert_non_null(at);
	assert_null(memmem(at + 1, len - (size_t)(at + 1 - in), decomposed, sizeof(decomposed) - 1));
	size_t off = (size_t)(at - in);
	/* The output is the input with that one spot composed (U+0309 is 2 bytes, "ả" is 3
	 * bytes against "a" + U+0309 = 3 bytes: the length stays), and nothing else changed. */
	assert_int_equal(outlen, len);
	assert_memory_equal(out, in, off);
	assert_memory_equal(out + off, composed, sizeof(composed) - 1);
	size_t rest = off + sizeof(decomposed) - 1;
	assert_memory_equal(out + rest, in + rest, len - rest);
	assert_null(memmem(out, outlen, "\xcc\x89", 2)); /* no U+0309 left */
	free(out);
	free(in);
}

/* DB-2026.txt is already NFC (checked once with Python): it must come out unchanged. */
static void test_plan_db(void **state)
{
	(void)state;
	const char *path = "data/plans/DB-2026.txt";
	size_t len;
	char *in = read_file(path, &len);
	assert_non_null(in);
	assert_true(len > 30000);
	size_t outlen;
	char *out = nfc_checked_idempotent(path, in, len, &outlen);
	assert_int_equal(outlen, len);
	assert_memory_equal(out, in, len);
	free(out);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nfc_table),
		cmocka_unit_test(test_nfc_unchanged),
		cmocka_unit_test(test_nfc_copy_is_exact),
		cmocka_unit_test(test_nfc_len_and_null_outlen),
		cmocka_unit_test(test_nfc_invalid_utf8),
		cmocka_unit_test(test_plan_lc),
		cmocka_unit_test(test_plan_db),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
