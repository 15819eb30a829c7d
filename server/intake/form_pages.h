/* form_pages.h - the HTML pages a browser without JavaScript gets after posting the
 * feedback form: the receipt, or what to fix. API clients get JSON instead (intake_api.c
 * decides); these pages say the same things in words and link the site's stylesheet. */
#ifndef PAKN_FORM_PAGES_H
#define PAKN_FORM_PAGES_H

#include <json-c/json.h>
#include <stdbool.h>

struct http_req;
struct receipt;

/* The receipt page (status 201 or 200): tracking code in large type, the secret, a link
 * that downloads the receipt file, how to verify it, the tracking page. Frees req. */
void form_page_receipt(struct http_req *req, int status, const struct receipt *r,
		       const char *receipt_json, const char *secret);

struct sbuf;

/* The problem page's HTML, appended to b: message ("Vietnamese / English") and, when
 * fields is an array of {field, code, message}, one line per field with the field's name in
 * words (as the form labels it). en: English first, Vietnamese after; else the reverse.
 * Text is cut only between UTF-8 characters. Does not take fields. */
void form_problem_html(struct sbuf *b, const char *message, json_object *fields, bool en);

/* The problem page: message ("Vietnamese / English") and, when fields is an array of
 * {field, code, message}, one line per field with the field's name in words, in the
 * reader's language first (http_lang_is_en). Frees req; does not take fields. */
void form_page_problem(struct http_req *req, int status, const char *message,
		       json_object *fields);

/* The page for a submission the database did not store: 503 when it was unavailable
 * (the caller sets Retry-After), else 500. It says plainly that nothing was kept, so the
 * sender sends again. Frees req. */
void form_page_not_stored(struct http_req *req, bool unavailable);

#endif
