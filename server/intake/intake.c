/* intake.c - owns a submission's fields: reading, checking, normalising, canonical bytes. */
#include "intake/intake.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/text.h"
#include "core/util.h"
#include "http/field_errors.h"
#include "http/http_query.h"
#include "core/xalloc.h"

/* Field values as read, before checking. A JSON value of the wrong type was reported
 * already and is absent here. */
struct raw {
	const char *item_code, *kind, *body, *submitter_type, *name, *organization, *email,
		*phone, *idempotency_key;
	unsigned reported;       /* REPORTED_* of fields whose problem was reported on reading */
	const char *rating_text; /* form */
	int64_t rating;          /* JSON */
	bool rating_set;
	bool rating_reported;    /* a JSON rating of the wrong type, already reported */
	bool consent_publish, consent_contact;
	/* Assisted intake only (intake_from_json_assisted): */
	bool assisted;
	int64_t today;
	const char *channel, *received_on;
};

/* Fields already reported while reading, so check() does not call them missing too. */
enum {
	REPORTED_ITEM = 1 << 0,
	REPORTED_KIND = 1 << 1,
	REPORTED_BODY = 1 << 2,
	REPORTED_CHANNEL = 1 << 3,
};

static const struct {
	const char *code, *message;
} messages[] = {
	{"required", "Bắt buộc phải có. / Required."},
	{"invalid_type", "Sai kiểu dữ liệu. / Wrong type."},
	{"out_of_range", "Phải là số nguyên từ 1 đến 5. / Must be a whole number from 1 to 5."},
	{"invalid_choice", "Giá trị không nằm trong danh sách cho phép. / Not one of the allowed values."},
	{"empty", "Không được để trống. / Must not be empty."},
	{"invalid_utf8", "Không phải văn bản UTF-8 hợp lệ. / Not valid UTF-8 text."},
	{"control_characters", "Có ký tự điều khiển không cho phép. / Contains control characters."},
	{"too_many_combining_marks",
	 "Quá 30 dấu kết hợp liền nhau (chuẩn Stream-Safe của Unicode). / More than 30 combining "
	 "marks in a row (Unicode's Stream-Safe Text Format)."},
	{"replacement_character",
	 "Có ký tự thay thế U+FFFD hoặc nửa cặp UTF-16 lẻ (như \\ud800): văn bản đã bị hỏng. / "
	 "Contains U+FFFD or half a UTF-16 surrogate pair (such as \\ud800): the text is broken."},
	{"invalid_email", "Địa chỉ thư điện tử không hợp lệ. / Not a valid e-mail address."},
	{"invalid_phone", "Số điện thoại Việt Nam không hợp lệ. / Not a valid Vietnamese phone number."},
	{"invalid_code", "Mã không hợp lệ. / Not a valid code."},
	{"unknown_field", "Trường không được hỗ trợ. / Unknown field."},
	{"invalid_date", "Phải là một ngày dạng YYYY-MM-DD. / Must be a date, YYYY-MM-DD."},
	{"date_out_of_range", "Phải từ 30 ngày trước đến hôm nay. / Must be from 30 days ago to "
			      "today."},
	{"no_memory", "Máy chủ tạm thời thiếu bộ nhớ; hãy gửi lại sau. / The server is short of "
		       "memory right now; send again later."},
};

static void field_error(json_object *fields, const char *field, const char *code)
{
	const char *message = code;
	for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
		if (strcmp(messages[i].code, code) == 0)
			message = messages[i].message;
	field_errors_add(fields, field, code, message);
}

static bool is_one_of(const char *v, const char *const *choices)
{
	for (; *choices; choices++)
		if (strcmp(v, *choices) == 0)
			return true;
	return false;
}

/* The national channel's kinds (pakn.nq57.vn: "phản ánh, kiến nghị, sáng kiến, giải pháp"),
 * as feedback_kind_check has them (sql/031_plan_scope.sql). */
static const char *const kinds[] = {"opinion",  "proposal",   "report",
				    "question", "initiative", "solution", NULL};
static const char *const submitter_types[] = {"individual", "organization", "business", NULL};
/* How feedback that an official enters reached the agency ("web" is the citizen's own). */
static const char *const channels[] = {"phone", "letter", "desk", "email", "other", NULL};

/* --- text ----------------------------------------------------------------------------- */

/* The checks that bound the work of normalising: lengths first (INTAKE_TEXT_MAX_BYTES),
 * then the Stream-Safe Text Format. Returns the problem's code, or NULL. */
static const char *text_problem(const char *v, size_t len, size_t max)
{
	if (len > INTAKE_TEXT_MAX_BYTES(max))
		return FIELD_ERRORS_TOO_LONG;
	if (!utf8_is_valid((const uint8_t *)v, len))
		return "invalid_utf8";
	if (utf8_length((const uint8_t *)v, len) > max * TEXT_NFC_MAX_SHRINK)
		return FIELD_ERRORS_TOO_LONG;
	if (!text_is_stream_safe(v, len))
		return "too_many_combining_marks";
	return NULL;
}

char *intake_clean_text(json_object *fields, const char *field, const char *v, size_t max,
			bool multiline, bool required)
{
	size_t len = strlen(v);
	const char *problem = text_problem(v, len, max);
	if (problem) {
		if (strcmp(problem, FIELD_ERRORS_TOO_LONG) == 0)
			field_errors_add_too_long(fields, field, max);
		else
			field_error(fields, field, problem);
		return NULL;
	}
	struct sbuf b = {0};
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode((const uint8_t *)v + i, len - i, &cp);
		if (cp == '\r' || cp == '\n') {
			if (!multiline) {
				sbuf_free(&b);
				field_error(fields, field, "control_characters");
				return NULL;
			}
			sbuf_append(&b, "\n", 1);
			i += n + (cp == '\r' && i + 1 < len && v[i + 1] == '\n');
			continue;
		}
		if ((cp < 0x20 && !(cp == '\t' && multiline)) || (cp >= 0x7F && cp <= 0x9F) ||
		    cp == 0x2028 || cp == 0x2029) {
			sbuf_free(&b);
			field_error(fields, field, "control_characters");
			return NULL;
		}
		/* What json-c makes of a lone surrogate escape (\ud800), and what any decoder
		 * leaves where text was broken: storing it would keep the damage. */
		if (cp == 0xFFFD) {
			sbuf_free(&b);
			field_error(fields, field, "replacement_character");
			return NULL;
		}
		sbuf_append(&b, v + i, n);
		i += n;
	}
	size_t nlen;
	char *nfc = text_nfc(b.data ? b.data : "", b.len, &nlen);
	sbuf_free(&b);
	if (!nfc) { /* valid UTF-8 in, so only memory can fail: refuse this text alone */
		field_error(fields, field, "no_memory");
		return NULL;
	}
	/* Trimmed of spaces, tabs, newlines and no-break spaces (U+00A0, "\xc2\xa0"). */
	char *start = nfc;
	for (;;) {
		if (*start == ' ' || *start == '\t' || *start == '\n')
			start++;
		else if ((unsigned char)start[0] == 0xC2 && (unsigned char)start[1] == 0xA0)
			start += 2;
		else
			break;
	}
	char *end = start + strlen(start);
	for (;;) {
		if (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
			*--end = '\0';
		else if (end - start >= 2 && (unsigned char)end[-2] == 0xC2 &&
			 (unsigned char)end[-1] == 0xA0)
			*(end -= 2) = '\0';
		else
			break;
	}
	/* Zero-width and other invisible characters alone are no text either. */
	if (text_is_blank(start, strlen(start))) {
		free(nfc);
		if (required)
			field_error(fields, field, "empty");
		return NULL;
	}
	if (utf8_length((const uint8_t *)start, strlen(start)) > max) {
		free(nfc);
		field_errors_add_too_long(fields, field, max);
		return NULL;
	}
	char *out = xstrdup(start);
	free(nfc);
	return out;
}

bool intake_email_is_valid(const char *s)
{
	size_t n = strlen(s);
	const char *at = strchr(s, '@');
	if (n > EMAIL_MAX_BYTES || !at || at == s || strchr(at + 1, '@') ||
	    !utf8_is_valid((const uint8_t *)s, n))
		return false;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		i += utf8_decode((const uint8_t *)s + i, n - i, &cp);
		if (cp <= ' ' || (cp >= 0x7F && cp <= 0xA0) || cp == 0x2028 || cp == 0x2029 ||
		    cp == 0xFFFD ||
		    (cp < 0x80 && strchr("<>()[]\\,;:\"", (int)cp)))
			return false;
	}
	const char *dot = strrchr(at + 1, '.');
	return at[1] != '.' && dot && dot > at + 1 && dot[1] && !strstr(at, "..");
}

bool intake_phone_normalise(const char *in, char out[16])
{
	char digits[32];
	size_t n = 0;
	const char *p = in;
	while (*p == ' ')
		p++;
	bool plus = *p == '+';
	if (plus)
		p++;
	for (; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (n + 1 >= sizeof(digits))
				return false;
			digits[n++] = *p;
		} else if (!strchr(" .-()", *p)) {
			return false;
		}
	}
	digits[n] = '\0';
	const char *national;
	if (plus && strncmp(digits, "84", 2) == 0)
		national = digits + 2;
	else if (!plus && digits[0] == '0')
		national = digits + 1;
	else
		return false;
	/* Mobile numbers have 9 national digits (3x, 5x, 7x, 8x, 9x); landlines 10 (2xx). */
	size_t len = strlen(national);
	bool mobile = len == 9 && strchr("35789", national[0]);
	bool landline = len == 10 && national[0] == '2';
	if (!mobile && !landline)
		return false;
	snprintf(out, 16, "+84%.10s", national);
	return true;
}

/* --- the common check ----------------------------------------------------------------- */

/* The fields only an official's entry has: the channel, and the day it was received. */
static void check_assisted(const struct raw *r, struct submission *s, json_object *fields)
{
	if (!r->channel) {
		if (!(r->reported & REPORTED_CHANNEL))
			field_error(fields, "channel", "required");
	} else if (!is_one_of(r->channel, channels))
		field_error(fields, "channel", "invalid_choice");
	else
		snprintf(s->channel, sizeof(s->channel), "%s", r->channel);
	int64_t day = r->today;
	if (r->received_on && !date_parse(r->received_on, &day))
		field_error(fields, "received_on", "invalid_date");
	else if (day > r->today || day < r->today - RECEIVED_ON_MAX_AGE_DAYS)
		field_error(fields, "received_on", "date_out_of_range");
	else
		date_format(day, s->received_on);
}

static enum intake_result check(const struct raw *r, struct submission *s, json_object *fields)
{
	memset(s, 0, sizeof(*s));
	if (!r->item_code) {
		if (!(r->reported & REPORTED_ITEM))
			field_error(fields, "item_code", "required");
	}
	else if (!text_is_item_code(r->item_code))
		field_error(fields, "item_code", "invalid_code");
	else
		snprintf(s->item_code, sizeof(s->item_code), "%s", r->item_code);

	if (r->rating_reported) {
		/* reported while reading */
	} else if (r->rating_text) {
		const char *t = r->rating_text;
		if (strlen(t) == 1 && t[0] >= '1' && t[0] <= '5')
			s->rating = t[0] - '0';
		else
			field_error(fields, "rating", "out_of_range");
	} else if (r->rating_set) {
		if (r->rating >= 1 && r->rating <= 5)
			s->rating = (int)r->rating;
		else
			field_error(fields, "rating", "out_of_range");
	} else {
		field_error(fields, "rating", "required");
	}

	if (!r->kind) {
		if (!(r->reported & REPORTED_KIND))
			field_error(fields, "kind", "required");
	}
	else if (!is_one_of(r->kind, kinds))
		field_error(fields, "kind", "invalid_choice");
	else
		snprintf(s->kind, sizeof(s->kind), "%s", r->kind);

	if (!r->body) {
		if (!(r->reported & REPORTED_BODY))
			field_error(fields, "body", "required");
	}
	else
		s->body = intake_clean_text(fields, "body", r->body, BODY_MAX_CHARS, true, true);

	if (r->submitter_type && *r->submitter_type) {
		if (is_one_of(r->submitter_type, submitter_types))
			snprintf(s->submitter_type, sizeof(s->submitter_type), "%s", r->submitter_type);
		else
			field_error(fields, "submitter.type", "invalid_choice");
	}
	if (r->name)
		s->name = intake_clean_text(fields, "submitter.name", r->name, NAME_MAX_CHARS, false, false);
	if (r->organization)
		s->organization = intake_clean_text(fields, "submitter.organization", r->organization,
					     NAME_MAX_CHARS, false, false);
	if (r->email && *r->email) {
		if (intake_email_is_valid(r->email))
			s->email = xstrdup(r->email);
		else
			field_error(fields, "contact.email", "invalid_email");
	}
	if (r->phone && *r->phone) {
		char phone[16];
		if (intake_phone_normalise(r->phone, phone))
			s->phone = xstrdup(phone);
		else
			field_error(fields, "contact.phone", "invalid_phone");
	}
	s->consent_publish = r->consent_publish;
	s->consent_contact = r->consent_contact;
	if (r->idempotency_key && *r->idempotency_key) {
		const char *k = r->idempotency_key;
		bool ok = strlen(k) <= IDEMPOTENCY_KEY_MAX;
		for (const char *p = k; ok && *p; p++)
			ok = *p > ' ' && *p < 0x7F;
		if (ok)
			snprintf(s->idempotency_key, sizeof(s->idempotency_key), "%s", k);
		else
			field_error(fields, "idempotency_key", "invalid_code");
	}
	if (r->assisted)
		check_assisted(r, s, fields);
	/* Problems found while reading count too. The item code stays (intake.h). */
	if (json_object_array_length(fields) > 0) {
		submission_free(s);
		return INTAKE_INVALID;
	}
	return INTAKE_OK;
}

/* --- JSON ----------------------------------------------------------------------------- */

/* Reads v as a string into *out; reports a wrong type, and a NUL (\u0000), which C
 * strings would silently cut at. JSON null counts as absent. Returns false if reported. */
static bool read_string(json_object *fields, const char *path, json_object *v, const char **out)
{
	if (json_object_is_type(v, json_type_null))
		return true;
	if (!json_object_is_type(v, json_type_string)) {
		field_error(fields, path, "invalid_type");
		return false;
	}
	const char *s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v)) {
		field_error(fields, path, "control_characters");
		return false;
	}
	*out = s;
	return true;
}

static void read_bool(json_object *fields, const char *path, json_object *v, bool *out)
{
	if (json_object_is_type(v, json_type_boolean))
		*out = json_object_get_boolean(v);
	else if (!json_object_is_type(v, json_type_null))
		field_error(fields, path, "invalid_type");
}

/* Members of a nested object ("submitter", "contact", "consent"). */
static void read_nested(json_object *fields, const char *name, json_object *v, struct raw *r)
{
	if (json_object_is_type(v, json_type_null))
		return;
	if (!json_object_is_type(v, json_type_object)) {
		field_error(fields, name, "invalid_type");
		return;
	}
	json_object_object_foreach(v, key, val) {
		char path[96];
		snprintf(path, sizeof(path), "%s.%.*s", name, (int)utf8_cut(key, strlen(key), 60),
			 key);
		if (strcmp(name, "submitter") == 0 && strcmp(key, "type") == 0)
			read_string(fields, path, val, &r->submitter_type);
		else if (strcmp(name, "submitter") == 0 && strcmp(key, "name") == 0)
			read_string(fields, path, val, &r->name);
		else if (strcmp(name, "submitter") == 0 && strcmp(key, "organization") == 0)
			read_string(fields, path, val, &r->organization);
		else if (strcmp(name, "contact") == 0 && strcmp(key, "email") == 0)
			read_string(fields, path, val, &r->email);
		else if (strcmp(name, "contact") == 0 && strcmp(key, "phone") == 0)
			read_string(fields, path, val, &r->phone);
		else if (strcmp(name, "consent") == 0 && strcmp(key, "publish") == 0)
			read_bool(fields, path, val, &r->consent_publish);
		else if (strcmp(name, "consent") == 0 && strcmp(key, "contact") == 0)
			read_bool(fields, path, val, &r->consent_contact);
		else
			field_error(fields, path, "unknown_field");
	}
}

/* Reads a JSON body into r's fields; assisted (r->assisted) takes its two fields too. */
static enum intake_result from_json(const char *body, size_t len, struct raw *r,
				    struct submission *s, json_object *fields)
{
	memset(s, 0, sizeof(*s));
	json_object *doc = json_parse_strict(body, len);
	if (!doc || !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		return INTAKE_MALFORMED;
	}
	json_object_object_foreach(doc, key, val) {
		if (strcmp(key, "item_code") == 0) {
			if (!read_string(fields, key, val, &r->item_code))
				r->reported |= REPORTED_ITEM;
		} else if (strcmp(key, "kind") == 0) {
			if (!read_string(fields, key, val, &r->kind))
				r->reported |= REPORTED_KIND;
		} else if (strcmp(key, "body") == 0) {
			if (!read_string(fields, key, val, &r->body))
				r->reported |= REPORTED_BODY;
		} else if (r->assisted && strcmp(key, "channel") == 0) {
			if (!read_string(fields, key, val, &r->channel))
				r->reported |= REPORTED_CHANNEL;
		} else if (r->assisted && strcmp(key, "received_on") == 0)
			read_string(fields, key, val, &r->received_on);
		else if (strcmp(key, "idempotency_key") == 0)
			read_string(fields, key, val, &r->idempotency_key);
		else if (strcmp(key, "rating") == 0) {
			/* 4 only: "4" and 4.0 are not whole numbers in JSON's type system here. */
			if (json_object_is_type(val, json_type_int)) {
				r->rating = json_object_get_int64(val);
				r->rating_set = true;
			} else if (!json_object_is_type(val, json_type_null)) {
				field_error(fields, key, "invalid_type");
				r->rating_reported = true;
			}
		} else if (strcmp(key, "submitter") == 0 || strcmp(key, "contact") == 0 ||
			   strcmp(key, "consent") == 0)
			read_nested(fields, key, val, r);
		else
			field_error(fields, key, "unknown_field");
	}
	/* check() also counts the problems reported while reading. */
	enum intake_result res = check(r, s, fields);
	json_object_put(doc);
	return res;
}

enum intake_result intake_from_json(const char *body, size_t len, struct submission *s,
				    json_object *fields)
{
	struct raw r = {0};
	return from_json(body, len, &r, s, fields);
}

enum intake_result intake_from_json_assisted(const char *body, size_t len, int64_t today,
					     struct submission *s, json_object *fields)
{
	struct raw r = {.assisted = true, .today = today};
	return from_json(body, len, &r, s, fields);
}

/* --- form ----------------------------------------------------------------------------- */

enum intake_result intake_from_form(const char *body, size_t len, struct submission *s,
				    json_object *fields)
{
	memset(s, 0, sizeof(*s));
	char *text = xtry_strndup(body, len);
	if (!text)
		return INTAKE_NO_MEMORY;
	if (strlen(text) != len) { /* a NUL byte in the body */
		free(text);
		return INTAKE_MALFORMED;
	}
	struct query q;
	const char *bad_key;
	enum query_error qe = query_parse(text, &q, &bad_key);
	free(text);
	if (qe == QUERY_NO_MEMORY) {
		query_free(&q);
		return INTAKE_NO_MEMORY;
	}
	if (qe == QUERY_BAD_ENCODING || qe == QUERY_TOO_MANY) {
		query_free(&q);
		return INTAKE_MALFORMED;
	}
	if (qe == QUERY_BAD_UTF8) {
		field_error(fields, bad_key ? bad_key : "(form)", "invalid_utf8");
		query_free(&q);
		return INTAKE_INVALID;
	}
	static const char *const known[] = {
		"item_code", "rating", "kind", "body", "submitter_type", "submitter_name",
		"submitter_organization", "contact_email", "contact_phone", "consent_publish",
		"consent_contact", "idempotency_key", NULL};
	for (int i = 0; i < q.n; i++)
		if (!is_one_of(q.key[i], known))
			field_error(fields, q.key[i], "unknown_field");
	struct raw r = {
		.item_code = query_get(&q, "item_code"),
		.rating_text = query_get(&q, "rating"),
		.kind = query_get(&q, "kind"),
		.body = query_get(&q, "body"),
		.submitter_type = query_get(&q, "submitter_type"),
		.name = query_get(&q, "submitter_name"),
		.organization = query_get(&q, "submitter_organization"),
		.email = query_get(&q, "contact_email"),
		.phone = query_get(&q, "contact_phone"),
		.idempotency_key = query_get(&q, "idempotency_key"),
	};
	/* A checkbox is sent only when ticked; any value means yes. */
	r.consent_publish = query_get(&q, "consent_publish") != NULL;
	r.consent_contact = query_get(&q, "consent_contact") != NULL;
	if (r.rating_text && !*r.rating_text)
		r.rating_text = NULL;
	enum intake_result res = check(&r, s, fields);
	query_free(&q);
	return res;
}

/* --- the rest ------------------------------------------------------------------------- */

void submission_free(struct submission *s)
{
	free(s->body);
	free(s->name);
	free(s->organization);
	free(s->email);
	free(s->phone);
	s->body = s->name = s->organization = s->email = s->phone = NULL;
}

bool submission_has_personal_data(const struct submission *s)
{
	return s->name || s->organization || s->email || s->phone;
}

json_object *submission_personal_json(const struct submission *s)
{
	json_object *o = json_object_new_object();
	const struct {
		const char *key, *value;
	} fields[] = {{"name", s->name}, {"organization", s->organization},
		      {"email", s->email}, {"phone", s->phone}};
	for (size_t i = 0; i < 4; i++)
		if (fields[i].value)
			json_object_object_add(o, fields[i].key, json_object_new_string(fields[i].value));
	return o;
}

char *submission_canonical(const struct submission *s, size_t *len)
{
	struct sbuf b = {0};
	sbuf_reserve(&b, 256 + strlen(s->body));
	sbuf_cat(&b, "pakn57-submission-v1\nitem_code:", s->item_code, "\nrating:", NULL);
	sbuf_int(&b, s->rating);
	sbuf_cat(&b, "\nkind:", s->kind, "\nsubmitter_type:", s->submitter_type,
		 "\nconsent_publish:", s->consent_publish ? "true" : "false",
		 "\nconsent_contact:", s->consent_contact ? "true" : "false", "\nbody_bytes:", NULL);
	sbuf_int(&b, (long long)strlen(s->body));
	sbuf_puts(&b, "\n");
	sbuf_puts(&b, s->body);
	*len = b.len;
	return sbuf_take(&b);
}

void submission_hash(const struct submission *s, char hex[65])
{
	size_t len;
	char *bytes = submission_canonical(s, &len);
	uint8_t h[32];
	crypto_generichash(h, sizeof(h), (const uint8_t *)bytes, len, NULL, 0);
	sodium_bin2hex(hex, 65, h, sizeof(h));
	free(bytes);
}
