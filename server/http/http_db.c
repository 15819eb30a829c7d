/* http_db.c - owns the glue between a request and the database (see http_db.h). */
#include "http/http_db.h"

#include <event2/http.h>

#include "http/http.h"

struct db_pool *http_db(const struct http_req *req)
{
	return req->ctx->db;
}

struct db_pool *http_read_db(const struct http_req *req)
{
	return req->ctx->read_db;
}

void http_reply_db_error(struct http_req *req, enum db_status db_status)
{
	if (db_status == DB_UNAVAILABLE) {
		http_set_retry_after(req, HTTP_RETRY_AFTER_BUSY);
		http_reply_code(req, HTTP_ERR_DATABASE_UNAVAILABLE, NULL);
	} else {
		http_reply_code(req, HTTP_ERR_INTERNAL, NULL);
	}
}

static void reply_json_cell(struct http_req *req, PGresult *res, enum db_status status,
			    int cache_seconds)
{
	if (status != DB_OK)
		http_reply_db_error(req, status);
	else if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0))
		http_reply_code(req, HTTP_ERR_NOT_FOUND, NULL);
	else if (cache_seconds == HTTP_CACHE_REVALIDATE)
		http_reply_json_revalidate(req, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	else
		http_reply_json(req, 200, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0),
				cache_seconds);
}

void http_db_json_cb(void *arg, PGresult *res, enum db_status status)
{
	reply_json_cell(arg, res, status, 60);
}

void http_db_json_fresh_cb(void *arg, PGresult *res, enum db_status status)
{
	reply_json_cell(arg, res, status, 0);
}

void http_db_json_revalidate_cb(void *arg, PGresult *res, enum db_status status)
{
	reply_json_cell(arg, res, status, HTTP_CACHE_REVALIDATE);
}
