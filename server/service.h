/* service.h - the service's own endpoints: the index, liveness and readiness. */
#ifndef PAKN_SERVICE_H
#define PAKN_SERVICE_H

#include "http/http.h"

void service_index(struct http_req *req);   /* GET /api/v1 */
void service_healthz(struct http_req *req); /* GET /healthz: the process answers */
void service_readyz(struct http_req *req);  /* GET /readyz: the database answers too */
void service_metrics(struct http_req *req); /* GET /metrics: Prometheus text for operators */
void service_webfiles(struct http_req *req); /* a path no route takes: the web pages */

#endif
