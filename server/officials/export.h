/* export.h - the export of feedback rows within an official's scope, as CSV for a
 * spreadsheet or as JSON, filtered as the queue is, capped at export_max_rows, with the
 * submitters' contact details only when asked by a role that may read them, and each
 * export audited (docs/moderation.md, "Export"). */
#ifndef PAKN_EXPORT_H
#define PAKN_EXPORT_H

#include "http/http.h"

void export_feedback(struct http_req *req); /* GET /api/v1/moderation/export */

#endif
