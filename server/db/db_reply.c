/* db_reply.c - owns the reading of SQL functions' JSON replies (see db_reply.h). */
#include "db/db_reply.h"

#include <string.h>

#include "core/log.h"
#include "core/util.h"

/* Indexed by enum db_reply_status: the names the functions of sql/functions/ write. */
static const char *const status_names[] = {
	[DB_REPLY_MALFORMED] = "malformed",
	[DB_REPLY_OK] = "ok",
	[DB_REPLY_NOT_FOUND] = "not_found",
	[DB_REPLY_CONFLICT] = "conflict",
	[DB_REPLY_UNKNOWN_AGENCY] = "unknown_agency",
	[DB_REPLY_UNKNOWN_OFFICIAL] = "unknown_official",
	[DB_REPLY_NO_CONSENT] = "no_consent",
	[DB_REPLY_NO_PUBLISH_CONSENT] = "no_publish_consent",
	[DB_REPLY_NO_ANSWER] = "no_answer",
	[DB_REPLY_ALREADY_RATED] = "already_rated",
	[DB_REPLY_CREATED] = "created",
	[DB_REPLY_EXISTING] = "existing",
	[DB_REPLY_UNKNOWN_ITEM] = "unknown_item",
	[DB_REPLY_ITEM_UNANSWERABLE] = "item_unanswerable",
	[DB_REPLY_HAS_DUPLICATES] = "has_duplicates",
	[DB_REPLY_SIGN] = "sign",
	[DB_REPLY_UNKNOWN_TEMPLATE] = "unknown_template",
	[DB_REPLY_TOO_MANY] = "too_many",
};

#define N_STATUSES (sizeof(status_names) / sizeof(status_names[0]))

const char *db_reply_status_name(enum db_reply_status status)
{
	return (size_t)status < N_STATUSES ? status_names[status] : "malformed";
}

enum db_reply_status db_reply_status_of(const json_object *obj)
{
	json_object *v;
	if (!obj || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, "status", &v) || !json_object_is_type(v, json_type_string))
		return DB_REPLY_MALFORMED;
	const char *name = json_object_get_string(v);
	/* "malformed" is ours, never a reply's: the search starts after it. */
	for (size_t i = DB_REPLY_MALFORMED + 1; i < N_STATUSES; i++)
		if (strcmp(name, status_names[i]) == 0)
			return (enum db_reply_status)i;
	return DB_REPLY_MALFORMED;
}

/* The one json cell of res, or NULL with *why set. */
static json_object *cell_object(const PGresult *res, const char **why)
{
	if (!res || PQntuples(res) != 1 || PQnfields(res) != 1) {
		*why = "not one row of one column";
		return NULL;
	}
	if (PQgetisnull(res, 0, 0)) {
		*why = "NULL";
		return NULL;
	}
	json_object *doc = json_parse_strict(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	if (!doc || !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		*why = "not a JSON object";
		return NULL;
	}
	return doc;
}

json_object *db_reply_object(const PGresult *res, const char *function, const char *req_id)
{
	const char *why = NULL;
	json_object *doc = cell_object(res, &why);
	if (!doc)
		log_error(req_id, "db: the reply of %s is %s", function, why);
	return doc;
}

enum db_reply_status db_reply_parse(const PGresult *res, const char *function,
				    const char *req_id, struct db_reply *out)
{
	memset(out, 0, sizeof(*out));
	out->text = "";
	out->status = DB_REPLY_MALFORMED;
	out->doc = db_reply_object(res, function, req_id);
	if (!out->doc)
		return out->status;
	out->text = PQgetvalue(res, 0, 0);
	out->len = (size_t)PQgetlength(res, 0, 0);
	out->status = db_reply_status_of(out->doc);
	if (out->status == DB_REPLY_MALFORMED)
		log_error(req_id, "db: the reply of %s has no status this server knows", function);
	return out->status;
}

void db_reply_free(struct db_reply *out)
{
	if (!out)
		return;
	json_object_put(out->doc);
	memset(out, 0, sizeof(*out));
	out->text = "";
}
