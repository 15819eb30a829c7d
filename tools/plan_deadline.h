/* plan_deadline.h - reads the deadline cell of a plan ("Quý II/2026", "Thường xuyên", …) into
 * a kind and, where the text names one, the period of calendar days it means. */
#ifndef PAKN_PLAN_DEADLINE_H
#define PAKN_PLAN_DEADLINE_H

enum deadline_kind {
	DEADLINE_NONE,      /* the cell is empty */
	DEADLINE_MONTH,     /* "Tháng 01/2026": that month */
	DEADLINE_QUARTER,   /* "Quý II/2026", "Quý I-II/2026": those quarters */
	DEADLINE_DATE,      /* "30/6/2026": that day */
	DEADLINE_YEAR,      /* "Năm 2026": that year */
	DEADLINE_QUARTERLY, /* "Hàng quý": every quarter, no single period */
	DEADLINE_ONGOING,   /* "Thường xuyên": continuous, no period */
	DEADLINE_OTHER,     /* free text such as "Theo hướng dẫn của Bộ Tài chính" */
};

struct deadline {
	enum deadline_kind kind;
	char start[11]; /* YYYY-MM-DD, or "" when the kind has no period */
	char end[11];
};

/* Parses text (UTF-8, already trimmed; NULL or "" is DEADLINE_NONE). Never fails: text it
 * does not recognise is DEADLINE_OTHER. */
void plan_deadline_parse(const char *text, struct deadline *out);

/* The kind's name as used in the API: "none", "month", "quarter", … */
const char *plan_deadline_kind_name(enum deadline_kind kind);

#endif
