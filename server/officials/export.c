/* export.c - owns GET /api/v1/moderation/export (see export.h): the parameters, one
 * statement (pakn_export, which also writes the audit event in its transaction), and the
 * rows rendered with table.c's cells, the decrypted contact columns after them. */
#include "officials/export.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/config.h"
#include "core/log.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "crypto/personal.h"
#include "db/db.h"
#include "http/http_db.h"
#include "http/http_params.h"
#include "http/table.h"
#include "officials/auth.h"
#include "officials/moderation.h"

/* The contact columns, after the submission's personal data (intake.c), each as
 * "contact_<key>". */
static const char *const contact_keys[] = {"name", "organization", "email", "phone"};
#define NCONTACT (sizeof(contact_keys) / sizeof(contact_keys[0]))

enum { P_FORMAT, P_CONTACT, P_FILTERS }; /* then the queue's filters, in their order */

static const struct param_spec specs[] = {
	[P_FORMAT] = {"format", PARAM_CHOICE, "csv|json", 0, 0, "csv", false},
	[P_CONTACT] = {"include_contact", PARAM_CHOICE, "0|1", 0, 0, "0", false},
	MODERATION_FILTER_SPECS,
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))
_Static_assert(NSPECS - P_FILTERS == 7, "pakn_export takes the queue's seven filters");

/* What the reply needs besides the rows. */
struct export_req {
	struct http_req *req;
	bool csv;
	bool contact; /* the contact columns were asked for (and may be read) */
	long cap;     /* export_max_rows when the statement was sent */
};

/* Row r's contact details, decrypted into *out (caller puts; NULL when the row has none
 * to give: none given, no consent, or not asked). False when they do not open. */
static bool row_contact(const struct http_req *req, const PGresult *res, int r, int id_col,
			int enc_col, json_object **out)
{
	*out = NULL;
	if (PQgetisnull(res, r, enc_col))
		return true;
	int64_t id = strtoll(PQgetvalue(res, r, id_col), NULL, 10);
	char *plain = personal_decrypt(req->ctx->keys, id, PQgetvalue(res, r, enc_col));
	if (plain) {
		*out = json_parse_strict(plain, strlen(plain));
		sodium_memzero(plain, strlen(plain));
		free(plain);
	}
	return *out && json_object_is_type(*out, json_type_object);
}

static const char *contact_value(json_object *contact, const char *key)
{
	json_object *v;
	if (!contact || !json_object_object_get_ex(contact, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Appends row r (row -1: the header) in the reply's format; the contact columns when asked. */
static void append_row(const struct export_req *e, const PGresult *res, int r, int ncols,
		       json_object *contact, bool first, struct sbuf *out)
{
	if (e->csv) {
		table_csv_cells(res, r, ncols, out);
		for (size_t i = 0; e->contact && i < NCONTACT; i++) {
			sbuf_append(out, ",", 1);
			if (r < 0) {
				sbuf_printf(out, "contact_%s", contact_keys[i]);
				continue;
			}
			const char *v = contact_value(contact, contact_keys[i]);
			if (v)
				table_csv_cell(out, v, true);
		}
		sbuf_puts(out, "\r\n");
		return;
	}
	json_object *o = table_row_json(res, r, ncols);
	for (size_t i = 0; e->contact && i < NCONTACT; i++) {
		char key[32];
		snprintf(key, sizeof(key), "contact_%s", contact_keys[i]);
		const char *v = contact_value(contact, contact_keys[i]);
		json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
	}
	size_t len;
	const char *text = json_object_to_json_string_length(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (!first)
		sbuf_append(out, ",", 1);
	sbuf_append(out, text, len);
	json_object_put(o);
}

/* Room for the rendered rows, so the buffer is not doubled past the file's size: every
 * cell's bytes, plus separators, quotes (CSV) or keys (JSON) and the contact columns. */
static size_t estimate(const struct export_req *e, const PGresult *res, int nrows, int ncols)
{
	size_t n = 64;
	for (int r = 0; r < nrows; r++)
		for (int c = 0; c < ncols; c++)
			n += (size_t)PQgetlength(res, r, c) + (e->csv ? 3 : 24);
	return n + (size_t)nrows * (e->contact ? 256 : 8);
}

/* Renders rows [0, nrows) into out; false if a row's contact details do not open. */
static bool render(const struct export_req *e, const PGresult *res, int nrows, int id_col,
		   int enc_col, struct sbuf *out)
{
	sbuf_reserve(out, estimate(e, res, nrows, enc_col));
	if (e->csv) {
		sbuf_puts(out, TABLE_CSV_BOM);
		append_row(e, res, -1, enc_col, NULL, true, out);
	} else {
		sbuf_puts(out, "[");
	}
	for (int r = 0; r < nrows; r++) {
		json_object *contact = NULL;
		if (!row_contact(e->req, res, r, id_col, enc_col, &contact)) {
			json_object_put(contact);
			log_error(e->req->id, "export: contact details of row %d do not open", r);
			return false;
		}
		append_row(e, res, r, enc_col, contact, r == 0, out);
		json_object_put(contact);
	}
	if (!e->csv)
		sbuf_puts(out, "]");
	return true;
}

static void add_header(struct http_req *req, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(req->ev), name, value);
}

static void export_cb(void *arg, PGresult *res, enum db_status status)
{
	struct export_req *e = arg;
	struct http_req *req = e->req;
	if (status != DB_OK) {
		http_reply_db_error(req, status);
		goto out;
	}
	/* personal_enc is the last column and never sent; the columns before it are. */
	int id_col = PQfnumber(res, "id"), enc_col = PQfnumber(res, "personal_enc");
	if (id_col < 0 || enc_col != PQnfields(res) - 1) {
		log_error(req->id, "export: pakn_export's columns are not as expected");
		http_reply_db_error(req, DB_FAILED);
		goto out;
	}
	bool truncated = PQntuples(res) > e->cap;
	int nrows = truncated ? (int)e->cap : PQntuples(res);
	struct sbuf b = {0};
	if (!render(e, res, nrows, id_col, enc_col, &b)) {
		sbuf_free(&b);
		http_reply_db_error(req, DB_FAILED);
		goto out;
	}
	char rows[24], disposition[96], day[16];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"pakn-feedback-%s.%s\"",
		 day, e->csv ? "csv" : "json");
	snprintf(rows, sizeof(rows), "%d", nrows);
	add_header(req, "Content-Disposition", disposition);
	add_header(req, "X-Export-Rows", rows);
	add_header(req, "X-Export-Truncated", truncated ? "true" : "false");
	log_info(req->id, "export: official %d, %d rows%s%s", req->official->id, nrows,
		 truncated ? " (cut at export_max_rows)" : "", e->contact ? ", with contact" : "");
	http_reply(req, 200, e->csv ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
		   b.data, b.len, 0);
	sbuf_free(&b);
out:
	free(e);
}

static void export_next(struct http_req *req)
{
	const char *v[NSPECS];
	if (!http_query_check(req, specs, NSPECS, v))
		return;
	char oid[AUTH_ID_MAX];
	auth_official_id(req, oid);
	bool contact = strcmp(v[P_CONTACT], "1") == 0;
	if (contact && !moderation_may_read_contact(req->official)) {
		log_warn(req->id, "denied: %s may not export contact details", req->official->roles_name);
		const char *params[] = {oid, req->official->roles_name, NULL, "denied", "export_contact",
					NULL};
		db_query(http_db(req), STMT_AUDIT, params, NULL, NULL);
		http_reply_code(req, HTTP_ERR_FORBIDDEN, NULL);
		return;
	}
	/* The audit event's note: the format and every filter given, as name=value. */
	struct sbuf note = {0};
	sbuf_printf(&note, "format=%s", v[P_FORMAT]);
	for (size_t i = P_FILTERS; i < NSPECS; i++)
		if (v[i])
			sbuf_printf(&note, " %s=%s", specs[i].name, v[i]);
	struct export_req *e = xcalloc(1, sizeof(*e));
	e->req = req;
	e->csv = strcmp(v[P_FORMAT], "csv") == 0;
	e->contact = contact;
	e->cap = req->ctx->cfg->export_max_rows;
	char cap[24];
	snprintf(cap, sizeof(cap), "%ld", e->cap);
	const char *const *f = v + P_FILTERS; /* status agency item kind rating from to */
	const char *params[12] = {oid, req->official->roles_name, f[0], f[1], f[2], f[3], f[4],
				  f[5], f[6], cap, contact ? "true" : "false", note.data};
	db_query(http_db(req), STMT_EXPORT, params, export_cb, e);
	sbuf_free(&note);
}

void export_feedback(struct http_req *req)
{
	auth_require(req, ROLE_MODERATOR | ROLE_RESPONDER, export_next);
}
