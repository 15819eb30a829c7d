/* tlog_api.h - the transparency log's read API (docs/tlog.md): the latest signed checkpoint,
 * inclusion and consistency proofs, and the entries. */
#ifndef PAKN_LOG_API_H
#define PAKN_LOG_API_H

#include "http/http.h"

void tlog_api_checkpoint(struct http_req *req);  /* GET /api/v1/log/checkpoint */
void tlog_api_inclusion(struct http_req *req);   /* GET /api/v1/log/proof/inclusion */
void tlog_api_consistency(struct http_req *req); /* GET /api/v1/log/proof/consistency */
void tlog_api_entries(struct http_req *req);     /* GET /api/v1/log/entries */

#endif
