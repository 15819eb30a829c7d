/* db_reply.h - reads the JSON reply of a SQL function (sql/functions/) into C: the one
 * place that knows a reply is a single json cell, that it is an object, and which "status"
 * names exist. Callers switch on an enum instead of looking for words in the text, and a
 * reply that breaks the contract becomes DB_REPLY_MALFORMED, logged once, here. */
#ifndef PAKN_DB_REPLY_H
#define PAKN_DB_REPLY_H

#include <json-c/json.h>
#include <libpq-fe.h>
#include <stddef.h>

/* The "status" member of a reply; the SQL function's comment says which ones it returns. */
enum db_reply_status {
	DB_REPLY_MALFORMED,      /* not what the contract says (no object, no or an unknown status) */
	DB_REPLY_OK,             /* "ok": done; the other members say what was done */
	DB_REPLY_NOT_FOUND,      /* "not_found": no such row, or not in the caller's scope */
	DB_REPLY_CONFLICT,       /* "conflict": the row's state or content does not allow it */
	DB_REPLY_UNKNOWN_AGENCY, /* "unknown_agency": pakn_moderate's target agency */
	DB_REPLY_UNKNOWN_OFFICIAL, /* "unknown_official": pakn_moderate's assignee, none in scope */
	DB_REPLY_NO_CONSENT,     /* "no_consent": pakn_contact without the submitter's consent */
	DB_REPLY_NO_PUBLISH_CONSENT, /* "no_publish_consent": pakn_moderate's publish without it */
	DB_REPLY_NO_ANSWER,      /* "no_answer": pakn_rate_answer before any answer */
	DB_REPLY_ALREADY_RATED,  /* "already_rated": pakn_rate_answer a second time */
	DB_REPLY_CREATED,        /* "created": a row of pakn_intake_batch stored now */
	DB_REPLY_EXISTING,       /* "existing": a row of pakn_intake_batch stored before */
	DB_REPLY_UNKNOWN_ITEM,   /* "unknown_item": a row of pakn_intake_batch for no plan item */
	DB_REPLY_ITEM_UNANSWERABLE, /* "item_unanswerable": a row of pakn_intake_batch for an
				     * item no agency answers */
	DB_REPLY_HAS_DUPLICATES, /* "has_duplicates": pakn_moderate's link of an original */
	DB_REPLY_SIGN,           /* "sign": pakn_moderate needs the signatures of "answers" */
	DB_REPLY_UNKNOWN_TEMPLATE, /* "unknown_template": pakn_template_fill, no template of
				    * the official's agencies */
	DB_REPLY_TOO_MANY,       /* "too_many": pakn_template_save, the agency's templates full */
};

struct db_reply {
	enum db_reply_status status;
	json_object *doc; /* the reply, owned (db_reply_free puts it); NULL when malformed */
	const char *text; /* the reply as the database wrote it, lent by the PGresult ("" if none) */
	size_t len;
};

/* Parses the single json cell of res (one row, one column, not NULL) as a JSON object, strictly.
 * Returns a new object (caller puts), or NULL after logging an error that names function
 * (e.g. "pakn_tlog_advance") under req_id (NULL: none). res may be NULL (also an error).
 * For replies without a status. */
json_object *db_reply_object(const PGresult *res, const char *function, const char *req_id);

/* Parses res as db_reply_object does and reads its "status" into out->status; out->doc and
 * out->text are set whenever the cell is an object, even with an unknown status. Returns
 * out->status; DB_REPLY_MALFORMED has been logged. Release with db_reply_free. */
enum db_reply_status db_reply_parse(const PGresult *res, const char *function,
				    const char *req_id, struct db_reply *out);

/* The "status" member of obj (a reply, or one row of pakn_intake_batch's "rows"), or
 * DB_REPLY_MALFORMED when obj is NULL, not an object, or its status is missing or unknown.
 * Logs nothing. */
enum db_reply_status db_reply_status_of(const json_object *obj);

/* The status name as the SQL writes it ("malformed" for DB_REPLY_MALFORMED). */
const char *db_reply_status_name(enum db_reply_status status);

/* Puts out->doc and clears out. NULL is fine. */
void db_reply_free(struct db_reply *out);

#endif
