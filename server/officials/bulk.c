/* bulk.c - owns bulk moderation actions (see bulk.h): the body's checks, and the walk over
 * the ids, one at a time. One at a time because each id is its own transaction on the
 * worker's pool, sent when the one before has answered: a bulk request holds one
 * connection, never the whole pool, and the event loop does per id what the single action
 * does (sign an answer, sign the tree head), between other requests' callbacks. */
#include "officials/bulk.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "http/http_db.h"
#include "officials/auth.h"

/* The actions a bulk request may take (CONTRACTS22.md): those of a day's queue. hide,
 * assign and unassign are decided one feedback at a time. */
static const char *const bulk_actions[] = {"publish", "reject", "forward", "close",
					   "answer", "publish_answer", NULL};

static bool is_bulk_action(const char *action)
{
	for (const char *const *a = bulk_actions; *a; a++)
		if (strcmp(*a, action) == 0)
			return true;
	return false;
}

/* Whether fields already holds a problem of field. */
static bool names_field(json_object *fields, const char *field)
{
	for (size_t i = 0; i < json_object_array_length(fields); i++) {
		json_object *f;
		if (json_object_object_get_ex(json_object_array_get_idx(fields, i), "field", &f) &&
		    strcmp(json_object_get_string(f), field) == 0)
			return true;
	}
	return false;
}

/* Reads "ids" of doc into in, adding a problem to fields when it is not an array of 1 to
 * BULK_MAX_IDS distinct ids. */
static void parse_ids(json_object *doc, struct bulk_input *in, json_object *fields)
{
	json_object *ids;
	if (!json_object_object_get_ex(doc, "ids", &ids) || json_object_is_type(ids, json_type_null)) {
		http_field_error(fields, "ids", "required",
				 "Cần danh sách mã số góp ý. / The list of feedback ids is required.");
		return;
	}
	if (!json_object_is_type(ids, json_type_array)) {
		http_field_error(fields, "ids", "invalid_type",
				 "Một mảng mã số góp ý. / An array of feedback ids.");
		return;
	}
	size_t n = json_object_array_length(ids);
	if (n == 0 || n > BULK_MAX_IDS) {
		http_field_error(fields, "ids", n ? "too_many" : "required",
				 "Từ 1 đến 200 góp ý một lần. / From 1 to 200 feedback at a time.");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(ids, i);
		int64_t id = json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : 0;
		if (id < 1 || id > FEEDBACK_ID_MAX) {
			http_field_error(fields, "ids", "invalid_id",
					 "Mỗi mã số là một số nguyên dương. / Each id is a positive "
					 "whole number.");
			return;
		}
		for (size_t k = 0; k < i; k++)
			if (in->ids[k] == id) {
				http_field_error(fields, "ids", "duplicate",
						 "Mỗi góp ý chỉ một lần. / Each feedback once.");
				return;
			}
		in->ids[i] = id;
	}
	in->n = n;
}

int bulk_parse(const char *body, size_t len, struct bulk_input *in, json_object *fields)
{
	memset(in, 0, sizeof(*in));
	int status = moderation_action_parse(body, len, &in->action, fields);
	if (status == 400)
		return 400;
	json_object *action;
	if (json_object_object_get_ex(in->action.doc, "action", &action) &&
	    json_object_is_type(action, json_type_string) &&
	    !is_bulk_action(json_object_get_string(action)) && !names_field(fields, "action"))
		http_field_error(fields, "action", "invalid_choice",
				 "Làm hàng loạt: publish, reject, forward, close, answer hoặc "
				 "publish_answer. / In bulk: one of publish, reject, forward, close, "
				 "answer, publish_answer.");
	parse_ids(in->action.doc, in, fields);
	return json_object_array_length(fields) > 0 ? 422 : 0;
}

void bulk_input_free(struct bulk_input *in)
{
	moderation_input_free(&in->action);
	in->n = 0;
}

/* A bulk request under way: its body, its steps, and the results so far. */
struct bulk {
	struct http_req *req;
	struct bulk_input in;
	char *steps;
	json_object *results;
	size_t next; /* the index in in.ids of the id being taken */
	size_t done, failed;
};

static void bulk_free(struct bulk *b)
{
	bulk_input_free(&b->in);
	free(b->steps);
	json_object_put(b->results);
	free(b);
}

/* {"id", "ok": false, "error": {"code", "message", "fields"?}}; takes fields. */
static json_object *failed_row(int64_t id, enum http_error err, json_object *fields)
{
	json_object *e = json_object_new_object();
	json_object_object_add(e, "code", json_object_new_string(http_error_code(err)));
	json_object_object_add(e, "message", json_object_new_string(http_error_message(err)));
	if (fields)
		json_object_object_add(e, "fields", fields);
	json_object *row = json_object_new_object();
	json_object_object_add(row, "id", json_object_new_int64(id));
	json_object_object_add(row, "ok", json_object_new_boolean(false));
	json_object_object_add(row, "error", e);
	return row;
}

/* {"id", "ok": true, "state", "log"?, "steps"?}: the single action's reply, per row. */
static json_object *done_row(int64_t id, json_object *doc)
{
	json_object *row = json_object_new_object();
	json_object_object_add(row, "id", json_object_new_int64(id));
	json_object_object_add(row, "ok", json_object_new_boolean(true));
	static const char *const keep[] = {"state", "log", "steps", NULL};
	for (const char *const *k = keep; *k; k++) {
		json_object *v;
		if (json_object_object_get_ex(doc, *k, &v))
			json_object_object_add(row, *k, json_object_get(v));
	}
	return row;
}

static void bulk_reply(struct bulk *b)
{
	json_object *doc = json_object_new_object();
	json_object_object_add(doc, "results", b->results);
	b->results = NULL; /* doc holds it */
	json_object_object_add(doc, "done", json_object_new_int64((int64_t)b->done));
	json_object_object_add(doc, "failed", json_object_new_int64((int64_t)b->failed));
	log_info(b->req->id, "bulk %s: %zu done, %zu failed", moderation_action_name(&b->in.action),
		 b->done, b->failed);
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	http_reply_json(b->req, 200, text, strlen(text), 0);
	json_object_put(doc);
	bulk_free(b);
}

static void row_done(struct http_req *req, struct moderation_result *r, void *arg);

/* Takes the next id, or replies when none is left. */
static void bulk_step(struct bulk *b)
{
	if (b->next == b->in.n) {
		bulk_reply(b);
		return;
	}
	moderation_apply(b->req, b->in.ids[b->next], &b->in.action, b->steps, row_done, b);
}

static void row_done(struct http_req *req, struct moderation_result *r, void *arg)
{
	struct bulk *b = arg;
	/* The template is checked before the feedback (pakn_template_fill), so the first row
	 * tells whether there is one at all: a problem of the whole request, nothing done. */
	if (b->next == 0 && r->db == DB_OK && r->status == DB_REPLY_UNKNOWN_TEMPLATE) {
		http_reply_code(req, HTTP_ERR_BULK_INVALID, r->fields);
		r->fields = NULL; /* http_reply_code put it */
		moderation_result_release(r);
		bulk_free(b);
		return;
	}
	int64_t id = b->in.ids[b->next++];
	if (r->db == DB_OK && r->err == HTTP_ERR_COUNT) {
		json_object_array_add(b->results, done_row(id, r->doc));
		b->done++;
	} else {
		enum http_error err = r->db == DB_OK ? r->err
				      : r->db == DB_UNAVAILABLE ? HTTP_ERR_DATABASE_UNAVAILABLE
								: HTTP_ERR_INTERNAL;
		json_object_array_add(b->results, failed_row(id, err, r->fields));
		r->fields = NULL; /* the row holds it */
		b->failed++;
		/* The database is away: the ids left would fail the same way, each after a
		 * wait; they are not sent (the client may send them again). */
		if (r->db == DB_UNAVAILABLE)
			for (; b->next < b->in.n; b->next++, b->failed++)
				json_object_array_add(b->results,
						      failed_row(b->in.ids[b->next],
								 HTTP_ERR_DATABASE_UNAVAILABLE, NULL));
	}
	moderation_result_release(r);
	bulk_step(b);
}

/* The note of a bulk request's denial: which ids it named. */
static char *denied_note(const struct bulk_input *in)
{
	struct sbuf note = {0};
	sbuf_puts(&note, "bulk");
	for (size_t i = 0; i < in->n; i++)
		sbuf_printf(&note, " %" PRId64, in->ids[i]);
	return sbuf_take(&note);
}

static void bulk_next(struct http_req *req)
{
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	size_t len;
	const char *body = http_body(req, &len);
	struct bulk *b = xcalloc(1, sizeof(*b));
	b->req = req;
	json_object *fields = json_object_new_array();
	int status = bulk_parse(body, len, &b->in, fields);
	if (status != 0) {
		if (status == 400) {
			http_reply_code(req, HTTP_ERR_NOT_JSON_OBJECT, NULL);
			json_object_put(fields);
		} else {
			http_reply_code(req, HTTP_ERR_BULK_INVALID, fields); /* takes fields */
		}
		bulk_free(b);
		return;
	}
	json_object_put(fields);
	char *note = denied_note(&b->in);
	b->steps = moderation_steps(req, &b->in.action, note);
	free(note);
	if (!b->steps) {
		http_reply_code(req, HTTP_ERR_FORBIDDEN, NULL);
		bulk_free(b);
		return;
	}
	b->results = json_object_new_array();
	bulk_step(b);
}

void bulk_action(struct http_req *req)
{
	auth_require(req, ROLE_MODERATOR | ROLE_RESPONDER, bulk_next);
}
