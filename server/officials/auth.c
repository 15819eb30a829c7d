/* auth.c - owns officials' sign-in, sessions, CSRF and role checks (see auth.h). */
#include "officials/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <pthread.h>
#include <sodium.h>

#include "core/config.h"
#include "core/log.h"
#include "core/text.h"
#include "core/util.h"
#include "core/workpool.h"
#include "crypto/keys.h"
#include "db/db.h"
#include "http/http_db.h"
#include "http/http_params.h"
#include "http/proxy.h"
#include "http/ratelimit.h"
#include "core/xalloc.h"

#define USERNAME_MAX 64
#define PASSWORD_MAX 1024

/* The CSRF token of a session: keyed BLAKE2b of its token, so nothing more is stored. */
static void csrf_of(const struct keyring *kr, const char *token, char out[23])
{
	uint8_t h[16];
	crypto_generichash(h, sizeof(h), (const uint8_t *)token, strlen(token),
			   keys_derived(kr, KEY_CSRF), 32);
	sodium_bin2base64(out, 23, h, sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Each of kind, a and b is hashed with its NUL, so that no two triples read alike. */
uint64_t auth_limit_key(const struct keyring *kr, const char *kind, const char *a, const char *b)
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, keys_derived(kr, KEY_CLIENT), 32, 8);
	crypto_generichash_update(&st, (const uint8_t *)kind, strlen(kind) + 1);
	crypto_generichash_update(&st, (const uint8_t *)a, strlen(a) + 1);
	crypto_generichash_update(&st, (const uint8_t *)b, strlen(b) + 1);
	uint8_t h[8];
	crypto_generichash_final(&st, h, sizeof(h));
	uint64_t v;
	memcpy(&v, h, sizeof(v));
	return v;
}

/* --- the second factor's state --------------------------------------------------------- */

bool auth_needs_second_factor(const struct config *cfg, unsigned roles)
{
	return (roles & ROLES_SECOND_FACTOR) || cfg->totp_for_all;
}

/* An official who enrolled of their own accord is asked for the code too: a second factor
 * that could be skipped would protect nothing. */
enum second_factor auth_second_factor(bool bearer, bool needs, bool enrolled, bool passed)
{
	if (bearer || (!needs && !enrolled))
		return SECOND_FACTOR_NONE;
	if (passed)
		return SECOND_FACTOR_VERIFIED;
	return enrolled ? SECOND_FACTOR_VERIFY : SECOND_FACTOR_ENROL;
}

const char *auth_second_factor_name(enum second_factor sf)
{
	switch (sf) {
	case SECOND_FACTOR_NONE:
		return "none";
	case SECOND_FACTOR_VERIFIED:
		return "verified";
	case SECOND_FACTOR_VERIFY:
		return "verify";
	case SECOND_FACTOR_ENROL:
		return "enrol";
	}
	return "none";
}

/* --- the check ------------------------------------------------------------------------ */

struct check {
	struct http_req *req;
	unsigned roles;
	auth_next next;
	char csrf[23]; /* a browser session's; "" for a bearer token */
};

static void session_checked_cb(void *arg, PGresult *res, enum db_status status)
{
	struct check *c = arg;
	struct http_req *req = c->req;
	auth_next next = c->next;
	unsigned roles = c->roles;
	char csrf[sizeof(c->csrf)];
	memcpy(csrf, c->csrf, sizeof(csrf));
	free(c);
	if (status != DB_OK) {
		http_reply_db_error(req, status);
		return;
	}
	if (PQntuples(res) != 1) {
		http_reply_code(req, HTTP_ERR_SESSION_INVALID, NULL);
		return;
	}
	struct official *o = xcalloc(1, sizeof(*o));
	o->id = atoi(PQgetvalue(res, 0, 0));
	o->roles = auth_roles_parse(PQgetvalue(res, 0, 1));
	auth_roles_format(o->roles, o->roles_name);
	snprintf(o->username, sizeof(o->username), "%s", PQgetvalue(res, 0, 2));
	snprintf(o->display_name, sizeof(o->display_name), "%s", PQgetvalue(res, 0, 3));
	o->bearer = strcmp(PQgetvalue(res, 0, 4), "bearer") == 0;
	o->session_id = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
	memcpy(o->csrf_token, csrf, sizeof(o->csrf_token));
	snprintf(o->agencies, sizeof(o->agencies), "%s", PQgetvalue(res, 0, 6));
	o->second_factor = auth_second_factor(o->bearer,
					      auth_needs_second_factor(req->ctx->cfg, o->roles),
					      PQgetvalue(res, 0, 8)[0] == 't',
					      PQgetvalue(res, 0, 7)[0] == 't');
	req->official = o;
	bool pending = o->second_factor == SECOND_FACTOR_VERIFY ||
		       o->second_factor == SECOND_FACTOR_ENROL;
	if (pending && !(roles & AUTH_PENDING)) {
		char id[16];
		snprintf(id, sizeof(id), "%d", o->id);
		const char *params[] = {id, o->roles_name, NULL, "denied", req->path, "second_factor"};
		db_query(http_db(req), STMT_AUDIT, params, NULL, NULL);
		log_warn(req->id, "denied: official %d has not passed the second factor on %s",
			 o->id, req->path);
		http_reply_code(req, HTTP_ERR_SECOND_FACTOR_REQUIRED, NULL);
		return;
	}
	if (!(o->roles & roles)) {
		char id[16];
		snprintf(id, sizeof(id), "%d", o->id);
		const char *params[] = {id, o->roles_name, NULL, "denied", req->path, NULL};
		db_query(http_db(req), STMT_AUDIT, params, NULL, NULL);
		log_warn(req->id, "denied: official %d (%s) on %s", o->id, o->roles_name, req->path);
		http_reply_code(req, HTTP_ERR_FORBIDDEN, NULL);
		return;
	}
	next(req);
}

void auth_require(struct http_req *req, unsigned roles, auth_next next)
{
	char token[128];
	bool browser = false;
	const char *authz = http_header(req, "Authorization");
	if (authz && strncasecmp(authz, "Bearer ", 7) == 0 && strlen(authz + 7) < sizeof(token)) {
		snprintf(token, sizeof(token), "%s", authz + 7);
	} else if (http_cookie(req, SESSION_COOKIE, token, sizeof(token))) {
		browser = true;
	} else {
		http_reply_code(req, HTTP_ERR_AUTHENTICATION_REQUIRED, NULL);
		return;
	}
	/* A browser's writes must carry the session's CSRF token, which only our pages know. */
	char want[23] = "";
	if (browser)
		csrf_of(req->ctx->keys, token, want);
	if (browser && req->method != HTTP_GET && req->method != HTTP_HEAD) {
		const char *got = http_header(req, "X-CSRF-Token");
		if (!got || strlen(got) != strlen(want) || sodium_memcmp(got, want, strlen(want)) != 0) {
			log_warn(req->id, "denied: missing or wrong CSRF token on %s", req->path);
			http_reply_code(req, HTTP_ERR_CSRF_FAILED, NULL);
			return;
		}
	}
	char hash[65], idle[24];
	auth_token_hash(token, hash);
	snprintf(idle, sizeof(idle), "%ld", req->ctx->cfg->session_idle);
	struct check *c = xcalloc(1, sizeof(*c));
	c->req = req;
	c->roles = roles;
	c->next = next;
	memcpy(c->csrf, want, sizeof(c->csrf));
	const char *params[] = {hash, idle};
	db_query(http_db(req), STMT_SESSION_CHECK, params, session_checked_cb, c);
}

/* --- login ---------------------------------------------------------------------------- */

/* Who may try how often (docs/moderation.md, "Limits on signing in"). A browser that signed
 * an account in before holds a device cookie for it (OWASP's device cookies): its attempts
 * and failures count only against that device, so attackers elsewhere cannot lock the
 * owner out, and its password checks go ahead of the others'. Any other client's attempts
 * count per address, and its failures per account and address and per account. The cookie, unlike a table of known addresses, survives a restart, is
 * honoured by every instance sharing the key directory, follows an official whose address
 * changes, and is not shared with an attacker behind the same NAT. */
#define DEVICE_COOKIE "__Host-pakn_device"
#define DEVICE_MAX_AGE (400L * 24 * 3600) /* the longest a browser keeps a cookie */
#define DEVICE_NONCE 16
#define DEVICE_MAC 16
#define DEVICE_VALUE_LEN 46 /* base64url nonce "." base64url MAC, NUL */

struct login {
	struct http_req *req;
	char username[USERNAME_MAX + 1];
	char password[PASSWORD_MAX + 1];
	char official_id[16];
	char roles[AUTH_ROLES_MAX];
	char stored_hash[crypto_pwhash_STRBYTES];
	bool known;
	bool ok;          /* set on the pool thread */
	char *new_hash;   /* set on the pool thread when the hash needs the current limits */
	bool trusted;     /* came with a device cookie for this account */
	char device[DEVICE_VALUE_LEN]; /* that cookie's value */
	uint64_t source;  /* the device, or the client's address (IPv6: /64): its hashing queue
			   * and its limit on attempts */
	uint64_t pair;    /* the device, or the account and address: failures */
	uint64_t account; /* the account name: failures from clients without its cookie */
};

static void login_free(struct login *l)
{
	sodium_memzero(l->password, sizeof(l->password));
	free(l->new_hash);
	free(l);
}

/* The device cookie's MAC: keyed BLAKE2b of its nonce and the account name. The key is
 * derived from the CSRF key with an input no session token has. */
static void device_mac(const struct keyring *kr, const uint8_t nonce[DEVICE_NONCE],
		       const char *username, uint8_t mac[DEVICE_MAC])
{
	static const char purpose[] = "pakn-57 device cookie";
	uint8_t key[32];
	crypto_generichash(key, sizeof(key), (const uint8_t *)purpose, sizeof(purpose),
			   keys_derived(kr, KEY_CSRF), 32);
	crypto_generichash_state st;
	crypto_generichash_init(&st, key, sizeof(key), DEVICE_MAC);
	crypto_generichash_update(&st, nonce, DEVICE_NONCE);
	crypto_generichash_update(&st, (const uint8_t *)username, strlen(username));
	crypto_generichash_final(&st, mac, DEVICE_MAC);
	sodium_memzero(key, sizeof(key));
}

/* A new device cookie value for username. */
static void device_cookie_new(const struct keyring *kr, const char *username,
			      char out[DEVICE_VALUE_LEN])
{
	uint8_t nonce[DEVICE_NONCE], mac[DEVICE_MAC];
	char n[sodium_base64_ENCODED_LEN(DEVICE_NONCE, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	char m[sodium_base64_ENCODED_LEN(DEVICE_MAC, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	randombytes_buf(nonce, sizeof(nonce));
	device_mac(kr, nonce, username, mac);
	sodium_bin2base64(n, sizeof(n), nonce, sizeof(nonce), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2base64(m, sizeof(m), mac, sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(out, DEVICE_VALUE_LEN, "%s.%s", n, m);
}

/* True when the request carries a device cookie made for username; its value is then
 * copied to value. */
static bool device_is_trusted(const struct http_req *req, const char *username,
			      char value[DEVICE_VALUE_LEN])
{
	char v[DEVICE_VALUE_LEN];
	if (!http_cookie(req, DEVICE_COOKIE, v, sizeof(v)))
		return false;
	char *dot = strchr(v, '.');
	if (!dot)
		return false;
	*dot = '\0';
	uint8_t raw_nonce[DEVICE_NONCE], mac[DEVICE_MAC], want[DEVICE_MAC];
	size_t n1 = 0, n2 = 0;
	if (sodium_base642bin(raw_nonce, sizeof(raw_nonce), v, strlen(v), NULL, &n1, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n1 != sizeof(raw_nonce) ||
	    sodium_base642bin(mac, sizeof(mac), dot + 1, strlen(dot + 1), NULL, &n2, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n2 != sizeof(mac))
		return false;
	device_mac(req->ctx->keys, raw_nonce, username, want);
	if (sodium_memcmp(mac, want, sizeof(mac)) != 0)
		return false;
	*dot = '.';
	snprintf(value, DEVICE_VALUE_LEN, "%s", v);
	return true;
}

/* A hash to verify against when the username is unknown, so the answer takes as long. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
	if (crypto_pwhash_str(dummy_hash, "not a password", 14, crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		abort(); /* out of memory at the first login */
}

/* On a pool thread. */
static void login_verify(void *arg)
{
	struct login *l = arg;
	const char *hash = l->known ? l->stored_hash : (pthread_once(&dummy_once, make_dummy_hash),
							   dummy_hash);
	l->ok = crypto_pwhash_str_verify(hash, l->password, strlen(l->password)) == 0 && l->known;
	if (l->ok && crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
						    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		l->new_hash = xmalloc(crypto_pwhash_STRBYTES);
		if (crypto_pwhash_str(l->new_hash, l->password, strlen(l->password),
				      crypto_pwhash_OPSLIMIT_INTERACTIVE,
				      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
			free(l->new_hash);
			l->new_hash = NULL;
		}
	}
}

/* Gives back the failure allowances an attempt took: it succeeded, or was never checked. */
static void login_refund(struct http_ctx *ctx, const struct login *l)
{
	ratelimit_refund(ctx->login_pair_limit, l->pair);
	if (!l->trusted)
		ratelimit_refund(ctx->login_account_limit, l->account);
}

/* The roles as the database lists them ("moderator,responder") as a JSON array. */
static json_object *roles_json(const char *names)
{
	json_object *list = json_object_new_array();
	for (const char *p = names; *p;) {
		size_t n = strcspn(p, ",");
		json_object_array_add(list, json_object_new_string_len(p, (int)n));
		p += n + (p[n] == ',');
	}
	return list;
}

struct session_reply {
	struct http_req *req;
	char token[44];
	char device[DEVICE_VALUE_LEN];
	char username[USERNAME_MAX + 1];
	char roles[AUTH_ROLES_MAX];
};

static void session_made_cb(void *arg, PGresult *res, enum db_status status)
{
	struct session_reply *s = arg;
	struct http_req *req = s->req;
	if (status != DB_OK || PQntuples(res) != 1) {
		http_reply_db_error(req, status == DB_OK ? DB_FAILED : status);
		sodium_memzero(s, sizeof(*s));
		free(s);
		return;
	}
	char csrf[23], cookie[256];
	struct evkeyvalq *out = evhttp_request_get_output_headers(req->ev);
	csrf_of(req->ctx->keys, s->token, csrf);
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=%ld",
		 SESSION_COOKIE, s->token, req->ctx->cfg->session_lifetime);
	evhttp_add_header(out, "Set-Cookie", cookie);
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=%ld",
		 DEVICE_COOKIE, s->device, DEVICE_MAX_AGE);
	evhttp_add_header(out, "Set-Cookie", cookie);
	json_object *doc = json_object_new_object();
	json_object *o = json_object_new_object();
	json_object_object_add(o, "username", json_object_new_string(s->username));
	json_object_object_add(o, "roles", roles_json(s->roles));
	json_object_object_add(doc, "official", o);
	json_object_object_add(doc, "csrf_token", json_object_new_string(csrf));
	/* What the console asks next: nothing, the code, or an enrolment. */
	enum second_factor sf =
		auth_second_factor(false, auth_needs_second_factor(req->ctx->cfg, auth_roles_parse(s->roles)),
				   PQgetvalue(res, 0, 2)[0] == 't', false);
	json_object_object_add(doc, "second_factor",
			       json_object_new_string(auth_second_factor_name(sf)));
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	http_reply_json(req, 200, text, strlen(text), 0);
	json_object_put(doc);
	sodium_memzero(s, sizeof(*s));
	free(s);
}

static void reply_busy(struct http_req *req)
{
	http_set_retry_after(req, HTTP_RETRY_AFTER_BUSY);
	http_reply_code(req, HTTP_ERR_LOGIN_BUSY, NULL);
}

/* Back on the event loop. */
static void login_verified(void *arg, bool cancelled)
{
	struct login *l = arg;
	struct http_req *req = l->req;
	struct http_ctx *ctx = req->ctx;
	if (cancelled) {
		login_refund(ctx, l);
		reply_busy(req);
		login_free(l);
		return;
	}
	if (!l->ok) {
		const char *params[] = {l->known ? l->official_id : NULL, l->known ? l->roles : NULL,
					NULL, "login_failed", NULL, NULL};
		db_query(http_db(req), STMT_AUDIT, params, NULL, NULL);
		http_reply_code(req, HTTP_ERR_INVALID_CREDENTIALS, NULL);
		login_free(l);
		return;
	}
	/* Only failures count. */
	login_refund(ctx, l);
	struct session_reply *s = xcalloc(1, sizeof(*s));
	s->req = req;
	snprintf(s->username, sizeof(s->username), "%s", l->username);
	snprintf(s->roles, sizeof(s->roles), "%s", l->roles);
	/* A known browser keeps its cookie (and its limits); only a sign-in from elsewhere,
	 * which the address limits count, makes a new one. */
	if (l->trusted)
		memcpy(s->device, l->device, sizeof(s->device));
	else
		device_cookie_new(ctx->keys, l->username, s->device);
	char hash[65], lifetime[24];
	auth_token_new(s->token, hash);
	snprintf(lifetime, sizeof(lifetime), "%ld", ctx->cfg->session_lifetime);
	const char *params[] = {l->official_id, hash, lifetime, l->new_hash};
	db_query(http_db(req), STMT_LOGIN_OK, params, session_made_cb, s);
	login_free(l);
}

static void login_fetched_cb(void *arg, PGresult *res, enum db_status status)
{
	struct login *l = arg;
	struct http_req *req = l->req;
	if (status != DB_OK) {
		login_refund(req->ctx, l);
		http_reply_db_error(req, status);
		login_free(l);
		return;
	}
	if (PQntuples(res) == 1 && PQgetlength(res, 0, 1) < (int)sizeof(l->stored_hash)) {
		l->known = true;
		snprintf(l->official_id, sizeof(l->official_id), "%s", PQgetvalue(res, 0, 0));
		snprintf(l->stored_hash, sizeof(l->stored_hash), "%s", PQgetvalue(res, 0, 1));
		snprintf(l->roles, sizeof(l->roles), "%s", PQgetvalue(res, 0, 2));
	}
	if (!workpool_submit(req->ctx->workpool, req->ctx->base,
			     l->trusted ? WORK_FIRST : WORK_NORMAL, l->source, login_verify,
			     login_verified, l)) {
		login_refund(req->ctx, l);
		reply_busy(req);
		login_free(l);
	}
}

static void too_many(struct http_req *req, int retry_after)
{
	http_set_retry_after(req, retry_after);
	http_reply_code(req, HTTP_ERR_TOO_MANY_ATTEMPTS, NULL);
}

/* The body's {"username", "password"} as a new login, or NULL after replying 400. */
static struct login *login_parse(struct http_req *req)
{
	size_t len;
	const char *body = http_body(req, &len);
	json_object *doc = body ? json_parse_strict(body, len) : NULL;
	json_object *u, *p;
	if (!doc || !json_object_object_get_ex(doc, "username", &u) ||
	    !json_object_object_get_ex(doc, "password", &p) ||
	    !json_object_is_type(u, json_type_string) || !json_object_is_type(p, json_type_string) ||
	    json_object_get_string_len(u) > USERNAME_MAX ||
	    json_object_get_string_len(p) > PASSWORD_MAX) {
		json_object_put(doc);
		http_reply_code(req, HTTP_ERR_LOGIN_JSON, NULL);
		return NULL;
	}
	/* A NUL would cut the name short; an encoded lone surrogate, which a json-c other than
	 * 0.16 (that makes it U+FFFD) may pass through, PostgreSQL would refuse. */
	if (!utf8_is_valid((const uint8_t *)json_object_get_string(u),
			   (size_t)json_object_get_string_len(u)) ||
	    !utf8_is_valid((const uint8_t *)json_object_get_string(p),
			   (size_t)json_object_get_string_len(p))) {
		json_object_put(doc);
		http_reply_code(req, HTTP_ERR_LOGIN_UTF8, NULL);
		return NULL;
	}
	struct login *l = xcalloc(1, sizeof(*l));
	l->req = req;
	snprintf(l->username, sizeof(l->username), "%s", json_object_get_string(u));
	snprintf(l->password, sizeof(l->password), "%s", json_object_get_string(p));
	json_object_put(doc);
	return l;
}

/* Takes what the attempt needs from the limits. Failures count per account name, known or
 * not, so the answer never tells which; allowances are taken now (attempts in parallel
 * must not all pass) and given back when the password is right. Returns false after
 * replying 429 (l is then freed, nothing kept). */
static bool login_admit(struct http_req *req, struct login *l)
{
	struct http_ctx *ctx = req->ctx;
	const struct keyring *kr = ctx->keys;
	/* Where the client signs in from, as the limits and the hashing queue count it: its
	 * address, or for IPv6 its /64, which one subscriber usually holds whole. */
	char prefix[PROXY_ADDR_LEN];
	proxy_client_key(http_client_address(req), prefix);
	l->trusted = device_is_trusted(req, l->username, l->device);
	if (l->trusted) {
		/* Every known browser of the account shares one allowance and one place in the
		 * hashing queue: whoever knows the password can collect cookies, and many must
		 * not add up to more than one. Each browser still has its own failures. */
		l->source = auth_limit_key(kr, "account-devices", l->username, "");
		l->pair = auth_limit_key(kr, "device", l->device, "");
	} else {
		l->source = auth_limit_key(kr, "address", prefix, "");
		l->pair = auth_limit_key(kr, "account-address", l->username, prefix);
		l->account = auth_limit_key(kr, "account", l->username, "");
	}
	double now = now_seconds();
	int retry = 1;
	bool ok = ratelimit_take(ctx->login_client_limit, l->source, now, &retry) &&
		  ratelimit_take(ctx->login_pair_limit, l->pair, now, &retry);
	if (ok && !l->trusted && !ratelimit_take(ctx->login_account_limit, l->account, now, &retry)) {
		ratelimit_refund(ctx->login_pair_limit, l->pair);
		ok = false;
	}
	if (!ok) {
		too_many(req, retry);
		login_free(l);
	}
	return ok;
}

void auth_login(struct http_req *req)
{
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	/* Only JSON: a cross-site form can post text/plain, and would sign the browser in to
	 * an account of the sender's choosing. */
	if (!http_media_type_is(http_header(req, "Content-Type"), "application/json")) {
		http_reply_code(req, HTTP_ERR_JSON_ONLY, NULL);
		return;
	}
	struct login *l = login_parse(req);
	if (!l || !login_admit(req, l))
		return;
	const char *params[] = {l->username};
	db_query(http_db(req), STMT_LOGIN_FETCH, params, login_fetched_cb, l);
}

/* --- logout and me -------------------------------------------------------------------- */

static void logged_out_cb(void *arg, PGresult *res, enum db_status status)
{
	(void)res;
	struct http_req *req = arg;
	if (status != DB_OK) {
		http_reply_db_error(req, status);
		return;
	}
	char cookie[128];
	snprintf(cookie, sizeof(cookie), "%s=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0",
		 SESSION_COOKIE);
	evhttp_add_header(evhttp_request_get_output_headers(req->ev), "Set-Cookie", cookie);
	static const char body[] = "{\"status\":\"signed_out\"}";
	http_reply_json(req, 200, body, sizeof(body) - 1, 0);
}

static void logout_next(struct http_req *req)
{
	char sid[24], oid[AUTH_ID_MAX];
	snprintf(sid, sizeof(sid), "%lld", (long long)req->official->session_id);
	auth_official_id(req, oid);
	const char *params[] = {sid, oid, req->official->roles_name};
	db_query(http_db(req), STMT_LOGOUT, params, logged_out_cb, req);
}

void auth_logout(struct http_req *req)
{
	if (http_query_check(req, NULL, 0, NULL))
		auth_require(req, ROLE_ADMIN | ROLE_MODERATOR | ROLE_RESPONDER | ROLE_ANALYST |
					  AUTH_PENDING,
			     logout_next);
}

static void me_next(struct http_req *req)
{
	const struct official *o = req->official;
	json_object *doc = json_object_new_object();
	json_object_object_add(doc, "id", json_object_new_int(o->id));
	json_object_object_add(doc, "username", json_object_new_string(o->username));
	json_object_object_add(doc, "display_name", json_object_new_string(o->display_name));
	json_object_object_add(doc, "roles", roles_json(o->roles_name));
	json_object_object_add(doc, "agencies", json_tokener_parse(o->agencies));
	json_object_object_add(doc, "session", json_object_new_string(o->bearer ? "bearer" : "browser"));
	json_object_object_add(doc, "second_factor",
			       json_object_new_string(auth_second_factor_name(o->second_factor)));
	/* A page reloaded in the session gets its CSRF token back: only our own pages can
	 * read this reply (same origin, no CORS), as only they could read the login's. */
	if (!o->bearer)
		json_object_object_add(doc, "csrf_token", json_object_new_string(o->csrf_token));
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	http_reply_json(req, 200, text, strlen(text), 0);
	json_object_put(doc);
}

void auth_me(struct http_req *req)
{
	if (http_query_check(req, NULL, 0, NULL))
		auth_require(req,
			     ROLE_ADMIN | ROLE_MODERATOR | ROLE_RESPONDER | ROLE_ANALYST | AUTH_PENDING,
			     me_next);
}

void auth_official_id(const struct http_req *req, char out[AUTH_ID_MAX])
{
	snprintf(out, AUTH_ID_MAX, "%d", req->official->id);
}
