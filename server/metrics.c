/* metrics.c - owns the metrics endpoints: parameters, then one statement on the read pool,
 * rendered by table.c. */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "table.h"
#include "util.h"

struct metrics_req {
	struct http_req *req;
	bool csv;
	const char *name; /* file name of the CSV */
	json_object *about; /* the JSON reply's members besides "rows" */
};

/* Replies the rows as JSON ({about…, "rows": […]}) or CSV. */
static void rows_cb(void *arg, PGresult *res, enum db_status status)
{
	struct metrics_req *m = arg;
	struct http_req *req = m->req;
	if (status != DB_OK) {
		http_reply_db_error(req, status);
	} else if (m->csv) {
		struct sbuf b = {0};
		char disposition[96];
		table_to_csv(res, &b);
		snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s.csv\"", m->name);
		evhttp_add_header(evhttp_request_get_output_headers(req->ev), "Content-Disposition",
				  disposition);
		http_reply(req, 200, "text/csv; charset=utf-8", b.data, b.len, 60);
		sbuf_free(&b);
	} else {
		json_object *doc = json_object_get(m->about);
		json_object_object_add(doc, "rows", table_to_json(res));
		size_t len;
		const char *text = json_object_to_json_string_length(
			doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
		http_reply_json(req, 200, text, len, 60);
		json_object_put(doc);
	}
	json_object_put(m->about);
	free(m);
}

static struct metrics_req *metrics_req_new(struct http_req *req, const char *name, bool csv)
{
	struct metrics_req *m = calloc(1, sizeof(*m));
	if (!m)
		abort();
	m->req = req;
	m->name = name;
	m->csv = csv;
	m->about = json_object_new_object();
	return m;
}

/* from after to is a mistake worth naming. */
static bool range_ok(struct http_req *req, const char *from, const char *to)
{
	if (!from || !to || strcmp(from, to) <= 0)
		return true;
	json_object *fields = json_object_new_array();
	http_field_error(fields, "to", "before_from",
			 "Ngày kết thúc trước ngày bắt đầu. / 'to' is before 'from'.");
	http_reply_error(req, 400, "invalid_parameter",
			 "Tham số truy vấn không hợp lệ. / Invalid query parameters.", fields);
	return false;
}

void metrics_satisfaction(struct http_req *req)
{
	static const struct param_spec specs[] = {
		{"group_by", PARAM_CHOICE, "item|agency|section|plan|kind", 0, 0, "item"},
		{"period", PARAM_CHOICE, "month|quarter|year", 0, 0, "quarter"},
		{"plan", PARAM_CODE, NULL, 0, 0, NULL},
		{"from", PARAM_DATE, NULL, 0, 0, NULL},
		{"to", PARAM_DATE, NULL, 0, 0, NULL},
		{"format", PARAM_CHOICE, "json|csv", 0, 0, "json"},
	};
	const char *v[6];
	if (!http_query_check(req, specs, 6, v) || !range_ok(req, v[3], v[4]))
		return;
	struct metrics_req *m = metrics_req_new(req, "satisfaction", strcmp(v[5], "csv") == 0);
	long min_count = req->worker->cfg->metrics_min_count;
	json_object_object_add(m->about, "group_by", json_object_new_string(v[0]));
	json_object_object_add(m->about, "period", json_object_new_string(v[1]));
	json_object_object_add(m->about, "min_count", json_object_new_int64(min_count));
	char min[24];
	snprintf(min, sizeof(min), "%ld", min_count);
	const char *params[] = {v[0], v[1], v[2], v[3], v[4], min};
	db_query(http_read_db(req), STMT_SATISFACTION, params, rows_cb, m);
}

void metrics_responses(struct http_req *req)
{
	static const struct param_spec specs[] = {
		{"group_by", PARAM_CHOICE, "item|agency|section|plan|kind", 0, 0, "plan"},
		{"plan", PARAM_CODE, NULL, 0, 0, NULL},
		{"from", PARAM_DATE, NULL, 0, 0, NULL},
		{"to", PARAM_DATE, NULL, 0, 0, NULL},
		{"as_of", PARAM_DATE, NULL, 0, 0, NULL},
		{"format", PARAM_CHOICE, "json|csv", 0, 0, "json"},
	};
	const char *v[6];
	if (!http_query_check(req, specs, 6, v) || !range_ok(req, v[2], v[3]))
		return;
	struct metrics_req *m = metrics_req_new(req, "responses", strcmp(v[5], "csv") == 0);
	json_object_object_add(m->about, "group_by", json_object_new_string(v[0]));
	const char *params[] = {v[0], v[1], v[2], v[3], v[4]};
	db_query(http_read_db(req), STMT_RESPONSES, params, rows_cb, m);
}
