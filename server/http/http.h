/* http.h - one request's life: routing, the JSON replies and errors of the API contract,
 * security headers, request ids and the access log. Every request gets exactly one reply,
 * through http_reply_json() or http_reply_code() / http_reply_error(), which also free the
 * request.
 *
 * Ownership of json-c objects, the one rule for server/ and tools/ (docs/architecture.md):
 *  - json_object_new_*(), json_tokener_parse(), json_parse_strict() and our functions that
 *    return a new object give the caller one reference. The caller either hands it over or
 *    puts it (json_object_put) exactly once, on every path.
 *  - Handing over: json_object_object_add(), json_object_array_add(), the fields of
 *    http_reply_code() and http_reply_error(), log_write()'s fields, and any function whose
 *    comment says it takes or consumes a value. From the call on, the caller's pointer is
 *    dead: never put, add or read it again. A cleanup label must not put what some path
 *    before it has handed over.
 *  - Lending: json_object_object_get_ex(), json_object_array_get_idx() and the strings of
 *    json_object_get_string() / json_object_to_json_string*() live as long as the object
 *    that holds them; use them before its put, or keep a value with json_object_get() and
 *    put that reference yourself.
 * A second put happens inside json-c, which AddressSanitizer does not see: `make
 * test-valgrind` runs the integration tests against the release build under valgrind. */
#ifndef PAKN_HTTP_H
#define PAKN_HTTP_H

#include <event2/http.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <time.h>

#include "core/util.h"
#include "http/http_ctx.h"
#include "http/http_errors.h"
#include "http/http_query.h"
#include "http/http_router.h"
#include "http/proxy.h"

struct db_pool;
struct official;

struct http_req {
	struct evhttp_request *ev;
	struct http_ctx *ctx;  /* the worker's: what handlers may reach (http_ctx.h) */
	char id[17];       /* request id, also sent as X-Request-Id */
	unsigned method;   /* enum http_method */
	char *path;        /* raw path, without the query */
	struct route_params params;
	struct query query;
	struct timespec start;
	bool body_terminated;
	struct official *official; /* who is signed in, once auth_require has checked; freed with req */
	size_t route;              /* index in routes[], or nroutes when none matched */
	char client[PROXY_ADDR_LEN]; /* the client's address (proxy.h) */
};

/* The evhttp callback for every request: wraps it in struct http_req and routes it.
 * arg is the worker's struct http_ctx. */
void http_dispatch(struct evhttp_request *ev, void *arg);

/* Writes the access log lines ctx still holds and frees what http.c keeps in it; before
 * its loop is freed. */
void http_ctx_release(struct http_ctx *ctx);

/* Value of the path parameter name ("{code}"), or NULL. */
const char *http_param(const struct http_req *req, const char *name);

/* The request body, length in *len (a NUL follows it, so it can be read as a string, but a
 * NUL inside is possible too: use len); NULL when empty. */
const char *http_body(struct http_req *req, size_t *len);

/* A request header's value, or NULL. */
const char *http_header(const struct http_req *req, const char *name);

/* The value of the cookie name copied into out, or false when it is absent, empty or does
 * not fit outlen with its NUL. */
bool http_cookie(const struct http_req *req, const char *name, char *out, size_t outlen);

/* The language a page is answered in (docs/web.md, "Language"): ?lang=en|vi when given,
 * else the cookie HTTP_LANG_COOKIE, else Vietnamese. True for English. */
#define HTTP_LANG_COOKIE "pakn_lang"
bool http_lang_is_en(const struct http_req *req);

/* Appends the origin of an absolute link the service draws (a QR code): configured (the
 * public_origin setting) when not "", else "http://" and host (the Host header, may be
 * NULL) when host is a plain host name and port (text_is_host). Returns false, appending
 * nothing, otherwise: a link to a hostile Host must never be drawn. */
bool http_link_origin(const char *configured, const char *host, struct sbuf *out);

/* Replies 200 with an SVG QR code of link (also its <title>), kept cache_seconds (0: the
 * asker's alone); 500 if libqrencode fails. */
void http_reply_qr(struct http_req *req, const char *link, int cache_seconds);

/* Whether a Content-Type header value (may be NULL) is the media type type, with or
 * without parameters ("application/json; charset=utf-8"). */
bool http_media_type_is(const char *header, const char *type);

/* The client's address as text ("127.0.0.1"), or "" if unknown. */
const char *http_client_address(const struct http_req *req);

/* True when the request came in on the metrics listener (metrics_listen), not the
 * service's port. */
bool http_is_metrics_listener(const struct http_req *req);

/* Sends body (HTML) with status and frees req. */
void http_reply_html(struct http_req *req, int status, const char *body, size_t len);

/* Sends body of any type with status and frees req (cache_seconds as http_reply_json). */
void http_reply(struct http_req *req, int status, const char *content_type, const char *body,
		size_t len, int cache_seconds);

/* Sends body (JSON text of len bytes) with status and frees req. cache_seconds > 0 lets
 * shared caches keep the reply that long; 0 sends Cache-Control: no-store;
 * HTTP_CACHE_REVALIDATE sends no-cache (keep it, but ask each time: for replies with an
 * ETag). */
#define HTTP_CACHE_REVALIDATE (-1)
void http_reply_json(struct http_req *req, int status, const char *body, size_t len,
		     int cache_seconds);

/* The ETag of len bytes: '"' + 16 hex digits of their BLAKE2b + '"'. */
#define HTTP_ETAG_SIZE 19
void http_etag(char out[HTTP_ETAG_SIZE], const void *bytes, size_t len);

/* Whether the request's If-None-Match names etag (or is "*"). */
bool http_etag_matches(const struct http_req *req, const char *etag);

/* Sends body (JSON) as HTTP_CACHE_REVALIDATE with an ETag of its bytes, or 304 without a
 * body when If-None-Match names it: a public reply that changes now and then (the feed)
 * costs a repeat visit its headers only. Frees req. */
void http_reply_json_revalidate(struct http_req *req, const char *body, size_t len);

/* Sends {"error": {"code", "message", "fields"?}} and frees req. message is Vietnamese
 * first, then English. fields (a JSON array) may be NULL; it is taken, like req: the
 * caller must not put it afterwards. Handlers name their error with http_reply_code. */
void http_reply_error(struct http_req *req, int status, const char *code, const char *message,
		      json_object *fields);

/* http_reply_error with the status, code and message of err (http_errors.c). Takes fields
 * (may be NULL) and frees req. */
void http_reply_code(struct http_req *req, enum http_error err, json_object *fields);

/* Sets Retry-After: seconds (at least 1) on req's reply, for a 429 or 503. */
void http_set_retry_after(struct http_req *req, int seconds);
#define HTTP_RETRY_AFTER_BUSY 2 /* seconds: a busy server or database is back soon */

/* Appends {"field", "code", "message"} to fields: field_errors_add (field_errors.h). */
void http_field_error(json_object *fields, const char *field, const char *code,
		      const char *message);

#endif
