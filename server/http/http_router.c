/* http_router.c - owns path pattern matching and percent-decoding (see http_router.h). */
#include "http/http_router.h"

#include <stdio.h>
#include <string.h>

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long percent_decode(const char *in, size_t len, char *out, size_t outlen, int plus_is_space)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c == '%') {
			if (i + 2 >= len)
				return -1;
			int h = hex_value(in[i + 1]), l = hex_value(in[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (char)(h * 16 + l);
			if (c == '\0')
				return -1;
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = c;
	}
	if (o >= outlen)
		return -1;
	out[o] = '\0';
	return (long)o;
}

/* Matches one pattern against path segment by segment. */
static int pattern_match(const char *pattern, const char *path, struct route_params *params)
{
	params->n = 0;
	const char *p = pattern, *s = path;
	while (*p && *s) {
		if (*p != '/' || *s != '/')
			return 0;
		p++;
		s++;
		const char *pe = strchr(p, '/'), *se = strchr(s, '/');
		size_t plen = pe ? (size_t)(pe - p) : strlen(p);
		size_t slen = se ? (size_t)(se - s) : strlen(s);
		if (plen > 2 && p[0] == '{' && p[plen - 1] == '}') {
			if (slen == 0 || params->n == ROUTE_MAX_PARAMS || plen - 2 >= sizeof(params->p[0].name))
				return 0;
			int k = params->n;
			memcpy(params->p[k].name, p + 1, plen - 2);
			params->p[k].name[plen - 2] = '\0';
			if (percent_decode(s, slen, params->p[k].value, sizeof(params->p[k].value), 0) <= 0)
				return 0;
			params->n++;
		} else if (plen != slen || memcmp(p, s, plen) != 0) {
			return 0;
		}
		p += plen;
		s += slen;
	}
	return *p == '\0' && *s == '\0';
}

enum route_result router_match(const struct route *routes, size_t nroutes, unsigned method,
			       const char *path, const struct route **found,
			       struct route_params *params, unsigned *allowed)
{
	*allowed = 0;
	unsigned want = method == HTTP_HEAD ? HTTP_GET | HTTP_HEAD : method;
	for (size_t i = 0; i < nroutes; i++) {
		struct route_params tmp;
		if (!pattern_match(routes[i].pattern, path, &tmp))
			continue;
		unsigned m = routes[i].methods;
		if (m & HTTP_GET)
			m |= HTTP_HEAD;
		*allowed |= m;
		if (routes[i].methods & want) {
			*found = &routes[i];
			*params = tmp;
			return ROUTE_FOUND;
		}
	}
	return *allowed ? ROUTE_METHOD_NOT_ALLOWED : ROUTE_NOT_FOUND;
}

const struct http_method_info http_methods[HTTP_METHOD_COUNT] = {
	{HTTP_GET, "GET", false},	  {HTTP_HEAD, "HEAD", false},
	{HTTP_POST, "POST", true},	  {HTTP_PUT, "PUT", true},
	{HTTP_DELETE, "DELETE", false}, {HTTP_OPTIONS, "OPTIONS", false},
	{HTTP_PATCH, "PATCH", true},
};

const char *http_method_name(unsigned bit)
{
	for (size_t i = 0; i < HTTP_METHOD_COUNT; i++)
		if (http_methods[i].bit == bit)
			return http_methods[i].name;
	return "OTHER";
}

void router_allow_header(unsigned mask, char *out, size_t outlen)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < HTTP_METHOD_COUNT; i++) {
		if (!(mask & http_methods[i].bit))
			continue;
		int n = snprintf(out + o, outlen - o, "%s%s", o ? ", " : "", http_methods[i].name);
		if (n < 0 || (size_t)n >= outlen - o)
			break;
		o += (size_t)n;
	}
}

void router_route_label(const struct route *r, char *out, size_t outlen)
{
	const char *m = "";
	for (size_t i = 0; i < HTTP_METHOD_COUNT; i++)
		if (r->methods & http_methods[i].bit) {
			m = http_methods[i].name;
			break;
		}
	snprintf(out, outlen, "%s %s", m, r->pattern);
}
