/* field_errors.h - the "fields" array of an error reply: one {field, code, message} per
 * problem, bounded in count and in the bytes echoed from the client, so that a request with
 * thousands of bad keys gets a short answer. Shared by the intake checks (JSON and form
 * bodies) and the query-string checks. */
#ifndef PAKN_FIELD_ERRORS_H
#define PAKN_FIELD_ERRORS_H

#include <json-c/json.h>

/* Problems listed one by one; the rest are counted in one last entry. */
#define FIELD_ERRORS_MAX 20
/* A field name (which can come from the client) is echoed cut to this many bytes. */
#define FIELD_NAME_MAX_BYTES 64
/* The field and code of the last entry that counts the problems not listed. */
#define FIELD_ERRORS_MORE_FIELD "(more)"
#define FIELD_ERRORS_MORE_CODE "more_problems"

/* Appends {field, code, message} to the array fields (the strings are copied). A field name
 * that is not UTF-8 is written "(not UTF-8)"; a longer one than FIELD_NAME_MAX_BYTES is cut
 * at a character boundary and ends in "…". After FIELD_ERRORS_MAX entries, further
 * problems only raise "count" of one entry {"field":"(more)","code":"more_problems",
 * "message","count"}. Aborts when memory runs out. */
void field_errors_add(json_object *fields, const char *field, const char *code,
		      const char *message);

/* field_errors_add with code "too_long" and a message that states the limit, its
 * thousands grouped as each language writes them: "Dài quá: tối đa 5.000 ký tự. / Too
 * long: at most 5,000 characters." */
#define FIELD_ERRORS_TOO_LONG "too_long"
void field_errors_add_too_long(json_object *fields, const char *field, size_t max_chars);

#endif
