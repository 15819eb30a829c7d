/* intake_api.h - the intake endpoints: submitting feedback (JSON or an HTML form), looking it
 * up by tracking code, the public keys, and checking a receipt. */
#ifndef PAKN_FEEDBACK_H
#define PAKN_FEEDBACK_H

#include "http/http.h"
#include "intake/intake.h"

void intake_api_submit(struct http_req *req);  /* POST /api/v1/feedback */
void intake_api_status(struct http_req *req);  /* GET /api/v1/feedback/{tracking_code} */
void intake_api_qr(struct http_req *req);      /* GET /api/v1/feedback/{tracking_code}/qr.svg */
void intake_api_keys(struct http_req *req);    /* GET /api/v1/keys */
void intake_api_verify(struct http_req *req);  /* POST /api/v1/receipts/verify */
void intake_api_feed(struct http_req *req);    /* GET /api/v1/feedback: the public feed */
void intake_api_rate(struct http_req *req);    /* POST /api/v1/feedback/{tracking_code}/rating */

/* Finishes a submission read from a JSON body (res is what intake_from_json* returned) as
 * POST /api/v1/feedback does: the Idempotency-Key header, the replies to a problem (400,
 * 422 naming an unknown item too, 503), or the group commit and the 201 (200 for a repeat)
 * with the signed receipt. client_hash (hex) is whom idempotency keys and the duplicate
 * rule count per. Takes s (left empty) and fields; replies exactly once. For the officials'
 * assisted intake (officials/assisted.c). */
void intake_api_store(struct http_req *req, enum intake_result res, struct submission *s,
		      json_object *fields, const char *client_hash);

#endif
