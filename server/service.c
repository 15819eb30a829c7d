/* service.c - owns the index, liveness and readiness endpoints. */
#include "service.h"

#include <string.h>

#include "core/util.h"
#include "db/db.h"
#include "http/http_db.h"
#include "http/http_params.h"
#include "http/webfiles.h"
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
