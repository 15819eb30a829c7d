/* field_errors.c - owns the bounded list of field problems of an error reply (see
 * field_errors.h). */
#include "http/field_errors.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

static json_object *string_or_abort(const char *s)
{
	json_object *o = json_object_new_string(s);
	if (!o)
		abort();
	return o;
}

static void set_more_count(json_object *more, int64_t count)
{
	char message[160];
	snprintf(message, sizeof(message),
		 "Còn %lld lỗi khác không được liệt kê. / %lld more not listed.",
		 (long long)count, (long long)count);
	json_object_object_add(more, "message", string_or_abort(message));
	json_object_object_add(more, "count", json_object_new_int64(count));
}

void field_errors_add(json_object *fields, const char *field, const char *code,
		      const char *message)
{
	size_t n = json_object_array_length(fields);
	if (n > FIELD_ERRORS_MAX) {
		json_object *more = json_object_array_get_idx(fields, n - 1), *count;
		if (json_object_object_get_ex(more, "count", &count))
			set_more_count(more, json_object_get_int64(count) + 1);
		return;
	}
	json_object *f = json_object_new_object();
	if (!f)
		abort();
	if (n == FIELD_ERRORS_MAX) {
		json_object_object_add(f, "field", string_or_abort(FIELD_ERRORS_MORE_FIELD));
		json_object_object_add(f, "code", string_or_abort(FIELD_ERRORS_MORE_CODE));
		set_more_count(f, 1);
		json_object_array_add(fields, f);
		return;
	}
	size_t len = strlen(field);
	char cut[FIELD_NAME_MAX_BYTES + sizeof("…")];
	if (!utf8_is_valid((const uint8_t *)field, len)) {
		field = "(not UTF-8)";
	} else if (len > FIELD_NAME_MAX_BYTES) {
		size_t keep = utf8_cut(field, len, FIELD_NAME_MAX_BYTES);
		snprintf(cut, sizeof(cut), "%.*s…", (int)keep, field);
		field = cut;
	}
	json_object_object_add(f, "field", string_or_abort(field));
	json_object_object_add(f, "code", string_or_abort(code));
	json_object_object_add(f, "message", string_or_abort(message));
	json_object_array_add(fields, f);
}

/* n with its thousands grouped by sep: 5000 -> "5.000" or "5,000". */
static void group_thousands(char *out, size_t outlen, size_t n, char sep)
{
	char digits[24];
	int len = snprintf(digits, sizeof(digits), "%zu", n);
	size_t o = 0;
	for (int i = 0; i < len && o + 2 < outlen; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[o++] = sep;
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

void field_errors_add_too_long(json_object *fields, const char *field, size_t max_chars)
{
	char vi[32], en[32], message[160];
	group_thousands(vi, sizeof(vi), max_chars, '.');
	group_thousands(en, sizeof(en), max_chars, ',');
	snprintf(message, sizeof(message),
		 "Dài quá: tối đa %s ký tự. / Too long: at most %s characters.", vi, en);
	field_errors_add(fields, field, FIELD_ERRORS_TOO_LONG, message);
}
