/* test_intake.c - tests server/intake/intake.c: reading a submission from JSON and from a form body,
 * the exact (field, code) problems reported and their order, the normalisation of text,
 * phone numbers and e-mail addresses, the canonical bytes and hash of docs/receipts.md, and
 * an official's entry (intake_from_json_assisted): its channel and day received, checked
 * beside the other fields, and refused by the citizens' reading. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/text.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "http/field_errors.h"
#include "intake/intake.h"

static int group_setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

/* --- what a case expects ------------------------------------------------------------- */

struct fe {
	const char *field, *code;
};

enum tri { ANY = 0, NO, YES };

/* Checked on INTAKE_OK when set. */
struct ok_want {
	const char *body;
	int rating;
	const char *kind;
	const char *submitter_type;
	const char *name;
	const char *organization;
	const char *email;
	const char *phone;
	enum tri publish, contact;
	const char *idempotency_key;
	enum tri personal; /* submission_has_personal_data */
};

struct intake_case {
	const char *name;
	const char *input;
	enum intake_result want;
	struct fe fields[12]; /* INTAKE_INVALID: the exact list, in order; ends at field NULL */
	struct ok_want ok;
	size_t len;           /* 0: strlen(input) */
};

static const char *result_name(enum intake_result r)
{
	return r == INTAKE_OK ? "OK" : r == INTAKE_MALFORMED ? "MALFORMED" : r == INTAKE_INVALID ? "INVALID" : "?";
}

/* "field:code, field:code" of a fields array, or of a want list. */
static void fields_text(json_object *fields, char *out, size_t outlen)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(fields); i++) {
		json_object *f = json_object_array_get_idx(fields, i), *v;
		const char *field = json_object_object_get_ex(f, "field", &v) ? json_object_get_string(v) : "?";
		const char *code = json_object_object_get_ex(f, "code", &v) ? json_object_get_string(v) : "?";
		o += (size_t)snprintf(out + o, outlen > o ? outlen - o : 0, "%s%s:%s", i ? ", " : "",
				      field, code);
	}
}

static void want_text(const struct fe *want, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && want[i].field; i++)
		o += (size_t)snprintf(out + o, outlen > o ? outlen - o : 0, "%s%s:%s", i ? ", " : "",
				      want[i].field, want[i].code);
}

static bool str_eq(const char *got, const char *want)
{
	return got && strcmp(got, want) == 0;
}

/* Compares what came out with the case; prints what differs. Returns failures. */
static int compare(const struct intake_case *c, enum intake_result r, const struct submission *s,
		   json_object *fields)
{
	char got[2048], want[2048];
	fields_text(fields, got, sizeof(got));
	want_text(c->fields, sizeof(c->fields) / sizeof(c->fields[0]), want, sizeof(want));
	if (r != c->want || strcmp(got, want) != 0) {
		print_error("%s: %s [%s], want %s [%s]\n", c->name, result_name(r), got,
			    result_name(c->want), want);
		return 1;
	}
	/* every reported problem has a message for people */
	for (size_t i = 0; i < json_object_array_length(fields); i++) {
		json_object *v;
		if (!json_object_object_get_ex(json_object_array_get_idx(fields, i), "message", &v) ||
		    !*json_object_get_string(v)) {
			print_error("%s: problem %zu has no message\n", c->name, i);
			return 1;
		}
	}
	if (r != INTAKE_OK)
		return 0;
	const struct ok_want *w = &c->ok;
	int bad = 0;
#define CHECK_STR(member)                                                                      \
	if (w->member && !str_eq(s->member, w->member)) {                                      \
		print_error("%s: " #member " \"%s\", want \"%s\"\n", c->name,                     \
			    s->member ? s->member : "(null)", w->member);                         \
		bad = 1;                                                                       \
	}
	CHECK_STR(body);
	CHECK_STR(kind);
	CHECK_STR(submitter_type);
	CHECK_STR(name);
	CHECK_STR(organization);
	CHECK_STR(email);
	CHECK_STR(phone);
	CHECK_STR(idempotency_key);
#undef CHECK_STR
	if (w->rating && s->rating != w->rating) {
		print_error("%s: rating %d, want %d\n", c->name, s->rating, w->rating);
		bad = 1;
	}
	if (w->publish && s->consent_publish != (w->publish == YES)) {
		print_error("%s: consent_publish %d\n", c->name, s->consent_publish);
		bad = 1;
	}
	if (w->contact && s->consent_contact != (w->contact == YES)) {
		print_error("%s: consent_contact %d\n", c->name, s->consent_contact);
		bad = 1;
	}
	if (w->personal && submission_has_personal_data(s) != (w->personal == YES)) {
		print_error("%s: has_personal_data %d\n", c->name, submission_has_personal_data(s));
		bad = 1;
	}
	/* what every good submission has */
	if (!s->body || !*s->body || s->rating < 1 || s->rating > 5 || !*s->kind ||
	    strcmp(s->item_code, "LC-T25") != 0) {
		print_error("%s: incomplete submission\n", c->name);
		bad = 1;
	}
	return bad;
}

typedef enum intake_result (*intake_fn)(const char *, size_t, struct submission *, json_object *);

static int run_case(intake_fn fn, const struct intake_case *c)
{
	struct submission s;
	memset(&s, 0x5A, sizeof(s)); /* garbage: the reader must set everything */
	json_object *fields = json_object_new_array();
	size_t len = c->len ? c->len : strlen(c->input);
	enum intake_result r = fn(c->input, len, &s, fields);
	int bad = compare(c, r, &s, fields);
	if (r != INTAKE_OK && (s.body || s.name || s.organization || s.email || s.phone)) {
		print_error("%s: strings left in a refused submission\n", c->name);
		bad = 1;
	}
	/* A refused submission keeps its item code only when it is well formed (intake.h). */
	bool code_reported = false;
	for (size_t i = 0; i < sizeof(c->fields) / sizeof(c->fields[0]) && c->fields[i].field; i++)
		code_reported |= strcmp(c->fields[i].field, "item_code") == 0;
	if (r != INTAKE_OK && *s.item_code &&
	    (r == INTAKE_MALFORMED || code_reported || !text_is_item_code(s.item_code))) {
		print_error("%s: item code \"%.64s\" left in a refused submission\n", c->name,
			    s.item_code);
		bad = 1;
	}
	submission_free(&s);
	json_object_put(fields);
	return bad;
}

static int run_table(intake_fn fn, const struct intake_case *cases, size_t n)
{
	int failures = 0;
	for (size_t i = 0; i < n; i++)
		failures += run_case(fn, &cases[i]);
	return failures;
}

#define RUN_TABLE(fn, t) run_table(fn, t, sizeof(t) / sizeof(t[0]))

/* --- JSON ------------------------------------------------------------------------------ */

#define BODY "L\u00e0m sao \u0111\u1ec3 \u0111\u0103ng k\u00fd?" /* Làm sao để đăng ký? */
#define HEAD "{\"item_code\":\"LC-T25\",\"rating\":4,\"kind\":\"opinion\""
#define MIN HEAD ",\"body\":\"" BODY "\"}"
#define WITH(extra) HEAD ",\"body\":\"" BODY "\"" extra "}"
#define RATING(r) "{\"item_code\":\"LC-T25\",\"rating\":" r ",\"kind\":\"opinion\",\"body\":\"" BODY "\"}"
#define NO_RATING "{\"item_code\":\"LC-T25\",\"kind\":\"opinion\",\"body\":\"" BODY "\"}"
#define KIND(k) "{\"item_code\":\"LC-T25\",\"rating\":4" k ",\"body\":\"" BODY "\"}"
#define JBODY(b) HEAD b "}"
#define TEXT(t) JBODY(",\"body\":\"" t "\"")
#define SUBMITTER(o) WITH(",\"submitter\":" o)
#define EMAIL(e) WITH(",\"contact\":{\"email\":\"" e "\"}")
#define PHONE(p) WITH(",\"contact\":{\"phone\":\"" p "\"}")
#define IDEM(k) WITH(",\"idempotency_key\":" k)
#define CONSENT(o) WITH(",\"consent\":" o)

#define INV(...) INTAKE_INVALID, {__VA_ARGS__}, {0}, 0
#define MAL INTAKE_MALFORMED, {{0}}, {0}, 0
#define OK(...) INTAKE_OK, {{0}}, {__VA_ARGS__}, 0

static const struct intake_case json_cases[] = {
	/* the minimal submission */
	{"minimal", MIN, OK(.body = BODY, .rating = 4, .kind = "opinion", .submitter_type = "",
			    .publish = NO, .contact = NO, .idempotency_key = "", .personal = NO)},
	{"white space around the document", " \n\t" MIN "\r\n ", OK(.body = BODY)},
	{"members in another order",
	 "{\"body\":\"" BODY "\",\"kind\":\"opinion\",\"rating\":4,\"item_code\":\"LC-T25\"}",
	 OK(.body = BODY, .rating = 4)},

	/* rating */
	{"rating 1", RATING("1"), OK(.rating = 1)},
	{"rating 2", RATING("2"), OK(.rating = 2)},
	{"rating 3", RATING("3"), OK(.rating = 3)},
	{"rating 4", RATING("4"), OK(.rating = 4)},
	{"rating 5", RATING("5"), OK(.rating = 5)},
	{"rating 0", RATING("0"), INV({"rating", "out_of_range"})},
	{"rating 6", RATING("6"), INV({"rating", "out_of_range"})},
	{"rating -1", RATING("-1"), INV({"rating", "out_of_range"})},
	{"rating 2^32+4", RATING("4294967300"), INV({"rating", "out_of_range"})},
	{"rating beyond int64", RATING("99999999999999999999"), INV({"rating", "out_of_range"})},
	{"rating \"4\"", RATING("\"4\""), INV({"rating", "invalid_type"})},
	{"rating 4.0", RATING("4.0"), INV({"rating", "invalid_type"})},
	{"rating 4e0", RATING("4e0"), INV({"rating", "invalid_type"})},
	{"rating true", RATING("true"), INV({"rating", "invalid_type"})},
	{"rating [4]", RATING("[4]"), INV({"rating", "invalid_type"})},
	{"rating {}", RATING("{}"), INV({"rating", "invalid_type"})},
	{"rating null", RATING("null"), INV({"rating", "required"})},
	{"rating missing", NO_RATING, INV({"rating", "required"})},

	/* kind */
	{"kind opinion", KIND(",\"kind\":\"opinion\""), OK(.kind = "opinion")},
	{"kind proposal", KIND(",\"kind\":\"proposal\""), OK(.kind = "proposal")},
	{"kind report", KIND(",\"kind\":\"report\""), OK(.kind = "report")},
	{"kind question", KIND(",\"kind\":\"question\""), OK(.kind = "question")},
	{"kind initiative", KIND(",\"kind\":\"initiative\""), OK(.kind = "initiative")},
	{"kind solution", KIND(",\"kind\":\"solution\""), OK(.kind = "solution")},
	{"kind missing", KIND(""), INV({"kind", "required"})},
	{"kind null", KIND(",\"kind\":null"), INV({"kind", "required"})},
	{"kind complaint", KIND(",\"kind\":\"complaint\""), INV({"kind", "invalid_choice"})},
	{"kind Opinion", KIND(",\"kind\":\"Opinion\""), INV({"kind", "invalid_choice"})},
	{"kind empty", KIND(",\"kind\":\"\""), INV({"kind", "invalid_choice"})},

	/* item_code */
	{"item_code missing", "{\"rating\":4,\"kind\":\"opinion\",\"body\":\"x\"}",
	 INV({"item_code", "required"})},
	{"item_code lower case",
	 "{\"item_code\":\"lc-t25\",\"rating\":4,\"kind\":\"opinion\",\"body\":\"x\"}",
	 INV({"item_code", "invalid_code"})},

	/* body */
	{"body missing", JBODY(""), INV({"body", "required"})},
	{"body null", JBODY(",\"body\":null"), INV({"body", "required"})},
	{"body empty", TEXT(""), INV({"body", "empty"})},
	{"body blank", TEXT("   \\n"), INV({"body", "empty"})},
	{"body blank with tabs and CR", TEXT(" \\t\\r\\n\\t "), INV({"body", "empty"})},
	{"body BEL", TEXT("a\\u0007b"), INV({"body", "control_characters"})},
	{"body ESC", TEXT("a\\u001b[31mred"), INV({"body", "control_characters"})},
	{"body DEL", TEXT("a\\u007fb"), INV({"body", "control_characters"})},
	{"body NEL", TEXT("a\\u0085b"), INV({"body", "control_characters"})},
	{"body C1 U+009F", TEXT("a\\u009fb"), INV({"body", "control_characters"})},
	{"body U+2028", TEXT("a\\u2028b"), INV({"body", "control_characters"})},
	{"body form feed", TEXT("a\\fb"), INV({"body", "control_characters"})},
	{"body vertical tab", TEXT("a\\u000bb"), INV({"body", "control_characters"})},
	{"body tab and newline kept", TEXT("a\\tb\\nc"), OK(.body = "a\tb\nc")},
	{"body CRLF", TEXT("d\\u00f2ng 1\\r\\nd\\u00f2ng 2"), OK(.body = "d\u00f2ng 1\nd\u00f2ng 2")},
	{"body CR CRLF LF", TEXT("a\\rb\\r\\n\\r\\nc\\n\\rd"), OK(.body = "a\nb\n\nc\n\nd")},
	{"body decomposed", TEXT("Vie\\u0323\\u0302t Nam"), OK(.body = "Vi\u1ec7t Nam")},
	{"body decomposed, marks swapped", TEXT("Vie\\u0302\\u0323t Nam"), OK(.body = "Vi\u1ec7t Nam")},
	{"body decomposed raw UTF-8", TEXT("Vie\u0323\u0302t Nam"), OK(.body = "Vi\u1ec7t Nam")},
	{"body trimmed", TEXT("  \\n\\t Vi\\u1ec7t  Nam \\r\\n \\t"), OK(.body = "Vi\u1ec7t  Nam")},
	{"body inner blank lines kept", TEXT("\\n\\na\\n\\n\\nb\\n\\n"), OK(.body = "a\n\n\nb")},
	{"body emoji", TEXT("\\ud83d\\ude00 ok"), OK(.body = "\U0001F600 ok")},

	/* not JSON, or not an object */
	{"not JSON", "item_code=LC-T25", MAL},
	{"empty", "", MAL},
	{"only white space", " \n ", MAL},
	{"unterminated", "{\"item_code\":\"LC-T25\"", MAL},
	{"trailing garbage", MIN "x", MAL},
	{"two objects", MIN MIN, MAL},
	{"trailing comma", WITH(","), MAL},
	{"array", "[" MIN "]", MAL},
	{"string", "\"" BODY "\"", MAL},
	{"number", "4", MAL},
	{"null", "null", MAL},
	{"invalid UTF-8 in a string", TEXT("a\xff" "b"), MAL},
	{"truncated UTF-8 in a string", TEXT("Vi\xe1\xbb" "t"), MAL},
	{"Latin-1 in a string", TEXT("L\xe0m"), MAL},
	{"invalid UTF-8 in a key", WITH(",\"k\xff\":1"), MAL},
	/* json-c's check is by byte pattern only: overlong forms and surrogates get through the
	 * tokener, and intake's own check refuses them, naming the field (422, not 400) */
	{"overlong UTF-8 in the body", TEXT("a\xc0\xaf" "b"), INV({"body", "invalid_utf8"})},
	{"UTF-8 surrogate in the body", TEXT("a\xed\xa0\x80" "b"), INV({"body", "invalid_utf8"})},
	{"overlong UTF-8 in a name", SUBMITTER("{\"name\":\"a\xc0\xaf\"}"),
	 INV({"submitter.name", "invalid_utf8"})},

	/* unknown members */
	{"unknown field", WITH(",\"foo\":1"), INV({"foo", "unknown_field"})},
	{"unknown field null", WITH(",\"foo\":null"), INV({"foo", "unknown_field"})},
	{"field name in another case", WITH(",\"Body\":\"x\""), INV({"Body", "unknown_field"})},
	{"unknown nested field", SUBMITTER("{\"x\":1}"), INV({"submitter.x", "unknown_field"})},
	{"nested field in the wrong object", WITH(",\"contact\":{\"name\":\"A\"}"),
	 INV({"contact.name", "unknown_field"})},
	{"consent field unknown", CONSENT("{\"share\":true}"), INV({"consent.share", "unknown_field"})},

	/* submitter */
	{"submitter individual with name",
	 SUBMITTER("{\"type\":\"individual\",\"name\":\"Nguy\u1ec5n V\u0103n A\"}"),
	 OK(.submitter_type = "individual", .name = "Nguy\u1ec5n V\u0103n A", .personal = YES)},
	{"submitter organization",
	 SUBMITTER("{\"type\":\"organization\",\"organization\":\"  S\u1edf KH&CN Lai Ch\u00e2u \"}"),
	 OK(.submitter_type = "organization", .organization = "S\u1edf KH&CN Lai Ch\u00e2u",
	    .personal = YES)},
	{"submitter business", SUBMITTER("{\"type\":\"business\"}"),
	 OK(.submitter_type = "business", .personal = NO)},
	{"submitter type empty", SUBMITTER("{\"type\":\"\"}"), OK(.submitter_type = "")},
	{"submitter null", SUBMITTER("null"), OK(.submitter_type = "", .personal = NO)},
	{"submitter empty object", SUBMITTER("{}"), OK(.personal = NO)},
	{"submitter name decomposed", SUBMITTER("{\"name\":\"Nguye\\u0302\\u0303n\"}"),
	 OK(.name = "Nguy\u1ec5n")},
	{"submitter name blank", SUBMITTER("{\"name\":\"  \"}"), OK(.personal = NO)},
	{"submitter a string", SUBMITTER("\"Nguy\u1ec5n V\u0103n A\""),
	 INV({"submitter", "invalid_type"})},
	{"submitter an array", SUBMITTER("[]"), INV({"submitter", "invalid_type"})},
	{"submitter true", SUBMITTER("true"), INV({"submitter", "invalid_type"})},
	{"contact a string", WITH(",\"contact\":\"a@b.vn\""), INV({"contact", "invalid_type"})},
	{"consent true", CONSENT("true"), INV({"consent", "invalid_type"})},
	{"submitter type robot", SUBMITTER("{\"type\":\"robot\"}"),
	 INV({"submitter.type", "invalid_choice"})},
	{"submitter type Individual", SUBMITTER("{\"type\":\"Individual\"}"),
	 INV({"submitter.type", "invalid_choice"})},
	{"submitter type 1", SUBMITTER("{\"type\":1}"), INV({"submitter.type", "invalid_type"})},
	{"submitter name newline", SUBMITTER("{\"name\":\"Nguy\u1ec5n\\nA\"}"),
	 INV({"submitter.name", "control_characters"})},
	{"submitter name CR", SUBMITTER("{\"name\":\"Nguy\u1ec5n\\rA\"}"),
	 INV({"submitter.name", "control_characters"})},
	{"submitter name tab", SUBMITTER("{\"name\":\"Nguy\u1ec5n\\tA\"}"),
	 INV({"submitter.name", "control_characters"})},
	{"submitter name number", SUBMITTER("{\"name\":42}"), INV({"submitter.name", "invalid_type"})},
	{"submitter organization ESC", SUBMITTER("{\"organization\":\"a\\u001bb\"}"),
	 INV({"submitter.organization", "control_characters"})},

	/* e-mail */
	{"email a@b.vn", EMAIL("a@b.vn"), OK(.email = "a@b.vn", .personal = YES)},
	{"email long", EMAIL("nguyen.van.a+x@so-khcn.laichau.gov.vn"),
	 OK(.email = "nguyen.van.a+x@so-khcn.laichau.gov.vn")},
	{"email empty", EMAIL(""), OK(.personal = NO)},
	{"email a", EMAIL("a"), INV({"contact.email", "invalid_email"})},
	{"email a@b", EMAIL("a@b"), INV({"contact.email", "invalid_email"})},
	{"email a@@b.vn", EMAIL("a@@b.vn"), INV({"contact.email", "invalid_email"})},
	{"email a b@c.vn", EMAIL("a b@c.vn"), INV({"contact.email", "invalid_email"})},
	{"email a@b..vn", EMAIL("a@b..vn"), INV({"contact.email", "invalid_email"})},
	{"email @b.vn", EMAIL("@b.vn"), INV({"contact.email", "invalid_email"})},
	{"email a@.vn", EMAIL("a@.vn"), INV({"contact.email", "invalid_email"})},
	{"email a@b.vn.", EMAIL("a@b.vn."), INV({"contact.email", "invalid_email"})},
	{"email a@b.vn newline", EMAIL("a@b.vn\\n"), INV({"contact.email", "invalid_email"})},
	{"email <a@b.vn>", EMAIL("<a@b.vn>"), INV({"contact.email", "invalid_email"})},
	{"email number", WITH(",\"contact\":{\"email\":5}"), INV({"contact.email", "invalid_type"})},

	/* phone */
	{"phone 0912 345 678", PHONE("0912 345 678"), OK(.phone = "+84912345678", .personal = YES)},
	{"phone +84 912 345 678", PHONE("+84 912 345 678"), OK(.phone = "+84912345678")},
	{"phone 0912.345.678", PHONE("0912.345.678"), OK(.phone = "+84912345678")},
	{"phone 0912-345-678", PHONE("0912-345-678"), OK(.phone = "+84912345678")},
	{"phone (024) 3825 1234", PHONE("(024) 3825 1234"), OK(.phone = "+842438251234")},
	{"phone 0243 825 1234", PHONE("0243 825 1234"), OK(.phone = "+842438251234")},
	{"phone +84 24 3825 1234", PHONE("+84 24 3825 1234"), OK(.phone = "+842438251234")},
	{"phone 0388 123 456", PHONE("0388 123 456"), OK(.phone = "+84388123456")},
	{"phone empty", PHONE(""), OK(.personal = NO)},
	{"phone 123", PHONE("123"), INV({"contact.phone", "invalid_phone"})},
	{"phone 0112345678", PHONE("0112345678"), INV({"contact.phone", "invalid_phone"})},
	{"phone +1 202 555 0100", PHONE("+1 202 555 0100"), INV({"contact.phone", "invalid_phone"})},
	{"phone 09123456789", PHONE("09123456789"), INV({"contact.phone", "invalid_phone"})},
	{"phone 0912a45678", PHONE("0912a45678"), INV({"contact.phone", "invalid_phone"})},
	{"phone 912345678", PHONE("912345678"), INV({"contact.phone", "invalid_phone"})},
	{"phone 024 3825 123", PHONE("024 3825 123"), INV({"contact.phone", "invalid_phone"})},
	{"phone number", WITH(",\"contact\":{\"phone\":912345678}"),
	 INV({"contact.phone", "invalid_type"})},

	/* consent */
	{"consent publish true", CONSENT("{\"publish\":true}"), OK(.publish = YES, .contact = NO)},
	{"consent publish false", CONSENT("{\"publish\":false}"), OK(.publish = NO, .contact = NO)},
	{"consent both", CONSENT("{\"publish\":true,\"contact\":true}"),
	 OK(.publish = YES, .contact = YES)},
	{"consent contact only", CONSENT("{\"contact\":true}"), OK(.publish = NO, .contact = YES)},
	{"consent publish null", CONSENT("{\"publish\":null}"), OK(.publish = NO)},
	{"consent publish \"yes\"", CONSENT("{\"publish\":\"yes\"}"),
	 INV({"consent.publish", "invalid_type"})},
	{"consent publish 1", CONSENT("{\"publish\":1}"), INV({"consent.publish", "invalid_type"})},
	{"consent contact \"true\"", CONSENT("{\"contact\":\"true\"}"),
	 INV({"consent.contact", "invalid_type"})},

	/* idempotency key */
	{"idempotency key", IDEM("\"550e8400-e29b-41d4-a716-446655440000\""),
	 OK(.idempotency_key = "550e8400-e29b-41d4-a716-446655440000")},
	{"idempotency key empty", IDEM("\"\""), OK(.idempotency_key = "")},
	{"idempotency key with a space", IDEM("\"abc def\""), INV({"idempotency_key", "invalid_code"})},
	{"idempotency key with a tab", IDEM("\"abc\\tdef\""), INV({"idempotency_key", "invalid_code"})},
	{"idempotency key non-ASCII", IDEM("\"kh\u00f3a\""), INV({"idempotency_key", "invalid_code"})},
	{"idempotency key number", IDEM("12345"), INV({"idempotency_key", "invalid_type"})},

	/* several problems: those found while reading members (in document order), then the
	 * checks in their fixed order */
	{"all at once",
	 "{\"item_code\":\"x y\",\"rating\":\"4\",\"kind\":\"other\",\"body\":\"\","
	 "\"submitter\":{\"type\":\"robot\",\"zz\":1,\"name\":\"A\\nB\"},"
	 "\"contact\":{\"email\":\"a\",\"phone\":\"123\"},\"extra\":true,"
	 "\"consent\":{\"publish\":\"yes\"},\"idempotency_key\":\"a b\"}",
	 INV({"rating", "invalid_type"}, {"submitter.zz", "unknown_field"}, {"extra", "unknown_field"},
	     {"consent.publish", "invalid_type"}, {"item_code", "invalid_code"},
	     {"kind", "invalid_choice"}, {"body", "empty"}, {"submitter.type", "invalid_choice"},
	     {"submitter.name", "control_characters"}, {"contact.email", "invalid_email"},
	     {"contact.phone", "invalid_phone"}, {"idempotency_key", "invalid_code"})},
	{"empty object", "{}",
	 INV({"item_code", "required"}, {"rating", "required"}, {"kind", "required"},
	     {"body", "required"})},
	{"rating and body", "{\"item_code\":\"LC-T25\",\"rating\":9,\"kind\":\"opinion\",\"body\":\" \"}",
	 INV({"rating", "out_of_range"}, {"body", "empty"})},
	{"unknown after a good submission, then a bad phone",
	 "{\"zzz\":0," "\"item_code\":\"LC-T25\",\"rating\":4,\"kind\":\"opinion\",\"body\":\"b\","
	 "\"contact\":{\"phone\":\"1\",\"fax\":\"2\"}}",
	 INV({"zzz", "unknown_field"}, {"contact.fax", "unknown_field"},
	     {"contact.phone", "invalid_phone"})},
};

static void test_json_table(void **state)
{
	(void)state;
	assert_int_equal(RUN_TABLE(intake_from_json, json_cases), 0);
}

/* A NUL can only come as the JSON escape \u0000; it is a control character like U+0007 and
 * must neither cut a value short nor pass. */
static void test_json_nul_escape(void **state)
{
	(void)state;
	static const struct intake_case cases[] = {
		{"body with \\u0000 inside", TEXT("ab\\u0000cd"), INV({"body", "control_characters"})},
		{"body \\u0000 alone", TEXT("\\u0000"), INV({"body", "control_characters"})},
		{"name with \\u0000", SUBMITTER("{\"name\":\"A\\u0000B\"}"),
		 INV({"submitter.name", "control_characters"})},
		{"item_code with \\u0000",
		 "{\"item_code\":\"LC-T25\\u0000 junk\",\"rating\":4,\"kind\":\"opinion\",\"body\":\"b\"}",
		 INV({"item_code", "control_characters"})},
		{"kind with \\u0000", KIND(",\"kind\":\"opinion\\u0000x\""),
		 INV({"kind", "control_characters"})},
		{"idempotency key with \\u0000", IDEM("\"ab\\u0000 c\""),
		 INV({"idempotency_key", "control_characters"})},
	};
	assert_int_equal(RUN_TABLE(intake_from_json, cases), 0);
}

/* A member of the wrong type is one problem: invalid_type, as for rating. */
static void test_json_wrong_type_reported_once(void **state)
{
	(void)state;
	static const struct intake_case cases[] = {
		{"kind 1", KIND(",\"kind\":1"), INV({"kind", "invalid_type"})},
		{"body 5", JBODY(",\"body\":5"), INV({"body", "invalid_type"})},
		{"body []", JBODY(",\"body\":[]"), INV({"body", "invalid_type"})},
		{"item_code 7", "{\"item_code\":7,\"rating\":4,\"kind\":\"opinion\",\"body\":\"b\"}",
		 INV({"item_code", "invalid_type"})},
	};
	assert_int_equal(RUN_TABLE(intake_from_json, cases), 0);
}

/* intake.h: "no spaces or control characters", "a dotted domain". */
static void test_email_controls_beyond_ascii(void **state)
{
	(void)state;
	static const struct intake_case cases[] = {
		{"email with NEL", EMAIL("a\\u0085@b.vn"), INV({"contact.email", "invalid_email"})},
		{"email with U+2028", EMAIL("a\\u2028@b.vn"), INV({"contact.email", "invalid_email"})},
		{"email with C1 U+0090", EMAIL("a\\u0090@b.vn"), INV({"contact.email", "invalid_email"})},
		{"email overlong UTF-8", EMAIL("a\xc0\xaf@b.vn"), INV({"contact.email", "invalid_email"})},
		{"email surrogate", EMAIL("a\xed\xa0\x80@b.vn"), INV({"contact.email", "invalid_email"})},
		{"email a@.b.vn", EMAIL("a@.b.vn"), INV({"contact.email", "invalid_email"})},
	};
	int failures = RUN_TABLE(intake_from_json, cases);
	static const char *const direct[] = {"a\xc2\x85@b.vn", "a\xe2\x80\xa8@b.vn", "a@.b.vn",
					     "a\xc0\xaf@b.vn"};
	for (size_t i = 0; i < sizeof(direct) / sizeof(direct[0]); i++)
		if (intake_email_is_valid(direct[i])) {
			print_error("intake_email_is_valid(\"%s\") is true\n", direct[i]);
			failures++;
		}
	assert_int_equal(failures, 0);
}

/* Text that shows nothing is empty, however it was made invisible (issue 19). */
static void test_invisible_text_is_empty(void **state)
{
	(void)state;
	static const struct intake_case cases[] = {
		{"body of zero-width spaces", TEXT("\u200b\u200b\u200b"), INV({"body", "empty"})},
		{"body of joiners and word joiner", TEXT("\u200c\u200d\u2060"), INV({"body", "empty"})},
		{"body of byte order marks", TEXT("\ufeff \ufeff"), INV({"body", "empty"})},
		{"body of grapheme joiners", TEXT("\u034f\u034f"), INV({"body", "empty"})},
		{"body of ideographic spaces", TEXT("\u3000\u2003\\n"), INV({"body", "empty"})},
		{"body of a soft hyphen and a variation selector", TEXT("\u00ad\ufe0f"),
		 INV({"body", "empty"})},
		{"body of a blank braille pattern", TEXT("\u2800"), INV({"body", "empty"})},
		{"body of invisible characters between spaces", TEXT(" \u200b\\n\u2060\\t"),
		 INV({"body", "empty"})},
		{"zero-width inside text is kept", TEXT("a\u200bb"), OK(.body = "a\u200bb")},
		{"name of zero-width spaces is no name", SUBMITTER("{\"name\":\"\u200b\"}"),
		 OK(.personal = NO)},
		{"form body %E2%80%8B", "item_code=LC-T25&rating=4&kind=opinion&body=%E2%80%8B%E2%81%A0",
		 INV({"body", "empty"})},
	};
	int failures = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		failures += run_case(strncmp(cases[i].name, "form", 4) == 0 ? intake_from_form
									     : intake_from_json,
				     &cases[i]);
	assert_int_equal(failures, 0);
}

/* json-c 0.16 reads a lone surrogate escape as U+FFFD: it is refused, never stored. */
static void test_json_lone_surrogates(void **state)
{
	(void)state;
	static const struct intake_case cases[] = {
		{"lone high surrogate", TEXT("a\\ud800b"), INV({"body", "replacement_character"})},
		{"lone high surrogate at the end", TEXT("a\\ud800"),
		 INV({"body", "replacement_character"})},
		{"lone low surrogate", TEXT("\\udc00"), INV({"body", "replacement_character"})},
		{"reversed pair", TEXT("x\\udc00\\ud800"), INV({"body", "replacement_character"})},
		{"two high surrogates", TEXT("\\ud800\\ud800"), INV({"body", "replacement_character"})},
		{"high surrogate then a letter", TEXT("\\ud800\\u0041"),
		 INV({"body", "replacement_character"})},
		{"in a name", SUBMITTER("{\"name\":\"A\\udfff\"}"),
		 INV({"submitter.name", "replacement_character"})},
		{"in an e-mail address", EMAIL("a\\ud800@b.vn"), INV({"contact.email", "invalid_email"})},
		{"U+FFFD itself", TEXT("\\ufffd"), INV({"body", "replacement_character"})},
		{"a real pair is a letter", TEXT("\\ud83d\\ude00"), OK(.body = "\U0001F600")},
		{"surrogate bytes (CESU-8)", TEXT("\xed\xa0\x80"), INV({"body", "invalid_utf8"})},
	};
	assert_int_equal(RUN_TABLE(intake_from_json, cases), 0);
}

/* --- cases built at run time: lengths ---------------------------------------------------- */

/* s repeated n times. */
static char *repeat(const char *s, size_t n)
{
	size_t len = strlen(s);
	char *out = malloc(len * n + 1);
	assert_non_null(out);
	for (size_t i = 0; i < n; i++)
		memcpy(out + i * len, s, len);
	out[len * n] = '\0';
	return out;
}

/* printf into a new string */
static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	char *out = NULL;
	assert_true(vasprintf(&out, f, ap) >= 0);
	va_end(ap);
	return out;
}

static int run_built(const char *name, char *input, enum intake_result want, const char *field,
		     const char *code, const char *want_body)
{
	struct intake_case c = {.name = name, .input = input, .want = want};
	if (field) {
		c.fields[0].field = field;
		c.fields[0].code = code;
	}
	c.ok.body = want_body;
	int bad = run_case(intake_from_json, &c);
	free(input);
	return bad;
}

static void test_json_lengths(void **state)
{
	(void)state;
	int failures = 0;
	/* body: 5000 characters is the limit, counted in characters (ệ is 3 bytes) */
	char *e5000 = repeat("\u1ec7", 5000), *e5001 = repeat("\u1ec7", 5001);
	char *a5000 = repeat("a", 5000), *a5001 = repeat("a", 5001);
	char *d5000 = repeat("e\\u0323\\u0302", 5000); /* 15000 code points, 5000 after NFC */
	failures += run_built("body 5000 x ệ", fmt(HEAD ",\"body\":\"%s\"}", e5000), INTAKE_OK, NULL,
			      NULL, e5000);
	failures += run_built("body 5001 x ệ", fmt(HEAD ",\"body\":\"%s\"}", e5001), INTAKE_INVALID,
			      "body", "too_long", NULL);
	failures += run_built("body 5000 x a", fmt(HEAD ",\"body\":\"%s\"}", a5000), INTAKE_OK, NULL,
			      NULL, a5000);
	failures += run_built("body 5001 x a", fmt(HEAD ",\"body\":\"%s\"}", a5001), INTAKE_INVALID,
			      "body", "too_long", NULL);
	failures += run_built("body 5000 x ệ decomposed", fmt(HEAD ",\"body\":\"%s\"}", d5000),
			      INTAKE_OK, NULL, NULL, e5000);
	failures += run_built("body 5000 x ệ and white space around",
			      fmt(HEAD ",\"body\":\"\\n  %s \\n\\t\"}", e5000), INTAKE_OK, NULL, NULL,
			      e5000);
	free(e5000);
	free(e5001);
	free(a5000);
	free(a5001);
	free(d5000);

	/* names: 200 characters */
	char *n200 = repeat("\u1ec5", 200), *n201 = repeat("\u1ec5", 201);
	failures += run_built("name 200", fmt(WITH(",\"submitter\":{\"name\":\"%s\"}"), n200),
			      INTAKE_OK, NULL, NULL, NULL);
	failures += run_built("name 201", fmt(WITH(",\"submitter\":{\"name\":\"%s\"}"), n201),
			      INTAKE_INVALID, "submitter.name", "too_long", NULL);
	failures += run_built("organization 201",
			      fmt(WITH(",\"submitter\":{\"organization\":\"%s\"}"), n201),
			      INTAKE_INVALID, "submitter.organization", "too_long", NULL);
	free(n200);
	free(n201);

	/* e-mail: 254 bytes at most */
	char *l249 = repeat("a", 249), *l250 = repeat("a", 250);
	failures += run_built("email 254 bytes", fmt(WITH(",\"contact\":{\"email\":\"%s@b.vn\"}"), l249),
			      INTAKE_OK, NULL, NULL, NULL);
	failures += run_built("email 255 bytes", fmt(WITH(",\"contact\":{\"email\":\"%s@b.vn\"}"), l250),
			      INTAKE_INVALID, "contact.email", "invalid_email", NULL);
	free(l249);
	free(l250);

	/* idempotency key: 128 at most */
	char *k128 = repeat("k", 128), *k129 = repeat("k", 129);
	failures += run_built("idempotency key 128", fmt(IDEM("\"%s\""), k128), INTAKE_OK, NULL, NULL,
			      NULL);
	failures += run_built("idempotency key 129", fmt(IDEM("\"%s\""), k129), INTAKE_INVALID,
			      "idempotency_key", "invalid_code", NULL);
	free(k129);

	struct submission s;
	json_object *fields = json_object_new_array();
	char *in = fmt(IDEM("\"%s\""), k128);
	assert_int_equal(intake_from_json(in, strlen(in), &s, fields), INTAKE_OK);
	assert_string_equal(s.idempotency_key, k128);
	submission_free(&s);
	json_object_put(fields);
	free(in);
	free(k128);

	/* item code: 64 characters at most */
	char *c64 = repeat("A", 64), *c65 = repeat("A", 65);
	in = fmt("{\"item_code\":\"%s\",\"rating\":4,\"kind\":\"opinion\",\"body\":\"b\"}", c64);
	fields = json_object_new_array();
	if (intake_from_json(in, strlen(in), &s, fields) != INTAKE_OK || strcmp(s.item_code, c64) != 0) {
		print_error("item_code of 64 characters refused or changed\n");
		failures++;
	}
	submission_free(&s);
	json_object_put(fields);
	free(in);
	failures += run_built("item_code 65",
			      fmt("{\"item_code\":\"%s\",\"rating\":4,\"kind\":\"opinion\",\"body\":\"b\"}", c65),
			      INTAKE_INVALID, "item_code", "invalid_code", NULL);
	free(c64);
	free(c65);
	assert_int_equal(failures, 0);
}

/* Unicode's Stream-Safe Text Format: at most 30 combining marks in a row, counted in the
 * decomposition; and every length is checked before the text is normalised. */
static void test_json_combining_marks(void **state)
{
	(void)state;
	int failures = 0;
	char *m28 = repeat("\\u0301", 28), *m29 = repeat("\\u0301", 29);
	char *m30 = repeat("\\u0301", 30), *m31 = repeat("\\u0301", 31);
	char *other31 = repeat("\\u20d0", 31); /* combining marks for symbols, class 230 */
	failures += run_built("30 marks after a letter", fmt(HEAD ",\"body\":\"a%s\"}", m30),
			      INTAKE_OK, NULL, NULL, NULL);
	failures += run_built("31 marks after a letter", fmt(HEAD ",\"body\":\"a%s\"}", m31),
			      INTAKE_INVALID, "body", "too_many_combining_marks", NULL);
	failures += run_built("31 marks alone", fmt(HEAD ",\"body\":\"%s\"}", m31),
			      INTAKE_INVALID, "body", "too_many_combining_marks", NULL);
	/* ệ decomposes to e and two marks: 28 more make 30, 29 more make 31 */
	failures += run_built("\u1ec7 and 28 marks", fmt(HEAD ",\"body\":\"\u1ec7%s\"}", m28),
			      INTAKE_OK, NULL, NULL, NULL);
	failures += run_built("\u1ec7 and 29 marks", fmt(HEAD ",\"body\":\"\u1ec7%s\"}", m29),
			      INTAKE_INVALID, "body", "too_many_combining_marks", NULL);
	failures += run_built("marks of another script count too",
			      fmt(HEAD ",\"body\":\"a%s\"}", other31), INTAKE_INVALID, "body",
			      "too_many_combining_marks", NULL);
	failures += run_built("a grapheme joiner ends a run",
			      fmt(HEAD ",\"body\":\"a%s\\u034f%s\"}", m30, m30), INTAKE_OK, NULL,
			      NULL, NULL);
	failures += run_built("31 marks in a name",
			      fmt(WITH(",\"submitter\":{\"name\":\"a%s\"}"), m31), INTAKE_INVALID,
			      "submitter.name", "too_many_combining_marks", NULL);

	/* a run of 30 in reverse canonical order (15 acutes, class 230, then 15 dots below,
	 * 220) is accepted and sorted: a + dot below compose to ạ, the acutes follow */
	char *acutes = repeat("\\u0301", 15), *dots = repeat("\\u0323", 15);
	char *want = fmt("\u1ea1%s%s", "\u0323\u0323\u0323\u0323\u0323\u0323\u0323"
				       "\u0323\u0323\u0323\u0323\u0323\u0323\u0323",
			 "\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301"
			 "\u0301\u0301\u0301\u0301\u0301");
	failures += run_built("a run of 30 in reverse order",
			      fmt(HEAD ",\"body\":\"a%s%s\"}", acutes, dots), INTAKE_OK, NULL, NULL,
			      want);
	free(want);
	free(acutes);
	free(dots);

	/* More than 3 x 5000 code points is too long whatever NFC would make of it, and that
	 * is said before the marks are looked at. */
	char *letter31 = fmt("a%s", m31);
	char *many = repeat(letter31, 500); /* 16,000 code points */
	failures += run_built("16,000 code points in runs of 31 marks",
			      fmt(HEAD ",\"body\":\"%s\"}", many), INTAKE_INVALID, "body", "too_long",
			      NULL);
	char *a15001 = repeat("a", 15001);
	failures += run_built("15,001 letters", fmt(HEAD ",\"body\":\"%s\"}", a15001),
			      INTAKE_INVALID, "body", "too_long", NULL);
	free(a15001);
	free(many);
	free(letter31);
	free(m28);
	free(m29);
	free(m30);
	free(m31);
	free(other31);
	assert_int_equal(failures, 0);
}

/* A reply lists FIELD_ERRORS_MAX problems and counts the rest, and echoes field names cut
 * between characters: 8,500 unknown keys gave an 894 KB reply (issue 19). */
static void test_field_errors_capped(void **state)
{
	(void)state;
	struct sbuf in = {0};
	sbuf_puts(&in, "{");
	for (int i = 0; i < 8500; i++)
		sbuf_printf(&in, "\"unknown_key_%05d\":%d,", i, i);
	sbuf_puts(&in, "\"item_code\":\"LC-T25\",\"rating\":4,\"kind\":\"opinion\",\"body\":\"b\"}");
	struct submission s;
	json_object *fields = json_object_new_array();
	assert_int_equal(intake_from_json(in.data, in.len, &s, fields), INTAKE_INVALID);
	assert_int_equal(json_object_array_length(fields), FIELD_ERRORS_MAX + 1);
	json_object *more = json_object_array_get_idx(fields, FIELD_ERRORS_MAX), *v;
	assert_true(json_object_object_get_ex(more, "field", &v));
	assert_string_equal(json_object_get_string(v), FIELD_ERRORS_MORE_FIELD);
	assert_true(json_object_object_get_ex(more, "code", &v));
	assert_string_equal(json_object_get_string(v), FIELD_ERRORS_MORE_CODE);
	assert_true(json_object_object_get_ex(more, "count", &v));
	assert_int_equal(json_object_get_int64(v), 8500 - FIELD_ERRORS_MAX);
	assert_true(json_object_object_get_ex(more, "message", &v));
	assert_non_null(strstr(json_object_get_string(v), "8480 more"));
	assert_true(strlen(json_object_to_json_string(fields)) < 4096);
	json_object_put(fields);
	sbuf_free(&in);

	/* a key of 200 x "ạ" (600 bytes) comes back as 21 "ạ" (63 bytes) and "…" */
	char *key = repeat("\u1ea1", 200), *want = repeat("\u1ea1", 21);
	char *input = fmt(WITH(",\"%s\":1,\"submitter\":{\"%s\":1}"), key, key);
	fields = json_object_new_array();
	assert_int_equal(intake_from_json(input, strlen(input), &s, fields), INTAKE_INVALID);
	assert_int_equal(json_object_array_length(fields), 2);
	const char *got = json_object_get_string(
		json_object_object_get(json_object_array_get_idx(fields, 0), "field"));
	char *want_field = fmt("%s\u2026", want);
	assert_string_equal(got, want_field);
	got = json_object_get_string(
		json_object_object_get(json_object_array_get_idx(fields, 1), "field"));
	assert_true(utf8_is_valid((const uint8_t *)got, strlen(got)));
	assert_true(strncmp(got, "submitter.\u1ea1", strlen("submitter.\u1ea1")) == 0);
	json_object_put(fields);
	free(want_field);
	free(input);
	free(key);
	free(want);

	/* a form says the same: 32 unknown keys, 20 listed */
	sbuf_puts(&in, "item_code=LC-T25&rating=4&kind=opinion&body=x");
	for (int i = 0; i < 28; i++)
		sbuf_printf(&in, "&x%d=1", i);
	fields = json_object_new_array();
	assert_int_equal(intake_from_form(in.data, in.len, &s, fields), INTAKE_INVALID);
	assert_int_equal(json_object_array_length(fields), FIELD_ERRORS_MAX + 1);
	more = json_object_array_get_idx(fields, FIELD_ERRORS_MAX);
	assert_int_equal(json_object_get_int64(json_object_object_get(more, "count")), 28 - FIELD_ERRORS_MAX);
	json_object_put(fields);
	sbuf_free(&in);
}

/* Decomposed and precomposed text are the same submission: same bytes, same hash. */
static void test_json_nfc_same_hash(void **state)
{
	(void)state;
	const char *a = TEXT("Vie\\u0323\\u0302t Nam, ng\\u01b0o\\u031b\\u0300i"); /* decomposed */
	const char *b = TEXT("Vi\u1ec7t Nam, ng\u01b0\u1eddi");                      /* NFC */
	const char *c = TEXT("  Vi\u1ec7t Nam, ng\u01b0\u1eddi\\r\\n");             /* spaces */
	struct submission sa, sb, sc;
	json_object *fa = json_object_new_array(), *fb = json_object_new_array(),
		    *fc = json_object_new_array();
	assert_int_equal(intake_from_json(a, strlen(a), &sa, fa), INTAKE_OK);
	assert_int_equal(intake_from_json(b, strlen(b), &sb, fb), INTAKE_OK);
	assert_int_equal(intake_from_json(c, strlen(c), &sc, fc), INTAKE_OK);
	assert_string_equal(sa.body, "Vi\u1ec7t Nam, ng\u01b0\u1eddi");
	assert_string_equal(sa.body, sb.body);
	assert_string_equal(sc.body, sb.body);
	char ha[65], hb[65], hc[65];
	submission_hash(&sa, ha);
	submission_hash(&sb, hb);
	submission_hash(&sc, hc);
	assert_string_equal(ha, hb);
	assert_string_equal(hc, hb);
	/* and a different text has a different hash */
	free(sb.body);
	sb.body = strdup("Vi\u1ec7t Nam, ng\u01b0\u1eddi.");
	submission_hash(&sb, hb);
	assert_string_not_equal(ha, hb);
	submission_free(&sa);
	submission_free(&sb);
	submission_free(&sc);
	json_object_put(fa);
	json_object_put(fb);
	json_object_put(fc);
}

/* --- form ------------------------------------------------------------------------------ */

#define FORM_MIN "item_code=LC-T25&rating=4&kind=opinion&body=L%C3%A0m+sao"

static const struct intake_case form_cases[] = {
	{"form minimal", FORM_MIN,
	 OK(.body = "L\u00e0m sao", .rating = 4, .kind = "opinion", .submitter_type = "",
	    .publish = NO, .contact = NO, .idempotency_key = "", .personal = NO)},
	{"form body lower-case escapes", "item_code=LC-T25&rating=4&kind=opinion&body=L%c3%a0m%20sao",
	 OK(.body = "L\u00e0m sao")},
	{"form raw UTF-8", "item_code=LC-T25&rating=4&kind=opinion&body=L\u00e0m+sao",
	 OK(.body = "L\u00e0m sao")},
	{"form %2B is a plus", "item_code=LC-T25&rating=4&kind=opinion&body=1%2B1",
	 OK(.body = "1+1")},
	{"form rating 1", "item_code=LC-T25&rating=1&kind=opinion&body=x", OK(.rating = 1)},
	{"form rating 5", "item_code=LC-T25&rating=5&kind=opinion&body=x", OK(.rating = 5)},
	{"form rating 4.0", "item_code=LC-T25&rating=4.0&kind=opinion&body=x",
	 INV({"rating", "out_of_range"})},
	{"form rating 04", "item_code=LC-T25&rating=04&kind=opinion&body=x",
	 INV({"rating", "out_of_range"})},
	{"form rating +4", "item_code=LC-T25&rating=%2B4&kind=opinion&body=x",
	 INV({"rating", "out_of_range"})},
	{"form rating ' 4'", "item_code=LC-T25&rating=+4&kind=opinion&body=x",
	 INV({"rating", "out_of_range"})},
	{"form rating 0", "item_code=LC-T25&rating=0&kind=opinion&body=x",
	 INV({"rating", "out_of_range"})},
	{"form rating 6", "item_code=LC-T25&rating=6&kind=opinion&body=x",
	 INV({"rating", "out_of_range"})},
	{"form rating four", "item_code=LC-T25&rating=four&kind=opinion&body=x",
	 INV({"rating", "out_of_range"})},
	{"form rating empty", "item_code=LC-T25&rating=&kind=opinion&body=x",
	 INV({"rating", "required"})},
	{"form rating missing", "item_code=LC-T25&kind=opinion&body=x", INV({"rating", "required"})},
	{"form consent_publish=on", FORM_MIN "&consent_publish=on", OK(.publish = YES, .contact = NO)},
	{"form consent_publish empty value", FORM_MIN "&consent_publish=", OK(.publish = YES)},
	{"form consent_contact=on", FORM_MIN "&consent_contact=on", OK(.publish = NO, .contact = YES)},
	{"form no consent", FORM_MIN, OK(.publish = NO, .contact = NO)},
	{"form unknown field", FORM_MIN "&foo=1", INV({"foo", "unknown_field"})},
	{"form JSON-style name", FORM_MIN "&submitter.name=A", INV({"submitter.name", "unknown_field"})},
	{"form unknown fields first", "zz=1&item_code=LC-T25&rating=9&kind=opinion&body=x&yy=",
	 INV({"zz", "unknown_field"}, {"yy", "unknown_field"}, {"rating", "out_of_range"})},
	{"form bad escape %zz", "item_code=LC-T25&rating=4&kind=opinion&body=%zz", MAL},
	{"form bad escape %", "item_code=LC-T25&rating=4&kind=opinion&body=50%", MAL},
	{"form bad escape %4", "item_code=LC-T25&rating=4&kind=opinion&body=%4", MAL},
	{"form %00", "item_code=LC-T25&rating=4&kind=opinion&body=a%00b", MAL},
	{"form NUL byte", FORM_MIN "\0&x=1", INTAKE_MALFORMED, {{0}}, {0}, sizeof(FORM_MIN "\0&x=1") - 1},
	{"form %FF in body", "item_code=LC-T25&rating=4&kind=opinion&body=a%FFb",
	 INV({"body", "invalid_utf8"})},
	{"form %FF in name", FORM_MIN "&submitter_name=%FF", INV({"submitter_name", "invalid_utf8"})},
	{"form overlong in body", "item_code=LC-T25&rating=4&kind=opinion&body=%C0%AF",
	 INV({"body", "invalid_utf8"})},
	{"form CRLF in body", "item_code=LC-T25&rating=4&kind=opinion&body=d%C3%B2ng+1%0D%0Ad%C3%B2ng+2",
	 OK(.body = "d\u00f2ng 1\nd\u00f2ng 2")},
	{"form lone CR in body", "item_code=LC-T25&rating=4&kind=opinion&body=a%0Db", OK(.body = "a\nb")},
	{"form body trimmed and NFC", "item_code=LC-T25&rating=4&kind=opinion&body=+%0A+Vie%CC%A3%CC%82t+",
	 OK(.body = "Vi\u1ec7t")},
	{"form body blank", "item_code=LC-T25&rating=4&kind=opinion&body=+%0D%0A+", INV({"body", "empty"})},
	{"form body control", "item_code=LC-T25&rating=4&kind=opinion&body=a%07b",
	 INV({"body", "control_characters"})},
	{"form all personal fields",
	 FORM_MIN "&submitter_type=individual&submitter_name=Nguy%E1%BB%85n+V%C4%83n+A"
	 "&submitter_organization=S%E1%BB%9F+KH%26CN&contact_email=a%40b.vn"
	 "&contact_phone=0912+345+678&idempotency_key=k-1",
	 OK(.submitter_type = "individual", .name = "Nguy\u1ec5n V\u0103n A",
	    .organization = "S\u1edf KH&CN", .email = "a@b.vn", .phone = "+84912345678",
	    .idempotency_key = "k-1", .personal = YES)},
	{"form empty optional fields",
	 FORM_MIN "&submitter_type=&submitter_name=&submitter_organization=&contact_email="
	 "&contact_phone=&idempotency_key=",
	 OK(.submitter_type = "", .idempotency_key = "", .personal = NO)},
	{"form bad choices",
	 FORM_MIN "&submitter_type=robot&submitter_name=A%0AB&contact_email=a&contact_phone=123"
	 "&idempotency_key=a+b",
	 INV({"submitter.type", "invalid_choice"}, {"submitter.name", "control_characters"},
	     {"contact.email", "invalid_email"}, {"contact.phone", "invalid_phone"},
	     {"idempotency_key", "invalid_code"})},
	{"form empty", "",
	 INV({"item_code", "required"}, {"rating", "required"}, {"kind", "required"},
	     {"body", "required"})},
	{"form kind other", "item_code=LC-T25&rating=4&kind=other&body=x", INV({"kind", "invalid_choice"})},
	{"form first value wins", FORM_MIN "&rating=9", OK(.rating = 4)},
};

static void test_form_table(void **state)
{
	(void)state;
	assert_int_equal(RUN_TABLE(intake_from_form, form_cases), 0);
}

/* The same submission sent as JSON and as a form is the same submission. */
static void test_form_equals_json(void **state)
{
	(void)state;
	const char *form = "item_code=LC-T25&rating=4&kind=opinion&body=L%C3%A0m+sao%0D%0Ath%E1%BA%BF+n%C3%A0o"
			   "&consent_publish=on&submitter_type=individual&contact_phone=0912.345.678";
	const char *json = "{\"item_code\":\"LC-T25\",\"rating\":4,\"kind\":\"opinion\","
			   "\"body\":\"L\u00e0m sao\\nth\u1ebf n\u00e0o\",\"consent\":{\"publish\":true},"
			   "\"submitter\":{\"type\":\"individual\"},\"contact\":{\"phone\":\"+84 912 345 678\"}}";
	struct submission a, b;
	json_object *fa = json_object_new_array(), *fb = json_object_new_array();
	assert_int_equal(intake_from_form(form, strlen(form), &a, fa), INTAKE_OK);
	assert_int_equal(intake_from_json(json, strlen(json), &b, fb), INTAKE_OK);
	assert_string_equal(a.body, "L\u00e0m sao\nth\u1ebf n\u00e0o");
	assert_string_equal(a.body, b.body);
	assert_string_equal(a.phone, b.phone);
	size_t la, lb;
	char *ca = submission_canonical(&a, &la), *cb = submission_canonical(&b, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(ca, cb, la);
	free(ca);
	free(cb);
	submission_free(&a);
	submission_free(&b);
	json_object_put(fa);
	json_object_put(fb);
}

/* True when fields reports that memory ran out for a field. */
static bool fields_have_no_memory(json_object *fields)
{
	for (size_t i = 0; i < json_object_array_length(fields); i++) {
		json_object *code;
		if (json_object_object_get_ex(json_object_array_get_idx(fields, i), "code", &code) &&
		    strcmp(json_object_get_string(code), "no_memory") == 0)
			return true;
	}
	return false;
}

/* Each allocation a client's body sizes refused in turn (xalloc_fail_after): the parse
 * refuses that one request (INTAKE_NO_MEMORY, or a no_memory field), frees what it took
 * (ASan's leak check at exit) and never crashes; then it succeeds. */
static void test_out_of_memory(void **state)
{
	(void)state;
	const char *form = "item_code=LC-T25&rating=4&kind=opinion&body=L%C3%A0m+sao%0D%0Ath%E1%BA%BF"
			   "&submitter_name=Nguy%E1%BB%85n+A&contact_phone=0912.345.678";
	const char *json = "{\"item_code\":\"LC-T25\",\"rating\":4,\"kind\":\"opinion\","
			   "\"body\":\"L\u00e0m sao\",\"submitter\":{\"name\":\"Nguy\u1ec5n A\"}}";
	for (int as_json = 0; as_json <= 1; as_json++) {
		const char *body = as_json ? json : form;
		long n = 0;
		for (;; n++) {
			assert_true(n < 64);
			struct submission s;
			json_object *fields = json_object_new_array();
			xalloc_fail_after(n);
			enum intake_result res = as_json
				? intake_from_json(body, strlen(body), &s, fields)
				: intake_from_form(body, strlen(body), &s, fields);
			xalloc_fail_after(-1);
			bool refused = res == INTAKE_NO_MEMORY ||
				       (res == INTAKE_INVALID && fields_have_no_memory(fields));
			if (res == INTAKE_OK) {
				assert_string_equal(s.item_code, "LC-T25");
				assert_string_equal(s.name, "Nguy\u1ec5n A");
				submission_free(&s);
			}
			json_object_put(fields);
			if (res == INTAKE_OK)
				break;
			assert_true(refused);
		}
		assert_true(n >= 1);
	}
}

/* --- phone and e-mail on their own ----------------------------------------------------- */

/* The reply to a refused submission asks whether its item exists, from what reading left
 * in the submission rather than by reading the body again. */
static void test_invalid_keeps_item_code(void **state)
{
	(void)state;
	static const struct {
		intake_fn fn;
		const char *input, *item_code;
	} cases[] = {
		{intake_from_json, "{\"item_code\":\"LC-T25\",\"rating\":9,\"kind\":\"x\",\"body\":\" \"}",
		 "LC-T25"},
		{intake_from_json, "{\"item_code\":\"LC-T25\",\"zzz\":1}", "LC-T25"},
		{intake_from_json, "{\"item_code\":\"lc t25\",\"rating\":9}", ""},
		{intake_from_json, "{\"item_code\":7}", ""},
		{intake_from_json, "{\"rating\":4}", ""},
		{intake_from_form, "item_code=LC-T25&rating=9&kind=opinion&body=b", "LC-T25"},
		{intake_from_form, "item_code=LC-T25&contact_email=x", "LC-T25"},
		{intake_from_form, "item_code=lc%20t25&rating=4", ""},
		{intake_from_form, "item_code=LC-T25&body=%FF", ""}, /* not read: not UTF-8 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct submission s;
		memset(&s, 0x5A, sizeof(s));
		json_object *fields = json_object_new_array();
		size_t len = strlen(cases[i].input);
		assert_int_equal(cases[i].fn(cases[i].input, len, &s, fields), INTAKE_INVALID);
		assert_string_equal(s.item_code, cases[i].item_code);
		assert_null(s.body);
		submission_free(&s);
		json_object_put(fields);
	}
}

static void test_phone_normalise(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want; /* want NULL: refused */
	} rows[] = {
		{"0912 345 678", "+84912345678"},
		{"+84 912 345 678", "+84912345678"},
		{"+84912345678", "+84912345678"},
		{"0912.345.678", "+84912345678"},
		{"  0912-345-678", "+84912345678"},
		{"(024) 3825 1234", "+842438251234"},
		{"0243 825 1234", "+842438251234"},
		{"+84 (24) 3825-1234", "+842438251234"},
		{"0388123456", "+84388123456"},
		{"0523456789", "+84523456789"},
		{"0701234567", "+84701234567"},
		{"0812345678", "+84812345678"},
		{"123", NULL},
		{"", NULL},
		{"0", NULL},
		{"+84", NULL},
		{"0112345678", NULL},     /* no 1x numbers */
		{"0412345678", NULL},
		{"0612345678", NULL},
		{"+1 202 555 0100", NULL},
		{"09123456789", NULL},    /* mobile with 10 national digits */
		{"091234567", NULL},      /* mobile with 8 */
		{"024382512345", NULL},   /* landline with 11 */
		{"0912a45678", NULL},
		{"0912/345/678", NULL},
		{"+84 0912 345 678", NULL}, /* both +84 and the trunk 0 */
		{"84912345678", NULL},    /* 84 without + */
		{"++84912345678", NULL},
		{"0912+345678", NULL},
		{"０９１２３４５６７８", NULL}, /* full-width digits */
		{"0912345678901234567890123456789012345", NULL},
	};
	int failures = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char out[16] = "unset";
		bool ok = intake_phone_normalise(rows[i].in, out);
		if (ok != (rows[i].want != NULL) || (ok && strcmp(out, rows[i].want) != 0)) {
			print_error("\"%s\": %s \"%s\", want %s\n", rows[i].in, ok ? "ok" : "refused", out,
				    rows[i].want ? rows[i].want : "refused");
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_email_is_valid(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		bool ok;
	} rows[] = {
		{"a@b.vn", true},
		{"nguyen.van.a+x@so-khcn.laichau.gov.vn", true},
		{"A.B@Example.COM", true},
		{"x@sub.domain.example", true},
		{"a", false},
		{"", false},
		{"a@b", false},
		{"a@@b.vn", false},
		{"a@b@c.vn", false},
		{"a b@c.vn", false},
		{"a@b..vn", false},
		{"a@b.vn.", false},
		{"@b.vn", false},
		{"a@", false},
		{"a@b.", false},
		{"a\t@b.vn", false},
		{"a@b.vn\n", false},
		{"a\x7f@b.vn", false},
		{"<a@b.vn>", false},
		{"a,b@c.vn", false},
		{"a;b@c.vn", false},
		{"a:b@c.vn", false},
		{"\"a\"@b.vn", false},
		{"a@[1.2.3.4]", false},
	};
	int failures = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (intake_email_is_valid(rows[i].in) != rows[i].ok) {
			print_error("\"%s\": %s, want %s\n", rows[i].in, rows[i].ok ? "refused" : "accepted",
				    rows[i].ok ? "accepted" : "refused");
			failures++;
		}
	char *l249 = repeat("a", 249), *l250 = repeat("a", 250);
	char *ok254 = fmt("%s@b.vn", l249), *bad255 = fmt("%s@b.vn", l250);
	assert_int_equal(strlen(ok254), 254);
	assert_int_equal(strlen(bad255), 255);
	if (!intake_email_is_valid(ok254) || intake_email_is_valid(bad255)) {
		print_error("254/255-byte addresses: %d %d, want 1 0\n", intake_email_is_valid(ok254),
			    intake_email_is_valid(bad255));
		failures++;
	}
	free(l249);
	free(l250);
	free(ok254);
	free(bad255);
	assert_int_equal(failures, 0);
}

/* --- canonical bytes, hash, personal data ---------------------------------------------- */

/* docs/receipts.md, "The canonical submission", for one submission. */
static const char canonical_want[] =
	"pakn57-submission-v1\n"
	"item_code:LC-T25\n"
	"rating:4\n"
	"kind:opinion\n"
	"submitter_type:individual\n"
	"consent_publish:true\n"
	"consent_contact:false\n"
	"body_bytes:37\n"
	"L\u00e0m sao \u0111\u1ec3 \u0111\u0103ng k\u00fd?\nC\u1ea3m \u01a1n.";
/* BLAKE2b-256 of those bytes, from Python's hashlib.blake2b(digest_size=32). */
#define CANONICAL_HASH "689c082d8492a0f259c76bb8394168c636a32cceb16875e0c4b3b4a8691e213b"

#define FULL_JSON                                                                              \
	"{\"item_code\":\"LC-T25\",\"rating\":4,\"kind\":\"opinion\","                          \
	"\"body\":\"  L\u00e0m sao \u0111\u1ec3 \u0111\u0103ng k\u00fd?\\r\\nC\u1ea3m \u01a1n. \\n\","     \
	"\"submitter\":{\"type\":\"individual\",\"name\":\"Nguy\u1ec5n V\u0103n A\","           \
	"\"organization\":\"H\u1ee3p t\u00e1c x\u00e3 Tam \u0110\u01b0\u1eddng\"},"             \
	"\"contact\":{\"email\":\"a@b.vn\",\"phone\":\"0912 345 678\"},"                        \
	"\"consent\":{\"publish\":true,\"contact\":false},\"idempotency_key\":\"key-1\"}"

static void test_canonical_exact(void **state)
{
	(void)state;
	struct submission s;
	json_object *fields = json_object_new_array();
	assert_int_equal(intake_from_json(FULL_JSON, strlen(FULL_JSON), &s, fields), INTAKE_OK);
	json_object_put(fields);
	size_t len = 0;
	char *bytes = submission_canonical(&s, &len);
	assert_non_null(bytes);
	if (len != sizeof(canonical_want) - 1 || memcmp(bytes, canonical_want, len) != 0)
		print_error("canonical bytes:\n%.*s\n-- want:\n%s\n", (int)len, bytes, canonical_want);
	assert_int_equal(len, sizeof(canonical_want) - 1);
	assert_memory_equal(bytes, canonical_want, len);
	/* the body is 37 bytes as the header says */
	assert_int_equal(strlen(s.body), 37);

	/* the hash, computed here with crypto_generichash, and as Python gives it */
	uint8_t h[32];
	char hex[65], want[65];
	crypto_generichash(h, sizeof(h), (const uint8_t *)canonical_want, sizeof(canonical_want) - 1,
			   NULL, 0);
	for (int i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", h[i]);
	assert_string_equal(want, CANONICAL_HASH);
	memset(hex, 'x', sizeof(hex));
	submission_hash(&s, hex);
	assert_string_equal(hex, CANONICAL_HASH);

	/* no personal data in the canonical bytes: erasing it changes nothing */
	assert_null(memmem(bytes, len, "Nguy", 4));
	assert_null(memmem(bytes, len, "a@b.vn", 6));
	assert_null(memmem(bytes, len, "912345678", 9));
	assert_null(memmem(bytes, len, "key-1", 5));
	free(s.name);
	free(s.email);
	free(s.phone);
	free(s.organization);
	s.name = s.email = s.phone = s.organization = NULL;
	submission_hash(&s, hex);
	assert_string_equal(hex, CANONICAL_HASH);
	/* but every field that is in it matters */
	s.consent_contact = true;
	submission_hash(&s, hex);
	assert_string_not_equal(hex, CANONICAL_HASH);
	free(bytes);
	submission_free(&s);
}

/* The minimal submission: an empty submitter type, both consents false. */
static void test_canonical_minimal(void **state)
{
	(void)state;
	static const char want[] = "pakn57-submission-v1\n"
				   "item_code:LC-T25\n"
				   "rating:4\n"
				   "kind:opinion\n"
				   "submitter_type:\n"
				   "consent_publish:false\n"
				   "consent_contact:false\n"
				   "body_bytes:8\n"
				   "L\u00e0m sao";
	const char *in = "{\"item_code\":\"LC-T25\",\"rating\":4,\"kind\":\"opinion\",\"body\":\"L\u00e0m sao\"}";
	struct submission s;
	json_object *fields = json_object_new_array();
	assert_int_equal(intake_from_json(in, strlen(in), &s, fields), INTAKE_OK);
	json_object_put(fields);
	size_t len;
	char *bytes = submission_canonical(&s, &len);
	assert_int_equal(len, sizeof(want) - 1);
	assert_memory_equal(bytes, want, len);
	char hex[65];
	submission_hash(&s, hex);
	assert_string_equal(hex, "d2599d139a8996a8640ef14bb87223e5e06a4b00aea424f16f8efb01b6a08db4");
	free(bytes);
	submission_free(&s);
}

static void test_personal_data(void **state)
{
	(void)state;
	struct submission s;
	json_object *fields = json_object_new_array();
	assert_int_equal(intake_from_json(FULL_JSON, strlen(FULL_JSON), &s, fields), INTAKE_OK);
	json_object_put(fields);
	assert_true(submission_has_personal_data(&s));
	json_object *p = submission_personal_json(&s);
	json_object *want = json_tokener_parse(
		"{\"name\":\"Nguy\u1ec5n V\u0103n A\",\"organization\":\"H\u1ee3p t\u00e1c x\u00e3 Tam "
		"\u0110\u01b0\u1eddng\",\"email\":\"a@b.vn\",\"phone\":\"+84912345678\"}");
	assert_non_null(want);
	if (!json_object_equal(p, want))
		print_error("personal json %s\n", json_object_to_json_string(p));
	assert_true(json_object_equal(p, want));
	json_object_put(p);
	json_object_put(want);

	/* each field alone is personal data and is the only member */
	struct {
		char **member;
		const char *key;
	} one[] = {{&s.name, "name"}, {&s.organization, "organization"}, {&s.email, "email"},
		   {&s.phone, "phone"}};
	char *saved[4];
	for (int i = 0; i < 4; i++) {
		saved[i] = *one[i].member;
		*one[i].member = NULL;
	}
	assert_false(submission_has_personal_data(&s));
	p = submission_personal_json(&s);
	assert_int_equal(json_object_object_length(p), 0);
	json_object_put(p);
	for (int i = 0; i < 4; i++) {
		*one[i].member = saved[i];
		assert_true(submission_has_personal_data(&s));
		p = submission_personal_json(&s);
		json_object *v;
		assert_int_equal(json_object_object_length(p), 1);
		assert_true(json_object_object_get_ex(p, one[i].key, &v));
		assert_string_equal(json_object_get_string(v), saved[i]);
		json_object_put(p);
		*one[i].member = NULL;
	}
	for (int i = 0; i < 4; i++)
		*one[i].member = saved[i];
	submission_free(&s);
	submission_free(&s); /* safe twice */
}

/* Mutated copies of good submissions (bytes replaced by structural ones, cut, bits
 * flipped), as JSON and as a form, are refused with a reason or accepted with fields that
 * keep every rule; never a crash (the suite runs under ASan/UBSan). Fixed seed. */
static void test_fuzz_mutated_submissions(void **state)
{
	(void)state;
	static const char *const seeds[] = {
		"{\"item_code\":\"LC-T25\",\"rating\":4,\"kind\":\"opinion\",\"body\":\"Tiếng Việt "
		"có dấu\\nhai dòng\",\"submitter\":{\"type\":\"individual\",\"name\":\"Lê Văn B\"},"
		"\"contact\":{\"email\":\"b@x.vn\",\"phone\":\"+84 912 345 678\"},"
		"\"consent\":{\"publish\":true},\"idempotency_key\":\"k-1\"}",
		"item_code=DB-I03&rating=5&kind=proposal&body=T%C4%83ng+chi&contact_phone=0912345678"
		"&consent_publish=on",
	};
	static const char structural[] = "{}[]\",:\\u00%&=+\xc3\xa1\xcc\x81\n\t\x01";
	unsigned seed = 57;
	for (int iter = 0; iter < 4000; iter++) {
		const char *base = seeds[iter % 2];
		size_t n = strlen(base);
		char *text = malloc(n + 1);
		memcpy(text, base, n + 1);
		for (int e = 0, edits = 1 + rand_r(&seed) % 4; e < edits && n > 0; e++) {
			size_t at = (size_t)rand_r(&seed) % n;
			switch (rand_r(&seed) % 3) {
			case 0:
				text[at] = structural[rand_r(&seed) % (sizeof(structural) - 1)];
				break;
			case 1:
				text[at] ^= (char)(1 << (rand_r(&seed) % 8));
				break;
			default:
				n = at;
			}
		}
		struct submission s;
		json_object *fields = json_object_new_array();
		enum intake_result r = iter % 2 ? intake_from_form(text, n, &s, fields)
						: intake_from_json(text, n, &s, fields);
		if (r == INTAKE_OK) {
			assert_int_equal(json_object_array_length(fields), 0);
			assert_true(s.rating >= 1 && s.rating <= 5);
			assert_true(utf8_is_valid((const uint8_t *)s.body, strlen(s.body)));
			assert_true(utf8_length((const uint8_t *)s.body, strlen(s.body)) <= BODY_MAX_CHARS);
			assert_true(*s.body != '\0');
			if (s.email)
				assert_true(intake_email_is_valid(s.email));
			submission_free(&s);
		} else if (r == INTAKE_INVALID) {
			assert_true(json_object_array_length(fields) > 0);
			assert_true(utf8_is_valid((const uint8_t *)json_object_to_json_string(fields),
						  strlen(json_object_to_json_string(fields))));
		}
		json_object_put(fields);
		free(text);
	}
}

/* Reads input as an official's entry on day today (days since 1970-01-01); fields gets
 * the problems as "field code" lines. */
static enum intake_result assisted(const char *input, int64_t today, struct submission *s,
				   char *problems, size_t cap)
{
	json_object *fields = json_object_new_array();
	enum intake_result r = intake_from_json_assisted(input, strlen(input), today, s, fields);
	problems[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(fields); i++) {
		json_object *f = json_object_array_get_idx(fields, i), *field, *code;
		json_object_object_get_ex(f, "field", &field);
		json_object_object_get_ex(f, "code", &code);
		size_t n = strlen(problems);
		snprintf(problems + n, cap - n, "%s %s;", json_object_get_string(field),
			 json_object_get_string(code));
	}
	json_object_put(fields);
	return r;
}

static void test_assisted_channel_and_day(void **state)
{
	(void)state;
	int64_t today;
	assert_true(date_parse("2026-12-07", &today));
#define ENTRY(extra) "{\"item_code\":\"LC-T25\",\"rating\":2,\"kind\":\"report\"," \
		     "\"body\":\"Gọi điện\"" extra "}"
	static const struct {
		const char *input, *problems, *channel, *received_on;
	} cases[] = {
		{ENTRY(",\"channel\":\"phone\",\"received_on\":\"2026-12-04\""), "", "phone",
		 "2026-12-04"},
		{ENTRY(",\"channel\":\"letter\""), "", "letter", "2026-12-07"},
		{ENTRY(",\"channel\":\"desk\",\"received_on\":null"), "", "desk", "2026-12-07"},
		{ENTRY(",\"channel\":\"email\",\"received_on\":\"2026-11-07\""), "", "email",
		 "2026-11-07"},
		{ENTRY(",\"channel\":\"other\",\"received_on\":\"2026-12-07\""), "", "other",
		 "2026-12-07"},
		{ENTRY(""), "channel required;", NULL, NULL},
		{ENTRY(",\"channel\":\"web\""), "channel invalid_choice;", NULL, NULL},
		{ENTRY(",\"channel\":\"Phone\""), "channel invalid_choice;", NULL, NULL},
		{ENTRY(",\"channel\":1"), "channel invalid_type;", NULL, NULL},
		{ENTRY(",\"channel\":null"), "channel required;", NULL, NULL},
		{ENTRY(",\"channel\":\"phone\",\"received_on\":\"2026-12-08\""),
		 "received_on date_out_of_range;", NULL, NULL},
		{ENTRY(",\"channel\":\"phone\",\"received_on\":\"2026-11-06\""),
		 "received_on date_out_of_range;", NULL, NULL},
		{ENTRY(",\"channel\":\"phone\",\"received_on\":\"2026-11-31\""),
		 "received_on invalid_date;", NULL, NULL},
		{ENTRY(",\"channel\":\"phone\",\"received_on\":20261204"),
		 "received_on invalid_type;", NULL, NULL},
		{"{\"rating\":0,\"channel\":\"fax\",\"received_on\":\"x\"}",
		 "item_code required;rating out_of_range;kind required;body required;"
		 "channel invalid_choice;received_on invalid_date;", NULL, NULL},
		{ENTRY(",\"channel\":\"phone\",\"entered_by\":1"), "entered_by unknown_field;", NULL,
		 NULL},
	};
#undef ENTRY
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct submission s;
		char problems[512];
		enum intake_result r = assisted(cases[i].input, today, &s, problems, sizeof(problems));
		if (strcmp(problems, cases[i].problems) != 0)
			fail_msg("case %zu: %s, want %s", i, problems, cases[i].problems);
		assert_int_equal(r, cases[i].channel ? INTAKE_OK : INTAKE_INVALID);
		if (cases[i].channel) {
			assert_string_equal(s.channel, cases[i].channel);
			assert_string_equal(s.received_on, cases[i].received_on);
			assert_int_equal(s.entered_by, 0); /* the caller's to fill */
			assert_string_equal(s.body, "Gọi điện");
		}
		submission_free(&s);
	}
	/* The canonical bytes do not hold the channel: the receipt is the web form's. */
	struct submission web, desk;
	json_object *fields = json_object_new_array();
	static const char base[] = "{\"item_code\":\"LC-T25\",\"rating\":2,\"kind\":\"report\","
				   "\"body\":\"Gọi điện\"}";
	static const char entered[] = "{\"item_code\":\"LC-T25\",\"rating\":2,\"kind\":\"report\","
				      "\"body\":\"Gọi điện\",\"channel\":\"desk\"}";
	assert_int_equal(intake_from_json(base, strlen(base), &web, fields), INTAKE_OK);
	assert_int_equal(intake_from_json_assisted(entered, strlen(entered), today, &desk, fields),
			 INTAKE_OK);
	char h1[65], h2[65];
	submission_hash(&web, h1);
	submission_hash(&desk, h2);
	assert_string_equal(h1, h2);
	assert_string_equal(web.channel, "");
	submission_free(&web);
	submission_free(&desk);
	/* The citizens' reading takes neither field. */
	assert_int_equal(intake_from_json(entered, strlen(entered), &web, fields), INTAKE_INVALID);
	assert_string_equal(json_object_get_string(json_object_object_get(
				    json_object_array_get_idx(fields, 0), "code")),
			    "unknown_field");
	submission_free(&web);
	json_object_put(fields);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_table),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_json_nul_escape),
		cmocka_unit_test(test_json_wrong_type_reported_once),
		cmocka_unit_test(test_email_controls_beyond_ascii),
		cmocka_unit_test(test_json_lengths),
		cmocka_unit_test(test_json_combining_marks),
		cmocka_unit_test(test_field_errors_capped),
		cmocka_unit_test(test_invisible_text_is_empty),
		cmocka_unit_test(test_json_lone_surrogates),
		cmocka_unit_test(test_json_nfc_same_hash),
		cmocka_unit_test(test_form_table),
		cmocka_unit_test(test_form_equals_json),
		cmocka_unit_test(test_invalid_keeps_item_code),
		cmocka_unit_test(test_phone_normalise),
		cmocka_unit_test(test_email_is_valid),
		cmocka_unit_test(test_canonical_exact),
		cmocka_unit_test(test_canonical_minimal),
		cmocka_unit_test(test_personal_data),
		cmocka_unit_test(test_assisted_channel_and_day),
		cmocka_unit_test(test_fuzz_mutated_submissions),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
