/* intake_api.h - the intake endpoints: submitting feedback (JSON or an HTML form), looking it
 * up by tracking code, the public keys, and checking a receipt. */
#ifndef PAKN_FEEDBACK_H
#define PAKN_FEEDBACK_H

#include "http/http.h"

void intake_api_submit(struct http_req *req);  /* POST /api/v1/feedback */
void intake_api_status(struct http_req *req);  /* GET /api/v1/feedback/{tracking_code} */
void intake_api_keys(struct http_req *req);    /* GET /api/v1/keys */
void intake_api_verify(struct http_req *req);  /* POST /api/v1/receipts/verify */
void intake_api_feed(struct http_req *req);    /* GET /api/v1/feedback: the public feed */
void intake_api_rate(struct http_req *req);    /* POST /api/v1/feedback/{tracking_code}/rating */

#endif
