/* accept_encoding.c - owns reading the Accept-Encoding header (see accept_encoding.h). */
#include "http/accept_encoding.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

static const char *const names[CODING_COUNT] = {"br", "gzip", NULL};

const char *accept_encoding_name(enum coding c)
{
	return c < CODING_COUNT ? names[c] : NULL;
}

/* A q value of zero: "0", "0.", "0.0", … "0.000" (RFC 9110 §12.4.2 allows three
 * decimals); anything else that parses is above zero. */
static bool q_is_zero(const char *v, size_t len)
{
	if (len == 0 || v[0] != '0')
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(i == 1 && v[i] == '.') && v[i] != '0')
			return false;
	return true;
}

/* Whether the parameters after a coding (";q=0.5;x=y", up to the next comma) give q=0. */
static bool params_refuse(const char *p, const char *end)
{
	while (p < end) {
		p += strspn(p, " \t;");
		const char *stop = p + strcspn(p, ";,");
		if (stop > end)
			stop = end;
		if (stop - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			const char *v = p + 2;
			size_t len = (size_t)(stop - v);
			while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
				len--;
			return q_is_zero(v, len);
		}
		p = stop;
	}
	return false;
}

unsigned accept_encoding_parse(const char *header)
{
	if (!header)
		return 1u << CODING_IDENTITY;
	/* Per coding: 0 not named, 1 accepted, 2 refused. */
	int named[CODING_COUNT] = {0}, star = 0;
	for (const char *p = header; *p;) {
		p += strspn(p, " \t,");
		const char *end = p + strcspn(p, ",");
		size_t tok = strcspn(p, " \t;,");
		int verdict = params_refuse(p + tok, end) ? 2 : 1;
		if (tok == 1 && p[0] == '*')
			star = verdict;
		else if (tok == 2 && strncasecmp(p, "br", 2) == 0)
			named[CODING_BR] = verdict;
		else if ((tok == 4 && strncasecmp(p, "gzip", 4) == 0) ||
			 (tok == 6 && strncasecmp(p, "x-gzip", 6) == 0))
			named[CODING_GZIP] = verdict;
		else if (tok == 8 && strncasecmp(p, "identity", 8) == 0)
			named[CODING_IDENTITY] = verdict;
		p = end;
	}
	unsigned ok = 0;
	for (int c = 0; c < CODING_COUNT; c++) {
		bool taken = named[c] == 1 || (named[c] == 0 && star == 1) ||
			     (c == CODING_IDENTITY && named[c] == 0 && star != 2);
		if (taken)
			ok |= 1u << c;
	}
	return ok;
}
