/* fuzz_intake.c - a submission's body (server/intake/intake.c), read as JSON (the API), as an
 * HTML form (the page without JavaScript), as POST /api/v1/feedback does, and as an
 * official's entry (POST /api/v1/moderation/intake: a channel and a day in range). What is
 * accepted is within bounds and already clean: cleaning the body again changes nothing
 * (NFC, line breaks and trimming are idempotent), so the hash a receipt carries is the
 * hash of what is stored. What is refused says why, in valid JSON, and keeps no more than
 * a well-formed item code (which the reply asks the database about). */
#include <string.h>

#include "core/util.h"

#include "core/text.h"
#include "intake/intake.h"
#include "fuzz.h"

static void check_accepted(const struct submission *s)
{
	FUZZ_CHECK(s->rating >= 1 && s->rating <= 5);
	FUZZ_CHECK(s->item_code[0] && s->kind[0] && s->body);
	size_t len = strlen(s->body);
	FUZZ_CHECK(utf8_is_valid((const uint8_t *)s->body, len));
	FUZZ_CHECK(utf8_length((const uint8_t *)s->body, len) <= BODY_MAX_CHARS);
	FUZZ_CHECK(!strchr(s->body, '\r'));
	json_object *fields = json_object_new_array();
	char *again = intake_clean_text(fields, "body", s->body, BODY_MAX_CHARS, true, true);
	FUZZ_CHECK(again && strcmp(again, s->body) == 0);
	FUZZ_CHECK(json_object_array_length(fields) == 0);
	free(again);
	json_object_put(fields);
	if (s->phone) {
		char phone[16];
		FUZZ_CHECK(intake_phone_normalise(s->phone, phone) && strcmp(phone, s->phone) == 0);
	}
	if (s->email)
		FUZZ_CHECK(intake_email_is_valid(s->email));
	char hex[65];
	submission_hash(s, hex);
	json_object_put(submission_personal_json(s));
}

enum reading { READ_JSON, READ_FORM, READ_ASSISTED };

/* 2026-12-07, days since 1970-01-01: a fixed "today" for the official's entry. */
#define FUZZ_TODAY 20794

static void read_body(const char *body, size_t len, enum reading how)
{
	struct submission s;
	json_object *fields = json_object_new_array();
	enum intake_result r =
		how == READ_JSON ? intake_from_json(body, len, &s, fields)
		: how == READ_FORM ? intake_from_form(body, len, &s, fields)
				   : intake_from_json_assisted(body, len, FUZZ_TODAY, &s, fields);
	if (r == INTAKE_OK) {
		FUZZ_CHECK(json_object_array_length(fields) == 0);
		check_accepted(&s);
		/* Only an official's entry has a channel, and then a day within the bounds. */
		FUZZ_CHECK((how == READ_ASSISTED) == (s.channel[0] != '\0'));
		if (how == READ_ASSISTED) {
			int64_t day;
			FUZZ_CHECK(date_parse(s.received_on, &day));
			FUZZ_CHECK(day <= FUZZ_TODAY && day >= FUZZ_TODAY - RECEIVED_ON_MAX_AGE_DAYS);
		}
	} else {
		FUZZ_CHECK(r != INTAKE_INVALID || json_object_array_length(fields) > 0);
		FUZZ_CHECK(!s.body && !s.name && !s.organization && !s.email && !s.phone);
		/* What the reply asks the database about (does this item exist?). */
		FUZZ_CHECK(r == INTAKE_INVALID ? !s.item_code[0] || text_is_item_code(s.item_code)
					       : !s.item_code[0]);
	}
	const char *text = json_object_to_json_string_ext(fields, JSON_C_TO_STRING_PLAIN);
	FUZZ_CHECK(utf8_is_valid((const uint8_t *)text, strlen(text)));
	submission_free(&s);
	json_object_put(fields);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any read past the body. */
	char *body = malloc(size ? size : 1);
	FUZZ_CHECK(body);
	memcpy(body, data, size);
	read_body(body, size, READ_JSON);
	read_body(body, size, READ_FORM);
	read_body(body, size, READ_ASSISTED);
	free(body);
	return 0;
}
