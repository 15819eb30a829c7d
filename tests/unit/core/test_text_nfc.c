/* test_text_nfc.c - tests text_nfc() in server/core/text.c: Vietnamese letters typed as a base
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
#include <time.h>

#include "core/text.h"

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

/* --- bounded work: the Stream-Safe Text Format and long runs of marks ------------------- */

struct stream_case {
	const char *name, *text;
	size_t marks; /* then this many U+0301 after text */
	const char *after;
	bool safe;
};

static const struct stream_case stream_cases[] = {
	{"no marks", "Vi\u1ec7t Nam", 0, "", true},
	{"30 marks after a letter", "a", 30, "", true},
	{"31 marks after a letter", "a", 31, "", false},
	{"31 marks alone", "", 31, "", false},
	{"30 marks, a letter, 30 marks", "a", 30, "b\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301", true},
	{"\u1ec7 (two marks in its decomposition) and 28", "\u1ec7", 28, "", true},
	{"\u1ec7 and 29", "\u1ec7", 29, "", false},
	{"U+0344 is two marks: 29 + 2", "a", 29, "\u0344", false},
	{"U+0344 is two marks: 28 + 2", "a", 28, "\u0344", true},
	{"30 and one of another script", "a", 30, "\u20d0", false},
	{"a grapheme joiner (a starter) ends a run", "a", 30, "\u034f\u0301", true},
	{"a precomposed letter ends a run", "a", 30, "\u00e1\u0301", true},
	{"Hebrew points count", "\u05d0\u05b0\u05b1\u05b2\u05b3\u05b4\u05b5\u05b6\u05b7\u05b8\u05b9"
	 "\u05bb\u05bc\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u05b0\u05b1\u05b2\u05b3\u05b4"
	 "\u05b5\u05b6\u05b7\u05b8\u05b9\u05bb\u05bc", 0, "", false},
};

static void test_stream_safe(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(stream_cases) / sizeof(stream_cases[0]); i++) {
		const struct stream_case *c = &stream_cases[i];
		char text[512];
		size_t n = (size_t)snprintf(text, sizeof(text), "%s", c->text);
		for (size_t k = 0; k < c->marks; k++)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "\u0301");
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", c->after);
		assert_true(n < sizeof(text));
		if (text_is_stream_safe(text, n) != c->safe) {
			print_error("%s: text_is_stream_safe is %d\n", c->name, !c->safe);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* TEXT_NFC_MAX_SHRINK holds: text_nfc never makes fewer than a third as many code points,
 * so refusing more than 3 x max code points before it refuses nothing it would keep. */
static void test_nfc_max_shrink(void **state)
{
	(void)state;
	static const char *const pieces[] = {"a", "e", "o", "u", "c", "\u01b0", "\u00ea", "\u1eb9",
					     "\u0301", "\u0323", "\u0302", "\u031b", "\u0303",
					     "\u0327", "\u0308", "\u0304", "\u0344", " "};
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	uint32_t seed = 19;
	for (int round = 0; round < 5000; round++) {
		char in[256];
		size_t len = 0;
		for (int k = 0; k < 40; k++) {
			seed = seed * 1103515245u + 12345u;
			const char *p = pieces[(seed >> 16) % npieces];
			memcpy(in + len, p, strlen(p));
			len += strlen(p);
		}
		size_t outlen;
		char *out = text_nfc(in, len, &outlen);
		assert_non_null(out);
		size_t before = utf8_length((const uint8_t *)in, len);
		size_t after = utf8_length((const uint8_t *)out, outlen);
		if (after * TEXT_NFC_MAX_SHRINK < before) {
			print_error("\"%s\": %zu code points became %zu\n", shown(in, len), before,
				    after);
			fail();
		}
		free(out);
	}
	/* the longest compositions of the tables: a letter and two marks make one */
	static const char *const three[] = {"e\u0323\u0302", "c\u0327\u0301", "u\u0308\u0304",
					    "o\u031b\u0303"};
	for (size_t i = 0; i < sizeof(three) / sizeof(three[0]); i++) {
		size_t outlen;
		char *out = text_nfc(three[i], strlen(three[i]), &outlen);
		assert_int_equal(utf8_length((const uint8_t *)out, outlen), 1);
		free(out);
	}
}

/* Appends n marks, reversed runs of 'width' from the marks of mixed classes below. */
static size_t reversed_marks(char *out, size_t n)
{
	/* classes 240 230 220 216 202 1: reverse canonical order */
	static const uint32_t marks[] = {0x0345, 0x0301, 0x0323, 0x031B, 0x0327, 0x0334};
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		o += utf8_encode(marks[i % 6], out + o);
	return o;
}

/* What canonical ordering must give: the marks sorted by class, stably (slow and plain). */
static void stable_sort_by_class(uint32_t *a, size_t n)
{
	static const struct {
		uint32_t cp;
		int ccc;
	} classes[] = {{0x0345, 240}, {0x0301, 230}, {0x0323, 220}, {0x031B, 216},
		       {0x0327, 202}, {0x0334, 1}};
	int key[8192];
	assert_true(n <= 8192);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < 6; k++)
			if (classes[k].cp == a[i])
				key[i] = classes[k].ccc;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && key[j - 1] > key[j]; j--) {
			int t = key[j];
			key[j] = key[j - 1];
			key[j - 1] = t;
			uint32_t c = a[j];
			a[j] = a[j - 1];
			a[j - 1] = c;
		}
}

/* A run of thousands of marks (the Stream-Safe check is the caller's) is still put in
 * canonical order, the same as a plain stable sort gives. */
static void test_nfc_long_run_order(void **state)
{
	(void)state;
	static const size_t sizes[] = {31, 32, 33, 61, 64, 100, 1000, 5001};
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s];
		char *in = malloc(n * 2 + 2);
		assert_non_null(in);
		in[0] = 'x'; /* composes with none of them */
		size_t len = 1 + reversed_marks(in + 1, n);
		uint32_t *want = malloc(n * sizeof(*want));
		assert_non_null(want);
		for (size_t i = 0, o = 1; i < n; i++)
			o += utf8_decode((const uint8_t *)in + o, len - o, &want[i]);
		stable_sort_by_class(want, n);
		size_t outlen;
		char *out = text_nfc(in, len, &outlen);
		assert_non_null(out);
		assert_int_equal(outlen, len);
		assert_int_equal(out[0], 'x');
		for (size_t i = 0, o = 1; i < n; i++) {
			uint32_t cp;
			o += utf8_decode((const uint8_t *)out + o, outlen - o, &cp);
			if (cp != want[i]) {
				print_error("run of %zu: mark %zu is U+%04X, want U+%04X\n", n, i, cp,
					    want[i]);
				fail();
			}
		}
		free(out);
		free(want);
		free(in);
	}
}

static double cpu_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The least CPU time of a few text_nfc calls on the same input. */
static double nfc_cost(const char *in, size_t len)
{
	double best = 1e9;
	for (int round = 0; round < 5; round++) {
		double t0 = cpu_seconds();
		for (int i = 0; i < 4; i++) {
			size_t outlen;
			free(text_nfc(in, len, &outlen));
		}
		double t = cpu_seconds() - t0;
		best = t < best ? t : best;
	}
	return best;
}

/* 64 KiB of marks in reverse canonical order cost < 5x 64 KiB of decomposed Vietnamese.
 * Insertion sorting made the first quadratic: 0.75 s of CPU against 0.017 s (issue 19). */
static void test_nfc_time_bounded(void **state)
{
	(void)state;
	const size_t size = 64 * 1024;
	char *worst = malloc(size + 8), *normal = malloc(size + 8);
	assert_non_null(worst);
	assert_non_null(normal);
	worst[0] = 'x';
	size_t wlen = 1 + reversed_marks(worst + 1, (size - 1) / 2);
	static const char word[] = "Vie\u0323\u0302t Nam nguye\u0302\u0303n ";
	size_t nlen = 0;
	while (nlen + sizeof(word) - 1 <= size) {
		memcpy(normal + nlen, word, sizeof(word) - 1);
		nlen += sizeof(word) - 1;
	}
	double w = nfc_cost(worst, wlen), n = nfc_cost(normal, nlen);
	print_message("text_nfc of 64 KiB: reversed marks %.2f ms, decomposed Vietnamese %.2f ms, "
		      "ratio %.2f\n", w * 1e3 / 4, n * 1e3 / 4, w / n);
	assert_true(w < 5 * n);
	free(worst);
	free(normal);
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
		cmocka_unit_test(test_stream_safe),
		cmocka_unit_test(test_nfc_max_shrink),
		cmocka_unit_test(test_nfc_long_run_order),
		cmocka_unit_test(test_nfc_time_bounded),
		cmocka_unit_test(test_plan_lc),
		cmocka_unit_test(test_plan_db),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
