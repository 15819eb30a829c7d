/* templates.h - answer templates: an agency's texts to answer with, their placeholders filled
 * per feedback (docs/moderation.md, "Answer templates"). The routes list, create, change and
 * delete the templates of the official's agencies, each change audited in SQL
 * (sql/functions/templates.sql); answering with one is moderation.c's. */
#ifndef PAKN_TEMPLATES_H
#define PAKN_TEMPLATES_H

#include <json-c/json.h>

#include "http/http.h"

#define TEMPLATE_TITLE_MAX_CHARS 200
#define TEMPLATE_TEXT_MAX_CHARS 5000
#define TEMPLATE_ID_MAX 2147483647 /* answer_template.id is an integer */

void templates_list(struct http_req *req);   /* GET /api/v1/moderation/templates */
void templates_create(struct http_req *req); /* POST /api/v1/moderation/templates */
void templates_update(struct http_req *req); /* PUT /api/v1/moderation/templates/{id} */
void templates_delete(struct http_req *req); /* DELETE /api/v1/moderation/templates/{id} */

/* text with each {name} that values (a JSON object of strings) has replaced by its value, in
 * one pass: a value is never filled again, and a {word} values lacks is left as written.
 * At most max + 1 bytes: a longer result is cut there (and refused by the caller's length
 * check), so the work and memory are bounded by max whatever the template. Returns a new
 * string (caller frees); never NULL. */
char *template_fill(const char *text, json_object *values, size_t max);

#endif
