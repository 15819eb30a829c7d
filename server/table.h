/* table.h - a query result as the API's JSON (an array of objects, numbers as numbers) or as
 * CSV that spreadsheet programs open correctly with Vietnamese text: UTF-8 with a byte-order
 * mark, a header row, RFC 4180 quoting, CRLF line ends. */
#ifndef PAKN_TABLE_H
#define PAKN_TABLE_H

#include <json-c/json.h>
#include <libpq-fe.h>

#include "util.h"

/* The rows of res as a JSON array (caller puts). */
json_object *table_to_json(const PGresult *res);

/* Appends res as CSV to out. */
void table_to_csv(const PGresult *res, struct sbuf *out);

#endif
