/* tlog_api.c - owns the log's read endpoints: parameter checks, then one statement whose
 * JSON (or, for the checkpoint, signed note) is the reply. */
#include "tlog/tlog_api.h"

#include <stdio.h>
#include <stdlib.h>

#include "db/db.h"
#include "http/http_db.h"
#include "http/http_params.h"

#define INDEX_MAX 999999999999L /* the most PARAM_INT reads: twelve digits */
#define PAGE 1000

static void checkpoint_cb(void *arg, PGresult *res, enum db_status status)
{
	struct http_req *req = arg;
	if (status != DB_OK)
		http_reply_db_error(req, status);
	else if (PQntuples(res) == 0)
		http_reply_code(req, HTTP_ERR_NO_CHECKPOINT, NULL);
	else
		http_reply(req, 200, "text/plain; charset=utf-8", PQgetvalue(res, 0, 0),
			   (size_t)PQgetlength(res, 0, 0), 0);
}

void tlog_api_checkpoint(struct http_req *req)
{
	if (http_query_check(req, NULL, 0, NULL))
		db_query(http_db(req), STMT_TLOG_CHECKPOINT, NULL, checkpoint_cb, req);
}

/* a < b (or a <= b when equal_ok) must hold: otherwise 400 naming b. */
static bool ordered(struct http_req *req, const char *a, const char *b, const char *b_name,
		    bool equal_ok)
{
	long x = atol(a), y = atol(b);
	if (x < y || (equal_ok && x == y))
		return true;
	json_object *fields = json_object_new_array();
	http_field_error(fields, b_name, "out_of_range",
			 equal_ok ? "Phải lớn hơn hoặc bằng giá trị trước. / Must not be below the "
				    "first value."
				  : "Phải lớn hơn giá trị trước. / Must be above the first value.");
	http_reply_code(req, HTTP_ERR_INVALID_PARAMETER, fields);
	return false;
}

/* A proof between two numbers a < b (a <= b for consistency). */
static void proof(struct http_req *req, const struct param_spec specs[2], enum db_stmt stmt,
		  bool equal_ok)
{
	const char *v[2];
	if (http_query_check(req, specs, 2, v) && ordered(req, v[0], v[1], specs[1].name, equal_ok))
		db_query(http_db(req), stmt, v, http_db_json_cb, req);
}

void tlog_api_inclusion(struct http_req *req)
{
	static const struct param_spec specs[] = {
		{"index", PARAM_INT, NULL, 0, INDEX_MAX, NULL, true},
		{"size", PARAM_INT, NULL, 1, INDEX_MAX, NULL, true},
	};
	proof(req, specs, STMT_TLOG_INCLUSION, false);
}

void tlog_api_consistency(struct http_req *req)
{
	static const struct param_spec specs[] = {
		{"from", PARAM_INT, NULL, 1, INDEX_MAX, NULL, true},
		{"to", PARAM_INT, NULL, 1, INDEX_MAX, NULL, true},
	};
	proof(req, specs, STMT_TLOG_CONSISTENCY, true);
}

void tlog_api_entries(struct http_req *req)
{
	static const struct param_spec specs[] = {
		{"start", PARAM_INT, NULL, 0, INDEX_MAX, "0", false},
		{"end", PARAM_INT, NULL, 1, INDEX_MAX, NULL, false},
	};
	const char *v[2];
	if (!http_query_check(req, specs, 2, v))
		return;
	char end[24];
	if (!v[1]) {
		snprintf(end, sizeof(end), "%ld", atol(v[0]) + PAGE);
		v[1] = end;
	}
	if (ordered(req, v[0], v[1], "end", false))
		db_query(http_db(req), STMT_TLOG_ENTRIES, v, http_db_json_fresh_cb, req);
}
