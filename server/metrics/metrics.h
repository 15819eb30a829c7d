/* metrics.h - public figures: satisfaction per item, agency, section, plan or kind and per
 * month, quarter or year, as JSON or CSV, from the read pool. docs/metrics.md. */
#ifndef PAKN_METRICS_H
#define PAKN_METRICS_H

#include "http/http.h"

void metrics_satisfaction(struct http_req *req); /* GET /api/v1/metrics/satisfaction */
void metrics_responses(struct http_req *req);    /* GET /api/v1/metrics/responses */
void metrics_quarterly(struct http_req *req);    /* GET /api/v1/reports/quarterly */
void metrics_report_css(struct http_req *req);   /* GET /assets/report.css */

#endif
