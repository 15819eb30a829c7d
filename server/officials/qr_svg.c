/* qr_svg.c - owns the drawing of a QR code as SVG (see qr_svg.h). */
#include "officials/qr_svg.h"

#include <qrencode.h>

#include "core/util.h"

#define QUIET 4 /* modules of white around the symbol, as ISO/IEC 18004 asks */

char *qr_svg(const char *text)
{
	QRcode *qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	if (!qr)
		return NULL;
	int size = qr->width + 2 * QUIET;
	struct sbuf b = {0};
	sbuf_printf(&b,
		    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\""
		    " shape-rendering=\"crispEdges\" role=\"img\">"
		    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
		    size, size, size, size);
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
