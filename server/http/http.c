/* http.c - owns a request's life from evhttp callback to reply: request ids, query parsing,
 * routing, JSON bodies and errors, security headers, the access log. */
#include "http/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/keyvalq_struct.h>
#include <sodium.h>

#include "core/log.h"
#include "core/qr_svg.h"
#include "core/text.h"
#include "core/prometheus.h"
#include "core/random.h"
#include "http/field_errors.h"
#include "http/http_limits.h"
#include "core/xalloc.h"

static unsigned method_of(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET: return HTTP_GET;
	case EVHTTP_REQ_HEAD: return HTTP_HEAD;
	case EVHTTP_REQ_POST: return HTTP_POST;
	case EVHTTP_REQ_PUT: return HTTP_PUT;
	case EVHTTP_REQ_DELETE: return HTTP_DELETE;
	case EVHTTP_REQ_OPTIONS: return HTTP_OPTIONS;
	case EVHTTP_REQ_PATCH: return HTTP_PATCH;
	default: return HTTP_OTHER;
	}
}

const char *http_param(const struct http_req *req, const char *name)
{
	for (int i = 0; i < req->params.n; i++)
		if (strcmp(req->params.p[i].name, name) == 0)
			return req->params.p[i].value;
	return NULL;
}

const char *http_body(struct http_req *req, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req->ev);
	if (!req->body_terminated) {
		/* A NUL after the body lets text parsers run on it; it is not counted. */
		evbuffer_add(in, "", 1);
		req->body_terminated = true;
	}
	*len = evbuffer_get_length(in) - 1;
	return *len ? (const char *)evbuffer_pullup(in, -1) : NULL;
}

const char *http_header(const struct http_req *req, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(req->ev), name);
}

bool http_media_type_is(const char *header, const char *type)
{
	if (!header)
		return false;
	size_t n = strlen(type);
	header += strspn(header, " \t");
	return strncasecmp(header, type, n) == 0 &&
	       (header[n] == '\0' || header[n] == ';' || header[n] == ' ' || header[n] == '\t');
}

bool http_cookie(const struct http_req *req, const char *name, char *out, size_t outlen)
{
	const char *c = http_header(req, "Cookie");
	size_t n = strlen(name);
	while (c && *c) {
		while (*c == ' ' || *c == ';')
			c++;
		if (strncmp(c, name, n) == 0 && c[n] == '=') {
			const char *v = c + n + 1;
			size_t len = strcspn(v, "; ");
			if (len == 0 || len >= outlen)
				return false;
			memcpy(out, v, len);
			out[len] = '\0';
			return true;
		}
		c = strchr(c, ';');
	}
	return false;
}

bool http_lang_is_en(const struct http_req *req)
{
	const char *q = query_get(&req->query, "lang");
	if (q && (strcmp(q, "en") == 0 || strcmp(q, "vi") == 0))
		return q[0] == 'e';
	char c[3];
	return http_cookie(req, HTTP_LANG_COOKIE, c, sizeof(c)) && strcmp(c, "en") == 0;
}

bool http_link_origin(const char *configured, const char *host, struct sbuf *out)
{
	if (*configured) {
		sbuf_puts(out, configured);
		return true;
	}
	if (!host || !text_is_host(host))
		return false;
	sbuf_cat(out, "http://", host, NULL);
	return true;
}

void http_reply_qr(struct http_req *req, const char *link, int cache_seconds)
{
	char *svg = qr_svg(link, link);
	if (!svg) {
		/* Links are a few hundred bytes, far within any QR version: memory, then. */
		log_error(req->id, "libqrencode could not draw %zu bytes", strlen(link));
		http_reply_code(req, HTTP_ERR_INTERNAL, NULL);
		return;
	}
	http_reply(req, 200, "image/svg+xml; charset=utf-8", svg, strlen(svg), cache_seconds);
	free(svg);
}

const char *http_client_address(const struct http_req *req)
{
	return req->client;
}

bool http_is_metrics_listener(const struct http_req *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req->ev);
	return req->ctx->metrics_http && evcon &&
	       evhttp_connection_get_server(evcon) == req->ctx->metrics_http;
}

/* Who sent it: the peer, or behind a trusted proxy the address it names (proxy.h). */
static void find_client(struct http_req *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req->ev);
	char *peer = NULL;
	ev_uint16_t port;
	if (evcon)
		evhttp_connection_get_peer(evcon, &peer, &port);
	struct evkeyvalq *in = evhttp_request_get_input_headers(req->ev);
	proxy_client_address(req->ctx->proxies, peer ? peer : "",
			     evhttp_find_header(in, "X-Real-IP"),
			     evhttp_find_header(in, "X-Forwarded-For"), req->client);
}

static void add_headers(struct http_req *req, const char *content_type, int cache_seconds)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req->ev);
	evhttp_add_header(h, "Content-Type", content_type);
	evhttp_add_header(h, "X-Request-Id", req->id);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Cross-Origin-Opener-Policy", "same-origin");
	evhttp_add_header(h, "Content-Security-Policy",
			  "default-src 'self'; script-src 'self'; style-src 'self'; "
			  "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
			  "form-action 'self'; frame-ancestors 'none'");
	if (cache_seconds > 0) {
		char v[48];
		snprintf(v, sizeof(v), "public, max-age=%d", cache_seconds);
		evhttp_add_header(h, "Cache-Control", v);
	} else if (cache_seconds == HTTP_CACHE_REVALIDATE) {
		evhttp_add_header(h, "Cache-Control", "no-cache");
	} else {
		evhttp_add_header(h, "Cache-Control", "no-store");
	}
	if (req->ctx->stopping)
		evhttp_add_header(h, "Connection", "close");
}

static void req_free(struct http_req *req)
{
	free(req->official);
	query_free(&req->query);
	free(req->path);
	free(req);
}

/* The access log's fields: method, path, status, ms (to the microsecond), bytes, worker. */
static void access_members(struct sbuf *b, const struct http_req *req, int status,
			   long long us, size_t len)
{
	char frac[8];
	snprintf(frac, sizeof(frac), ".%03lld", us % 1000);
	sbuf_json_field(b, "method", http_method_name(req->method));
	sbuf_json_field(b, "path", req->path);
	sbuf_puts(b, ",\"status\":");
	sbuf_int(b, status);
	sbuf_puts(b, ",\"ms\":");
	sbuf_int(b, us / 1000);
	sbuf_puts(b, frac);
	sbuf_puts(b, ",\"bytes\":");
	sbuf_int(b, (long long)len);
	sbuf_puts(b, ",\"worker\":");
	sbuf_int(b, req->ctx->index);
}

/* A worker's access log lines of one turn of its loop go out together, in one write(2)
 * when the turn's callbacks are done (a write per request was a tenth of the CPU time of
 * a reply); at most ACCESS_LOG_HOLD bytes wait. */
#define ACCESS_LOG_HOLD 16384
struct http_access_log {
	struct sbuf lines;
	struct event *flush_ev; /* active while lines wait */
};

static void access_log_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct http_access_log *log = arg;
	log_put_lines(&log->lines);
}

static void access_log_add(struct http_ctx *ctx, const struct http_req *req, const char *members)
{
	if (!ctx->base) { /* no loop (a test's context): the line goes out now */
		log_line(LOG_INFO, req->id, "request", members);
		return;
	}
	struct http_access_log *log = ctx->access_log;
	if (!log) {
		log = ctx->access_log = xcalloc(1, sizeof(*log));
		log->flush_ev = event_new(ctx->base, -1, 0, access_log_flush_cb, log);
		if (!log->flush_ev)
			abort();
	}
	log_format_line(&log->lines, LOG_INFO, req->id, "request", members);
	if (log->lines.len >= ACCESS_LOG_HOLD)
		log_put_lines(&log->lines);
	else
		event_active(log->flush_ev, EV_TIMEOUT, 0); /* once per turn: already active after */
}

void http_ctx_release(struct http_ctx *ctx)
{
	struct http_access_log *log = ctx->access_log;
	if (!log)
		return;
	log_put_lines(&log->lines);
	sbuf_free(&log->lines);
	event_free(log->flush_ev);
	free(log);
	ctx->access_log = NULL;
}

static void send_and_free(struct http_req *req, int status, const char *body, size_t len)
{
	if (req->method == HTTP_HEAD) {
		/* libevent 2.1 would send the body after a HEAD reply's headers. */
		char n[24];
		snprintf(n, sizeof(n), "%zu", len);
		evhttp_add_header(evhttp_request_get_output_headers(req->ev), "Content-Length", n);
	} else {
		/* Straight into the request's own buffer: no buffer of our own to fill and free. */
		evbuffer_add(evhttp_request_get_output_buffer(req->ev), body, len);
	}
	evhttp_send_reply(req->ev, status, http_status_reason(status), NULL);

	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long us = (long long)(now.tv_sec - req->start.tv_sec) * 1000000 +
		       (now.tv_nsec - req->start.tv_nsec) / 1000;
	if (us < 0)
		us = 0;
	prometheus_count_request(req->ctx->counters, req->route, status, (double)us / 1e6);
	if (log_enabled(LOG_INFO)) {
		struct sbuf f = {0};
		sbuf_reserve(&f, 160 + strlen(req->path));
		access_members(&f, req, status, us, len);
		access_log_add(req->ctx, req, f.data);
		sbuf_free(&f);
	}
	req->ctx->inflight--;
	req_free(req);
}

void http_reply_json(struct http_req *req, int status, const char *body, size_t len,
		     int cache_seconds)
{
	http_reply(req, status, "application/json; charset=utf-8", body, len, cache_seconds);
}

void http_etag(char out[HTTP_ETAG_SIZE], const void *bytes, size_t len)
{
	unsigned char hash[8];
	crypto_generichash(hash, sizeof(hash), bytes, len, NULL, 0);
	out[0] = '"';
	sodium_bin2hex(out + 1, 17, hash, sizeof(hash));
	out[17] = '"';
	out[18] = '\0';
}

bool http_etag_matches(const struct http_req *req, const char *etag)
{
	const char *inm = http_header(req, "If-None-Match");
	return inm && (strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL);
}

void http_reply_json_revalidate(struct http_req *req, const char *body, size_t len)
{
	char etag[HTTP_ETAG_SIZE];
	http_etag(etag, body, len);
	evhttp_add_header(evhttp_request_get_output_headers(req->ev), "ETag", etag);
	if (http_etag_matches(req, etag))
		http_reply(req, 304, "application/json; charset=utf-8", "", 0, HTTP_CACHE_REVALIDATE);
	else
		http_reply_json(req, 200, body, len, HTTP_CACHE_REVALIDATE);
}

void http_reply(struct http_req *req, int status, const char *content_type, const char *body,
		size_t len, int cache_seconds)
{
	add_headers(req, content_type, cache_seconds);
	send_and_free(req, status, body, len);
}

void http_reply_html(struct http_req *req, int status, const char *body, size_t len)
{
	http_reply(req, status, "text/html; charset=utf-8", body, len, 0);
}

void http_field_error(json_object *fields, const char *field, const char *code,
		      const char *message)
{
	field_errors_add(fields, field, code, message);
}

void http_reply_error(struct http_req *req, int status, const char *code, const char *message,
		      json_object *fields)
{
	json_object *doc = http_error_doc(code, message, fields, req->id);
	size_t len;
	const char *text = json_object_to_json_string_length(
		doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (status >= 400 && status != 404 && log_enabled(LOG_DEBUG))
		log_debug(req->id, "error %d %s", status, code);
	http_reply_json(req, status, text, len, 0);
	json_object_put(doc);
}

void http_reply_code(struct http_req *req, enum http_error err, json_object *fields)
{
	http_reply_error(req, http_error_status(err), http_error_code(err), http_error_message(err),
			 fields);
}

void http_set_retry_after(struct http_req *req, int seconds)
{
	char v[16];
	snprintf(v, sizeof(v), "%d", seconds > 0 ? seconds : 1);
	evhttp_add_header(evhttp_request_get_output_headers(req->ev), "Retry-After", v);
}

/* http_limits.c turns a request it refuses into GET /.pakn/reject/<status>, so the refusal
 * is answered here like any other error. Nothing needs to prove where it came from: the
 * filter writes everything libevent parses and refuses every client path under /.pakn/
 * (http_limits.c says why that replaced a secret header). */
static bool reply_if_rejected(struct http_req *req)
{
	if (strncmp(req->path, HTTP_REJECT_PREFIX, strlen(HTTP_REJECT_PREFIX)) != 0)
		return false;
	int status = atoi(req->path + strlen(HTTP_REJECT_PREFIX));
	static const struct {
		int status;
		enum http_error err;
	} refusals[] = {
		{411, HTTP_ERR_LENGTH_REQUIRED},
		{413, HTTP_ERR_BODY_TOO_LARGE},
		{417, HTTP_ERR_EXPECTATION_FAILED},
		{501, HTTP_ERR_METHOD_NOT_IMPLEMENTED},
		{431, HTTP_ERR_HEADERS_TOO_LARGE},
		{404, HTTP_ERR_NOT_FOUND},
		{408, HTTP_ERR_REQUEST_TIMEOUT},
		{503, HTTP_ERR_BUSY},
	};
	enum http_error err = HTTP_ERR_BAD_REQUEST;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		if (refusals[i].status == status)
			err = refusals[i].err;
	if (err == HTTP_ERR_BUSY)
		http_set_retry_after(req, HTTP_RETRY_AFTER_BUSY);
	http_reply_code(req, err, NULL);
	return true;
}

/* "OPTIONS *" asks what the server as a whole supports (RFC 9110 9.3.7). */
static void reply_options_asterisk(struct http_req *req)
{
	unsigned methods = HTTP_OPTIONS;
	for (size_t i = 0; i < req->ctx->nroutes; i++)
		methods |= req->ctx->routes[i].methods;
	if (methods & HTTP_GET)
		methods |= HTTP_HEAD;
	char allow[96];
	router_allow_header(methods, allow, sizeof(allow));
	evhttp_add_header(evhttp_request_get_output_headers(req->ev), "Allow", allow);
	http_reply_json(req, 204, "", 0, 0);
}

void http_dispatch(struct evhttp_request *ev, void *arg)
{
	struct http_ctx *ctx = arg;
	struct http_req *req = xcalloc(1, sizeof(*req));
	ctx->inflight++;
	req->ev = ev;
	req->ctx = ctx;
	req->route = ctx->nroutes;
	find_client(req);
	clock_gettime(CLOCK_MONOTONIC, &req->start);
	uint8_t rnd[8];
	random_bytes(rnd, sizeof(rnd));
	sodium_bin2hex(req->id, sizeof(req->id), rnd, sizeof(rnd));
	req->method = method_of(evhttp_request_get_command(ev));

	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	req->path = xstrdup(path && *path ? path : "/");
	if (reply_if_rejected(req))
		return;
	if (req->method == HTTP_OPTIONS && strcmp(req->path, "*") == 0) {
		reply_options_asterisk(req);
		return;
	}
	/* The metrics listener (server.c) serves GET /metrics and nothing else. */
	if (http_is_metrics_listener(req) && strcmp(req->path, "/metrics") != 0) {
		http_reply_code(req, HTTP_ERR_NO_SUCH_PATH, NULL);
		return;
	}

	const char *bad_key;
	enum query_error qe = query_parse(uri ? evhttp_uri_get_query(uri) : NULL, &req->query,
					  &bad_key);
	if (qe == QUERY_NO_MEMORY) {
		http_reply_code(req, HTTP_ERR_BUSY, NULL);
		return;
	}
	if (qe != QUERY_OK) {
		json_object *fields = json_object_new_array();
		static const struct {
			const char *code, *message;
		} problems[] = {
			[QUERY_BAD_ENCODING] = {"invalid_encoding",
						"Mã %XX không hợp lệ. / A bad %XX escape."},
			[QUERY_BAD_UTF8] = {"invalid_utf8",
					    "Tham số không phải UTF-8 hợp lệ. / Not valid UTF-8 text."},
			[QUERY_TOO_MANY] = {"too_many_parameters",
					    "Quá nhiều tham số. / Too many parameters."},
		};
		http_field_error(fields, bad_key ? bad_key : "(query)", problems[qe].code,
				 problems[qe].message);
		http_reply_code(req, HTTP_ERR_INVALID_QUERY, fields);
		return;
	}

	const struct route *route;
	unsigned allowed;
	switch (router_match(ctx->routes, ctx->nroutes, req->method, req->path, &route,
			     &req->params, &allowed)) {
	case ROUTE_FOUND:
		req->route = (size_t)(route - ctx->routes);
		route->handler(req);
		return;
	case ROUTE_METHOD_NOT_ALLOWED: {
		char allow[96];
		router_allow_header(allowed, allow, sizeof(allow));
		evhttp_add_header(evhttp_request_get_output_headers(ev), "Allow", allow);
		http_reply_code(req, HTTP_ERR_METHOD_NOT_ALLOWED, NULL);
		return;
	}
	case ROUTE_NOT_FOUND:
		ctx->no_route(req);
		return;
	}
}
