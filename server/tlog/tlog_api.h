/* log_api.h - the transparency log's read API (docs/tlog.md): the latest signed checkpoint,
 * inclusion and consistency proofs, and the entries. */
#ifndef PAKN_LOG_API_H
#define PAKN_LOG_API_H

#include "http/http.h"

void log_checkpoint(struct http_req *req);  /* GET /api/v1/log/checkpoint */
void log_inclusion(struct http_req *req);   /* GET /api/v1/log/proof/inclusion */
void log_consistency(struct http_req *req); /* GET /api/v1/log/proof/consistency */
void log_entries(struct http_req *req);     /* GET /api/v1/log/entries */

#endif
