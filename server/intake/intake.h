/* intake.h - a submission: reading it from JSON or an HTML form body, checking every field
 * (all problems reported together), normalising text (NFC, LF newlines), and the canonical
 * bytes whose BLAKE2b-256 a receipt carries (docs/receipts.md). Pure: no I/O. */
#ifndef PAKN_INTAKE_H
#define PAKN_INTAKE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/text.h"

#define BODY_MAX_CHARS 5000
#define NAME_MAX_CHARS 200
#define EMAIL_MAX_BYTES 254
#define IDEMPOTENCY_KEY_MAX 128
/* Assisted intake: how far back the day an agency received feedback may lie. */
#define RECEIVED_ON_MAX_AGE_DAYS 30
#define ENTERED_ROLE_MAX 48

struct submission {
	char item_code[65];
	int rating;                /* 1..5 */
	char kind[16];             /* opinion | proposal | report | question */
	char *body;                /* NFC, newlines as \n */
	char submitter_type[16];   /* individual | organization | business, or "" */
	char *name;                /* personal data: NULL when absent */
	char *organization;
	char *email;
	char *phone;               /* normalised: +84 and the national digits */
	bool consent_publish;
	bool consent_contact;
	char idempotency_key[IDEMPOTENCY_KEY_MAX + 1]; /* "" when absent */
	/* Assisted intake (an official enters feedback received another way); all empty for
	 * the citizen's own, which is stored as channel "web". Not part of the canonical
	 * bytes: the receipt is the same as for the web form. */
	char channel[8];       /* phone | letter | desk | email | other, or "" */
	char received_on[11];  /* YYYY-MM-DD: the day it reached the agency; "" with channel "" */
	int entered_by;        /* the official who entered it; 0 with channel "" */
	char entered_role[ENTERED_ROLE_MAX]; /* that official's roles, for the audit event */
};

enum intake_result {
	INTAKE_OK,
	INTAKE_MALFORMED, /* not JSON / not an object: 400 */
	INTAKE_INVALID,   /* fields has one entry per problem: 422 */
	INTAKE_NO_MEMORY, /* no buffer for a body this size now: 503, the process goes on */
};

/* Reads a JSON body. fields (a JSON array) receives {"field","code","message"} entries.
 * On INTAKE_INVALID, s->item_code still holds the item code when the body named a well
 * formed one ("" otherwise; its other fields are empty), so a reply can say whether that
 * item exists without reading the body again. */
enum intake_result intake_from_json(const char *body, size_t len, struct submission *s,
				    json_object *fields);

/* Reads the JSON body of POST /api/v1/moderation/intake: what intake_from_json reads, the
 * same checks, plus "channel" (required: phone, letter, desk, email or other) and
 * "received_on" (optional YYYY-MM-DD, from RECEIVED_ON_MAX_AGE_DAYS before today to today;
 * absent: today). today is the Vietnam day as days since 1970-01-01 (date_vietnam_day),
 * given by the caller so this stays pure. entered_by and entered_role are the caller's to
 * fill. */
enum intake_result intake_from_json_assisted(const char *body, size_t len, int64_t today,
					     struct submission *s, json_object *fields);

/* Reads an application/x-www-form-urlencoded body (the citizen page without JavaScript):
 * item_code, rating, kind, body, submitter_type, submitter_name, submitter_organization,
 * contact_email, contact_phone, consent_publish, consent_contact, idempotency_key. What is
 * left in s is as for intake_from_json. */
enum intake_result intake_from_form(const char *body, size_t len, struct submission *s,
				    json_object *fields);

/* Frees the strings of s (not s itself). */
void submission_free(struct submission *s);

/* True when any personal field is present. */
bool submission_has_personal_data(const struct submission *s);

/* The personal fields as a JSON object (caller puts), for encryption. */
json_object *submission_personal_json(const struct submission *s);

/* The canonical bytes (docs/receipts.md) into a new buffer (caller frees), length in *len. */
char *submission_canonical(const struct submission *s, size_t *len);

/* Hex BLAKE2b-256 of the canonical bytes. */
void submission_hash(const struct submission *s, char hex[65]);

/* The most bytes a text of at most chars characters can have before it is normalised (a
 * code point is at most 4 bytes, and NFC makes at most TEXT_NFC_MAX_SHRINK of them one):
 * intake_clean_text refuses a longer one as too_long before any other work. */
#define INTAKE_TEXT_MAX_BYTES(chars) ((size_t)(chars) * TEXT_NFC_MAX_SHRINK * 4)

/* Checks and normalises free text as the body is: valid UTF-8, line breaks made \n (or
 * refused unless multiline), no other control characters and no U+FFFD, at most
 * TEXT_MAX_NONSTARTERS combining marks in a row, NFC, trimmed, at most max characters, not
 * only white space and invisible characters. The lengths are checked before normalising,
 * so the work is bounded by max. Returns a new string, or NULL: after adding a problem for
 * field to fields, or silently when the text is empty and not required. */
char *intake_clean_text(json_object *fields, const char *field, const char *v, size_t max,
			bool multiline, bool required);

/* Normalises a Vietnamese phone number ("0912 345 678", "+84 912 345 678", "(024) 3825
 * 1234") to "+84" and 9 or 10 national digits. Returns false if it is not one. */
bool intake_phone_normalise(const char *in, char out[16]);

/* A plausible e-mail address: one @, a non-empty local part, a dotted domain, no spaces or
 * control characters, at most EMAIL_MAX_BYTES. */
bool intake_email_is_valid(const char *s);

#endif
