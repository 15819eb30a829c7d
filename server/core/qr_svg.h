/* qr_svg.h - a QR code as an SVG image (libqrencode): the second factor's enrolment draws
 * the otpauth:// URI without a script library and without sending the secret to anyone
 * else; the catalog draws each item's deep link for posters (catalog_qr.h). */
#ifndef PAKN_QR_SVG_H
#define PAKN_QR_SVG_H

/* An SVG document (one black path on white, a 4-module quiet zone, scaled by the page)
 * of text, error correction level M. title, when not NULL, becomes the image's <title>
 * (its accessible name, XML-escaped); never pass a secret there. Returns new text (caller
 * frees), or NULL when libqrencode fails (text too long for any QR version, or out of
 * memory). */
char *qr_svg(const char *text, const char *title);

#endif
