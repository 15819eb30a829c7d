/* http_errors.h - the one table of API errors: each error a handler can reply with, its
 * HTTP status, its stable code and its message (Vietnamese first, " / ", then English).
 * Handlers name an error (http_reply_code in http.h); the words live in http_errors.c, so a
 * message is written once however many places send it. Several errors share a code (the
 * contract's "not_found", "invalid_json", "busy", ...) with a message that says more. */
#ifndef PAKN_HTTP_ERRORS_H
#define PAKN_HTTP_ERRORS_H

#include <json-c/json.h>

enum http_error {
	/* Refused by the framing filter (http_limits.c) or by http.c itself. */
	HTTP_ERR_BAD_REQUEST,
	HTTP_ERR_LENGTH_REQUIRED,
	HTTP_ERR_BODY_TOO_LARGE,
	HTTP_ERR_EXPECTATION_FAILED,
	HTTP_ERR_METHOD_NOT_IMPLEMENTED,
	HTTP_ERR_HEADERS_TOO_LARGE,
	HTTP_ERR_REQUEST_TIMEOUT,
	HTTP_ERR_BUSY,
	HTTP_ERR_NO_SUCH_PATH,
	HTTP_ERR_METHOD_NOT_ALLOWED,
	HTTP_ERR_INVALID_QUERY,
	HTTP_ERR_INVALID_PARAMETER,
	HTTP_ERR_SHUTTING_DOWN,
	/* A statement's outcome (http_db.c). */
	HTTP_ERR_NOT_FOUND,
	HTTP_ERR_DATABASE_UNAVAILABLE,
	HTTP_ERR_INTERNAL,
	/* Bodies. */
	HTTP_ERR_INVALID_JSON,
	HTTP_ERR_NOT_JSON_OBJECT,
	HTTP_ERR_INVALID_FORM,
	HTTP_ERR_JSON_ONLY,
	HTTP_ERR_JSON_OR_FORM_ONLY,
	HTTP_ERR_REQUEST_INVALID,
	/* Officials: sign-in, sessions, roles. */
	HTTP_ERR_AUTHENTICATION_REQUIRED,
	HTTP_ERR_SESSION_INVALID,
	HTTP_ERR_CSRF_FAILED,
	HTTP_ERR_FORBIDDEN,
	HTTP_ERR_LOGIN_BUSY,
	HTTP_ERR_LOGIN_JSON,
	HTTP_ERR_LOGIN_UTF8,
	HTTP_ERR_INVALID_CREDENTIALS,
	HTTP_ERR_TOO_MANY_ATTEMPTS,
	/* Officials: the second factor. */
	HTTP_ERR_SECOND_FACTOR_REQUIRED,
	HTTP_ERR_INVALID_CODE,
	HTTP_ERR_CODE_JSON,
	HTTP_ERR_ALREADY_ENROLLED,
	HTTP_ERR_NOT_ENROLLED,
	/* Moderation. */
	HTTP_ERR_INVALID_TRANSITION,
	HTTP_ERR_NO_CONSENT,
	HTTP_ERR_NO_PUBLISH_CONSENT,
	HTTP_ERR_HAS_DUPLICATES,
	HTTP_ERR_BULK_INVALID,
	/* Intake and ratings. */
	HTTP_ERR_SUBMISSION_INVALID,
	HTTP_ERR_ITEM_UNANSWERABLE,
	HTTP_ERR_IDEMPOTENCY_KEY_REUSED,
	HTTP_ERR_RATE_LIMITED,
	HTTP_ERR_NO_SUCH_TRACKING_CODE,
	HTTP_ERR_RATING_JSON,
	HTTP_ERR_NO_ANSWER,
	HTTP_ERR_ALREADY_RATED,
	HTTP_ERR_WRONG_SECRET,
	/* The transparency log. */
	HTTP_ERR_NO_CHECKPOINT,
	/* The metrics. */
	HTTP_ERR_NO_SUCH_PLAN,
	/* Connection caps (conn_guard.c writes these itself, before libevent). */
	HTTP_ERR_TOO_MANY_CONNECTIONS,
	HTTP_ERR_TOO_MANY_FROM_ADDRESS,
	HTTP_ERR_COUNT
};

/* The HTTP status of err. */
int http_error_status(enum http_error err);
/* The contract's code of err ("not_found"): a static string. */
const char *http_error_code(enum http_error err);
/* The bilingual message of err: a static string. */
const char *http_error_message(enum http_error err);

/* A new {"error": {"code", "message", "fields"?, "request_id"}} document, the body of every
 * error reply; the caller puts it. Takes fields (may be NULL). */
json_object *http_error_doc(const char *code, const char *message, json_object *fields,
			    const char *request_id);

/* The reason phrase of an HTTP status ("Not Found"), for every status the server sends. */
const char *http_status_reason(int status);

#endif
