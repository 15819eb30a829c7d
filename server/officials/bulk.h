/* bulk.h - one moderation action on many feedback (POST /api/v1/moderation/bulk;
 * docs/moderation.md, "Bulk actions"): each id taken in turn through the single action's
 * path (moderation_apply), its own transaction, and a result per id. */
#ifndef PAKN_BULK_H
#define PAKN_BULK_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "http/http.h"
#include "officials/moderation.h"

/* The most ids one request names: a console page of the queue (limit=200). */
#define BULK_MAX_IDS 200

/* A bulk body as read and checked by bulk_parse. */
struct bulk_input {
	struct moderation_input action; /* the action and its parameters, as for one feedback */
	int64_t ids[BULK_MAX_IDS];      /* distinct, in the order given */
	size_t n;
};

/* The parse-and-check step of POST /api/v1/moderation/bulk, without I/O: the action's body
 * as moderation_action_parse reads it, an action a bulk may take, and "ids" (1 to
 * BULK_MAX_IDS distinct ids). Returns 0 with in filled, 400 when body (may be NULL) is not
 * a JSON object, or 422 after adding one entry per problem to fields. Call
 * bulk_input_free(in) in every case. */
int bulk_parse(const char *body, size_t len, struct bulk_input *in, json_object *fields);

/* Frees what in holds (not in itself). */
void bulk_input_free(struct bulk_input *in);

void bulk_action(struct http_req *req); /* POST /api/v1/moderation/bulk */

#endif
