/* report.c - owns the quarterly review's printable page and CSV (see report.h): the
 * rounding and words of its figures, and the names of its rows. */
#include "metrics/report.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "http/table.h"

/* --- figures -------------------------------------------------------------------------- */

/* The decimal mark, the thousands mark and what follows a percentage, by style. The
 * Vietnamese percentage keeps its space (a no-break one) before the sign. */
static const struct {
	const char *decimal, *group, *percent;
} styles[] = {
	[REPORT_VI] = {",", ".", "\u00a0%"},
	[REPORT_EN] = {".", ",", "%"},
	[REPORT_CSV] = {".", "", ""},
};

/* n / d rounded half away from zero. */
static long long div_round(long long n, long long d)
{
	return n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d);
}

/* |v| in decimal with the thousands mark. */
static void put_grouped(struct sbuf *out, unsigned long long v, const char *group)
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%llu", v);
	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			sbuf_puts(out, group);
		sbuf_append(out, digits + i, 1);
	}
}

void report_number(struct sbuf *out, const char *value, enum report_format format,
		   enum report_style style)
{
	char *end;
	double x = strtod(value, &end);
	if (format == REPORT_RAW || end == value || *end || !isfinite(x) || fabs(x) > 1e12) {
		sbuf_puts(out, value);
		return;
	}
	bool signed_ = format == REPORT_COUNT_CHANGE || format == REPORT_MEAN_CHANGE ||
		       format == REPORT_SHARE_CHANGE;
	/* The database writes 4 decimals: as ten-thousandths the value is exact again. */
	long long v4 = llround(x * 10000.0), tenths;
	bool whole = format == REPORT_COUNT || format == REPORT_COUNT_CHANGE;
	if (whole)
		tenths = div_round(v4, 10000) * 10;
	else if (format == REPORT_MEAN || format == REPORT_MEAN_CHANGE)
		tenths = div_round(v4, 1000);
	else
		tenths = div_round(v4, 10);
	if (tenths < 0)
		sbuf_puts(out, "-");
	else if (signed_ && tenths > 0 && style != REPORT_CSV)
		sbuf_puts(out, "+");
	unsigned long long a = (unsigned long long)llabs(tenths);
	put_grouped(out, a / 10, styles[style].group);
	if (!whole) {
		sbuf_puts(out, styles[style].decimal);
		sbuf_printf(out, "%llu", a % 10);
	}
	if (format == REPORT_SHARE)
		sbuf_puts(out, styles[style].percent);
}

/* --- columns ------------------------------------------------------------------------------ */

/* pakn_quarterly's columns as the page and the CSV show them; a column the function does not
 * return is left out, one it returns and this does not name is written as it is (CSV). */
static const struct column {
	const char *name;
	enum report_format format;
	const char *vi, *en; /* the page's heading; NULL: not a column of the page */
} columns[] = {
	{"count", REPORT_COUNT, "Số ý kiến", "Feedback"},
	{"mean", REPORT_MEAN, "Điểm TB (1–5)", "Mean (1–5)"},
	{"csat", REPORT_SHARE, "Hài lòng", "Satisfied"},
	{"answer_rate", REPORT_SHARE, "Đã trả lời", "Answered"},
	{"overdue", REPORT_COUNT, "Quá hạn", "Overdue"},
	{"previous_count", REPORT_COUNT, "Quý trước: số ý kiến", "Previous quarter: feedback"},
	{"previous_mean", REPORT_MEAN, "Quý trước: điểm TB", "Previous quarter: mean"},
	{"previous_csat", REPORT_SHARE, "Quý trước: hài lòng", "Previous quarter: satisfied"},
	{"count_change", REPORT_COUNT_CHANGE, "Thay đổi số ý kiến", "Change in feedback"},
	{"mean_change", REPORT_MEAN_CHANGE, "Thay đổi điểm TB", "Change in mean"},
	{"csat_change", REPORT_SHARE_CHANGE, "Thay đổi hài lòng (điểm %)",
	 "Change in satisfied (points)"},
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

/* PostgreSQL type oids (pg_type.h is a server header). */
enum { OID_BOOL = 16, OID_TEXT = 25 };

static const struct column *column_named(const char *name)
{
	for (size_t i = 0; i < NCOLUMNS; i++)
		if (strcmp(columns[i].name, name) == 0)
			return &columns[i];
	return NULL;
}

void report_quarterly_csv(const PGresult *res, struct sbuf *out)
{
	int n = PQnfields(res);
	sbuf_puts(out, TABLE_CSV_BOM);
	for (int c = 0; c < n; c++) {
		const struct column *col = column_named(PQfname(res, c));
		sbuf_puts(out, c ? "," : "");
		sbuf_puts(out, PQfname(res, c));
		if (col && col->format == REPORT_SHARE)
			sbuf_puts(out, "_percent");
		else if (col && col->format == REPORT_SHARE_CHANGE)
			sbuf_puts(out, "_points");
	}
	sbuf_puts(out, "\r\n");
	for (int r = 0; r < PQntuples(res); r++) {
		for (int c = 0; c < n; c++) {
			const struct column *col = column_named(PQfname(res, c));
			sbuf_puts(out, c ? "," : "");
			if (PQgetisnull(res, r, c))
				continue;
			const char *v = PQgetvalue(res, r, c);
			if (col)
				report_number(out, v, col->format, REPORT_CSV);
			else if (PQftype(res, c) == OID_BOOL)
				sbuf_puts(out, v[0] == 't' ? "true" : "false");
			else
				table_csv_cell(out, v, PQftype(res, c) == OID_TEXT);
		}
		sbuf_puts(out, "\r\n");
	}
}

/* --- the page ------------------------------------------------------------------------------- */

/* Quarters as Vietnamese write them: Quý II/2026. */
static const char *const romans[] = {"", "I", "II", "III", "IV"};

/* The page's words, Vietnamese then English. */
static const char *w(const struct report_about *a, const char *vi, const char *en)
{
	return a->lang == REPORT_EN ? en : vi;
}

/* The section's numeral when code is a whole section's own code ("LC-T-V", "DB-I-II":
 * docs/catalog.md), else NULL. */
static const char *section_of_scope_code(const char *code)
{
	const char *p = code;
	while (*p >= 'A' && *p <= 'Z')
		p++;
	if (p == code || p[0] != '-' || (p[1] != 'T' && p[1] != 'I') || p[2] != '-' || !p[3])
		return NULL;
	return strspn(p + 3, "IVXL") == strlen(p + 3) ? p + 3 : NULL;
}

/* A row's name: an item's title with its code after it; feedback on the whole plan or a
 * whole section named so; an agency by its name. */
static void put_name(struct sbuf *out, const struct report_about *a, const char *level,
		     const char *code, const char *title)
{
	const char *section = section_of_scope_code(code);
	if (strcmp(level, "agency") == 0) {
		html_escape(out, title);
		return;
	}
	if (strcmp(code, a->plan) == 0) {
		sbuf_puts(out, w(a, "Toàn bộ kế hoạch", "Whole plan"));
	} else if (section) {
		sbuf_puts(out, w(a, "Toàn bộ mục ", "Whole section "));
		html_escape(out, section);
		sbuf_puts(out, ": ");
		html_escape(out, title);
	} else {
		html_escape(out, title);
	}
	sbuf_puts(out, " <span class=\"code\">(");
	html_escape(out, code);
	sbuf_puts(out, ")</span>");
}

/* One level's table ("agency", "item"). */
static void put_level(struct sbuf *out, const PGresult *res, const struct report_about *a,
		      const char *level, const char *vi, const char *en)
{
	int f_level = PQfnumber(res, "level"), f_code = PQfnumber(res, "code"),
	    f_title = PQfnumber(res, "title"), f_few = PQfnumber(res, "insufficient_data");
	int fields[NCOLUMNS];
	for (size_t i = 0; i < NCOLUMNS; i++)
		fields[i] = PQfnumber(res, columns[i].name);
	sbuf_printf(out, "<h2>%s</h2>\n", w(a, vi, en));
	int rows = 0;
	for (int r = 0; r < PQntuples(res); r++) {
		if (strcmp(PQgetvalue(res, r, f_level), level) != 0)
			continue;
		if (rows++ == 0) {
			/* A table wider than a phone scrolls in its frame, which the keyboard reaches. */
			sbuf_printf(out,
				    "<div class=\"wrap\" tabindex=\"0\" role=\"region\" aria-label=\"%s\">"
				    "<table>\n<thead><tr><th scope=\"col\">%s</th>",
				    w(a, vi, en), w(a, "Tên", "Name"));
			for (size_t i = 0; i < NCOLUMNS; i++)
				if (fields[i] >= 0)
					sbuf_printf(out, "<th scope=\"col\" class=\"n\">%s</th>",
						    w(a, columns[i].vi, columns[i].en));
			sbuf_puts(out, "</tr></thead>\n<tbody>\n");
		}
		sbuf_puts(out, "<tr><th scope=\"row\">");
		put_name(out, a, level, PQgetvalue(res, r, f_code), PQgetvalue(res, r, f_title));
		sbuf_puts(out, "</th>");
		for (size_t i = 0; i < NCOLUMNS; i++) {
			if (fields[i] < 0)
				continue;
			sbuf_puts(out, "<td class=\"n\">");
			if (PQgetisnull(res, r, fields[i]))
				sbuf_puts(out, "—");
			else
				report_number(out, PQgetvalue(res, r, fields[i]), columns[i].format,
					      a->lang);
			if (strcmp(columns[i].name, "csat") == 0 && f_few >= 0 &&
			    PQgetvalue(res, r, f_few)[0] == 't')
				sbuf_puts(out, "&nbsp;*");
			sbuf_puts(out, "</td>");
		}
		sbuf_puts(out, "</tr>\n");
	}
	if (rows)
		sbuf_puts(out, "</tbody>\n</table></div>\n");
	else
		sbuf_printf(out, "<p>%s</p>\n",
			    w(a, "Chưa có góp ý trong quý này.", "No feedback in this quarter."));
}

void report_quarterly_html(const PGresult *res, const struct report_about *a, struct sbuf *out)
{
	assert(a->quarter >= 1 && a->quarter <= 4);
	bool en = a->lang == REPORT_EN;
	char quarter[24];
	if (en)
		snprintf(quarter, sizeof(quarter), "Q%d %d", a->quarter, a->year);
	else
		snprintf(quarter, sizeof(quarter), "Quý %s/%d", romans[a->quarter], a->year);
	sbuf_printf(out, "<!doctype html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
			 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
			 "<link rel=\"stylesheet\" href=\"/assets/report.css\"><title>",
		    en ? "en" : "vi");
	html_escape(out, a->province);
	sbuf_printf(out, " – %s – %s</title></head><body>\n", quarter,
		    w(a, "Báo cáo quý", "Quarterly review"));
	/* The other language, for the same review. */
	sbuf_puts(out, "<p class=\"lang\"><a href=\"/api/v1/reports/quarterly?plan=");
	html_escape(out, a->plan);
	sbuf_printf(out, "&amp;quarter=%d-Q%d&amp;format=html&amp;lang=%s\" lang=\"%s\">%s</a></p>\n",
		    a->year, a->quarter, en ? "vi" : "en", en ? "vi" : "en",
		    en ? "Tiếng Việt" : "English");
	sbuf_printf(out, "<h1>%s</h1>\n<p>%s: <strong>",
		    w(a, "Báo cáo quý về góp ý và mức độ hài lòng",
		      "Quarterly review of feedback and satisfaction"),
		    w(a, "Kế hoạch", "Plan"));
	html_escape(out, a->province);
	sbuf_puts(out, "</strong> — ");
	html_escape(out, a->title);
	sbuf_puts(out, " <span class=\"code\">(");
	html_escape(out, a->plan);
	sbuf_printf(out, ")</span><br>%s: <strong>%s</strong></p>\n", w(a, "Quý", "Quarter"),
		    quarter);
	put_level(out, res, a, "agency", "Theo cơ quan chủ trì", "By lead agency");
	put_level(out, res, a, "item", "Theo nhiệm vụ, chỉ tiêu", "By task or indicator");
	sbuf_printf(out,
		    en ? "<p class=\"note\">Satisfied: the share of ratings 4 and 5. * Few ratings "
			 "(under %ld): not yet a settled figure. Answered: the share of feedback "
			 "with the agency's answer. Overdue: not acted on or not answered in time "
			 "(working days). Changes are against the previous quarter; a change in "
			 "satisfied is in percentage points.</p>\n</body></html>\n"
		       : "<p class=\"note\">Hài lòng: tỷ lệ đánh giá 4 và 5. * Ít dữ liệu (dưới "
			 "%ld đánh giá): chưa nên coi là kết luận. Đã trả lời: tỷ lệ góp ý đã có "
			 "câu trả lời của cơ quan. Quá hạn: chưa xử lý hoặc chưa trả lời đúng hạn "
			 "(ngày làm việc). Thay đổi so với quý trước; thay đổi hài lòng tính bằng "
			 "điểm phần trăm.</p>\n</body></html>\n",
		    a->min_count);
}
