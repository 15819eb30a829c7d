/* metrics.c - owns the metrics endpoints: parameters, then one statement on the read pool,
 * rendered by table.c, after the rollups have counted what intake stored
 * (sql/functions/rollups.sql). */
#include "metrics/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/util.h"
#include "db/db.h"
#include "http/http_db.h"
#include "http/http_params.h"
#include "http/table.h"
#include "core/xalloc.h"
#include "metrics/report.h"

struct metrics_req {
	struct http_req *req;
	bool csv;
	bool html;
	enum report_style lang; /* of the quarterly review's page */
	char plan[65];          /* the plan asked for, "" for every plan */
	int year, quarter;      /* the quarterly review's */
	const char *name; /* file name of the CSV */
	json_object *about; /* the JSON reply's members besides "rows" */
	enum db_stmt stmt;  /* what it reads, once the rollups are folded */
	char *params[6];    /* and with what */
	char *title, *province; /* the plan's, once known */
};

static void metrics_req_free(struct metrics_req *m)
{
	json_object_put(m->about);
	for (size_t i = 0; i < sizeof(m->params) / sizeof(m->params[0]); i++)
		free(m->params[i]);
	free(m->title);
	free(m->province);
	free(m);
}

static void reply_csv(struct metrics_req *m, const struct sbuf *b)
{
	char disposition[96];
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s.csv\"", m->name);
	evhttp_add_header(evhttp_request_get_output_headers(m->req->ev), "Content-Disposition",
			  disposition);
	http_reply(m->req, 200, "text/csv; charset=utf-8", b->data, b->len, 60);
}

/* Replies the rows as JSON ({about…, "rows": […]}), CSV, or the quarterly review's page
 * (report.c, which also writes the review's CSV). */
static void rows_cb(void *arg, PGresult *res, enum db_status status)
{
	struct metrics_req *m = arg;
	struct http_req *req = m->req;
	struct sbuf b = {0};
	if (status != DB_OK) {
		http_reply_db_error(req, status);
	} else if (m->html) {
		struct report_about about = {m->plan, m->title, m->province, m->year, m->quarter,
					     req->ctx->cfg->metrics_min_count, m->lang};
		report_quarterly_html(res, &about, &b);
		http_reply_html(req, 200, b.data, b.len);
	} else if (m->csv) {
		if (m->stmt == STMT_QUARTERLY)
			report_quarterly_csv(res, &b);
		else
			table_to_csv(res, &b);
		reply_csv(m, &b);
	} else {
		json_object *doc = json_object_get(m->about);
		json_object_object_add(doc, "rows", table_to_json(res));
		size_t len;
		const char *text = json_object_to_json_string_length(
			doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
		http_reply_json(req, 200, text, len, 60);
		json_object_put(doc);
	}
	sbuf_free(&b);
	metrics_req_free(m);
}

static struct metrics_req *metrics_req_new(struct http_req *req, const char *name, bool csv,
					   const char *plan)
{
	struct metrics_req *m = xcalloc(1, sizeof(*m));
	m->req = req;
	m->name = name;
	m->csv = csv;
	m->about = json_object_new_object();
	snprintf(m->plan, sizeof(m->plan), "%s", plan ? plan : "");
	return m;
}

/* The fold is done; a plan asked for that does not exist is a 404, as a typo in a report's
 * address must not print an empty review; else the figures are read. */
static void folded_cb(void *arg, PGresult *res, enum db_status status)
{
	struct metrics_req *m = arg;
	if (status != DB_OK) {
		rows_cb(m, NULL, status);
		return;
	}
	if (m->plan[0] && (PQntuples(res) != 1 || PQgetisnull(res, 0, 1))) {
		json_object *fields = json_object_new_array();
		http_field_error(fields, "plan", "unknown_plan",
				 http_error_message(HTTP_ERR_NO_SUCH_PLAN));
		http_reply_code(m->req, HTTP_ERR_NO_SUCH_PLAN, fields);
		metrics_req_free(m);
		return;
	}
	if (m->plan[0]) {
		m->title = xstrdup(PQgetvalue(res, 0, 1));
		m->province = xstrdup(PQgetvalue(res, 0, 2));
		json_object_object_add(m->about, "plan", json_object_new_string(m->plan));
		json_object_object_add(m->about, "plan_title", json_object_new_string(m->title));
		json_object_object_add(m->about, "province", json_object_new_string(m->province));
	}
	db_query(http_read_db(m->req), m->stmt, (const char *const *)m->params, rows_cb, m);
}

/* Reads stmt with params[0..n) once the rows intake stored since the last fold are counted
 * (pakn_rollup_fold; on a replica that is the primary's last fold) and the plan asked for,
 * if any, is known to exist. */
static void metrics_read(struct metrics_req *m, enum db_stmt stmt, const char *const *params,
			 size_t n)
{
	m->stmt = stmt;
	for (size_t i = 0; i < n; i++)
		if (params[i])
			m->params[i] = xstrdup(params[i]);
	const char *plan[] = {m->plan[0] ? m->plan : NULL};
	db_query(http_read_db(m->req), STMT_METRICS_FOLD, plan, folded_cb, m);
}

/* from after to is a mistake worth naming. */
static bool range_ok(struct http_req *req, const char *from, const char *to)
{
	if (!from || !to || strcmp(from, to) <= 0)
		return true;
	json_object *fields = json_object_new_array();
	http_field_error(fields, "to", "before_from",
			 "Ngày kết thúc trước ngày bắt đầu. / 'to' is before 'from'.");
	http_reply_code(req, HTTP_ERR_INVALID_PARAMETER, fields);
	return false;
}

void metrics_satisfaction(struct http_req *req)
{
	static const struct param_spec specs[] = {
		{"group_by", PARAM_CHOICE, "item|agency|section|plan|kind", 0, 0, "item", false},
		{"period", PARAM_CHOICE, "month|quarter|year", 0, 0, "quarter", false},
		{"plan", PARAM_CODE, NULL, 0, 0, NULL, false},
		{"from", PARAM_DATE, NULL, 0, 0, NULL, false},
		{"to", PARAM_DATE, NULL, 0, 0, NULL, false},
		{"format", PARAM_CHOICE, "json|csv", 0, 0, "json", false},
	};
	const char *v[6];
	if (!http_query_check(req, specs, 6, v) || !range_ok(req, v[3], v[4]))
		return;
	struct metrics_req *m =
		metrics_req_new(req, "satisfaction", strcmp(v[5], "csv") == 0, v[2]);
	long min_count = req->ctx->cfg->metrics_min_count;
	json_object_object_add(m->about, "group_by", json_object_new_string(v[0]));
	json_object_object_add(m->about, "period", json_object_new_string(v[1]));
	json_object_object_add(m->about, "min_count", json_object_new_int64(min_count));
	char min[24];
	snprintf(min, sizeof(min), "%ld", min_count);
	const char *params[] = {v[0], v[1], v[2], v[3], v[4], min};
	metrics_read(m, STMT_SATISFACTION, params, 6);
}

void metrics_responses(struct http_req *req)
{
	static const struct param_spec specs[] = {
		{"group_by", PARAM_CHOICE, "item|agency|section|plan|kind", 0, 0, "plan", false},
		{"plan", PARAM_CODE, NULL, 0, 0, NULL, false},
		{"from", PARAM_DATE, NULL, 0, 0, NULL, false},
		{"to", PARAM_DATE, NULL, 0, 0, NULL, false},
		{"as_of", PARAM_DATE, NULL, 0, 0, NULL, false},
		{"format", PARAM_CHOICE, "json|csv", 0, 0, "json", false},
	};
	const char *v[6];
	if (!http_query_check(req, specs, 6, v) || !range_ok(req, v[2], v[3]))
		return;
	struct metrics_req *m = metrics_req_new(req, "responses", strcmp(v[5], "csv") == 0, v[1]);
	json_object_object_add(m->about, "group_by", json_object_new_string(v[0]));
	const char *params[] = {v[0], v[1], v[2], v[3], v[4]};
	metrics_read(m, STMT_RESPONSES, params, 5);
}

/* --- the quarterly review ------------------------------------------------------------- */

void metrics_quarterly(struct http_req *req)
{
	static const struct param_spec specs[] = {
		{"plan", PARAM_CODE, NULL, 0, 0, NULL, false},
		{"quarter", PARAM_TEXT, NULL, 0, 7, NULL, false},
		{"format", PARAM_CHOICE, "json|csv|html", 0, 0, "json", false},
		{"lang", PARAM_CHOICE, "vi|en", 0, 0, NULL, false},
	};
	const char *v[4];
	if (!http_query_check(req, specs, 4, v))
		return;
	int year = 0, q = 0, n = 0;
	json_object *fields = json_object_new_array();
	if (!v[0])
		http_field_error(fields, "plan", "required", "Cần mã kế hoạch. / A plan code is needed.");
	if (!v[1] || sscanf(v[1], "%4d-Q%1d%n", &year, &q, &n) != 2 || n != 7 || year < 2000 ||
	    year > 2100 || q < 1 || q > 4)
		http_field_error(fields, "quarter", v[1] ? "invalid_quarter" : "required",
				 "Quý dạng 2026-Q2. / A quarter such as 2026-Q2.");
	if (json_object_array_length(fields) > 0) {
		http_reply_code(req, HTTP_ERR_INVALID_PARAMETER, fields);
		return;
	}
	json_object_put(fields);
	struct metrics_req *m = metrics_req_new(req, "quarterly", strcmp(v[2], "csv") == 0, v[0]);
	m->html = strcmp(v[2], "html") == 0;
	m->lang = http_lang_is_en(req) ? REPORT_EN : REPORT_VI; /* ?lang= (v[3]), else the cookie */
	m->year = year;
	m->quarter = q;
	json_object_object_add(m->about, "quarter", json_object_new_string(v[1]));
	char first[11], min[24];
	snprintf(first, sizeof(first), "%04u-%02u-01", (unsigned)year % 10000u,
		 (unsigned)(q * 3 - 2) % 100u);
	snprintf(min, sizeof(min), "%ld", req->ctx->cfg->metrics_min_count);
	const char *params[] = {v[0], first, min};
	metrics_read(m, STMT_QUARTERLY, params, 3);
}

/* The review's print style: served from here, since the policy allows no inline style. */
void metrics_report_css(struct http_req *req)
{
	static const char css[] =
		"body{font-family:\"Noto Sans\",\"DejaVu Sans\",Arial,sans-serif;margin:1rem;"
		"color:#111}\n"
		"h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.5rem}\n"
		".code{color:#444;font-size:.9em;white-space:nowrap}\n"
		".wrap{overflow-x:auto}\n"
		"table{border-collapse:collapse;width:100%;font-size:.72rem}\n"
		"th,td{border:1px solid #999;padding:.2rem .35rem;vertical-align:top}\n"
		"thead th{background:#eee;text-align:left}tbody th{font-weight:normal;text-align:left;"
		"min-width:12rem}\n"
		".n{text-align:right}td.n{white-space:nowrap}\n"
		"thead{display:table-header-group}tr{break-inside:avoid}\n"
		".note{font-size:.75rem;color:#444}\n"
		"@page{size:A4 landscape;margin:12mm}\n"
		"@media print{body{margin:0}.lang{display:none}thead th{background:#eee;"
		"-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";
	if (http_query_check(req, NULL, 0, NULL))
		http_reply(req, 200, "text/css; charset=utf-8", css, sizeof(css) - 1, 3600);
}
