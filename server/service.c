/* service.c - owns the index, liveness and readiness endpoints, and the QR image of a
 * receipt's tracking page. */
#include "service.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "crypto/tracking.h"
#include "db/db.h"
#include "http/http_db.h"
#include "http/http_params.h"
#include "http/webfiles.h"
#include "officials/qr_svg.h"
#include "server.h"

void service_index(struct http_req *req)
{
	static const char body[] =
		"{\"service\":\"PAKN-57\","
		"\"description\":\"Tiếp nhận phản ánh, kiến nghị về Nghị quyết 57-NQ/TW. / "
		"Feedback intake for Resolution 57-NQ/TW.\","
		"\"links\":{\"plans\":\"/api/v1/plans\",\"items\":\"/api/v1/items\","
		"\"agencies\":\"/api/v1/agencies\",\"log\":\"/api/v1/log/checkpoint\","
		"\"health\":\"/healthz\",\"ready\":\"/readyz\"}}";
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	http_reply_json(req, 200, body, sizeof(body) - 1, 0);
}

void service_healthz(struct http_req *req)
{
	static const char body[] = "{\"status\":\"ok\"}";
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	http_reply_json(req, 200, body, sizeof(body) - 1, 0);
}

static void readyz_cb(void *arg, PGresult *res, enum db_status status)
{
	(void)res;
	struct http_req *req = arg;
	static const char body[] = "{\"status\":\"ready\"}";
	if (status != DB_OK)
		http_reply_db_error(req, status);
	else
		http_reply_json(req, 200, body, sizeof(body) - 1, 0);
}

void service_readyz(struct http_req *req)
{
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	if (req->ctx->stopping) {
		http_reply_code(req, HTTP_ERR_SHUTTING_DOWN, NULL);
		return;
	}
	/* Ready means ready on every worker: SO_REUSEPORT may hand the next connection to a
	 * worker whose pool is still connecting. */
	if (!server_is_ready(req->ctx->server)) {
		http_reply_db_error(req, DB_UNAVAILABLE);
		return;
	}
	db_query(http_db(req), STMT_PING, NULL, readyz_cb, req);
}

void service_metrics(struct http_req *req)
{
	/* Not on the service's port: there it is a path like any unknown one. */
	if (!http_is_metrics_listener(req)) {
		service_webfiles(req);
		return;
	}
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	struct sbuf b = {0};
	server_write_stats(req->ctx->server, &b);
	http_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len, 0);
	sbuf_free(&b);
}

void service_webfiles(struct http_req *req)
{
	webfiles_serve(req->ctx->www, req);
}

/* Here, in the wiring, only because the QR drawing (qr_svg.c) lives in officials/, which
 * intake/ may not include; once it lies lower this belongs beside intake_api_status. No
 * database: the image says nothing the code does not, and a code that fails its check gets
 * the status endpoint's 404. The URL is absolute so that a phone's camera opens it: the
 * Host the browser asked for, https behind the proxy (which says so), else http. */
#define QR_HOST_MAX 261 /* a DNS name (253) and ":65535" */

void service_tracking_qr(struct http_req *req)
{
	char code[TRACKING_CODE_LEN + 1];
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	if (!tracking_parse(http_param(req, "tracking_code"), code)) {
		http_reply_code(req, HTTP_ERR_NO_SUCH_TRACKING_CODE, NULL);
		return;
	}
	const char *host = http_header(req, "Host");
	const char *proto = http_header(req, "X-Forwarded-Proto");
	/* The client chooses the Host: one longer than a name and a port is no site's, and one
	 * long enough would not fit any QR code (qr_svg would fail). */
	if (host && strlen(host) > QR_HOST_MAX) {
		http_reply_code(req, HTTP_ERR_BAD_REQUEST, NULL);
		return;
	}
	struct sbuf url = {0};
	sbuf_printf(&url, "%s://%s/track/?code=%s",
		    proto && strcmp(proto, "https") == 0 ? "https" : "http",
		    host && *host ? host : "localhost", code);
	char *svg = qr_svg(url.data);
	sbuf_free(&url);
	if (!svg) {
		http_reply_code(req, HTTP_ERR_INTERNAL, NULL);
		return;
	}
	http_reply(req, 200, "image/svg+xml", svg, strlen(svg), 0);
	free(svg);
}
