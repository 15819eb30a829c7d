/* templates.c - owns the answer templates' routes and the filling of their placeholders
 * (see templates.h). */
#include "officials/templates.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/text.h"
#include "core/util.h"
#include "db/db.h"
#include "db/db_reply.h"
#include "http/http_db.h"
#include "http/http_params.h"
#include "intake/intake.h"
#include "officials/auth.h"

/* Who manages an agency's templates: those who answer with them, and its admin. */
#define TEMPLATE_ROLES (ROLE_ADMIN | ROLE_MODERATOR | ROLE_RESPONDER)

/* The longest placeholder name worth looking up; a longer {…} is left as written. */
#define PLACEHOLDER_MAX 32

/* Appends len bytes of s to out, but never past limit bytes in all. */
static void append_capped(struct sbuf *out, const char *s, size_t len, size_t limit)
{
	size_t room = out->len < limit ? limit - out->len : 0;
	sbuf_append(out, s, len < room ? len : room);
}

char *template_fill(const char *text, json_object *values, size_t max)
{
	/* One byte past max is enough for the caller's length check to refuse the text, and
	 * keeps a short template of many long placeholders from growing without bound. */
	size_t limit = max + 1;
	struct sbuf out = {0};
	const char *p = text;
	while (out.len < limit) {
		const char *open = strchr(p, '{');
		if (!open)
			break;
		const char *close = open + 1 + strcspn(open + 1, "{}");
		json_object *v;
		char name[PLACEHOLDER_MAX + 1];
		size_t n = (size_t)(close - open - 1);
		append_capped(&out, p, (size_t)(open - p), limit);
		if (*close == '}' && n > 0 && n <= PLACEHOLDER_MAX) {
			memcpy(name, open + 1, n);
			name[n] = '\0';
			if (json_object_object_get_ex(values, name, &v) &&
			    json_object_is_type(v, json_type_string)) {
				append_capped(&out, json_object_get_string(v),
					      (size_t)json_object_get_string_len(v), limit);
				p = close + 1;
				continue;
			}
		}
		/* Not a placeholder: the brace stays, and the search goes on after it (a "{"
		 * inside, as in "{{today}", may open one). */
		append_capped(&out, open, 1, limit);
		p = open + 1;
	}
	append_capped(&out, p, strlen(p), limit);
	return sbuf_take(&out);
}

/* --- list ----------------------------------------------------------------------------- */

static void list_next(struct http_req *req)
{
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	char oid[AUTH_ID_MAX];
	auth_official_id(req, oid);
	const char *params[] = {oid};
	db_query(http_db(req), STMT_TEMPLATE_LIST, params, http_db_json_fresh_cb, req);
}

void templates_list(struct http_req *req)
{
	auth_require(req, TEMPLATE_ROLES, list_next);
}

/* --- create and change ---------------------------------------------------------------- */

/* A template's body: {"agency", "title", "text"} (agency only when creating). */
struct template_input {
	json_object *doc;
	const char *agency; /* points into doc */
	char *title, *text; /* cleaned */
};

static void template_input_free(struct template_input *in)
{
	json_object_put(in->doc);
	free(in->title);
	free(in->text);
}

/* Reads req's body into in. Returns true, or false after replying 400 or 422. */
static bool template_parse(struct http_req *req, bool creating, struct template_input *in)
{
	size_t len;
	const char *body = http_body(req, &len);
	memset(in, 0, sizeof(*in));
	in->doc = body ? json_parse_strict(body, len) : NULL;
	if (!in->doc || !json_object_is_type(in->doc, json_type_object)) {
		http_reply_code(req, HTTP_ERR_NOT_JSON_OBJECT, NULL);
		return false;
	}
	json_object *fields = json_object_new_array();
	if (creating) {
		in->agency = json_member_string(in->doc, "agency");
		if (!in->agency || !text_is_agency_code(in->agency))
			http_field_error(fields, "agency", in->agency ? "invalid_code" : "required",
					 "Mã cơ quan, ví dụ lc-so-khoa-hoc-va-cong-nghe. / An agency "
					 "code.");
	}
	const char *title = json_member_string(in->doc, "title"),
		   *text = json_member_string(in->doc, "text");
	in->title = intake_clean_text(fields, "title", title ? title : "",
				      TEMPLATE_TITLE_MAX_CHARS, false, true);
	in->text = intake_clean_text(fields, "text", text ? text : "", TEMPLATE_TEXT_MAX_CHARS,
				     true, true);
	if (json_object_array_length(fields) > 0) {
		http_reply_code(req, HTTP_ERR_REQUEST_INVALID, fields);
		return false;
	}
	json_object_put(fields);
	return true;
}

static void save_cb(void *arg, PGresult *res, enum db_status status)
{
	struct http_req *req = arg;
	if (status != DB_OK) {
		http_reply_db_error(req, status);
		return;
	}
	struct db_reply reply;
	json_object *fields = NULL;
	switch (db_reply_parse(res, "pakn_template_save", req->id, &reply)) {
	case DB_REPLY_OK: {
		json_object_object_del(reply.doc, "status");
		const char *text = json_object_to_json_string_ext(reply.doc, JSON_C_TO_STRING_PLAIN);
		http_reply_json(req, req->method == HTTP_POST ? 201 : 200, text, strlen(text), 0);
		break;
	}
	case DB_REPLY_UNKNOWN_AGENCY:
		fields = json_object_new_array();
		http_field_error(fields, "agency", "unknown_agency",
				 "Không phải cơ quan của bạn. / Not one of your agencies.");
		http_reply_code(req, HTTP_ERR_REQUEST_INVALID, fields);
		break;
	case DB_REPLY_TOO_MANY:
		fields = json_object_new_array();
		http_field_error(fields, "agency", "too_many_templates",
				 "Cơ quan đã có 100 mẫu trả lời; hãy xóa bớt. / The agency has 100 "
				 "answer templates already; delete some first.");
		http_reply_code(req, HTTP_ERR_REQUEST_INVALID, fields);
		break;
	case DB_REPLY_NOT_FOUND: /* audited as denied */
		log_warn(req->id, "denied: official %d, template out of scope", req->official->id);
		http_reply_code(req, HTTP_ERR_NOT_FOUND, NULL);
		break;
	default: /* logged by db_reply_parse */
		http_reply_db_error(req, DB_FAILED);
		break;
	}
	db_reply_free(&reply);
}

/* The template id of the path, or 0 after answering 404. */
static int64_t template_id(struct http_req *req)
{
	int64_t id = http_param_id(req, "id", TEMPLATE_ID_MAX);
	if (!id)
		http_reply_code(req, HTTP_ERR_NOT_FOUND, NULL);
	return id;
}

/* Sends pakn_template_save for the template of the path (none: a new one). */
static void save_next(struct http_req *req)
{
	bool creating = req->method == HTTP_POST;
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	int64_t id = creating ? 0 : template_id(req);
	if (!creating && !id)
		return;
	struct template_input in;
	if (template_parse(req, creating, &in)) {
		char oid[AUTH_ID_MAX], tid[24];
		auth_official_id(req, oid);
		snprintf(tid, sizeof(tid), "%" PRId64, id);
		const char *params[] = {oid, req->official->roles_name, creating ? NULL : tid,
					in.agency, in.title, in.text};
		db_query(http_db(req), STMT_TEMPLATE_SAVE, params, save_cb, req);
	}
	template_input_free(&in);
}

void templates_create(struct http_req *req)
{
	auth_require(req, TEMPLATE_ROLES, save_next);
}

void templates_update(struct http_req *req)
{
	auth_require(req, TEMPLATE_ROLES, save_next);
}

/* --- delete --------------------------------------------------------------------------- */

static void delete_cb(void *arg, PGresult *res, enum db_status status)
{
	struct http_req *req = arg;
	if (status != DB_OK) {
		http_reply_db_error(req, status);
		return;
	}
	struct db_reply reply;
	switch (db_reply_parse(res, "pakn_template_delete", req->id, &reply)) {
	case DB_REPLY_OK: {
		json_object_object_del(reply.doc, "status");
		const char *text = json_object_to_json_string_ext(reply.doc, JSON_C_TO_STRING_PLAIN);
		http_reply_json(req, 200, text, strlen(text), 0);
		break;
	}
	case DB_REPLY_NOT_FOUND: /* audited as denied */
		log_warn(req->id, "denied: official %d, template out of scope", req->official->id);
		http_reply_code(req, HTTP_ERR_NOT_FOUND, NULL);
		break;
	default: /* logged by db_reply_parse */
		http_reply_db_error(req, DB_FAILED);
		break;
	}
	db_reply_free(&reply);
}

static void delete_next(struct http_req *req)
{
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	int64_t id = template_id(req);
	if (!id)
		return;
	char oid[AUTH_ID_MAX], tid[24];
	auth_official_id(req, oid);
	snprintf(tid, sizeof(tid), "%" PRId64, id);
	const char *params[] = {oid, req->official->roles_name, tid};
	db_query(http_db(req), STMT_TEMPLATE_DELETE, params, delete_cb, req);
}

void templates_delete(struct http_req *req)
{
	auth_require(req, TEMPLATE_ROLES, delete_next);
}
