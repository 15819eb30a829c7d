/* plan_deadline.c - owns the deadline forms of the plans and the periods they mean. */
#include "plan_deadline.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

static const char *const kind_names[] = {
	"none", "month", "quarter", "date", "year", "quarterly", "ongoing", "other",
};

const char *plan_deadline_kind_name(enum deadline_kind kind)
{
	return kind_names[kind];
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

static void set_period(struct deadline *d, enum deadline_kind kind, int y, int m1, int d1,
		       int m2, int d2)
{
	d->kind = kind;
	/* The modulos only tell the compiler the widths; callers pass checked values. */
	unsigned yy = (unsigned)y % 10000u;
	snprintf(d->start, sizeof(d->start), "%04u-%02u-%02u", yy, (unsigned)m1 % 100u,
		 (unsigned)d1 % 100u);
	snprintf(d->end, sizeof(d->end), "%04u-%02u-%02u", yy, (unsigned)m2 % 100u,
		 (unsigned)d2 % 100u);
}

/* Reads a Roman quarter numeral I..IV at *p, advancing it; returns 0 if none. */
static int read_quarter(const char **p)
{
	static const char *const numerals[] = {"iv", "iii", "ii", "i"};
	static const int values[] = {4, 3, 2, 1};
	for (int i = 0; i < 4; i++) {
		size_t n = strlen(numerals[i]);
		if (strncmp(*p, numerals[i], n) == 0) {
			*p += n;
			return values[i];
		}
	}
	return 0;
}

static bool valid_year(int y)
{
	return y >= 1900 && y <= 2200;
}

/* The forms, matched on folded text ("quy ii/2026"). Each parser fills d and returns true
 * only when the whole text is that form. */
static bool parse_month(const char *f, struct deadline *d)
{
	int m, y, n = 0;
	if (sscanf(f, "thang %d/%d%n", &m, &y, &n) != 2 || f[n] || m < 1 || m > 12 ||
	    !valid_year(y))
		return false;
	set_period(d, DEADLINE_MONTH, y, m, 1, m, days_in_month(y, m));
	return true;
}

static bool parse_quarter(const char *f, struct deadline *d)
{
	if (strncmp(f, "quy ", 4) != 0)
		return false;
	const char *p = f + 4;
	int q1 = read_quarter(&p), q2 = q1;
	if (!q1)
		return false;
	if (*p == '-') {
		p++;
		q2 = read_quarter(&p);
		if (q2 < q1)
			return false;
	}
	int y, n = 0;
	if (sscanf(p, "/%d%n", &y, &n) != 1 || p[n] || !valid_year(y))
		return false;
	int m2 = q2 * 3;
	set_period(d, DEADLINE_QUARTER, y, q1 * 3 - 2, 1, m2, days_in_month(y, m2));
	return true;
}

static bool parse_date(const char *f, struct deadline *d)
{
	int day, m, y, n = 0;
	if (sscanf(f, "%d/%d/%d%n", &day, &m, &y, &n) != 3 || f[n] || m < 1 || m > 12 ||
	    !valid_year(y) || day < 1 || day > days_in_month(y, m))
		return false;
	set_period(d, DEADLINE_DATE, y, m, day, m, day);
	return true;
}

static bool parse_year(const char *f, struct deadline *d)
{
	int y, n = 0;
	if (sscanf(f, "nam %d%n", &y, &n) != 1 || f[n] || !valid_year(y))
		return false;
	set_period(d, DEADLINE_YEAR, y, 1, 1, 12, 31);
	return true;
}

void plan_deadline_parse(const char *text, struct deadline *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = DEADLINE_NONE;
	if (!text || !*text)
		return;
	char *f = text_fold(text, strlen(text));
	if (!f || !*f) {
		out->kind = f ? DEADLINE_NONE : DEADLINE_OTHER;
		free(f);
		return;
	}
	/* "Hàng quý" and "Hằng quý" both fold to "hang quy". */
	if (strcmp(f, "hang quy") == 0)
		out->kind = DEADLINE_QUARTERLY;
	else if (strcmp(f, "thuong xuyen") == 0)
		out->kind = DEADLINE_ONGOING;
	else if (!parse_month(f, out) && !parse_quarter(f, out) && !parse_date(f, out) &&
		 !parse_year(f, out))
		out->kind = DEADLINE_OTHER;
	free(f);
}
