/* catalog_qr.h - an item's QR code for posters: an SVG of its deep link
 * (<origin>/?item=<code>, the citizen's form with the item chosen), where origin is the
 * public_origin setting, else the request's Host when it is a plain host name. */
#ifndef PAKN_CATALOG_QR_H
#define PAKN_CATALOG_QR_H

#include <stdbool.h>

#include "core/util.h"
#include "http/http.h"

/* GET /api/v1/items/{code}/qr.svg: image/svg+xml (its <title> is the link), or 404
 * not_found (JSON) for a code no item, section or plan has, or 400 bad_request when no
 * public_origin is set and the Host header is not a host name. */
void catalog_qr(struct http_req *req);

/* Appends to out the deep link of the item code: configured (public_origin, "" for none)
 * or else "http://" and host (the Host header, may be NULL), then "/?item=" and code.
 * Returns false, appending nothing, when configured is "" and host is not a plain host
 * name (text_is_host): a link to a hostile Host must not be drawn. */
bool catalog_qr_link(const char *configured, const char *host, const char *code,
		     struct sbuf *out);

#endif
