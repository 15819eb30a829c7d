/* form_pages.h - the HTML pages a browser without JavaScript gets after posting the
 * feedback form: the receipt, or what to fix. API clients get JSON instead (intake_api.c
 * decides); these pages say the same things in words and link the site's stylesheet. */
#ifndef PAKN_FORM_PAGES_H
#define PAKN_FORM_PAGES_H

#include <json-c/json.h>
#include <stdbool.h>

struct http_req;
struct receipt;

/* The most bytes of the text the receipt page repeats (cut between UTF-8 characters, about
 * 160 Vietnamese letters, then "…"). */
#define FORM_TEXT_START_MAX 240

/* The receipt page (status 201 or 200), in words: the item, the local time, the rating
 * and kind, the text's start, who answers by when (facts: the status by tracking code, or
 * NULL when it could not be read), the tracking code with its QR code, the secret, a
 * download (an HTML page with receipt_json inside), and the proof folded. Frees req; does
 * not take facts. */
void form_page_receipt(struct http_req *req, int status, const struct receipt *r,
		       const char *receipt_json, const char *secret, json_object *facts,
		       const char *text_start);

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
