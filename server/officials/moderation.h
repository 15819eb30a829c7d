/* moderation.h - officials' work on feedback: the queue within their scope, actions as one
 * transition table, the audit trail of a feedback, and contact details. Every endpoint
 * starts with auth_require; scope is enforced in SQL (pakn_in_scope). */
#ifndef PAKN_MODERATION_H
#define PAKN_MODERATION_H

#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "http/http_params.h"

struct official;

void moderation_queue(struct http_req *req);   /* GET /api/v1/moderation/queue */
void moderation_overdue(struct http_req *req); /* GET /api/v1/moderation/overdue */
void moderation_action(struct http_req *req);  /* POST /api/v1/moderation/{id}/actions */
void moderation_history(struct http_req *req); /* GET /api/v1/moderation/{id}/history */
void moderation_contact(struct http_req *req); /* GET /api/v1/moderation/{id}/contact */
void moderation_similar(struct http_req *req); /* GET /api/v1/moderation/{id}/similar */

/* The filters the queue shares with the export (export.c), in this order: status, agency,
 * item, kind, rating, from, to (docs/moderation.md). The queue has more of its own. */
#define MODERATION_FILTER_SPECS                                                                  \
	{"status", PARAM_CHOICE, "received|published|rejected|hidden|answered|closed", 0, 0,     \
	 NULL, false},                                                                           \
	{"agency", PARAM_SLUG, NULL, 0, 0, NULL, false},                                         \
	{"item", PARAM_CODE, NULL, 0, 0, NULL, false},                                           \
	{"kind", PARAM_CHOICE, "opinion|proposal|report|question", 0, 0, NULL, false},           \
	{"rating", PARAM_INT, NULL, 1, 5, NULL, false},                                          \
	{"from", PARAM_DATE, NULL, 0, 0, NULL, false},                                           \
	{"to", PARAM_DATE, NULL, 0, 0, NULL, false}

/* Whether official o may read submitters' contact details (those who consented, within
 * scope): the rule of GET /api/v1/moderation/{id}/contact and of the export's
 * include_contact. */
bool moderation_may_read_contact(const struct official *o);

struct transition; /* a row of moderation.c's transition table */

/* An action body as read and checked by moderation_action_parse. */
struct moderation_input {
	const struct transition *t;
	const char *reason; /* reject and hide only, else NULL; points into doc */
	const char *agency; /* forward only, else NULL; points into doc */
	const char *official; /* assign only: the assignee's username, else NULL; into doc */
	int64_t of;         /* link_duplicate only: the original's id, else 0 */
	char *text;         /* answer only: the cleaned answer text, else NULL */
	char *note;         /* the cleaned note, or NULL */
	json_object *doc;   /* the parsed body */
};

/* The parse-and-check step of POST /api/v1/moderation/{id}/actions, without I/O (the
 * fuzz target tests/fuzz/fuzz_moderation.c calls it). Returns 0 with in filled, 400 when
 * body (may be NULL) is not a JSON object, or 422 after adding one entry per problem to
 * fields. Call moderation_input_free(in) in every case. */
int moderation_action_parse(const char *body, size_t len, struct moderation_input *in,
			    json_object *fields);

/* Frees what in holds (not in itself). */
void moderation_input_free(struct moderation_input *in);

#endif
