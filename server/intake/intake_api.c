/* intake_api.c - owns the intake endpoints: content types, rate limit, reading the
 * submission (intake.c), handing it to the worker's group commit (intake_queue.c), and
 * the replies: JSON, or a small HTML receipt for a browser without JavaScript. */
#include "intake/intake_api.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "core/config.h"
#include "core/log.h"
#include "core/text.h"
#include "core/util.h"
#include "db/db.h"
#include "db/db_reply.h"
#include "http/http_db.h"
#include "http/http_params.h"
#include "http/proxy.h"
#include "http/ratelimit.h"
#include "intake/form_pages.h"
#include "intake/intake_hub.h"
#include "core/xalloc.h"
#include "tlog/tlog_receipt.h"

struct pending {
	struct http_req *req;
	bool html;
	struct submission s; /* kept only to finish a 422 that needs the catalog */
	json_object *fields;
	char text_start[FORM_TEXT_START_MAX + sizeof("…")]; /* the no-JS receipt repeats it */
};

/* A receipt page waiting for what the receipt does not say: the item's title, who answers
 * and by when (the status by tracking code). */
struct receipt_page {
	struct http_req *req;
	int status;
	struct receipt r;
	char secret[RECEIPT_SECRET_LEN + 1];
	char text_start[FORM_TEXT_START_MAX + sizeof("…")];
};

/* --- media types ---------------------------------------------------------------------- */

/* A browser posting the form asks for HTML first; API clients ask for JSON or anything. */
static bool wants_html(const struct http_req *req)
{
	const char *accept = http_header(req, "Accept");
	return accept && strstr(accept, "text/html") && !strstr(accept, "application/json");
}

/* --- replies -------------------------------------------------------------------------- */

/* An error as the contract's JSON, or as a page for a browser posting the form without
 * JavaScript (html). Takes fields. */
static void reply_problem(struct http_req *req, bool html, enum http_error err,
			  json_object *fields)
{
	if (!html) {
		http_reply_code(req, err, fields);
		return;
	}
	form_page_problem(req, http_error_status(err), http_error_message(err), fields);
	json_object_put(fields);
}

static void reply_422(struct http_req *req, bool html, json_object *fields)
{
	reply_problem(req, html, HTTP_ERR_SUBMISSION_INVALID, fields);
}

static void reply_store_error(struct http_req *req, bool html, enum db_status status)
{
	if (!html) {
		http_reply_db_error(req, status);
		return;
	}
	if (status == DB_UNAVAILABLE)
		http_set_retry_after(req, HTTP_RETRY_AFTER_BUSY);
	form_page_not_stored(req, status == DB_UNAVAILABLE);
}

static void pending_free(struct pending *p)
{
	submission_free(&p->s);
	free(p);
}

/* Feedback on an item that no agency answers would be seen by no official (its plan
 * names no default agency and its text no agency): the form says so beside the item. */
static void add_unanswerable(json_object *fields)
{
	http_field_error(fields, "item_code", "item_unanswerable",
			 "Chưa có cơ quan nào được giao trả lời góp ý về mục này. / No agency is "
			 "assigned to answer feedback on this item.");
}

/* The reply to a stored submission: what was received, the receipt, and where the
 * receipt's entry will be provable and by when (docs/tlog.md). */
static void reply_doc(struct sbuf *out, const struct http_req *req, const struct receipt *r,
		      const char *secret, const char *status_url)
{
	sbuf_reserve(out, 2560); /* the receipt's 1.7 KB and what is around it, at once */
	sbuf_puts(out, "{\"feedback\":{\"tracking_code\":");
	sbuf_json_string(out, r->tracking_code);
	sbuf_json_field(out, "state", "received");
	sbuf_json_field(out, "item_code", r->item_code);
	sbuf_json_field(out, "received_at", r->committed_at);
	sbuf_json_field(out, "status_url", status_url);
	sbuf_puts(out, "},\"receipt\":");
	receipt_json(out, r, secret);
	sbuf_puts(out, ",\"log\":{\"index\":");
	sbuf_int(out, r->log_index);
	sbuf_puts(out, ",\"origin\":");
	sbuf_json_string(out, req->ctx->cfg->log_origin);
	sbuf_puts(out, ",\"max_merge_delay_seconds\":");
	sbuf_int(out, LOG_MAX_MERGE_DELAY);
	sbuf_puts(out, ",\"checkpoint\":\"/api/v1/log/checkpoint\","
		       "\"inclusion_proof\":\"/api/v1/log/proof/inclusion?index=");
	sbuf_int(out, r->log_index);
	sbuf_puts(out, "&size=\"}}");
}

/* The stored submission is there to read (the look-up follows its commit); a failed look-up
 * leaves those facts out rather than the receipt, which is already the sender's. */
static void receipt_page_cb(void *arg, PGresult *res, enum db_status status)
{
	struct receipt_page *rp = arg;
	json_object *facts = NULL;
	if (status == DB_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		facts = json_parse_strict(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	struct sbuf text = {0};
	receipt_json(&text, &rp->r, *rp->secret ? rp->secret : NULL);
	form_page_receipt(rp->req, rp->status, &rp->r, text.data, rp->secret, facts, rp->text_start);
	sbuf_free(&text);
	json_object_put(facts);
	free(rp);
}

static void stored_cb(void *arg, enum intake_outcome outcome, const struct receipt *r,
		      const char *secret)
{
	struct pending *p = arg;
	struct http_req *req = p->req;
	switch (outcome) {
	case INTAKE_CREATED:
	case INTAKE_EXISTING: {
		int status = outcome == INTAKE_CREATED ? 201 : 200;
		struct sbuf text = {0};
		if (p->html) {
			struct receipt_page *rp = xcalloc(1, sizeof(*rp));
			rp->req = req;
			rp->status = status;
			rp->r = *r;
			snprintf(rp->secret, sizeof(rp->secret), "%s", secret ? secret : "");
			memcpy(rp->text_start, p->text_start, sizeof(rp->text_start));
			const char *param = r->tracking_code;
			db_query(http_db(req), STMT_FEEDBACK_STATUS, &param, receipt_page_cb, rp);
		} else {
			char status_url[96];
			snprintf(status_url, sizeof(status_url), "/api/v1/feedback/%s", r->tracking_code);
			reply_doc(&text, req, r, secret, status_url);
			if (status == 201) {
				evhttp_add_header(evhttp_request_get_output_headers(req->ev), "Location",
						  status_url);
			}
			http_reply_json(req, status, text.data, text.len, 0);
		}
		sbuf_free(&text);
		break;
	}
	case INTAKE_CONFLICT:
		reply_problem(req, p->html, HTTP_ERR_IDEMPOTENCY_KEY_REUSED, NULL);
		break;
	case INTAKE_UNKNOWN_ITEM: {
		json_object *fields = json_object_new_array();
		http_field_error(fields, "item_code", "unknown_item",
				 "Không có nhiệm vụ hay chỉ tiêu nào có mã này. / No task or "
				 "indicator has this code.");
		reply_422(req, p->html, fields);
		break;
	}
	case INTAKE_UNANSWERABLE: {
		json_object *fields = json_object_new_array();
		add_unanswerable(fields);
		reply_problem(req, p->html, HTTP_ERR_ITEM_UNANSWERABLE, fields);
		break;
	}
	case INTAKE_UNAVAILABLE:
		reply_store_error(req, p->html, DB_UNAVAILABLE);
		break;
	case INTAKE_FAILED:
		reply_store_error(req, p->html, DB_FAILED);
		break;
	}
	pending_free(p);
}

/* A 422 also names an unknown or unanswerable item, so every problem is reported at once. */
static void invalid_item_checked_cb(void *arg, PGresult *res, enum db_status status)
{
	struct pending *p = arg;
	if (status == DB_OK && PQntuples(res) == 0)
		http_field_error(p->fields, "item_code", "unknown_item",
				 "Không có nhiệm vụ hay chỉ tiêu nào có mã này. / No task or "
				 "indicator has this code.");
	else if (status == DB_OK && strcmp(PQgetvalue(res, 0, 0), "f") == 0)
		add_unanswerable(p->fields);
	reply_422(p->req, p->html, p->fields);
	pending_free(p);
}

/* --- the client ----------------------------------------------------------------------- */

/* The client as the limits, the duplicate rule and idempotency keys count it: its address,
 * or an IPv6 address's /64 (proxy_client_key). */
static void client_hash(const struct http_req *req, char hex[65], uint64_t *short_hash)
{
	char key[PROXY_ADDR_LEN];
	proxy_client_key(http_client_address(req), key);
	uint8_t h[32];
	crypto_generichash(h, sizeof(h), (const uint8_t *)key, strlen(key),
			   keys_derived(req->ctx->keys, KEY_CLIENT), 32);
	sodium_bin2hex(hex, 65, h, sizeof(h));
	memcpy(short_hash, h, sizeof(*short_hash));
}

/* --- handlers ------------------------------------------------------------------------- */

/* What follows reading a submission, for the citizen's route and the officials' one
 * alike (intake_api_store): the Idempotency-Key header, the reply to a problem, or the
 * group commit and the receipt. Takes p and fields. */
static void store(struct pending *p, enum intake_result res, json_object *fields, bool json,
		  const char *chash)
{
	struct http_req *req = p->req;
	bool html = p->html;
	const char *header_key = http_header(req, "Idempotency-Key");
	if (res == INTAKE_OK && header_key) {
		bool printable = *header_key && strlen(header_key) <= IDEMPOTENCY_KEY_MAX;
		for (const char *c = header_key; printable && *c; c++)
			printable = *c > ' ' && *c < 0x7F;
		if (!printable ||
		    (*p->s.idempotency_key && strcmp(p->s.idempotency_key, header_key) != 0)) {
			http_field_error(fields, "Idempotency-Key", "invalid_code",
					 "Khóa không hợp lệ hoặc khác với idempotency_key. / Invalid, or "
					 "different from idempotency_key.");
			submission_free(&p->s);
			res = INTAKE_INVALID;
		} else {
			snprintf(p->s.idempotency_key, sizeof(p->s.idempotency_key), "%s", header_key);
		}
	}
	if (res == INTAKE_NO_MEMORY) {
		json_object_put(fields);
		reply_problem(req, html, HTTP_ERR_BUSY, NULL);
		pending_free(p);
		return;
	}
	if (res == INTAKE_MALFORMED) {
		json_object_put(fields);
		reply_problem(req, html, json ? HTTP_ERR_NOT_JSON_OBJECT : HTTP_ERR_INVALID_FORM,
			      NULL);
		pending_free(p);
		return;
	}
	if (res == INTAKE_INVALID) {
		/* Does the item exist too? Only worth asking if its code was well formed: then
		 * reading the body left it in p->s (intake.h). */
		if (*p->s.item_code) {
			p->fields = fields;
			const char *param = p->s.item_code;
			db_query(http_db(req), STMT_ITEM_EXISTS, &param, invalid_item_checked_cb, p);
		} else {
			reply_422(req, html, fields);
			pending_free(p);
		}
		return;
	}
	json_object_put(fields);
	if (html && p->s.body) {
		size_t len = strlen(p->s.body), cut = utf8_cut(p->s.body, len, FORM_TEXT_START_MAX);
		snprintf(p->text_start, sizeof(p->text_start), "%.*s%s", (int)cut, p->s.body,
			 cut < len ? "…" : "");
	}
	intake_hub_submit(req->ctx->intake, req->ctx->base, &p->s, chash, stored_cb, p);
}

void intake_api_submit(struct http_req *req)
{
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	const char *type = http_header(req, "Content-Type");
	bool json = http_media_type_is(type, "application/json");
	bool form = http_media_type_is(type, "application/x-www-form-urlencoded");
	if (!json && !form) {
		http_reply_code(req, HTTP_ERR_JSON_OR_FORM_ONLY, NULL);
		return;
	}
	bool html = form && wants_html(req);
	char chash[65];
	uint64_t short_hash;
	client_hash(req, chash, &short_hash);
	int retry_after = 1;
	if (!ratelimit_take(req->ctx->ratelimit, short_hash, now_seconds(), &retry_after)) {
		http_set_retry_after(req, retry_after);
		reply_problem(req, html, HTTP_ERR_RATE_LIMITED, NULL);
		return;
	}

	struct pending *p = xcalloc(1, sizeof(*p));
	p->req = req;
	p->html = html;
	size_t len;
	const char *body = http_body(req, &len);
	json_object *fields = json_object_new_array();
	enum intake_result res = json ? intake_from_json(body ? body : "", len, &p->s, fields)
				      : intake_from_form(body ? body : "", len, &p->s, fields);
	store(p, res, fields, json, chash);
}

void intake_api_store(struct http_req *req, enum intake_result res, struct submission *s,
		      json_object *fields, const char *client_hash)
{
	struct pending *p = xcalloc(1, sizeof(*p));
	p->req = req;
	p->s = *s;
	memset(s, 0, sizeof(*s));
	store(p, res, fields, true, client_hash);
}

/* A GET on /api/v1/feedback/{tracking_code}...: no query, and a code that reads (its
 * canonical form in code); else the reply is sent and false returned. */
static bool tracking_code_param(struct http_req *req, char code[TRACKING_CODE_LEN + 1])
{
	if (!http_query_check(req, NULL, 0, NULL))
		return false;
	if (!tracking_parse(http_param(req, "tracking_code"), code)) {
		http_reply_code(req, HTTP_ERR_NO_SUCH_TRACKING_CODE, NULL);
		return false;
	}
	return true;
}

void intake_api_status(struct http_req *req)
{
	char code[TRACKING_CODE_LEN + 1];
	if (!tracking_code_param(req, code))
		return;
	const char *param = code;
	db_query(http_db(req), STMT_FEEDBACK_STATUS, &param, http_db_json_fresh_cb, req);
}

/* No database: the image says nothing the code does not, and a code that fails its check
 * gets the status's 404. The link is absolute so that a phone's camera opens it. */
void intake_api_qr(struct http_req *req)
{
	char code[TRACKING_CODE_LEN + 1];
	if (!tracking_code_param(req, code))
		return;
	struct sbuf link = {0};
	if (!http_link_origin(req->ctx->cfg->public_origin, http_header(req, "Host"), &link)) {
		http_reply_code(req, HTTP_ERR_BAD_REQUEST, NULL);
		return;
	}
	sbuf_cat(&link, "/track/?code=", code, NULL);
	http_reply_qr(req, link.data, 0);
	sbuf_free(&link);
}

void intake_api_keys(struct http_req *req)
{
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	const struct keyring *kr = req->ctx->keys;
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < keys_count(kr); i++) {
		const struct signing_key *k = keys_at(kr, i);
		char pk[sodium_base64_ENCODED_LEN(crypto_sign_PUBLICKEYBYTES,
						  sodium_base64_VARIANT_ORIGINAL)];
		sodium_bin2base64(pk, sizeof(pk), k->pk, sizeof(k->pk), sodium_base64_VARIANT_ORIGINAL);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "key_id", json_object_new_string(k->id));
		json_object_object_add(o, "algorithm", json_object_new_string("Ed25519"));
		json_object_object_add(o, "public_key", json_object_new_string(pk));
		json_object_object_add(o, "current", json_object_new_boolean(k == keys_current(kr)));
		json_object_array_add(list, o);
	}
	json_object *doc = json_object_new_object();
	json_object_object_add(doc, "keys", list);
	size_t len;
	const char *text = json_object_to_json_string_length(doc, JSON_C_TO_STRING_PLAIN, &len);
	http_reply_json(req, 200, text, len, 60);
	json_object_put(doc);
}

void intake_api_verify(struct http_req *req)
{
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	size_t len;
	const char *body = http_body(req, &len);
	json_object *doc = body ? json_parse_strict(body, len) : NULL;
	if (!doc) {
		http_reply_code(req, HTTP_ERR_INVALID_JSON, NULL);
		return;
	}
	struct receipt r;
	char reason[256] = "";
	bool valid = false;
	if (receipt_from_json(doc, &r, reason, sizeof(reason)) == 0) {
		const struct keyring *kr = req->ctx->keys;
		uint64_t size;
		valid = tlog_receipt_check(&r, keys_public(kr), keys_count(kr),
					   req->ctx->cfg->log_origin, &size, reason,
					   sizeof(reason)) == RECEIPT_VALID;
	}
	json_object_put(doc);
	json_object *out = json_object_new_object();
	json_object_object_add(out, "valid", json_object_new_boolean(valid));
	if (!valid)
		json_object_object_add(out, "reason", json_object_new_string(reason));
	const char *text = json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN);
	http_reply_json(req, 200, text, strlen(text), 0);
	json_object_put(out);
}

void intake_api_feed(struct http_req *req)
{
	static const struct param_spec specs[] = {
		{"item", PARAM_CODE, NULL, 0, 0, NULL, false},
		{"agency", PARAM_SLUG, NULL, 0, 0, NULL, false},
		{"cursor", PARAM_INT, NULL, 1, INT64_MAX / 2, NULL, false},
		{"limit", PARAM_INT, NULL, 1, 200, "50", false},
	};
	const char *v[4];
	if (http_query_check(req, specs, 4, v))
		db_query(http_read_db(req), STMT_PUBLIC_FEED, v, http_db_json_revalidate_cb, req);
}

static void rated_cb(void *arg, PGresult *res, enum db_status status)
{
	struct http_req *req = arg;
	if (status != DB_OK) {
		http_reply_db_error(req, status);
		return;
	}
	struct db_reply reply;
	switch (db_reply_parse(res, "pakn_rate_answer", req->id, &reply)) {
	case DB_REPLY_OK:
		http_reply_json(req, 200, reply.text, reply.len, 0);
		break;
	case DB_REPLY_NO_ANSWER:
		http_reply_code(req, HTTP_ERR_NO_ANSWER, NULL);
		break;
	case DB_REPLY_ALREADY_RATED:
		http_reply_code(req, HTTP_ERR_ALREADY_RATED, NULL);
		break;
	case DB_REPLY_NOT_FOUND:
		http_reply_code(req, HTTP_ERR_WRONG_SECRET, NULL);
		break;
	default: /* logged by db_reply_parse */
		http_reply_db_error(req, DB_FAILED);
		break;
	}
	db_reply_free(&reply);
}

void intake_api_rate(struct http_req *req)
{
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	char code[TRACKING_CODE_LEN + 1];
	if (!tracking_parse(http_param(req, "tracking_code"), code)) {
		http_reply_code(req, HTTP_ERR_NOT_FOUND, NULL);
		return;
	}
	size_t len;
	const char *body = http_body(req, &len);
	json_object *doc = body ? json_parse_strict(body, len) : NULL;
	json_object *secret = NULL, *rating = NULL;
	if (!doc || !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		http_reply_code(req, HTTP_ERR_RATING_JSON, NULL);
		return;
	}
	json_object *fields = json_object_new_array();
	if (!json_object_object_get_ex(doc, "secret", &secret) ||
	    !json_object_is_type(secret, json_type_string) ||
	    json_object_get_string_len(secret) != RECEIPT_SECRET_LEN)
		http_field_error(fields, "secret", "invalid_code",
				 "Mã bí mật trên biên nhận (22 ký tự). / The receipt's secret (22 "
				 "characters).");
	if (!json_object_object_get_ex(doc, "rating", &rating) ||
	    !json_object_is_type(rating, json_type_int) || json_object_get_int(rating) < 1 ||
	    json_object_get_int(rating) > 5)
		http_field_error(fields, "rating", "out_of_range",
				 "Phải là số nguyên từ 1 đến 5. / Must be a whole number from 1 to 5.");
	if (json_object_array_length(fields) > 0) {
		json_object_put(doc);
		http_reply_code(req, HTTP_ERR_REQUEST_INVALID, fields);
		return;
	}
	json_object_put(fields);
	char hash[65], stars[4];
	receipt_secret_hash(json_object_get_string(secret), hash);
	snprintf(stars, sizeof(stars), "%d", json_object_get_int(rating));
	json_object_put(doc);
	const char *params[] = {code, hash, stars};
	db_query(http_db(req), STMT_RATE_ANSWER, params, rated_cb, req);
}
