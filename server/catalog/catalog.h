/* catalog.h - the plan catalog's read API: plans, items (with filters, paging and
 * diacritic-insensitive search) and agencies. */
#ifndef PAKN_CATALOG_H
#define PAKN_CATALOG_H

#include "http/http.h"

void catalog_plans(struct http_req *req);    /* GET /api/v1/plans */
void catalog_plan(struct http_req *req);     /* GET /api/v1/plans/{code} */
void catalog_items(struct http_req *req);    /* GET /api/v1/items */
void catalog_item(struct http_req *req);     /* GET /api/v1/items/{code} */
void catalog_agencies(struct http_req *req); /* GET /api/v1/agencies */

#endif
