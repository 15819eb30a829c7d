/* moderation.h - officials' work on feedback: the queue within their scope, actions as one
 * transition table, the audit trail of a feedback, and contact details. Every endpoint
 * starts with auth_require; scope is enforced in SQL (pakn_in_scope). */
#ifndef PAKN_MODERATION_H
#define PAKN_MODERATION_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "db/db_reply.h"
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
	{"kind", PARAM_CHOICE, "opinion|proposal|report|question|initiative|solution", 0, 0,    \
	 NULL, false},                                                                           \
	{"rating", PARAM_INT, NULL, 1, 5, NULL, false},                                          \
	{"from", PARAM_DATE, NULL, 0, 0, NULL, false},                                           \
	{"to", PARAM_DATE, NULL, 0, 0, NULL, false}

/* Whether official o may read submitters' contact details (those who consented, within
 * scope): the rule of GET /api/v1/moderation/{id}/contact and of the export's
 * include_contact. */
bool moderation_may_read_contact(const struct official *o);

/* The largest feedback id a path or a bulk action names (eighteen digits). */
#define FEEDBACK_ID_MAX INT64_C(999999999999999999)

struct transition; /* a row of moderation.c's transition table */

/* An action body as read and checked by moderation_action_parse. */
struct moderation_input {
	const struct transition *t;
	const char *reason; /* reject and hide only, else NULL; points into doc */
	const char *agency; /* forward only, else NULL; points into doc */
	const char *official; /* assign only: the assignee's username, else NULL; into doc */
	int64_t of;         /* link_duplicate only: the original's id, else 0 */
	char *text;         /* answer only: the cleaned answer text, else NULL */
	int64_t template_id; /* answer only: the template to answer with instead of text, else 0 */
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

/* The name of in's action ("publish"), in as parsed. */
const char *moderation_action_name(const struct moderation_input *in);

/* The steps of in's action as moderation_apply takes them (JSON text; caller frees), or
 * NULL when req's official holds no role for one of them: then the refusal is logged and
 * audited as "denied" (note: note, may be NULL) and the caller answers 403. */
char *moderation_steps(struct http_req *req, const struct moderation_input *in, const char *note);

/* What moderation_apply did. */
struct moderation_result {
	enum db_status db;            /* not DB_OK: the database failed or is away; nothing else set */
	enum db_reply_status status;  /* what the SQL answered (DB_REPLY_OK: taken) */
	enum http_error err;          /* HTTP_ERR_COUNT: taken; else the error that says why not */
	json_object *fields;          /* err's field problems, or NULL */
	json_object *doc;             /* taken: the reply of the single action, its "log" signed */
};

/* Receives r (its doc and fields: take them, or leave them for moderation_result_release).
 * req is the request moderation_apply was given, not yet answered. */
typedef void (*moderation_done)(struct http_req *req, struct moderation_result *r, void *arg);

/* Takes in's action (from moderation_action_parse; steps from moderation_steps) on feedback
 * id as req's official: the one path of the single action and of each id of a bulk one
 * (docs/moderation.md). One transaction, all or nothing: scope, state and consent checked
 * and the action audited and logged in SQL (pakn_moderate_steps), an answer signed here; a
 * template's placeholders are filled for this feedback first (one statement more). Calls
 * done exactly once, from the event loop, never inside this call; in and steps must live
 * until then. */
void moderation_apply(struct http_req *req, int64_t id, const struct moderation_input *in,
		      const char *steps, moderation_done done, void *arg);

/* Puts what r still holds. */
void moderation_result_release(struct moderation_result *r);

#endif
