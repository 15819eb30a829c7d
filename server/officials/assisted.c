/* assisted.c - owns POST /api/v1/moderation/intake: who may enter feedback for a citizen,
 * the per-official limit, and the hand-over to the citizens' own intake path
 * (intake_from_json_assisted, then intake_api_store), so the checks, the group commit and
 * the receipt are the web form's, not a copy of them. */
#include "officials/assisted.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/random.h"
#include "core/util.h"
#include "crypto/keys.h"
#include "http/http_params.h"
#include "http/ratelimit.h"
#include "intake/intake.h"
#include "intake/intake_api.h"
#include "officials/auth.h"

/* The client an official's entries count as: the official, not the address. An office's
 * desk shares one address with every colleague (and with the citizens on its Wi-Fi), so
 * the citizens' per-address bucket would throttle honest desk work; one bucket per
 * official (the same size, intake_rate and intake_burst, in the same table under a key no
 * address can have) still bounds what one account can enter. Idempotency keys count per
 * official too. */
static void official_hash(const struct http_req *req, char hex[65], uint64_t *short_hash)
{
	static const char domain[] = "pakn assisted intake official";
	crypto_generichash_state st;
	uint8_t h[32];
	char id[AUTH_ID_MAX];
	auth_official_id(req, id);
	crypto_generichash_init(&st, keys_derived(req->ctx->keys, KEY_CLIENT), 32, sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)domain, sizeof(domain));
	crypto_generichash_update(&st, (const uint8_t *)id, strlen(id));
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(hex, 65, h, sizeof(h));
	memcpy(short_hash, h, sizeof(*short_hash));
}

static void assisted_next(struct http_req *req)
{
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	if (!http_media_type_is(http_header(req, "Content-Type"), "application/json")) {
		http_reply_code(req, HTTP_ERR_JSON_ONLY, NULL);
		return;
	}
	char chash[65];
	uint64_t short_hash;
	official_hash(req, chash, &short_hash);
	int retry_after = 1;
	if (!ratelimit_take(req->ctx->ratelimit, short_hash, now_seconds(), &retry_after)) {
		http_set_retry_after(req, retry_after);
		http_reply_code(req, HTTP_ERR_RATE_LIMITED, NULL);
		return;
	}
	size_t len;
	const char *body = http_body(req, &len);
	struct submission s;
	json_object *fields = json_object_new_array();
	enum intake_result res = intake_from_json_assisted(body ? body : "", len,
							   date_vietnam_day(time(NULL)), &s, fields);
	s.entered_by = req->official->id;
	snprintf(s.entered_role, sizeof(s.entered_role), "%s", req->official->roles_name);
	/* The duplicate rule (the same words from the same client within minutes are one
	 * submission) would make two callers who say the same thing one feedback, the second
	 * handed the first's receipt, since the client here is the official: an entry without
	 * an idempotency key of its own gets a random one, so that only a retry that repeats
	 * its key (the console's double click) is taken for the same entry. */
	if (res == INTAKE_OK && !*s.idempotency_key && !http_header(req, "Idempotency-Key")) {
		uint8_t key[16];
		random_bytes(key, sizeof(key));
		memcpy(s.idempotency_key, "entry-", 6);
		sodium_bin2hex(s.idempotency_key + 6, sizeof(s.idempotency_key) - 6, key, sizeof(key));
	}
	intake_api_store(req, res, &s, fields, chash);
}

void assisted_intake(struct http_req *req)
{
	auth_require(req, ROLE_MODERATOR | ROLE_RESPONDER, assisted_next);
}
