/* table.h - a query result as the API's JSON (an array of objects, numbers as numbers) or as
 * CSV that spreadsheet programs open correctly with Vietnamese text: UTF-8 with a byte-order
 * mark, a header row, RFC 4180 quoting, CRLF line ends. A text cell that a spreadsheet would
 * take for a formula (one starting with = + - @, a tab or a carriage return) is written
 * with a leading apostrophe, inside quotes (OWASP, "CSV Injection"): a spreadsheet shows it
 * as text and runs nothing. Numbers, from numeric columns, stay numbers ("-0.25"). */
#ifndef PAKN_TABLE_H
#define PAKN_TABLE_H

#include <json-c/json.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "core/util.h"

/* The rows of res as a JSON array (caller puts). */
json_object *table_to_json(const PGresult *res);

/* Appends res as CSV to out. */
void table_to_csv(const PGresult *res, struct sbuf *out);

/* The pieces of table_to_csv, for a caller that adds columns of its own (the export of
 * feedback, officials/export.c): the byte-order mark a file starts with; the first ncols
 * cells of row (row -1: the column names), comma-separated, without the line end (CRLF);
 * one cell, formula-neutralised when text is true. */
#define TABLE_CSV_BOM "\xEF\xBB\xBF"
void table_csv_cells(const PGresult *res, int row, int ncols, struct sbuf *out);
void table_csv_cell(struct sbuf *out, const char *v, bool text);

/* Row row of res as a JSON object of its first ncols columns, typed as table_to_json
 * (caller puts). */
json_object *table_row_json(const PGresult *res, int row, int ncols);

/* Appends rows of res whose column `filter_col` equals `filter` (all rows if filter_col is
 * NULL) as an HTML table with headers from `headers` (one per column, skipping filter_col),
 * every value escaped. */
void table_to_html(const PGresult *res, const char *filter_col, const char *filter,
		   const char *const *headers, struct sbuf *out);

/* Appends text to out with & < > " ' escaped for HTML. */
void html_escape(struct sbuf *out, const char *text);

#endif
