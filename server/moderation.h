/* moderation.h - officials' work on feedback: the queue within their scope, actions as one
 * transition table, the audit trail of a feedback, and contact details. Every endpoint
 * starts with auth_require; scope is enforced in SQL (pakn_in_scope). */
#ifndef PAKN_MODERATION_H
#define PAKN_MODERATION_H

#include "http.h"

void moderation_queue(struct http_req *req);   /* GET /api/v1/moderation/queue */
void moderation_action(struct http_req *req);  /* POST /api/v1/moderation/{id}/actions */
void moderation_history(struct http_req *req); /* GET /api/v1/moderation/{id}/history */
void moderation_contact(struct http_req *req); /* GET /api/v1/moderation/{id}/contact */

#endif
