/* table.c - owns rendering query results as JSON rows and CSV (see table.h). */
#include "http/table.h"

#include <string.h>

/* PostgreSQL type oids (pg_type.h is a server header). */
enum { OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_FLOAT4 = 700,
       OID_FLOAT8 = 701, OID_NUMERIC = 1700 };

static json_object *cell_json(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	const char *v = PQgetvalue(res, row, col);
	switch (PQftype(res, col)) {
	case OID_BOOL:
		return json_object_new_boolean(v[0] == 't');
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
		return json_object_new_int64(strtoll(v, NULL, 10));
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC:
		/* Keeps the database's digits ("0.6667"), not a binary float's. */
		return json_object_new_double_s(strtod(v, NULL), v);
	default:
		return json_object_new_string(v);
	}
}

json_object *table_row_json(const PGresult *res, int row, int ncols)
{
	json_object *o = json_object_new_object();
	for (int c = 0; c < ncols; c++)
		json_object_object_add(o, PQfname(res, c), cell_json(res, row, c));
	return o;
}

json_object *table_to_json(const PGresult *res)
{
	json_object *rows = json_object_new_array();
	for (int r = 0; r < PQntuples(res); r++)
		json_object_array_add(rows, table_row_json(res, r, PQnfields(res)));
	return rows;
}

static bool is_number_type(Oid type)
{
	return type == OID_INT2 || type == OID_INT4 || type == OID_INT8 || type == OID_FLOAT4 ||
	       type == OID_FLOAT8 || type == OID_NUMERIC;
}

/* A text cell a spreadsheet would read as a formula, wherever it came from (a plan's
 * titles, an agency's name). */
static bool is_formula_like(const char *v)
{
	return *v && strchr("=+-@\t\r", *v);
}

void table_csv_cell(struct sbuf *out, const char *v, bool text)
{
	bool defuse = text && is_formula_like(v);
	bool quote = defuse || strpbrk(v, ",\"\r\n") || v[0] == ' ' ||
		     (*v && v[strlen(v) - 1] == ' ');
	if (!quote) {
		sbuf_puts(out, v);
		return;
	}
	sbuf_append(out, defuse ? "\"'" : "\"", defuse ? 2 : 1);
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			sbuf_append(out, "\"", 1);
		sbuf_append(out, p, 1);
	}
	sbuf_append(out, "\"", 1);
}

void table_csv_cells(const PGresult *res, int row, int ncols, struct sbuf *out)
{
	for (int c = 0; c < ncols; c++) {
		if (c)
			sbuf_append(out, ",", 1);
		if (row < 0) {
			table_csv_cell(out, PQfname(res, c), true);
			continue;
		}
		if (PQgetisnull(res, row, c))
			continue;
		const char *v = PQgetvalue(res, row, c);
		/* Booleans read as words in a spreadsheet. */
		if (PQftype(res, c) == OID_BOOL)
			v = v[0] == 't' ? "true" : "false";
		table_csv_cell(out, v, !is_number_type(PQftype(res, c)));
	}
}

void table_to_csv(const PGresult *res, struct sbuf *out)
{
	sbuf_puts(out, TABLE_CSV_BOM);
	for (int r = -1; r < PQntuples(res); r++) {
		table_csv_cells(res, r, PQnfields(res), out);
		sbuf_puts(out, "\r\n");
	}
}

void html_escape(struct sbuf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': sbuf_puts(out, "&lt;"); break;
		case '>': sbuf_puts(out, "&gt;"); break;
		case '&': sbuf_puts(out, "&amp;"); break;
		case '"': sbuf_puts(out, "&quot;"); break;
		case '\'': sbuf_puts(out, "&#39;"); break;
		default: sbuf_append(out, s, 1);
		}
	}
}

void table_to_html(const PGresult *res, const char *filter_col, const char *filter,
		   const char *const *headers, struct sbuf *out)
{
	int skip = filter_col ? PQfnumber(res, filter_col) : -1;
	sbuf_puts(out, "<table>\n<thead><tr>");
	for (int c = 0, h = 0; c < PQnfields(res); c++) {
		if (c == skip)
			continue;
		sbuf_puts(out, "<th>");
		html_escape(out, headers[h++]);
		sbuf_puts(out, "</th>");
	}
	sbuf_puts(out, "</tr></thead>\n<tbody>\n");
	for (int r = 0; r < PQntuples(res); r++) {
		if (skip >= 0 && strcmp(PQgetvalue(res, r, skip), filter) != 0)
			continue;
		sbuf_puts(out, "<tr>");
		for (int c = 0; c < PQnfields(res); c++) {
			if (c == skip)
				continue;
			bool number = PQftype(res, c) != 25 && PQftype(res, c) != OID_BOOL;
			sbuf_puts(out, number ? "<td class=\"n\">" : "<td>");
			if (!PQgetisnull(res, r, c)) {
				const char *v = PQgetvalue(res, r, c);
				html_escape(out, PQftype(res, c) == OID_BOOL ? (v[0] == 't' ? "✓" : "") : v);
			}
			sbuf_puts(out, "</td>");
		}
		sbuf_puts(out, "</tr>\n");
	}
	sbuf_puts(out, "</tbody>\n</table>\n");
}
