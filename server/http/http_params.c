/* http_params.c - owns the query parameter checks (see http_params.h). */
#include "http/http_params.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/util.h"
#include "http/field_errors.h"
#include "http/http.h"

static bool all_chars(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

static bool is_choice(const char *v, const char *choices)
{
	size_t n = strlen(v);
	for (const char *c = choices; c && *c;) {
		const char *bar = strchr(c, '|');
		size_t clen = bar ? (size_t)(bar - c) : strlen(c);
		if (clen == n && strncmp(c, v, n) == 0)
			return true;
		c += clen + (bar ? 1 : 0);
	}
	return false;
}

/* Returns NULL when v is acceptable, else the field error code. */
static const char *param_problem(const struct param_spec *s, const char *v)
{
	switch (s->kind) {
	case PARAM_CODE:
		return text_is_item_code(v) ? NULL : "invalid_code";
	case PARAM_SLUG:
		return text_is_agency_code(v) ? NULL : "invalid_code";
	case PARAM_ROMAN:
		return strlen(v) <= 8 && all_chars(v, "IVXL") ? NULL : "invalid_section";
	case PARAM_CHOICE:
		return is_choice(v, s->choices) ? NULL : "invalid_choice";
	case PARAM_TEXT:
		return utf8_length((const uint8_t *)v, strlen(v)) <= (size_t)s->max ? NULL
										      : "too_long";
	case PARAM_DATE: {
		int64_t days;
		return date_parse(v, &days) ? NULL : "invalid_date";
	}
	case PARAM_INT: {
		char *end;
		long n = strtol(v, &end, 10);
		if (*end || end == v || v[0] == '+' || v[0] == ' ' || strlen(v) > 12)
			return "not_an_integer";
		return n < s->min || n > s->max ? "out_of_range" : NULL;
	}
	}
	return "invalid";
}

static void param_message(const struct param_spec *s, const char *problem, char *out,
			  size_t outlen)
{
	(void)problem;
	if (s->kind == PARAM_INT)
		snprintf(out, outlen, "Phải là số nguyên từ %ld đến %ld. / Must be a whole number from %ld to %ld.",
			 s->min, s->max, s->min, s->max);
	else if (s->kind == PARAM_CHOICE)
		snprintf(out, outlen, "Phải là một trong: %s. / Must be one of: %s.", s->choices,
			 s->choices);
	else if (s->kind == PARAM_TEXT)
		snprintf(out, outlen, "Tối đa %ld ký tự. / At most %ld characters.", s->max, s->max);
	else
		snprintf(out, outlen, "Giá trị không hợp lệ. / Invalid value.");
}

bool http_query_check(struct http_req *req, const struct param_spec *specs, size_t n,
		      const char **values)
{
	json_object *fields = json_object_new_array();
	char msg[256];
	for (int i = 0; i < req->query.n; i++) {
		bool known = false;
		for (size_t k = 0; k < n; k++)
			known |= strcmp(specs[k].name, req->query.key[i]) == 0;
		if (!known)
			field_errors_add(fields, req->query.key[i], "unknown_parameter",
					 "Tham số không được hỗ trợ. / Unknown parameter.");
	}
	for (size_t k = 0; k < n; k++) {
		const char *v = query_get(&req->query, specs[k].name);
		values[k] = v && *v ? v : specs[k].def;
		if (!v || !*v) {
			if (specs[k].required)
				field_errors_add(fields, specs[k].name, "required",
						 "Bắt buộc. / Required.");
			continue;
		}
		const char *problem = param_problem(&specs[k], v);
		if (problem) {
			param_message(&specs[k], problem, msg, sizeof(msg));
			field_errors_add(fields, specs[k].name, problem, msg);
		}
	}
	if (json_object_array_length(fields) == 0) {
		json_object_put(fields);
		return true;
	}
	http_reply_code(req, HTTP_ERR_INVALID_PARAMETER, fields);
	return false;
}

int64_t http_param_id(const struct http_req *req, const char *name, int64_t max)
{
	const char *s = http_param(req, name);
	if (!s || !all_chars(s, "0123456789") || strlen(s) > 18)
		return 0;
	int64_t v = strtoll(s, NULL, 10);
	return v <= max ? v : 0;
}
