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
		evhttp_add_header(evhttp_request_get_output_headers(req->ev), "Retry-After", "2");
		http_reply_error(req, 503, "database_unavailable",
				 "Cơ sở dữ liệu tạm thời không sẵn sàng, vui lòng thử lại sau. / "
				 "The database is unavailable; please retry shortly.",
				 NULL);
	} else {
		http_reply_error(req, 500, "internal_error",
				 "Lỗi nội bộ. / Internal error.", NULL);
	}
}

static void reply_json_cell(struct http_req *req, PGresult *res, enum db_status status,
			    int cache_seconds)
{
	if (status != DB_OK)
		http_reply_db_error(req, status);
	else if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0))
		http_reply_error(req, 404, "not_found", "Không tìm thấy. / Not found.", NULL);
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
