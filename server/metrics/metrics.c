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

struct metrics_req {
	struct http_req *req;
	bool csv;
	bool html;
	char plan[65], quarter[8];
	const char *name; /* file name of the CSV */
	json_object *about; /* the JSON reply's members besides "rows" */
	enum db_stmt stmt;  /* what it reads, once the rollups are folded */
	char *params[6];    /* and with what */
};

static void reply_quarterly_html(struct metrics_req *m, const PGresult *res);

/* Replies the rows as JSON ({about…, "rows": […]}), CSV, or the quarterly review's HTML. */
static void rows_cb(void *arg, PGresult *res, enum db_status status)
{
	struct metrics_req *m = arg;
	struct http_req *req = m->req;
	if (status != DB_OK) {
		http_reply_db_error(req, status);
	} else if (m->html) {
		reply_quarterly_html(m, res);
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
	for (size_t i = 0; i < sizeof(m->params) / sizeof(m->params[0]); i++)
		free(m->params[i]);
	free(m);
}

static struct metrics_req *metrics_req_new(struct http_req *req, const char *name, bool csv)
{
	struct metrics_req *m = xcalloc(1, sizeof(*m));
	m->req = req;
	m->name = name;
	m->csv = csv;
	m->about = json_object_new_object();
	return m;
}

static void folded_cb(void *arg, PGresult *res, enum db_status status)
{
	(void)res;
	struct metrics_req *m = arg;
	if (status != DB_OK)
		rows_cb(m, NULL, status);
	else
		db_query(http_read_db(m->req), m->stmt, (const char *const *)m->params, rows_cb, m);
}

/* Reads stmt with params[0..n) once the rows intake stored since the last fold are counted
 * (pakn_rollup_fold; on a replica that is the primary's last fold). */
static void metrics_read(struct metrics_req *m, enum db_stmt stmt, const char *const *params,
			 size_t n)
{
	m->stmt = stmt;
	for (size_t i = 0; i < n; i++)
		if (params[i])
			m->params[i] = xstrdup(params[i]);
	db_query(http_read_db(m->req), STMT_ROLLUP_FOLD, NULL, folded_cb, m);
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
	struct metrics_req *m = metrics_req_new(req, "satisfaction", strcmp(v[5], "csv") == 0);
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
	struct metrics_req *m = metrics_req_new(req, "responses", strcmp(v[5], "csv") == 0);
	json_object_object_add(m->about, "group_by", json_object_new_string(v[0]));
	const char *params[] = {v[0], v[1], v[2], v[3], v[4]};
	metrics_read(m, STMT_RESPONSES, params, 5);
}

/* --- the quarterly review ------------------------------------------------------------- */

static const char *const quarterly_headers[] = {
	"Mã / Code", "Tên / Name", "Số ý kiến / Feedback", "Điểm TB / Mean", "Hài lòng / CSAT",
	"Ít dữ liệu / Few ratings", "Tỷ lệ trả lời / Answered", "Quá hạn / Overdue",
	"Quý trước / Previous", "Điểm TB quý trước / Previous mean",
	"Hài lòng quý trước / Previous CSAT", "Thay đổi số ý kiến / Change",
	"Thay đổi điểm TB / Mean change", "Thay đổi hài lòng / CSAT change",
};

static void reply_quarterly_html(struct metrics_req *m, const PGresult *res)
{
	struct sbuf b = {0};
	sbuf_puts(&b, "<!doctype html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		      "<link rel=\"stylesheet\" href=\"/assets/report.css\"><title>");
	html_escape(&b, m->plan);
	sbuf_puts(&b, " ");
	html_escape(&b, m->quarter);
	sbuf_puts(&b, " – Báo cáo quý / Quarterly review</title></head><body>\n<h1>Báo cáo quý "
		      "về góp ý và mức độ hài lòng<br><small>Quarterly review of feedback and "
		      "satisfaction</small></h1>\n<p>Kế hoạch / Plan: <strong>");
	html_escape(&b, m->plan);
	sbuf_puts(&b, "</strong> · Quý / Quarter: <strong>");
	html_escape(&b, m->quarter);
	sbuf_puts(&b, "</strong></p>\n<h2>Theo cơ quan chủ trì / By lead agency</h2>\n");
	table_to_html(res, "level", "agency", quarterly_headers, &b);
	sbuf_puts(&b, "<h2>Theo nhiệm vụ, chỉ tiêu / By item</h2>\n");
	table_to_html(res, "level", "item", quarterly_headers, &b);
	sbuf_puts(&b, "<p class=\"note\">Hài lòng: tỷ lệ đánh giá 4–5. Ít dữ liệu: dưới 10 đánh giá. "
		      "Quá hạn: chưa xử lý hoặc chưa trả lời đúng hạn (ngày làm việc). / CSAT: share "
		      "of ratings 4–5. Few ratings: under 10. Overdue: not acted on or answered in "
		      "time (working days).</p>\n</body></html>\n");
	http_reply_html(m->req, 200, b.data, b.len);
	sbuf_free(&b);
}

void metrics_quarterly(struct http_req *req)
{
	static const struct param_spec specs[] = {
		{"plan", PARAM_CODE, NULL, 0, 0, NULL, false},
		{"quarter", PARAM_TEXT, NULL, 0, 7, NULL, false},
		{"format", PARAM_CHOICE, "json|csv|html", 0, 0, "json", false},
	};
	const char *v[3];
	if (!http_query_check(req, specs, 3, v))
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
	struct metrics_req *m = metrics_req_new(req, "quarterly", strcmp(v[2], "csv") == 0);
	m->html = strcmp(v[2], "html") == 0;
	snprintf(m->plan, sizeof(m->plan), "%s", v[0]);
	snprintf(m->quarter, sizeof(m->quarter), "%s", v[1]);
	json_object_object_add(m->about, "plan", json_object_new_string(v[0]));
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
		"body{font-family:\"Noto Sans\",\"DejaVu Sans\",Arial,sans-serif;margin:1.5rem;"
		"color:#111}\n"
		"h1{font-size:1.4rem}h1 small{font-size:1rem;color:#444;font-weight:normal}\n"
		"h2{font-size:1.1rem;margin-top:1.5rem}\n"
		"table{border-collapse:collapse;width:100%;font-size:.72rem}\n"
		"th:nth-child(2),td:nth-child(2){width:34%}\n"
		"th,td{border:1px solid #999;padding:.2rem .35rem;vertical-align:top}\n"
		"th{background:#eee;text-align:left}td.n{text-align:right;white-space:nowrap}\n"
		"thead{display:table-header-group}tr{break-inside:avoid}\n"
		".note{font-size:.75rem;color:#444}\n"
		"@page{size:A4 landscape;margin:12mm}\n"
		"@media print{body{margin:0}th{background:#eee;-webkit-print-color-adjust:exact;"
		"print-color-adjust:exact}}\n";
	if (http_query_check(req, NULL, 0, NULL))
		http_reply(req, 200, "text/css; charset=utf-8", css, sizeof(css) - 1, 3600);
}
