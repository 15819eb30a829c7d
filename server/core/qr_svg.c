/* qr_svg.c - owns the drawing of a QR code as SVG (see qr_svg.h). */
#include "core/qr_svg.h"

#include <qrencode.h>

#include "core/util.h"

#define QUIET 4 /* modules of white around the symbol, as ISO/IEC 18004 asks */

/* The four characters that could end a text or an attribute in XML. */
static void put_escaped(struct sbuf *b, const char *text)
{
	for (const char *p = text; *p; p++) {
		switch (*p) {
		case '&': sbuf_puts(b, "&amp;"); break;
		case '<': sbuf_puts(b, "&lt;"); break;
		case '>': sbuf_puts(b, "&gt;"); break;
		case '"': sbuf_puts(b, "&quot;"); break;
		default: sbuf_append(b, p, 1);
		}
	}
}

char *qr_svg(const char *text, const char *title)
{
	QRcode *qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	if (!qr)
		return NULL;
	int size = qr->width + 2 * QUIET;
	struct sbuf b = {0};
	sbuf_printf(&b,
		    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\""
		    " shape-rendering=\"crispEdges\" role=\"img\">",
		    size, size);
	if (title) {
		sbuf_puts(&b, "<title>");
		put_escaped(&b, title);
		sbuf_puts(&b, "</title>");
	}
	sbuf_printf(&b, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
		    size, size);
	/* One run of dark modules per subpath: a row of the symbol, left to right. */
	for (int y = 0; y < qr->width; y++) {
		for (int x = 0; x < qr->width;) {
			if (!(qr->data[y * qr->width + x] & 1)) {
				x++;
				continue;
			}
			int run = 1;
			while (x + run < qr->width && (qr->data[y * qr->width + x + run] & 1))
				run++;
			sbuf_printf(&b, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run);
			x += run;
		}
	}
	sbuf_puts(&b, "\"/></svg>");
	QRcode_free(qr);
	return b.data;
}
