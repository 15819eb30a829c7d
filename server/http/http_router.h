/* http_router.h - the routing table's matching: method + path pattern ("/api/v1/items/{code}")
 * to a handler, with path parameters percent-decoded. Pure: no I/O, no allocation. */
#ifndef PAKN_HTTP_ROUTER_H
#define PAKN_HTTP_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_HEAD = 1 << 1,
	HTTP_POST = 1 << 2,
	HTTP_PUT = 1 << 3,
	HTTP_DELETE = 1 << 4,
	HTTP_OPTIONS = 1 << 5,
	HTTP_PATCH = 1 << 6,
	HTTP_OTHER = 1 << 7,
};

/* The methods libevent parses, in the order of their bits: the one table of their names.
 * body: libevent reads a body for the method, and the API takes one. */
#define HTTP_METHOD_COUNT 7
extern const struct http_method_info {
	enum http_method bit;
	const char *name;
	bool body;
} http_methods[HTTP_METHOD_COUNT];

/* The name of one method bit ("GET"), or "OTHER". */
const char *http_method_name(unsigned bit);

#define ROUTE_MAX_PARAMS 4
#define ROUTE_PARAM_MAX 128 /* bytes of a decoded path parameter; longer never matches */

struct route_params {
	int n;
	struct {
		char name[32];
		char value[ROUTE_PARAM_MAX + 1];
	} p[ROUTE_MAX_PARAMS];
};

struct http_req;
typedef void (*http_handler)(struct http_req *req);

struct route {
	unsigned methods; /* HTTP_GET | …; a GET route also answers HEAD */
	const char *pattern;
	http_handler handler;
};

enum route_result {
	ROUTE_FOUND,
	ROUTE_NOT_FOUND,          /* no pattern matches the path */
	ROUTE_METHOD_NOT_ALLOWED, /* a pattern matches but not for this method; see *allowed */
};

/* Finds the route for method and path (the raw path, without the query). On ROUTE_FOUND
 * sets *found and fills params; on ROUTE_METHOD_NOT_ALLOWED sets *allowed to the methods
 * the path does take. */
enum route_result router_match(const struct route *routes, size_t nroutes, unsigned method,
			       const char *path, const struct route **found,
			       struct route_params *params, unsigned *allowed);

/* Writes the methods in mask as an Allow header value ("GET, HEAD"). */
void router_allow_header(unsigned mask, char *out, size_t outlen);

/* Writes "GET /api/v1/items/{code}", route r's first method and its pattern, to out (two
 * routes may share a pattern, never a method and pattern): its name in GET /metrics. */
void router_route_label(const struct route *r, char *out, size_t outlen);

/* Decodes %XX escapes of in[0..len) into out (outlen bytes incl. NUL); '+' becomes a space
 * when plus_is_space. Returns the decoded length, or -1 on a bad escape, an encoded NUL or
 * too little room. */
long percent_decode(const char *in, size_t len, char *out, size_t outlen, int plus_is_space);

#endif
