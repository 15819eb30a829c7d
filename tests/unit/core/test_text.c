/* test_text.c - tests server/core/text.c (UTF-8 decoding and validation, search folding), plus
 * a bounded deterministic fuzz of everything that reads bytes from a client. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "core/text.h"
#include "core/xalloc.h"
#include "http/http.h"
#include "http/http_limits.h"
#include "http/http_query.h"
#include "http/http_router.h"

/* --- utf8_decode / utf8_is_valid ------------------------------------------------------- */

struct utf8_case {
	const char *name;
	const char *bytes;
	size_t len;
	size_t used;  /* utf8_decode's result on the first code point; 0 = refused */
	uint32_t cp;  /* when used > 0 */
	bool valid;   /* utf8_is_valid on the whole sequence */
};

#define B(s) s, sizeof(s) - 1

static const struct utf8_case utf8_cases[] = {
	{"ASCII", B("a"), 1, 'a', true},
	{"DEL", B("\x7f"), 1, 0x7F, true},
	{"2 bytes, lowest", B("\xc2\x80"), 2, 0x80, true},
	{"2 bytes, ó", B("\xc3\xb3"), 2, 0xF3, true},
	{"2 bytes, highest", B("\xdf\xbf"), 2, 0x7FF, true},
	{"3 bytes, lowest", B("\xe0\xa0\x80"), 3, 0x800, true},
	{"3 bytes, ố", B("\xe1\xbb\x91"), 3, 0x1ED1, true},
	{"3 bytes, before surrogates", B("\xed\x9f\xbf"), 3, 0xD7FF, true},
	{"3 bytes, after surrogates", B("\xee\x80\x80"), 3, 0xE000, true},
	{"3 bytes, U+FFFF", B("\xef\xbf\xbf"), 3, 0xFFFF, true},
	{"4 bytes, lowest", B("\xf0\x90\x80\x80"), 4, 0x10000, true},
	{"4 bytes, emoji", B("\xf0\x9f\x98\x80"), 4, 0x1F600, true},
	{"4 bytes, U+10FFFF", B("\xf4\x8f\xbf\xbf"), 4, 0x10FFFF, true},
	{"overlong 2-byte NUL", B("\xc0\x80"), 0, 0, false},
	{"overlong 2-byte '/'", B("\xc0\xaf"), 0, 0, false},
	{"overlong 2-byte C1", B("\xc1\xbf"), 0, 0, false},
	{"overlong 3-byte", B("\xe0\x80\xaf"), 0, 0, false},
	{"overlong 3-byte U+7FF", B("\xe0\x9f\xbf"), 0, 0, false},
	{"overlong 4-byte", B("\xf0\x80\x80\xaf"), 0, 0, false},
	{"overlong 4-byte U+FFFF", B("\xf0\x8f\xbf\xbf"), 0, 0, false},
	{"surrogate low end", B("\xed\xa0\x80"), 0, 0, false},
	{"surrogate high end", B("\xed\xbf\xbf"), 0, 0, false},
	{"above U+10FFFF", B("\xf4\x90\x80\x80"), 0, 0, false},
	{"F5 lead", B("\xf5\x80\x80\x80"), 0, 0, false},
	{"FF", B("\xff"), 0, 0, false},
	{"FE", B("\xfe"), 0, 0, false},
	{"truncated 2", B("\xc3"), 0, 0, false},
	{"truncated 3", B("\xe1\xbb"), 0, 0, false},
	{"truncated 4", B("\xf0\x9f\x98"), 0, 0, false},
	{"bad continuation", B("\xe1\x41\x91"), 0, 0, false},
	{"stray continuation", B("\x80"), 0, 0, false},
	{"stray continuation after ASCII", B("a\xbf"), 1, 'a', false},
	{"lead then ASCII", B("\xc3" "a"), 0, 0, false},
	{"NUL", "\0", 1, 1, 0, false},
	{"NUL inside", "a\0b", 3, 1, 'a', false},
	{"valid mix", B("S\xe1\xbb\x91 h\xc3\xb3" "a \xf0\x9f\x98\x80"), 1, 'S', true},
	{"valid then truncated", B("s\xe1\xbb\x91\xe1"), 1, 's', false},
};

static void test_utf8_table(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		const struct utf8_case *c = &utf8_cases[i];
		const uint8_t *s = (const uint8_t *)c->bytes;
		uint32_t cp = 0xDEADBEEF;
		size_t used = utf8_decode(s, c->len, &cp);
		if (used != c->used || (used && cp != c->cp)) {
			print_error("%s: decode used %zu cp U+%04X, want %zu U+%04X\n", c->name, used,
				    (unsigned)cp, c->used, (unsigned)c->cp);
			failures++;
		}
		if (utf8_is_valid(s, c->len) != c->valid) {
			print_error("%s: utf8_is_valid %d, want %d\n", c->name, !c->valid, c->valid);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* The length given is the limit, whatever follows in memory. */
static void test_utf8_decode_respects_len(void **state)
{
	(void)state;
	uint32_t cp;
	const uint8_t s[] = {0xe1, 0xbb, 0x91};
	assert_int_equal(utf8_decode(s, 0, &cp), 0);
	assert_int_equal(utf8_decode(s, 2, &cp), 0);
	assert_int_equal(utf8_decode(s, 3, &cp), 3);
	assert_int_equal(cp, 0x1ED1);
	assert_true(utf8_is_valid(s, 0));
	assert_false(utf8_is_valid(s, 2));
}

static void test_utf8_length(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t chars;
	} cases[] = {
		{"", 0},
		{"abc", 3},
		{"S\xe1\xbb\x91 h\xc3\xb3" "a", 6},                  /* "Số hóa" */
		{"\xc4\x90I\xe1\xbb\x86N BI\xc3\x8aN", 9},           /* "ĐIỆN BIÊN" */
		{"\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 2},
		{"\xe6\x97\xa5\xe6\x9c\xac", 2},                      /* "日本" */
		{"so\xcc\x82\xcc\x81", 4},                            /* combining marks count */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(utf8_length((const uint8_t *)cases[i].s, strlen(cases[i].s)),
				 cases[i].chars);
}

/* --- utf8_cut ---------------------------------------------------------------------------- */

struct cut_case {
	const char *text;
	size_t max, want;
};

static const struct cut_case cut_cases[] = {
	{"abc", 5, 3},
	{"abc", 3, 3},
	{"abc", 2, 2},
	{"abc", 0, 0},
	{"\u1ec7\u1ec7", 6, 6},  /* 3 + 3 bytes */
	{"\u1ec7\u1ec7", 5, 3},  /* not inside the second */
	{"\u1ec7\u1ec7", 4, 3},
	{"\u1ec7\u1ec7", 3, 3},
	{"\u1ec7\u1ec7", 2, 0},
	{"a\u00e0", 2, 1},       /* à is 2 bytes */
	{"\U0001F600x", 3, 0},   /* a 4-byte emoji */
	{"\U0001F600x", 4, 4},
	{"\U0001F600x", 5, 5},
};

static void test_utf8_cut(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(cut_cases) / sizeof(cut_cases[0]); i++) {
		const struct cut_case *c = &cut_cases[i];
		size_t got = utf8_cut(c->text, strlen(c->text), c->max);
		if (got != c->want || !utf8_is_valid((const uint8_t *)c->text, got)) {
			print_error("utf8_cut(\"%s\", %zu) = %zu, want %zu\n", c->text, c->max, got,
				    c->want);
			failures++;
		}
	}
	/* every cut of a mixed text is whole characters */
	static const char mixed[] = "Vi\u1ec7t \U0001F600 \u00e0 ng\u01b0\u1eddi";
	for (size_t max = 0; max <= sizeof(mixed); max++) {
		size_t got = utf8_cut(mixed, sizeof(mixed) - 1, max);
		if (got > max || !utf8_is_valid((const uint8_t *)mixed, got) ||
		    (max < sizeof(mixed) - 1 && got + 4 <= max)) {
			print_error("utf8_cut(mixed, %zu) = %zu\n", max, got);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* --- text_is_blank ------------------------------------------------------------------------ */

static void test_text_is_blank(void **state)
{
	(void)state;
	static const char *const blank[] = {
		"", " ", "\t\n\r", "\u00a0", "\u200b", "\u200c\u200d", "\u2060", "\ufeff",
		"\u034f", "\u00ad", "\u180e", "\u2003\u3000", "\u202f\u205f", "\u2061\u2062\u2063",
		"\ufe0f", "\u3164", "\uffa0", "\u2800", "\u115f", "\U000E0001", "\U000E0100",
		"\u061c", "\u200e\u200f", "\u202a\u202e", "\u2028\u2029",
	};
	static const char *const not_blank[] = {
		"a", "\u200ba", ".", "\u0301", "\u00a0-", "\U0001F600", "\u3164\u314f", "\u2801",
	};
	int failures = 0;
	for (size_t i = 0; i < sizeof(blank) / sizeof(blank[0]); i++)
		if (!text_is_blank(blank[i], strlen(blank[i]))) {
			print_error("blank case %zu is not blank\n", i);
			failures++;
		}
	for (size_t i = 0; i < sizeof(not_blank) / sizeof(not_blank[0]); i++)
		if (text_is_blank(not_blank[i], strlen(not_blank[i]))) {
			print_error("\"%s\" is blank\n", not_blank[i]);
			failures++;
		}
	assert_int_equal(failures, 0);
}

/* --- identifiers ---------------------------------------------------------------------- */

static void test_identifiers(void **state)
{
	(void)state;
	char code[ITEM_CODE_MAX + 2], slug[AGENCY_CODE_MAX + 2];
	memset(code, 'A', sizeof(code) - 1);
	code[sizeof(code) - 1] = '\0';
	memset(slug, 'a', sizeof(slug) - 1);
	slug[sizeof(slug) - 1] = '\0';
	assert_true(text_is_item_code("NV-1.2"));
	assert_false(text_is_item_code(""));
	assert_false(text_is_item_code("nv-1"));
	assert_false(text_is_item_code(code));
	code[ITEM_CODE_MAX] = '\0';
	assert_true(text_is_item_code(code));
	assert_true(text_is_agency_code("lc-so-khoa-hoc-va-cong-nghe"));
	assert_false(text_is_agency_code(""));
	assert_false(text_is_agency_code("LC-SO"));
	assert_false(text_is_agency_code("lc.so"));
	assert_false(text_is_agency_code(slug));
	slug[AGENCY_CODE_MAX] = '\0';
	assert_true(text_is_agency_code(slug));
}

/* --- text_fold ------------------------------------------------------------------------- */

static const struct {
	const char *in;
	const char *want; /* NULL: refused */
} fold_cases[] = {
	{"S\xe1\xbb\x91 H\xc3\xb3" "a", "so hoa"},                       /* Số Hóa */
	{"\xc4\x90I\xe1\xbb\x86N BI\xc3\x8aN", "dien bien"},             /* ĐIỆN BIÊN */
	{"\xc4\x91\xc6\xb0\xe1\xbb\x9d" "ng", "duong"},                  /* đường */
	{"Qu\xc3\xbd II/2026", "quy ii/2026"},                            /* Quý II/2026 */
	{"H\xe1\xba\xb1ng qu\xc3\xbd", "hang quy"},                       /* Hằng quý */
	{"Th\xc6\xb0\xe1\xbb\x9dng xuy\xc3\xaan", "thuong xuyen"},        /* Thường xuyên */
	{"  a \t b  ", "a b"},
	{"a\r\n\tb\xc2\xa0" "c", "a b c"},                                /* incl. NBSP */
	{" \t\n", ""},
	{"", ""},
	{"so\xcc\x82\xcc\x81", "so"},                                    /* decomposed số */
	{"Quy\xcc\x81", "quy"},
	{"\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac"},        /* 日本 unchanged */
	{"\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0",
	 "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0"},            /* Москва unchanged */
	{"\xf0\x9f\x98\x80 OK", "\xf0\x9f\x98\x80 ok"},
	{"57-NQ/TW, 5G", "57-nq/tw, 5g"},
	{"\xc3\x87" "a \xc3\xb1" "a \xc3\xbc" "ber", "ca na uber"},        /* Ça ña über */
	{"\xff", NULL},
	{"abc\xc3", NULL},
	{"\xed\xa0\x80", NULL},
	{"\xc0\xaf", NULL},
};

static void test_fold_table(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(fold_cases) / sizeof(fold_cases[0]); i++) {
		char *got = text_fold(fold_cases[i].in, strlen(fold_cases[i].in));
		const char *want = fold_cases[i].want;
		if (want ? !got || strcmp(got, want) != 0 : got != NULL) {
			print_error("text_fold(\"%s\"): \"%s\", want \"%s\"\n", fold_cases[i].in,
				    got ? got : "NULL", want ? want : "NULL");
			failures++;
		}
		free(got);
	}
	assert_int_equal(failures, 0);
}

/* Only len bytes are folded, and an embedded NUL is invalid input. */
static void test_fold_len(void **state)
{
	(void)state;
	char *f = text_fold("ABC def", 3);
	assert_string_equal(f, "abc");
	free(f);
	assert_null(text_fold("a\0b", 3));
}

/* Every Vietnamese vowel with every tone, both cases, folds to its base letter. */
static void test_fold_all_vietnamese_letters(void **state)
{
	(void)state;
	static const struct {
		const char *letters;
		const char *base;
	} groups[] = {
		{"aàáảãạăằắẳẵặâầấẩẫậAÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", "a"},
		{"eèéẻẽẹêềếểễệEÈÉẺẼẸÊỀẾỂỄỆ", "e"},
		{"iìíỉĩịIÌÍỈĨỊ", "i"},
		{"oòóỏõọôồốổỗộơờớởỡợOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ", "o"},
		{"uùúủũụưừứửữựUÙÚỦŨỤƯỪỨỬỮỰ", "u"},
		{"yỳýỷỹỵYỲÝỶỸỴ", "y"},
		{"đĐdD", "d"},
	};
	int failures = 0;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		const uint8_t *s = (const uint8_t *)groups[g].letters;
		size_t len = strlen(groups[g].letters);
		for (size_t i = 0; i < len;) {
			uint32_t cp;
			size_t n = utf8_decode(s + i, len - i, &cp);
			assert_true(n > 0);
			char *f = text_fold((const char *)s + i, n);
			if (!f || strcmp(f, groups[g].base) != 0) {
				print_error("text_fold(\"%.*s\" U+%04X) = \"%s\", want \"%s\"\n", (int)n,
					    (const char *)s + i, (unsigned)cp, f ? f : "NULL",
					    groups[g].base);
				failures++;
			}
			free(f);
			i += n;
		}
	}
	assert_int_equal(failures, 0);
}

/* --- bounded fuzz: random bytes into everything that reads client input ---------------- */

static uint32_t rng_state;

static uint32_t rng_next(void)
{
	/* xorshift32: deterministic on every platform */
	uint32_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rng_state = x;
}

/* Random bytes biased toward the ones that matter to the parsers. */
static size_t random_input(uint8_t *buf, size_t max)
{
	static const char interesting[] = "%=&+/?\r\n: {}\x80\xbf\xc3\xe1\xed\xf0\xf4\xff\xcc"
					  "0123456789aAfFzZ";
	size_t len = rng_next() % (max + 1);
	for (size_t i = 0; i < len; i++) {
		uint32_t r = rng_next();
		buf[i] = (r & 3) == 0 ? (uint8_t)(r >> 8)
				      : (uint8_t)interesting[(r >> 8) % (sizeof(interesting) - 1)];
	}
	return len;
}

static const struct route fuzz_routes[] = {
	{HTTP_GET, "/", NULL},
	{HTTP_GET, "/api/v1/items/{code}", NULL},
	{HTTP_POST, "/api/v1/plans/{plan}/items/{code}", NULL},
};

/* Request fragments that steer the framing code past its first line now and then. */
static const char *const fuzz_prefixes[] = {
	"GET / HTTP/1.1\r\n",
	"POST /a HTTP/1.1\r\nContent-Length: ",
	"POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\n",
	"GET /b HTTP/1.1\r\nTransfer-Encoding:",
	"\r\n\r\n",
	"q=s%E1%BB%91&",
	"api/v1/items/",
};

/* Checks the invariants of the pure functions on one input. */
static void fuzz_pure(const uint8_t *buf, size_t len)
{
	/* utf8_is_valid and text_fold */
	bool valid = utf8_is_valid(buf, len);
	char *f = text_fold((const char *)buf, len);
	if (valid != (f != NULL))
		fail_msg("text_fold and utf8_is_valid disagree on a %zu-byte input", len);
	if (f) {
		size_t flen = strlen(f);
		assert_true(flen <= len);
		assert_true(utf8_is_valid((const uint8_t *)f, flen));
		assert_true(utf8_length((const uint8_t *)f, flen) <= utf8_length(buf, len));
		if (flen) {
			assert_true(f[0] != ' ');
			assert_true(f[flen - 1] != ' ');
		}
		assert_null(strstr(f, "  "));
		/* folding is idempotent */
		char *ff = text_fold(f, flen);
		assert_non_null(ff);
		assert_string_equal(ff, f);
		free(ff);
		free(f);
	}

	/* the rest reads NUL-terminated text: cut at the first NUL as a C caller would */
	char text[256];
	memcpy(text, buf, len);
	text[len] = '\0';

	struct query q;
	const char *bad;
	enum query_error e = query_parse(text, &q, &bad);
	assert_true(q.n >= 0 && q.n <= QUERY_MAX_PARAMS);
	if (e == QUERY_OK) {
		assert_null(bad);
		for (int i = 0; i < q.n; i++) {
			assert_true(utf8_is_valid((const uint8_t *)q.key[i], strlen(q.key[i])));
			assert_true(utf8_is_valid((const uint8_t *)q.value[i], strlen(q.value[i])));
			assert_non_null(query_get(&q, q.key[i]));
		}
	} else {
		assert_true(e == QUERY_BAD_ENCODING || e == QUERY_BAD_UTF8 || e == QUERY_TOO_MANY);
		if (e == QUERY_BAD_UTF8)
			assert_non_null(bad);
	}
	query_free(&q);

	char path[260];
	path[0] = '/';
	memcpy(path + 1, text, strlen(text) + 1);
	const struct route *found = NULL;
	struct route_params params;
	unsigned allowed;
	enum route_result r = router_match(fuzz_routes, 3, HTTP_GET, path, &found, &params,
					   &allowed);
	if (r == ROUTE_FOUND) {
		assert_true(found == &fuzz_routes[0] || found == &fuzz_routes[1]);
		assert_int_equal(params.n, found == &fuzz_routes[0] ? 0 : 1);
		for (int i = 0; i < params.n; i++) {
			size_t vlen = strlen(params.p[i].value);
			assert_true(vlen > 0 && vlen <= ROUTE_PARAM_MAX);
		}
	} else if (r == ROUTE_METHOD_NOT_ALLOWED) {
		assert_int_equal(allowed, HTTP_POST);
	}
}

#define FUZZ_MARK "/.pakn/reject/"

/* Occurrences of the made-up reject request in n bytes of s. */
static size_t count_rejects(const char *s, size_t n)
{
	size_t count = 0;
	const char *p = s;
	while ((p = memmem(p, n - (size_t)(p - s), FUZZ_MARK, strlen(FUZZ_MARK))) != NULL) {
		count++;
		p += strlen(FUZZ_MARK);
	}
	return count;
}

static void test_fuzz(void **state)
{
	(void)state;
	static const struct http_limits lim = {1024, 1024, 5, 10, 4096};
	static const size_t reject_len = sizeof("GET " FUZZ_MARK "431 HTTP/1.1\r\n"
						 "Connection: close\r\n\r\n") - 1;
	rng_state = 0x5eed57u;
	/* A connection's filter lives across many inputs, as on a keep-alive connection; a
	 * fresh one every 50 inputs so that refusals do not end the fuzz. Over a connection,
	 * the filter consumes all input and emits its made-up requests and a canonical copy
	 * of what it accepted (CRLF line ends and ": " after names: under twice the input). */
	struct limits_state *lst = NULL;
	struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
	size_t total_in = 0;
	for (int iter = 0; iter <= 20000; iter++) {
		if (iter % 50 == 0) {
			if (lst) {
				size_t n = evbuffer_get_length(out);
				const char *o = (const char *)evbuffer_pullup(out, -1);
				size_t rejects = n ? count_rejects(o, n) : 0;
				assert_true(n <= 2 * total_in + rejects * reject_len);
				evbuffer_drain(out, n);
			}
			limits_state_free(lst);
			if (iter == 20000)
				break;
			lst = limits_state_new(&lim);
			assert_non_null(lst);
			total_in = 0;
		}
		uint8_t buf[128];
		size_t len = 0;
		if (rng_next() % 4 == 0) {
			const char *p = fuzz_prefixes[rng_next() % (sizeof(fuzz_prefixes) /
								  sizeof(fuzz_prefixes[0]))];
			len = strlen(p);
			memcpy(buf, p, len);
		}
		len += random_input(buf + len, 64);
		fuzz_pure(buf, len);

		evbuffer_add(in, buf, len);
		limits_feed(lst, in, out);
		assert_int_equal(evbuffer_get_length(in), 0);
		total_in += len;
	}
	evbuffer_free(in);
	evbuffer_free(out);
}

/* Each allocation of the text functions refused in turn: NULL, nothing leaked (ASan's leak
 * check at exit), never a crash; then the same result as with memory. The input has a run
 * of more than TEXT_MAX_NONSTARTERS marks, so text_nfc's sorting buffer is reached too. */
static void test_out_of_memory(void **state)
{
	(void)state;
	char in[256] = "Ha\xcc\x80  N\xc3\xb4\xcc\xa3i  a";
	for (int i = 0; i < TEXT_MAX_NONSTARTERS + 2; i++)
		strcat(in, i % 2 ? "\xcc\x81" : "\xcc\xa3");
	size_t len = strlen(in);
	char *(*const fns[])(const char *, size_t) = {text_fold, text_search_key};
	for (size_t f = 0; f < sizeof(fns) / sizeof(fns[0]) + 1; f++) {
		size_t outlen;
		char *want = f < 2 ? fns[f](in, len) : text_nfc(in, len, &outlen);
		assert_non_null(want);
		long n = 0;
		for (;; n++) {
			assert_true(n < 64);
			xalloc_fail_after(n);
			char *got = f < 2 ? fns[f](in, len) : text_nfc(in, len, &outlen);
			xalloc_fail_after(-1);
			if (got) {
				assert_string_equal(got, want);
				free(got);
				break;
			}
		}
		assert_true(n >= 1);
		free(want);
	}
}

/* Hosts as a Host header or the public_origin setting names them; anything that could
 * carry a path, a user, markup or a second header is not one. */
static void test_is_host(void **state)
{
	(void)state;
	static const char *const good[] = {"gopy.example.gov.vn", "127.0.0.1:8080", "localhost",
					   "[::1]:8080", "[2001:db8::1]", "a-b.vn:1"};
	static const char *const bad[] = {"", "evil.example/x", "a b", "user@host", "host:",
					  "host:123456", "host:80x", "[::1", "[]", "-host", ".host",
					  "\"><x>", "host\r\nX: y", "höst.vn"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(text_is_host(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(text_is_host(bad[i]));
	char longest[TEXT_HOST_MAX + 2];
	memset(longest, 'a', sizeof(longest) - 1);
	longest[TEXT_HOST_MAX] = '\0';
	assert_true(text_is_host(longest));
	longest[TEXT_HOST_MAX] = 'a';
	longest[TEXT_HOST_MAX + 1] = '\0';
	assert_false(text_is_host(longest));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_table),
		cmocka_unit_test(test_utf8_decode_respects_len),
		cmocka_unit_test(test_utf8_length),
		cmocka_unit_test(test_utf8_cut),
		cmocka_unit_test(test_text_is_blank),
		cmocka_unit_test(test_identifiers),
		cmocka_unit_test(test_fold_table),
		cmocka_unit_test(test_fold_len),
		cmocka_unit_test(test_fold_all_vietnamese_letters),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_is_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
