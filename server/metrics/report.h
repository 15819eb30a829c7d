/* report.h - the quarterly review as people read it: the printable page (one language,
 * names first, shares as percentages and figures to one decimal, "3,3" and "42,9 %" in
 * Vietnamese, "3.3" and "42.9%" in English) and its CSV (the same rounding, shares in
 * percent, for spreadsheets). The JSON keeps the database's 4 decimals. docs/metrics.md. */
#ifndef PAKN_METRICS_REPORT_H
#define PAKN_METRICS_REPORT_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "core/util.h"

/* How a figure is written. */
enum report_format {
	REPORT_RAW,          /* as the database wrote it */
	REPORT_COUNT,        /* a whole number, thousands grouped */
	REPORT_COUNT_CHANGE, /* the same with its sign (+3, -2, 0) */
	REPORT_MEAN,         /* one decimal (3.2857 -> 3,3) */
	REPORT_MEAN_CHANGE,  /* the same with its sign */
	REPORT_SHARE,        /* a fraction as a percentage, one decimal (0.4286 -> 42,9 %) */
	REPORT_SHARE_CHANGE, /* a change of a share in percentage points, with its sign */
};

/* Who reads the figures: a Vietnamese or English page, or a spreadsheet (a point for the
 * decimals, no grouping, no % sign, no + sign, which a spreadsheet may take for a formula). */
enum report_style { REPORT_VI, REPORT_EN, REPORT_CSV };

/* Appends value (a number as PostgreSQL writes it) in format and style to out; a value
 * that is not a number is appended as it is. Halves round away from zero, on the
 * decimal value (0.0125 -> 1,3 %), not on its binary approximation. */
void report_number(struct sbuf *out, const char *value, enum report_format format,
		   enum report_style style);

/* What the page says about the review besides its rows. */
struct report_about {
	const char *plan;       /* its code, "DB-2026" */
	const char *title;      /* the plan's title */
	const char *province;   /* "Điện Biên" */
	int year, quarter;      /* 2026, 2 */
	long min_count;         /* fewer ratings than this are a small sample */
	enum report_style lang; /* REPORT_VI or REPORT_EN */
};

/* Appends the printable page of pakn_quarterly's rows (sql/functions/metrics.sql) to out:
 * one table per level (lead agency, then item), names in words, every text escaped, no
 * script and no inline style (the page's style sheet is /assets/report.css). */
void report_quarterly_html(const PGresult *res, const struct report_about *about,
			   struct sbuf *out);

/* Appends the same rows as CSV (table.h's rules) to out, figures rounded as on the page
 * and shares in percent (columns csat_percent, csat_change_points, …). */
void report_quarterly_csv(const PGresult *res, struct sbuf *out);

#endif
