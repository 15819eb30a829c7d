/* http_params.h - the checks of a request's query parameters against a table of what each
 * handler takes (struct param_spec): every problem reported at once, unknown parameters
 * refused. */
#ifndef PAKN_HTTP_PARAMS_H
#define PAKN_HTTP_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_req;

enum param_kind {
	PARAM_CODE,   /* upper-case letters, digits, '-' and '.': plan and item codes */
	PARAM_SLUG,   /* lower-case letters, digits and '-': agency codes */
	PARAM_ROMAN,  /* I, II, … a section */
	PARAM_CHOICE, /* one of choices, '|'-separated */
	PARAM_TEXT,   /* any text up to max characters */
	PARAM_INT,    /* a whole number from min to max */
	PARAM_DATE,   /* a calendar date, YYYY-MM-DD */
};

struct param_spec {
	const char *name;
	enum param_kind kind;
	const char *choices; /* PARAM_CHOICE */
	long min, max;       /* PARAM_INT range; PARAM_TEXT max length in characters */
	const char *def;     /* value when absent or empty; NULL = absent */
	bool required;       /* absent or empty is a problem ("required") */
};


/* Checks the request's query against specs: every parameter known, every value well
 * formed. Fills values[i] for specs[i]. On any problem replies 400 listing them all in
 * "fields" and returns false (req is then gone). */
bool http_query_check(struct http_req *req, const struct param_spec *specs, size_t n,
		      const char **values);

/* The path parameter name ("{id}") as a whole number from 1 to max, written in decimal
 * digits only; 0 when it is absent or anything else (the caller answers 404). */
int64_t http_param_id(const struct http_req *req, const char *name, int64_t max);

#endif
