/* test_qr_svg.c - tests server/core/qr_svg.c: the SVG's modules read back are exactly
 * libqrencode's symbol for the same text (so any QR reader decodes the text), its quiet
 * zone, and the <title> escaped. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/qr_svg.h"

#define QUIET 4

/* Paints the runs "M<x> <y>h<run>v1h-<run>z" of svg's path into grid (size x size). */
static void read_modules(const char *svg, unsigned char *grid, int size)
{
	const char *d = strstr(svg, " d=\"");
	assert_non_null(d);
	d += 4;
	while (*d == 'M') {
		int x, y, run, back, used;
		assert_int_equal(sscanf(d, "M%d %dh%dv1h-%dz%n", &x, &y, &run, &back, &used), 4);
		assert_int_equal(run, back);
		assert_true(x >= 0 && y >= 0 && run > 0 && x + run <= size && y < size);
		for (int i = 0; i < run; i++) {
			assert_int_equal(grid[y * size + x + i], 0); /* runs never overlap */
			grid[y * size + x + i] = 1;
		}
		d += used;
	}
	assert_int_equal(*d, '"');
}

static void test_modules_are_libqrencodes(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"https://gopy.example.gov.vn/?item=LC-T25",
		"http://127.0.0.1:8080/?item=DB-T-V.3.4",
		"otpauth://totp/PAKN-57:mod.test?secret=JBSWY3DPEHPK3PXP&issuer=PAKN-57",
	};
	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		QRcode *qr = QRcode_encodeString8bit(texts[t], 0, QR_ECLEVEL_M);
		assert_non_null(qr);
		char *svg = qr_svg(texts[t], NULL);
		assert_non_null(svg);
		int size = qr->width + 2 * QUIET;
		char view[64];
		snprintf(view, sizeof(view), "viewBox=\"0 0 %d %d\"", size, size);
		assert_non_null(strstr(svg, view));
		unsigned char *grid = calloc((size_t)(size * size), 1);
		read_modules(svg, grid, size);
		for (int y = 0; y < size; y++)
			for (int x = 0; x < size; x++) {
				int inside = x >= QUIET && y >= QUIET && x < size - QUIET &&
					     y < size - QUIET;
				int dark = inside && (qr->data[(y - QUIET) * qr->width + x - QUIET] & 1);
				assert_int_equal(grid[y * size + x], dark);
			}
		assert_null(strstr(svg, "<title>"));
		free(grid);
		free(svg);
		QRcode_free(qr);
	}
}

static void test_title_escaped(void **state)
{
	(void)state;
	char *svg = qr_svg("x", "a&b <c> \"d\"");
	assert_non_null(svg);
	assert_non_null(strstr(svg, "<title>a&amp;b &lt;c&gt; &quot;d&quot;</title>"));
	assert_null(strstr(svg, "<c>"));
	free(svg);
}

/* Beyond version 40 (2,331 bytes at level M): libqrencode refuses, qr_svg says so. */
static void test_too_long(void **state)
{
	(void)state;
	char *text = malloc(4000);
	memset(text, 'a', 3999);
	text[3999] = '\0';
	assert_null(qr_svg(text, NULL));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_are_libqrencodes),
		cmocka_unit_test(test_title_escaped),
		cmocka_unit_test(test_too_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
