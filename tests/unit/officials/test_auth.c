/* test_auth.c - tests server/officials/auth.c's request handlers (auth_login, auth_logout,
 * auth_me, auth_require) over real HTTP, without the rest of the server: this process is a
 * worker of its own (an event loop, an evhttp on 127.0.0.1 with http_dispatch, a database
 * pool on a database of the test's own, keys, the login limits and the password pool) and
 * its own client on the same loop. What it checks is what a client sees: the session and
 * device cookies and their attributes, the error codes of docs/moderation.md and
 * server/http/http_errors.c, Retry-After, and what the database then holds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <json-c/json.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "core/config.h"
#include "core/log.h"
#include "core/prometheus.h"
#include "core/workpool.h"
#include "crypto/keys.h"
#include "db/db.h"
#include "http/http.h"
#include "http/http_ctx.h"
#include "http/proxy.h"
#include "http/ratelimit.h"
#include "officials/auth.h"
#include "../unit_db.h"
#include "../unit_dir.h"

#define DB_NAME "pakn_unit_auth"
#define PASSWORD "mat-khau-thu-nghiem-57"
#define MODERATOR "mod.auth"
#define ANALYST "ana.auth"
#define OLD_HASH "old.auth" /* its hash was made with weaker limits than the current ones */
#define DEVICE_MAX_AGE "34560000" /* auth.c: 400 days, the longest a browser keeps a cookie */

/* --- the worker ------------------------------------------------------------------------- */

static void whoami_next(struct http_req *req)
{
	const struct official *o = req->official;
	char text[512];
	int n = snprintf(text, sizeof(text),
			 "{\"id\":%d,\"username\":\"%s\",\"role\":\"%s\",\"bearer\":%s}", o->id,
			 o->username, o->roles_name, o->bearer ? "true" : "false");
	http_reply_json(req, 200, text, (size_t)n, 0);
}

/* A handler only moderators may reach, for GET (no CSRF) and POST (CSRF). */
static void moderators_only(struct http_req *req)
{
	auth_require(req, ROLE_MODERATOR, whoami_next);
}

static void no_route(struct http_req *req)
{
	http_reply_code(req, HTTP_ERR_NO_SUCH_PATH, NULL);
}

static const struct route routes[] = {
	{HTTP_POST, "/api/v1/auth/login", auth_login},
	{HTTP_POST, "/api/v1/auth/logout", auth_logout},
	{HTTP_GET, "/api/v1/auth/me", auth_me},
	{HTTP_GET | HTTP_POST, "/test/moderators", moderators_only},
};

struct fixture {
	struct config cfg;
	struct http_ctx ctx;
	struct event_base *base;
	struct evhttp *http;
	struct keyring *keys;
	struct proxy_trust *proxies;
	char dir[512];
	const char *url; /* the test's own database */
	int port;
	int clients;     /* addresses handed out: each test signs in from addresses of its own */
	char agency[64]; /* the moderator's one agency */
};

static struct fixture fx;

/* Runs sql with params on the test's database; fails the test unless it succeeds. */
static void sql_run(const char *sql, int nparams, const char *const *params)
{
	PGconn *pg = PQconnectdb(fx.url);
	PGresult *res = PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(pg));
	PQclear(res);
	PQfinish(pg);
}

/* Adds an official with password hashed at (ops, mem), as paknctl does with its limits. */
static void official_add(const char *user, const char *role, unsigned long long ops, size_t mem)
{
	char hash[crypto_pwhash_STRBYTES];
	assert_int_equal(crypto_pwhash_str(hash, PASSWORD, strlen(PASSWORD), ops, mem), 0);
	const char *params[] = {user, role, hash};
	sql_run("INSERT INTO official (username, display_name, roles, password_hash)"
		" VALUES ($1, 'Người thử ' || $1, ARRAY[$2], $3)",
		3, params);
}

static int group_setup(void **state)
{
	*state = NULL;
	if (!getenv("PAKN_DATABASE_URL"))
		return 0; /* no test cluster: every test skips */
	char err[256];
	fx.url = unit_db_own(DB_NAME);
	if (!fx.url || config_load(&fx.cfg, NULL, err, sizeof(err)) != 0 ||
	    config_set(&fx.cfg, "database_url", fx.url, err, sizeof(err)) != 0)
		return -1;
	official_add(MODERATOR, "moderator", crypto_pwhash_OPSLIMIT_INTERACTIVE,
		     crypto_pwhash_MEMLIMIT_INTERACTIVE);
	official_add(ANALYST, "analyst", crypto_pwhash_OPSLIMIT_INTERACTIVE,
		     crypto_pwhash_MEMLIMIT_INTERACTIVE);
	official_add(OLD_HASH, "responder", crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
	if (unit_db_value(fx.url, "SELECT min(code) FROM agency", fx.agency, sizeof(fx.agency)) < 0)
		return -1;
	const char *agency[] = {MODERATOR, fx.agency};
	sql_run("INSERT INTO official_agency SELECT o.id, a.id FROM official o, agency a"
		" WHERE o.username = $1 AND a.code = $2",
		2, agency);

	fx.keys = unit_keys_new("test_auth", fx.dir, sizeof(fx.dir));
	/* The test's client names its address in X-Real-IP, as nginx would. */
	fx.proxies = proxy_trust_new("127.0.0.1", err, sizeof(err));
	fx.base = event_base_new();
	if (!fx.keys || !fx.proxies || !fx.base)
		return -1;
	struct http_ctx *c = &fx.ctx;
	c->base = fx.base;
	c->cfg = &fx.cfg;
	c->keys = fx.keys;
	c->db = c->read_db = db_pool_new(fx.base, fx.url, 2, 10);
	c->counters = calloc(1, sizeof(*c->counters));
	c->workpool = workpool_new(2, 256, 8, 10.0); /* server.c's */
	c->proxies = fx.proxies;
	c->routes = routes;
	c->nroutes = sizeof(routes) / sizeof(routes[0]);
	c->no_route = no_route;
	fx.http = evhttp_new(fx.base);
	if (!c->db || !c->counters || !c->workpool || !fx.http)
		return -1;
	evhttp_set_gencb(fx.http, http_dispatch, c);
	struct evhttp_bound_socket *bound = evhttp_bind_socket_with_handle(fx.http, "127.0.0.1", 0);
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	if (!bound || getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&sa, &salen))
		return -1;
	fx.port = ntohs(sa.sin_port);
	unit_wait_up(fx.base, c->db, 2, 0);
	*state = &fx;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (fx.http)
		evhttp_free(fx.http);
	workpool_free(fx.ctx.workpool);
	if (fx.base)
		event_base_loop(fx.base, EVLOOP_NONBLOCK); /* the pool's last done callbacks */
	db_pool_free(fx.ctx.db);
	if (fx.base)
		event_base_free(fx.base);
	free(fx.ctx.counters);
	proxy_trust_free(fx.proxies);
	keys_free(fx.keys);
	if (*fx.dir)
		unit_rm_dir(fx.dir);
	return 0;
}

/* Turns the loop until the pool has run every statement sent: the handlers send audit
 * events without waiting for them. */
static void db_settle(void)
{
	for (int i = 0; i < 5000 && db_pool_pending(fx.ctx.db) > 0; i++) {
		event_base_loop(fx.base, EVLOOP_NONBLOCK);
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
}

/* Each test gets the login limits server.c makes (docs/moderation.md, "Limits on signing
 * in"), fresh, so that one test's attempts do not count against the next. */
static int setup(void **state)
{
	if (!*state)
		return 0;
	fx.ctx.login_client_limit = ratelimit_new((double)fx.cfg.login_rate, (double)fx.cfg.login_rate);
	fx.ctx.login_account_limit = ratelimit_new(1.0 / 3.0, 5);
	fx.ctx.login_pair_limit = ratelimit_new(1.0, 5);
	return 0;
}

static int teardown(void **state)
{
	if (!*state)
		return 0;
	db_settle(); /* the next test starts with no audit event of this one still running */
	ratelimit_free(fx.ctx.login_client_limit);
	ratelimit_free(fx.ctx.login_account_limit);
	ratelimit_free(fx.ctx.login_pair_limit);
	return 0;
}

#define FIXTURE()                                                                            \
	do {                                                                                 \
		if (!*state)                                                                 \
			skip(); /* tests/run.sh gives a test cluster */                      \
	} while (0)

/* --- the client ------------------------------------------------------------------------- */

struct call {
	const char *method; /* "GET" or "POST" */
	const char *path;
	const char *client; /* X-Real-IP: the address the limits count */
	const char *cookie; /* the Cookie header, or NULL */
	const char *csrf;   /* X-CSRF-Token, or NULL */
	const char *bearer; /* a bearer token, or NULL */
	const char *content_type; /* NULL: application/json */
	const char *body;
};

struct reply {
	int done;
	int status;
	char body[4096];
	char cookies[4][256]; /* the Set-Cookie headers, in order */
	int ncookies;
	char retry_after[16];
	char request_id[24];
	char cache_control[32];
	double ms; /* from sending to the reply */
	json_object *doc;
};

static void reply_cb(struct evhttp_request *r, void *arg)
{
	struct reply *out = arg;
	out->done = 1;
	if (!r)
		return;
	out->status = evhttp_request_get_response_code(r);
	struct evkeyval *kv;
	TAILQ_FOREACH(kv, evhttp_request_get_input_headers(r), next)
	{
		if (strcasecmp(kv->key, "Set-Cookie") == 0 && out->ncookies < 4)
			snprintf(out->cookies[out->ncookies++], sizeof(out->cookies[0]), "%s", kv->value);
		else if (strcasecmp(kv->key, "Retry-After") == 0)
			snprintf(out->retry_after, sizeof(out->retry_after), "%s", kv->value);
		else if (strcasecmp(kv->key, "X-Request-Id") == 0)
			snprintf(out->request_id, sizeof(out->request_id), "%s", kv->value);
		else if (strcasecmp(kv->key, "Cache-Control") == 0)
			snprintf(out->cache_control, sizeof(out->cache_control), "%s", kv->value);
	}
	struct evbuffer *in = evhttp_request_get_input_buffer(r);
	int n = evbuffer_remove(in, out->body, sizeof(out->body) - 1);
	out->body[n > 0 ? n : 0] = '\0';
	out->doc = json_tokener_parse(out->body);
}

static void reply_free(struct reply *r)
{
	json_object_put(r->doc);
	r->doc = NULL;
}

/* Sends c to the worker and turns the loop until the reply is in out. */
static void send_call(const struct call *c, struct reply *out)
{
	memset(out, 0, sizeof(*out));
	struct evhttp_connection *conn = evhttp_connection_base_new(fx.base, NULL, "127.0.0.1",
								    (ev_uint16_t)fx.port);
	struct evhttp_request *r = evhttp_request_new(reply_cb, out);
	assert_non_null(conn);
	assert_non_null(r);
	struct evkeyvalq *h = evhttp_request_get_output_headers(r);
	evhttp_add_header(h, "Host", "127.0.0.1");
	evhttp_add_header(h, "X-Real-IP", c->client);
	if (c->cookie)
		evhttp_add_header(h, "Cookie", c->cookie);
	if (c->csrf)
		evhttp_add_header(h, "X-CSRF-Token", c->csrf);
	char authz[128];
	if (c->bearer) {
		snprintf(authz, sizeof(authz), "Bearer %s", c->bearer);
		evhttp_add_header(h, "Authorization", authz);
	}
	bool post = strcmp(c->method, "POST") == 0;
	if (post) {
		evhttp_add_header(h, "Content-Type",
				  c->content_type ? c->content_type : "application/json");
		if (c->body)
			evbuffer_add(evhttp_request_get_output_buffer(r), c->body, strlen(c->body));
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(evhttp_make_request(conn, r, post ? EVHTTP_REQ_POST : EVHTTP_REQ_GET,
					     c->path),
			 0);
	unit_loop_until(fx.base, &out->done, 30);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	out->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	evhttp_connection_free(conn);
	if (!out->done || out->status == 0)
		fail_msg("no reply to %s %s", c->method, c->path);
}

/* An address of the test's own for X-Real-IP, so the per-address limits start fresh. */
static const char *new_client(char out[32])
{
	fx.clients++;
	snprintf(out, 32, "198.51.%d.%d", fx.clients / 250, 1 + fx.clients % 250);
	return out;
}

static const char *str_at(json_object *doc, const char *a, const char *b)
{
	json_object *v = doc;
	if (!json_object_object_get_ex(v, a, &v) || (b && !json_object_object_get_ex(v, b, &v)))
		return NULL;
	return json_object_get_string(v);
}

/* The reply is the API's error: status, {"error": {"code", "message" (Vietnamese / English),
 * "request_id" (the X-Request-Id)}}, not to be cached, and no cookie. Returns the error's
 * fields (NULL when it has none). */
static json_object *check_error(const struct reply *r, int status, const char *code)
{
	if (r->status != status || !str_at(r->doc, "error", "code") ||
	    strcmp(str_at(r->doc, "error", "code"), code) != 0)
		fail_msg("want %d %s, got %d %s", status, code, r->status, r->body);
	assert_non_null(strstr(str_at(r->doc, "error", "message"), " / "));
	assert_string_equal(str_at(r->doc, "error", "request_id"), r->request_id);
	assert_string_equal(r->cache_control, "no-store");
	assert_int_equal(r->ncookies, 0);
	json_object *err, *fields = NULL;
	json_object_object_get_ex(r->doc, "error", &err);
	json_object_object_get_ex(err, "fields", &fields);
	return fields;
}

/* One Set-Cookie header's parts. */
struct cookie {
	char name[64];
	char value[128];
	char attrs[8][32];
	int nattrs;
};

static void cookie_parse(const char *header, struct cookie *c)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(sscanf(header, "%63[^=]=%127[^;]", c->name, c->value) >= 1, 1);
	const char *p = strchr(header, ';');
	while (p && c->nattrs < 8) {
		p += strspn(p, "; ");
		size_t n = strcspn(p, ";");
		snprintf(c->attrs[c->nattrs++], sizeof(c->attrs[0]), "%.*s", (int)n, p);
		p = strchr(p, ';');
	}
}

/* Whether a cookie has exactly the attributes of a __Host- cookie for the officials'
 * pages (docs/moderation.md): Path=/, HttpOnly, Secure, SameSite=Strict, Max-Age=max_age,
 * and no Domain (which the prefix forbids). */
static void check_cookie_attrs(const struct cookie *c, const char *max_age)
{
	char want_age[32];
	snprintf(want_age, sizeof(want_age), "Max-Age=%s", max_age);
	const char *want[] = {"Path=/", "HttpOnly", "Secure", "SameSite=Strict", want_age};
	assert_int_equal(c->nattrs, 5);
	for (size_t i = 0; i < 5; i++) {
		bool found = false;
		for (int k = 0; k < c->nattrs; k++)
			found |= strcmp(c->attrs[k], want[i]) == 0;
		if (!found)
			fail_msg("cookie %s lacks %s", c->name, want[i]);
	}
}

/* A signed-in browser. */
struct session {
	char token[128];
	char cookie[160]; /* the Cookie header that sends it */
	char csrf[32];
	char device[160]; /* "__Host-pakn_device=…", as a Cookie header */
};

static const char *find_cookie(const struct reply *r, const char *name, struct cookie *c)
{
	for (int i = 0; i < r->ncookies; i++) {
		cookie_parse(r->cookies[i], c);
		if (strcmp(c->name, name) == 0)
			return c->value;
	}
	return NULL;
}

/* Signs user in from client (with the device cookie in cookie, or NULL); on 200 fills s.
 * The reply is left in r for the caller to check (and free). */
static void sign_in(const char *user, const char *password, const char *client,
		    const char *cookie, struct session *s, struct reply *r)
{
	char body[256];
	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", user, password);
	send_call(&(struct call){.method = "POST", .path = "/api/v1/auth/login", .client = client,
				 .cookie = cookie, .body = body},
		  r);
	if (r->status != 200 || !s)
		return;
	struct cookie c;
	assert_non_null(find_cookie(r, SESSION_COOKIE, &c));
	snprintf(s->token, sizeof(s->token), "%s", c.value);
	snprintf(s->cookie, sizeof(s->cookie), "%s=%s", SESSION_COOKIE, c.value);
	assert_non_null(find_cookie(r, "__Host-pakn_device", &c));
	snprintf(s->device, sizeof(s->device), "__Host-pakn_device=%s", c.value);
	snprintf(s->csrf, sizeof(s->csrf), "%s", str_at(r->doc, "csrf_token", NULL));
}

static void session_sql(const char *sql, const char *token);

/* Signs user in with the right password; fails the test unless that gives 200. The session
 * is then marked as past its second factor, which moderators need: these tests are about
 * passwords and sessions (the second factor's own are in test_second_factor.c). */
static void sign_in_ok(const char *user, struct session *s)
{
	char client[32];
	struct reply r;
	sign_in(user, PASSWORD, new_client(client), NULL, s, &r);
	if (r.status != 200)
		fail_msg("sign-in of %s: %d %s", user, r.status, r.body);
	reply_free(&r);
	session_sql("UPDATE official_session SET second_factor_at = now() WHERE token_hash = $1",
		    s->token);
}

/* The status of a sign-in whose reply needs no more checks. */
static int sign_in_status(const char *user, const char *password, const char *client)
{
	struct reply r;
	sign_in(user, password, client, NULL, NULL, &r);
	reply_free(&r);
	return r.status;
}

/* GET /api/v1/auth/me with the cookie (or bearer token); returns the status. */
static int me_status(const char *cookie, const char *bearer)
{
	char client[32];
	struct reply r;
	send_call(&(struct call){.method = "GET", .path = "/api/v1/auth/me",
				 .client = new_client(client), .cookie = cookie, .bearer = bearer},
		  &r);
	if (r.status != 200)
		check_error(&r, 401, "session_invalid");
	reply_free(&r);
	return r.status;
}

/* Runs sql on the session whose token is token ($1 is its hash). */
static void session_sql(const char *sql, const char *token)
{
	char hash[65];
	auth_token_hash(token, hash);
	const char *params[] = {hash};
	sql_run(sql, 1, params);
}

/* The number of audit events of action by user (NULL: by nobody known). */
static long audit_count(const char *action, const char *user)
{
	char sql[512], n[32];
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM moderation_event e LEFT JOIN official o ON o.id = e.official_id"
		 " WHERE e.action = '%s' AND %s%s%s",
		 action, user ? "o.username = '" : "e.official_id IS NULL", user ? user : "",
		 user ? "'" : "");
	db_settle();
	assert_int_equal(unit_db_value(fx.url, sql, n, sizeof(n)), 0);
	return atol(n);
}

/* --- tests ------------------------------------------------------------------------------ */

/* The right password: 200 with the official and a CSRF token, the session cookie (stored
 * only as its hash, a browser session of session_lifetime) and the device cookie, each
 * with the attributes docs/moderation.md names; the login is audited; GET me then tells
 * who is signed in, with the same CSRF token. */
static void test_login_sets_session(void **state)
{
	FIXTURE();
	char client[32];
	struct reply r;
	struct session s;
	long logins = audit_count("login", MODERATOR);
	sign_in(MODERATOR, PASSWORD, new_client(client), NULL, &s, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.cache_control, "no-store");
	assert_string_equal(str_at(r.doc, "official", "username"), MODERATOR);
	json_object *official, *roles;
	assert_true(json_object_object_get_ex(r.doc, "official", &official));
	assert_true(json_object_object_get_ex(official, "roles", &roles));
	assert_int_equal(json_object_array_length(roles), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(roles, 0)), "moderator");
	assert_int_equal(r.ncookies, 2);

	struct cookie c;
	char lifetime[24];
	snprintf(lifetime, sizeof(lifetime), "%ld", fx.cfg.session_lifetime);
	assert_non_null(find_cookie(&r, SESSION_COOKIE, &c));
	check_cookie_attrs(&c, lifetime);
	/* 32 random bytes, base64url */
	assert_int_equal(strlen(s.token), 43);
	assert_non_null(find_cookie(&r, "__Host-pakn_device", &c));
	check_cookie_attrs(&c, DEVICE_MAX_AGE);
	assert_int_equal(strlen(s.csrf), 22);
	reply_free(&r);

	char hash[65], sql[512], got[64];
	auth_token_hash(s.token, hash);
	snprintf(sql, sizeof(sql),
		 "SELECT s.kind || ' ' || extract(epoch FROM s.expires_at - s.created_at)::int"
		 " FROM official_session s JOIN official o ON o.id = s.official_id"
		 " WHERE s.token_hash = '%s' AND o.username = '%s' AND s.revoked_at IS NULL",
		 hash, MODERATOR);
	assert_int_equal(unit_db_value(fx.url, sql, got, sizeof(got)), 0);
	char want[64];
	snprintf(want, sizeof(want), "browser %ld", fx.cfg.session_lifetime);
	assert_string_equal(got, want);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM official_session WHERE token_hash = '%s'",
		 s.token);
	assert_int_equal(unit_db_value(fx.url, sql, got, sizeof(got)), 0);
	assert_string_equal(got, "0"); /* the token itself is nowhere */
	assert_int_equal(audit_count("login", MODERATOR), logins + 1);

	send_call(&(struct call){.method = "GET", .path = "/api/v1/auth/me",
				 .client = new_client(client), .cookie = s.cookie},
		  &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(str_at(r.doc, "username", NULL), MODERATOR);
	assert_string_equal(str_at(r.doc, "display_name", NULL), "Người thử " MODERATOR);
	assert_true(json_object_object_get_ex(r.doc, "roles", &roles));
	assert_int_equal(json_object_array_length(roles), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(roles, 0)), "moderator");
	assert_string_equal(str_at(r.doc, "session", NULL), "browser");
	assert_string_equal(str_at(r.doc, "csrf_token", NULL), s.csrf);
	json_object *agencies;
	assert_true(json_object_object_get_ex(r.doc, "agencies", &agencies));
	assert_int_equal(json_object_array_length(agencies), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(agencies, 0)), fx.agency);
	reply_free(&r);
}

/* A wrong password and an unknown name give the same 401 invalid_credentials (same
 * message, no cookie), both audited as failed logins, and the unknown name's answer takes
 * a password check too (a dummy hash), so its time does not tell either. */
static void test_wrong_password_and_unknown_user_alike(void **state)
{
	FIXTURE();
	char client[32];
	struct reply wrong, unknown;
	long known_fails = audit_count("login_failed", MODERATOR);
	long unknown_fails = audit_count("login_failed", NULL);
	/* the first unknown name makes the dummy hash, which takes as long as a check */
	assert_int_equal(sign_in_status("nobody.auth", PASSWORD, new_client(client)), 401);
	unknown_fails++;
	sign_in(MODERATOR, "not-the-password", new_client(client), NULL, NULL, &wrong);
	sign_in("nobody.auth", PASSWORD, new_client(client), NULL, NULL, &unknown);
	assert_null(check_error(&wrong, 401, "invalid_credentials"));
	assert_null(check_error(&unknown, 401, "invalid_credentials"));
	assert_string_equal(str_at(wrong.doc, "error", "message"),
			    str_at(unknown.doc, "error", "message"));
	assert_int_equal(audit_count("login_failed", MODERATOR), known_fails + 1);
	assert_int_equal(audit_count("login_failed", NULL), unknown_fails + 1);
	/* Argon2id at the interactive limits (64 MiB) takes tens of milliseconds anywhere;
	 * a reply without the check comes in one or two. */
	print_message("wrong password %.1f ms, unknown name %.1f ms\n", wrong.ms, unknown.ms);
	if (unknown.ms < wrong.ms / 4)
		fail_msg("unknown name answered in %.1f ms, wrong password in %.1f ms", unknown.ms,
			 wrong.ms);
	reply_free(&wrong);
	reply_free(&unknown);
}

/* Bodies that are not {"username": text, "password": text} within the limits are 400
 * invalid_json (the login's message names the two fields; there are no per-field errors),
 * as is a body that is not UTF-8; a name or password holding a NUL is 400 invalid_utf8;
 * another media type 415; a query parameter 400 invalid_parameter listing it in "fields".
 * None of them counts against the limits. (json-c 0.16 reads an encoded lone surrogate as
 * U+FFFD, so that one is an ordinary wrong name, never a 500.) */
static void test_malformed_login(void **state)
{
	FIXTURE();
	char client[32], too_long[128], body[256];
	new_client(client); /* one address for all: the limit of 10 attempts would show */
	memset(too_long, 'a', 65);
	too_long[65] = '\0';
	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"x\"}", too_long);
	const char *bad[] = {
		"",
		"not json",
		"[\"" MODERATOR "\",\"" PASSWORD "\"]",
		"{\"username\":\"" MODERATOR "\"}",
		"{\"password\":\"" PASSWORD "\"}",
		"{\"username\":1,\"password\":\"" PASSWORD "\"}",
		"{\"username\":\"" MODERATOR "\",\"password\":null}",
		"{\"username\":\"" MODERATOR "\",\"password\":\"" PASSWORD "\"} trailing",
		body,
		"{\"username\":\"" MODERATOR "\",\"password\":\"" PASSWORD "\"",
		"{\"username\":\"\xff\",\"password\":\"" PASSWORD "\"}", /* not UTF-8 */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct reply r;
		send_call(&(struct call){.method = "POST", .path = "/api/v1/auth/login",
					 .client = client, .body = bad[i]},
			  &r);
		if (r.status != 400)
			fail_msg("body %zu (%s): %d %s", i, bad[i], r.status, r.body);
		assert_null(check_error(&r, 400, "invalid_json"));
		assert_non_null(strstr(str_at(r.doc, "error", "message"), "\"username\""));
		reply_free(&r);
	}
	/* a NUL would cut the name short */
	const char *nul[] = {"{\"username\":\"mod\\u0000.auth\",\"password\":\"x\"}",
			     "{\"username\":\"" MODERATOR "\",\"password\":\"" PASSWORD "\\u0000\"}"};
	struct reply r;
	for (size_t i = 0; i < 2; i++) {
		send_call(&(struct call){.method = "POST", .path = "/api/v1/auth/login",
					 .client = client, .body = nul[i]},
			  &r);
		assert_null(check_error(&r, 400, "invalid_utf8"));
		reply_free(&r);
	}
	send_call(&(struct call){.method = "POST", .path = "/api/v1/auth/login", .client = client,
				 .content_type = "text/plain",
				 .body = "{\"username\":\"" MODERATOR "\",\"password\":\"" PASSWORD "\"}"},
		  &r);
	assert_null(check_error(&r, 415, "unsupported_media_type"));
	reply_free(&r);
	send_call(&(struct call){.method = "POST", .path = "/api/v1/auth/login?next=/x",
				 .client = client,
				 .body = "{\"username\":\"" MODERATOR "\",\"password\":\"" PASSWORD "\"}"},
		  &r);
	json_object *fields = check_error(&r, 400, "invalid_parameter");
	assert_non_null(fields);
	assert_int_equal(json_object_array_length(fields), 1);
	json_object *f = json_object_array_get_idx(fields, 0);
	assert_string_equal(str_at(f, "field", NULL), "next");
	assert_string_equal(str_at(f, "code", NULL), "unknown_parameter");
	reply_free(&r);
	send_call(&(struct call){.method = "POST", .path = "/api/v1/auth/login", .client = client,
				 .body = "{\"username\":\"\\ud800\",\"password\":\"x\"}"},
		  &r);
	check_error(&r, 401, "invalid_credentials");
	reply_free(&r);
	/* fourteen refusals and one wrong name: had the refusals counted, the address's ten
	 * attempts a minute would be gone */
	assert_int_equal(sign_in_status(MODERATOR, PASSWORD, client), 200);
}

/* Without credentials 401 authentication_required; with a token that is no session's
 * (cookie or bearer) 401 session_invalid; with a session of a role the handler does not
 * take 403 forbidden, audited as a denial; with the right role the handler runs with the
 * official set. */
static void test_require_session_and_role(void **state)
{
	FIXTURE();
	char client[32];
	struct reply r;
	const struct call anonymous[] = {
		{.method = "GET", .path = "/test/moderators"},
		{.method = "GET", .path = "/api/v1/auth/me"},
		{.method = "POST", .path = "/api/v1/auth/logout"},
		{.method = "GET", .path = "/test/moderators", .cookie = "pakn_session=abc"},
		{.method = "GET", .path = "/test/moderators", .cookie = SESSION_COOKIE "="},
	};
	for (size_t i = 0; i < sizeof(anonymous) / sizeof(anonymous[0]); i++) {
		struct call c = anonymous[i];
		c.client = new_client(client);
		send_call(&c, &r);
		check_error(&r, 401, "authentication_required");
		reply_free(&r);
	}
	char fake[44], hash[65], cookie[128];
	auth_token_new(fake, hash);
	snprintf(cookie, sizeof(cookie), "%s=%s", SESSION_COOKIE, fake);
	send_call(&(struct call){.method = "GET", .path = "/test/moderators",
				 .client = new_client(client), .cookie = cookie},
		  &r);
	check_error(&r, 401, "session_invalid");
	reply_free(&r);
	send_call(&(struct call){.method = "GET", .path = "/test/moderators",
				 .client = new_client(client), .bearer = fake},
		  &r);
	check_error(&r, 401, "session_invalid");
	reply_free(&r);

	struct session analyst, moderator;
	sign_in_ok(ANALYST, &analyst);
	sign_in_ok(MODERATOR, &moderator);
	long denials = audit_count("denied", ANALYST);
	send_call(&(struct call){.method = "GET", .path = "/test/moderators",
				 .client = new_client(client), .cookie = analyst.cookie},
		  &r);
	check_error(&r, 403, "forbidden");
	reply_free(&r);
	assert_int_equal(audit_count("denied", ANALYST), denials + 1);
	/* the analyst's session is still good where its role may go */
	assert_int_equal(me_status(analyst.cookie, NULL), 200);

	send_call(&(struct call){.method = "GET", .path = "/test/moderators",
				 .client = new_client(client), .cookie = moderator.cookie},
		  &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(str_at(r.doc, "username", NULL), MODERATOR);
	assert_string_equal(str_at(r.doc, "role", NULL), "moderator");
	assert_string_equal(str_at(r.doc, "bearer", NULL), "false");
	reply_free(&r);
}

/* The second factor's gate (docs/moderation.md, "The second factor"): the login tells what
 * comes next ("enrol" for a moderator without one, "verify" once enrolled, "none" for an
 * analyst), and until the session has passed it, it reaches only the routes that take
 * AUTH_PENDING (me answers with the same word); every other route is 401
 * second_factor_required, audited as a denial, before the role is looked at. With
 * totp_for_all analysts need one too. A bearer token, which the operator issues, passes. */
static void test_second_factor_gate(void **state)
{
	FIXTURE();
	char client[32];
	struct reply r;
	struct session s;
	sign_in(MODERATOR, PASSWORD, new_client(client), NULL, &s, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(str_at(r.doc, "second_factor", NULL), "enrol");
	reply_free(&r);
	long denials = audit_count("denied", MODERATOR);
	send_call(&(struct call){.method = "GET", .path = "/test/moderators",
				 .client = new_client(client), .cookie = s.cookie},
		  &r);
	check_error(&r, 401, "second_factor_required");
	reply_free(&r);
	assert_int_equal(audit_count("denied", MODERATOR), denials + 1);
	send_call(&(struct call){.method = "GET", .path = "/api/v1/auth/me",
				 .client = new_client(client), .cookie = s.cookie},
		  &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(str_at(r.doc, "second_factor", NULL), "enrol");
	reply_free(&r);
	/* Passed: the same session goes through. */
	session_sql("UPDATE official_session SET second_factor_at = now() WHERE token_hash = $1",
		    s.token);
	send_call(&(struct call){.method = "GET", .path = "/test/moderators",
				 .client = new_client(client), .cookie = s.cookie},
		  &r);
	assert_int_equal(r.status, 200);
	reply_free(&r);

	/* Enrolled: the next sign-in is asked for a code, and is held at the gate. */
	const char *who[] = {MODERATOR};
	sql_run("INSERT INTO official_totp (official_id, secret_enc, enrolled_at)"
		" SELECT id, 'not opened here', now() FROM official WHERE username = $1",
		1, who);
	sign_in(MODERATOR, PASSWORD, new_client(client), NULL, &s, &r);
	assert_string_equal(str_at(r.doc, "second_factor", NULL), "verify");
	reply_free(&r);
	send_call(&(struct call){.method = "POST", .path = "/test/moderators",
				 .client = new_client(client), .cookie = s.cookie, .csrf = s.csrf},
		  &r);
	check_error(&r, 401, "second_factor_required");
	reply_free(&r);
	sql_run("DELETE FROM official_totp WHERE official_id ="
		" (SELECT id FROM official WHERE username = $1)",
		1, who);

	/* A bearer token is not held. */
	char token[44], hash[65];
	auth_token_new(token, hash);
	const char *params[] = {MODERATOR, hash};
	sql_run("INSERT INTO official_session (official_id, kind, token_hash, expires_at)"
		" SELECT id, 'bearer', $2, now() + interval '1 hour' FROM official WHERE username = $1",
		2, params);
	send_call(&(struct call){.method = "GET", .path = "/test/moderators",
				 .client = new_client(client), .bearer = token},
		  &r);
	assert_int_equal(r.status, 200);
	reply_free(&r);

	/* An analyst needs none, unless totp_for_all. */
	sign_in(ANALYST, PASSWORD, new_client(client), NULL, &s, &r);
	assert_string_equal(str_at(r.doc, "second_factor", NULL), "none");
	reply_free(&r);
	fx.cfg.totp_for_all = 1;
	sign_in(ANALYST, PASSWORD, new_client(client), NULL, &s, &r);
	assert_string_equal(str_at(r.doc, "second_factor", NULL), "enrol");
	reply_free(&r);
	send_call(&(struct call){.method = "GET", .path = "/test/moderators",
				 .client = new_client(client), .cookie = s.cookie},
		  &r);
	check_error(&r, 401, "second_factor_required");
	reply_free(&r);
	fx.cfg.totp_for_all = 0;
}

/* A browser session's POST needs its own session's X-CSRF-Token (403 csrf_failed without
 * it, with another session's, or with a wrong one); its GET does not; a bearer token needs
 * none. */
static void test_csrf(void **state)
{
	FIXTURE();
	char client[32];
	struct reply r;
	struct session s, other;
	sign_in_ok(MODERATOR, &s);
	sign_in_ok(ANALYST, &other);
	char truncated[32];
	snprintf(truncated, sizeof(truncated), "%.21s", s.csrf);
	const char *wrong[] = {NULL, "", other.csrf, truncated, "AAAAAAAAAAAAAAAAAAAAAA"};
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		send_call(&(struct call){.method = "POST", .path = "/test/moderators",
					 .client = new_client(client), .cookie = s.cookie,
					 .csrf = wrong[i], .body = "{}"},
			  &r);
		check_error(&r, 403, "csrf_failed");
		reply_free(&r);
	}
	send_call(&(struct call){.method = "POST", .path = "/test/moderators",
				 .client = new_client(client), .cookie = s.cookie, .csrf = s.csrf,
				 .body = "{}"},
		  &r);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	send_call(&(struct call){.method = "GET", .path = "/test/moderators",
				 .client = new_client(client), .cookie = s.cookie},
		  &r);
	assert_int_equal(r.status, 200);
	reply_free(&r);

	/* a script's bearer token, as paknctl token create stores it */
	char token[44], hash[65];
	auth_token_new(token, hash);
	const char *params[] = {MODERATOR, hash};
	sql_run("INSERT INTO official_session (official_id, kind, token_hash, label, expires_at)"
		" SELECT id, 'bearer', $2, 'test', now() + interval '1 day' FROM official"
		" WHERE username = $1",
		2, params);
	send_call(&(struct call){.method = "POST", .path = "/test/moderators",
				 .client = new_client(client), .bearer = token, .body = "{}"},
		  &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(str_at(r.doc, "bearer", NULL), "true");
	reply_free(&r);
	send_call(&(struct call){.method = "GET", .path = "/api/v1/auth/me",
				 .client = new_client(client), .bearer = token},
		  &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(str_at(r.doc, "session", NULL), "bearer");
	assert_null(str_at(r.doc, "csrf_token", NULL));
	reply_free(&r);
}

/* A session past its lifetime, one unused for longer than session_idle, a revoked one and
 * one of a disabled official are all 401 session_invalid; a bearer token is not subject
 * to the idle limit. Each worked before it was changed. */
static void test_ended_sessions(void **state)
{
	FIXTURE();
	static const char *const end[] = {
		"UPDATE official_session SET expires_at = now() - interval '1 second'"
		" WHERE token_hash = $1",
		"UPDATE official_session SET last_seen_at = now() - make_interval(secs => %ld + 60)"
		" WHERE token_hash = $1",
		"UPDATE official_session SET revoked_at = now() WHERE token_hash = $1",
		"UPDATE official SET disabled = true WHERE id ="
		" (SELECT official_id FROM official_session WHERE token_hash = $1)",
	};
	for (size_t i = 0; i < sizeof(end) / sizeof(end[0]); i++) {
		struct session s;
		sign_in_ok(ANALYST, &s);
		assert_int_equal(me_status(s.cookie, NULL), 200);
		char sql[512];
		snprintf(sql, sizeof(sql), end[i], fx.cfg.session_idle);
		session_sql(sql, s.token);
		if (me_status(s.cookie, NULL) != 401)
			fail_msg("still signed in after: %s", sql);
	}
	sql_run("UPDATE official SET disabled = false WHERE username = '" ANALYST "'", 0, NULL);

	char token[44], hash[65], sql[512];
	auth_token_new(token, hash);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO official_session (official_id, kind, token_hash, expires_at, last_seen_at)"
		 " SELECT id, 'bearer', $1, now() + interval '1 day', now() - make_interval(secs => %ld + 60)"
		 " FROM official WHERE username = '" ANALYST "'",
		 fx.cfg.session_idle);
	const char *params[] = {hash};
	sql_run(sql, 1, params);
	assert_int_equal(me_status(NULL, token), 200);
	session_sql("UPDATE official_session SET revoked_at = now() WHERE token_hash = $1", token);
	assert_int_equal(me_status(NULL, token), 401);
}

/* Logout is a write: without the CSRF token 403 and the session lives on; with it 200
 * {"status":"signed_out"}, the cookie is cleared, the session is revoked in the database
 * and audited, and the next me (or logout) is 401. */
static void test_logout(void **state)
{
	FIXTURE();
	char client[32];
	struct reply r;
	struct session s;
	sign_in_ok(MODERATOR, &s);
	send_call(&(struct call){.method = "POST", .path = "/api/v1/auth/logout",
				 .client = new_client(client), .cookie = s.cookie},
		  &r);
	check_error(&r, 403, "csrf_failed");
	reply_free(&r);
	assert_int_equal(me_status(s.cookie, NULL), 200);

	long logouts = audit_count("logout", MODERATOR);
	send_call(&(struct call){.method = "POST", .path = "/api/v1/auth/logout",
				 .client = new_client(client), .cookie = s.cookie, .csrf = s.csrf},
		  &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(str_at(r.doc, "status", NULL), "signed_out");
	assert_int_equal(r.ncookies, 1);
	struct cookie c;
	cookie_parse(r.cookies[0], &c);
	assert_string_equal(c.name, SESSION_COOKIE);
	assert_string_equal(c.value, "");
	check_cookie_attrs(&c, "0");
	reply_free(&r);
	assert_int_equal(audit_count("logout", MODERATOR), logouts + 1);

	char hash[65], sql[256], got[8];
	auth_token_hash(s.token, hash);
	snprintf(sql, sizeof(sql),
		 "SELECT revoked_at IS NOT NULL FROM official_session WHERE token_hash = '%s'", hash);
	assert_int_equal(unit_db_value(fx.url, sql, got, sizeof(got)), 0);
	assert_string_equal(got, "t");
	assert_int_equal(me_status(s.cookie, NULL), 401);
	send_call(&(struct call){.method = "POST", .path = "/api/v1/auth/logout",
				 .client = new_client(client), .cookie = s.cookie, .csrf = s.csrf},
		  &r);
	check_error(&r, 401, "session_invalid");
	reply_free(&r);
}

/* An address's attempts (login_client_limit, which server.c makes login_rate a minute):
 * once they are used up, the next attempt, right password or not, is 429
 * too_many_attempts with Retry-After, and sets no cookie. Here the limit is 3 with one back
 * every 2 minutes, so that a slow run (valgrind: 2 s a password check) earns none back
 * midway. */
static void test_login_rate_limit_per_address(void **state)
{
	FIXTURE();
	ratelimit_free(fx.ctx.login_client_limit); /* teardown frees this one */
	fx.ctx.login_client_limit = ratelimit_new(0.5, 3);
	assert_non_null(fx.ctx.login_client_limit);
	char client[32];
	struct reply r;
	new_client(client);
	/* right passwords, so that only the address limit is in play */
	for (int i = 0; i < 3; i++)
		assert_int_equal(sign_in_status(MODERATOR, PASSWORD, client), 200);
	sign_in(MODERATOR, PASSWORD, client, NULL, NULL, &r);
	check_error(&r, 429, "too_many_attempts");
	int after = atoi(r.retry_after);
	if (after < 1 || after > 120)
		fail_msg("Retry-After: \"%s\"", r.retry_after);
	reply_free(&r);
	/* another address is not held up */
	assert_int_equal(sign_in_status(MODERATOR, PASSWORD, new_client(client)), 200);
}

/* An account's failures: five wrong passwords, each from another address, and the right
 * password from a sixth address is 429 with Retry-After (the account's allowance refills
 * at one per 3 minutes); a browser that signed the account in before (its device cookie)
 * still gets in. */
static void test_login_rate_limit_per_account(void **state)
{
	FIXTURE();
	char client[32];
	struct reply r;
	struct session known;
	sign_in_ok(ANALYST, &known);
	for (int i = 0; i < 5; i++)
		assert_int_equal(sign_in_status(ANALYST, "not-the-password", new_client(client)), 401);
	sign_in(ANALYST, PASSWORD, new_client(client), NULL, NULL, &r);
	check_error(&r, 429, "too_many_attempts");
	int after = atoi(r.retry_after);
	if (after < 1 || after > 180)
		fail_msg("Retry-After: \"%s\"", r.retry_after);
	reply_free(&r);
	/* the device cookie of another account does not help */
	struct session other;
	sign_in_ok(MODERATOR, &other);
	sign_in(ANALYST, PASSWORD, new_client(client), other.device, NULL, &r);
	check_error(&r, 429, "too_many_attempts");
	reply_free(&r);
	struct session again;
	sign_in(ANALYST, PASSWORD, new_client(client), known.device, &again, &r);
	assert_int_equal(r.status, 200);
	/* the known browser keeps its device cookie */
	assert_string_equal(again.device, known.device);
	reply_free(&r);
}

/* A password hash made with older (weaker) limits is replaced at the next sign-in by one
 * with the current limits. */
static void test_old_hash_rehashed(void **state)
{
	FIXTURE();
	char before[crypto_pwhash_STRBYTES], after[crypto_pwhash_STRBYTES];
	const char *sql = "SELECT password_hash FROM official WHERE username = '" OLD_HASH "'";
	assert_int_equal(unit_db_value(fx.url, sql, before, sizeof(before)), 0);
	struct session s;
	sign_in_ok(OLD_HASH, &s);
	assert_int_equal(unit_db_value(fx.url, sql, after, sizeof(after)), 0);
	assert_int_equal(crypto_pwhash_str_needs_rehash(after, crypto_pwhash_OPSLIMIT_INTERACTIVE,
							crypto_pwhash_MEMLIMIT_INTERACTIVE),
			 0);
	assert_int_equal(crypto_pwhash_str_verify(after, PASSWORD, strlen(PASSWORD)), 0);
	if (crypto_pwhash_str_needs_rehash(before, crypto_pwhash_OPSLIMIT_INTERACTIVE,
					   crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0)
		return; /* already rehashed by an earlier test of this run */
	assert_string_not_equal(before, after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_login_sets_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_password_and_unknown_user_alike, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_malformed_login, setup, teardown),
		cmocka_unit_test_setup_teardown(test_require_session_and_role, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csrf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ended_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_factor_gate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_rate_limit_per_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_rate_limit_per_account, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_hash_rehashed, setup, teardown),
	};
	/* the password pool answers on this loop from its threads */
	if (sodium_init() < 0 || evthread_use_pthreads() != 0)
		return 1;
	log_set_level(LOG_WARN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
