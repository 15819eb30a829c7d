/* second_factor.c - owns the officials' second factor over HTTP (see second_factor.h): the
 * enrolment's secret, URI and QR code, and the checks of TOTP and recovery codes with
 * their limit. The codes themselves are crypto/totp.c's; what a right code allows is
 * decided under a row lock in sql/functions/second_factor.sql. */
#include "officials/second_factor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/log.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "crypto/personal.h"
#include "crypto/totp.h"
#include "db/db.h"
#include "db/db_reply.h"
#include "http/http_db.h"
#include "http/http_params.h"
#include "http/ratelimit.h"
#include "officials/auth.h"
#include "core/qr_svg.h"

#define CODE_MAX 64 /* longer than any code, with room for spaces and dashes */

/* The associated data that binds a sealed secret to its official. */
static void secret_ad(int official, char ad[32])
{
	snprintf(ad, 32, "official:%d", official);
}

static void reply_doc(struct http_req *req, json_object *doc)
{
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	http_reply_json(req, 200, text, strlen(text), 0); /* no-store: secrets inside */
	json_object_put(doc);
}

/* --- enrolment ------------------------------------------------------------------------ */

struct enrolment {
	struct http_req *req;
	char *uri;
	char secret_b32[33];
};

static void enrolment_free(struct enrolment *e)
{
	if (e->uri) {
		sodium_memzero(e->uri, strlen(e->uri));
		free(e->uri);
	}
	sodium_memzero(e, sizeof(*e));
	free(e);
}

static void enrol_stored_cb(void *arg, PGresult *res, enum db_status status)
{
	struct enrolment *e = arg;
	struct http_req *req = e->req;
	struct db_reply reply;
	if (status != DB_OK) {
		http_reply_db_error(req, status);
		goto out_free;
	}
	switch (db_reply_parse(res, "pakn_totp_begin", req->id, &reply)) {
	case DB_REPLY_OK: {
		char *svg = qr_svg(e->uri, NULL);
		json_object *doc = json_object_new_object();
		json_object_object_add(doc, "issuer", json_object_new_string(TOTP_ISSUER));
		json_object_object_add(doc, "account", json_object_new_string(req->official->username));
		json_object_object_add(doc, "secret", json_object_new_string(e->secret_b32));
		json_object_object_add(doc, "uri", json_object_new_string(e->uri));
		json_object_object_add(doc, "qr_svg", svg ? json_object_new_string(svg) : NULL);
		free(svg);
		reply_doc(req, doc);
		break;
	}
	case DB_REPLY_CONFLICT:
		http_reply_code(req, HTTP_ERR_ALREADY_ENROLLED, NULL);
		break;
	default:
		http_reply_code(req, HTTP_ERR_INTERNAL, NULL);
		break;
	}
	db_reply_free(&reply);
out_free:
	enrolment_free(e);
}

static void enrol_next(struct http_req *req)
{
	const struct official *o = req->official;
	if (o->bearer) {
		http_reply_code(req, HTTP_ERR_FORBIDDEN, NULL);
		return;
	}
	if (o->second_factor == SECOND_FACTOR_VERIFY || o->second_factor == SECOND_FACTOR_VERIFIED) {
		http_reply_code(req, HTTP_ERR_ALREADY_ENROLLED, NULL);
		return;
	}
	uint8_t secret[TOTP_SECRET_LEN];
	char ad[32], id[16];
	totp_secret_new(secret);
	secret_ad(o->id, ad);
	struct enrolment *e = xcalloc(1, sizeof(*e));
	e->req = req;
	e->uri = totp_uri(o->username, secret, e->secret_b32);
	char *sealed = personal_seal(req->ctx->keys, KEY_TOTP, ad, secret, sizeof(secret));
	sodium_memzero(secret, sizeof(secret));
	snprintf(id, sizeof(id), "%d", o->id);
	const char *params[] = {id, sealed};
	db_query(http_db(req), STMT_TOTP_BEGIN, params, enrol_stored_cb, e);
	free(sealed);
}

void second_factor_enrol(struct http_req *req)
{
	if (http_query_check(req, NULL, 0, NULL))
		auth_require(req, ROLE_ADMIN | ROLE_MODERATOR | ROLE_RESPONDER | ROLE_ANALYST |
					  AUTH_PENDING,
			     enrol_next);
}

/* --- verification --------------------------------------------------------------------- */

struct check {
	struct http_req *req;
	char code[CODE_MAX + 1]; /* a TOTP code, or "" with a recovery code */
	uint64_t limit;          /* the official's key in the failures' limiter */
	bool enrolling;
	char recovery[TOTP_RECOVERY_CODES][TOTP_RECOVERY_LEN + 1]; /* new ones, when enrolling */
};

static void check_free(struct check *c)
{
	sodium_memzero(c, sizeof(*c));
	free(c);
}

/* A right code gives back the allowance it took; a wrong one keeps it taken. */
static void check_passed(struct check *c)
{
	ratelimit_refund(c->req->ctx->login_account_limit, c->limit);
}

static void audit_failure(struct http_req *req, const char *reason)
{
	const struct official *o = req->official;
	char id[16];
	snprintf(id, sizeof(id), "%d", o->id);
	const char *params[] = {id, o->roles_name, NULL, "second_factor_failed", reason, NULL};
	db_query(http_db(req), STMT_AUDIT, params, NULL, NULL);
	log_warn(req->id, "second factor refused for official %d (%s)", o->id, reason);
}

static void session_params(const struct http_req *req, char id[AUTH_ID_MAX], char session[24])
{
	auth_official_id(req, id);
	snprintf(session, 24, "%lld", (long long)req->official->session_id);
}

static void accepted_cb(void *arg, PGresult *res, enum db_status status)
{
	struct check *c = arg;
	struct http_req *req = c->req;
	struct db_reply reply;
	if (status != DB_OK) {
		check_passed(c); /* never checked to the end */
		http_reply_db_error(req, status);
		goto out_free;
	}
	switch (db_reply_parse(res, c->code[0] ? "pakn_totp_accept" : "pakn_recovery_use", req->id,
			       &reply)) {
	case DB_REPLY_OK: {
		check_passed(c);
		json_object *doc = json_object_new_object();
		json_object_object_add(doc, "second_factor", json_object_new_string("verified"));
		if (c->enrolling) {
			json_object *codes = json_object_new_array();
			for (int i = 0; i < TOTP_RECOVERY_CODES; i++)
				json_object_array_add(codes, json_object_new_string(c->recovery[i]));
			json_object_object_add(doc, "recovery_codes", codes);
		}
		json_object *left;
		if (json_object_object_get_ex(reply.doc, "left", &left))
			json_object_object_add(doc, "recovery_codes_left", json_object_get(left));
		reply_doc(req, doc);
		break;
	}
	case DB_REPLY_CONFLICT:   /* a replayed code (audited by the function) */
	case DB_REPLY_NOT_FOUND:  /* no such unused recovery code (audited) */
		if (c->code[0] && reply.status == DB_REPLY_NOT_FOUND) {
			check_passed(c); /* confirmed or reset meanwhile: nothing was guessed */
			http_reply_code(req, HTTP_ERR_NOT_ENROLLED, NULL);
		} else {
			http_reply_code(req, HTTP_ERR_INVALID_CODE, NULL);
		}
		break;
	default:
		http_reply_code(req, HTTP_ERR_INTERNAL, NULL);
		break;
	}
	db_reply_free(&reply);
out_free:
	check_free(c);
}

/* The official's sealed secret is here: check the code, then record what it allows. */
static void fetched_cb(void *arg, PGresult *res, enum db_status status)
{
	struct check *c = arg;
	struct http_req *req = c->req;
	if (status != DB_OK || PQntuples(res) != 1) {
		check_passed(c);
		if (status != DB_OK)
			http_reply_db_error(req, status);
		else
			http_reply_code(req, HTTP_ERR_NOT_ENROLLED, NULL);
		check_free(c);
		return;
	}
	char ad[32];
	size_t len = 0;
	secret_ad(req->official->id, ad);
	uint8_t *secret = personal_open(req->ctx->keys, KEY_TOTP, ad, PQgetvalue(res, 0, 0), &len);
	if (!secret) {
		check_passed(c);
		log_error(req->id, "the TOTP secret of official %d does not open", req->official->id);
		http_reply_code(req, HTTP_ERR_INTERNAL, NULL);
		check_free(c);
		return;
	}
	uint64_t step;
	bool right = totp_check(secret, len, time(NULL), c->code, &step);
	sodium_memzero(secret, len);
	free(secret);
	if (!right) {
		audit_failure(req, "wrong_code");
		http_reply_code(req, HTTP_ERR_INVALID_CODE, NULL);
		check_free(c);
		return;
	}
	c->enrolling = PQgetvalue(res, 0, 1)[0] != 't';
	struct sbuf hashes = {0};
	if (c->enrolling) {
		sbuf_puts(&hashes, "{");
		for (int i = 0; i < TOTP_RECOVERY_CODES; i++) {
			char hash[65];
			totp_recovery_new(c->recovery[i]);
			totp_recovery_hash(req->ctx->keys, c->recovery[i], hash);
			sbuf_printf(&hashes, "%s%s", i ? "," : "", hash);
		}
		sbuf_puts(&hashes, "}");
	}
	char id[16], session[24], steps[24];
	session_params(req, id, session);
	snprintf(steps, sizeof(steps), "%llu", (unsigned long long)step);
	const char *params[] = {id, req->official->roles_name, session, steps,
				c->enrolling ? hashes.data : NULL};
	db_query(http_db(req), STMT_TOTP_ACCEPT, params, accepted_cb, c);
	sbuf_free(&hashes);
}

/* The body's one string member, "code" or "recovery_code", into c; false after 400. */
static bool check_parse(struct http_req *req, struct check *c, char recovery[CODE_MAX + 1])
{
	size_t len;
	const char *body = http_body(req, &len);
	json_object *doc = body ? json_parse_strict(body, len) : NULL;
	json_object *code = NULL, *rec = NULL;
	bool has_code = doc && json_object_object_get_ex(doc, "code", &code);
	bool has_rec = doc && json_object_object_get_ex(doc, "recovery_code", &rec);
	json_object *v = has_code ? code : rec;
	bool ok = doc && json_object_is_type(doc, json_type_object) && has_code != has_rec &&
		  json_object_is_type(v, json_type_string) &&
		  json_object_get_string_len(v) <= CODE_MAX;
	if (ok)
		snprintf(has_code ? c->code : recovery, CODE_MAX + 1, "%s", json_object_get_string(v));
	json_object_put(doc);
	if (!ok)
		http_reply_code(req, HTTP_ERR_CODE_JSON, NULL);
	return ok;
}

static void verify_next(struct http_req *req)
{
	const struct official *o = req->official;
	if (o->bearer) {
		http_reply_code(req, HTTP_ERR_FORBIDDEN, NULL);
		return;
	}
	struct check *c = xcalloc(1, sizeof(*c));
	char recovery[CODE_MAX + 1] = "";
	c->req = req;
	if (!check_parse(req, c, recovery)) {
		check_free(c);
		return;
	}
	/* Each official's wrong codes count like wrong passwords for an account: 5, then one
	 * every 3 minutes, so 10^6 codes (3 right at a time) cannot be tried through. */
	char id[16], session[24];
	session_params(req, id, session);
	c->limit = auth_limit_key(req->ctx->keys, "second-factor", id, "");
	int retry = 1;
	if (!ratelimit_take(req->ctx->login_account_limit, c->limit, now_seconds(), &retry)) {
		http_set_retry_after(req, retry);
		http_reply_code(req, HTTP_ERR_TOO_MANY_ATTEMPTS, NULL);
		check_free(c);
		return;
	}
	if (c->code[0]) {
		const char *params[] = {id};
		db_query(http_db(req), STMT_TOTP_FETCH, params, fetched_cb, c);
		return;
	}
	char hash[65];
	if (!totp_recovery_hash(req->ctx->keys, recovery, hash)) {
		audit_failure(req, "recovery_code");
		http_reply_code(req, HTTP_ERR_INVALID_CODE, NULL);
		check_free(c);
		return;
	}
	sodium_memzero(recovery, sizeof(recovery));
	const char *params[] = {id, o->roles_name, session, hash};
	db_query(http_db(req), STMT_RECOVERY_USE, params, accepted_cb, c);
}

void second_factor_verify(struct http_req *req)
{
	if (http_query_check(req, NULL, 0, NULL))
		auth_require(req, ROLE_ADMIN | ROLE_MODERATOR | ROLE_RESPONDER | ROLE_ANALYST |
					  AUTH_PENDING,
			     verify_next);
}
