/* auth.h - officials' sign-in: Argon2id passwords (verified on the work pool, never on an
 * event loop), its limits (a device cookie lets a browser that signed an account in before
 * past the account-wide one), browser sessions in a __Host- cookie with a CSRF token for
 * writes, bearer tokens for scripts, roles, and the check every officials' endpoint starts
 * with. */
#ifndef PAKN_AUTH_H
#define PAKN_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"

#define SESSION_COOKIE "__Host-pakn_session"

enum role {
	ROLE_ADMIN = 1 << 0,     /* manages officials and keys */
	ROLE_MODERATOR = 1 << 1, /* moderates feedback of their agencies */
	ROLE_RESPONDER = 1 << 2, /* answers feedback of their agencies */
	ROLE_ANALYST = 1 << 3,   /* reads metrics and exports */
};

/* The longest set of role names as auth_roles_format writes it, with its NUL. */
#define AUTH_ROLES_MAX 40

struct official {
	int id;
	unsigned roles;                 /* enum role bits: an official may hold several */
	char roles_name[AUTH_ROLES_MAX]; /* the same, as auth_roles_format writes it */
	char username[65];
	char display_name[201];
	bool bearer;          /* signed in with a bearer token (no CSRF needed) */
	int64_t session_id;
	char csrf_token[23];  /* a browser session's CSRF token; "" with a bearer token */
	char agencies[2048];  /* JSON array of agency codes */
};

typedef void (*auth_next)(struct http_req *req);

/* Checks the request's session or bearer token (and, for a browser session's POST, its
 * X-CSRF-Token), then that the official holds one of roles; on success sets
 * req->official and calls next, else replies 401/403 (denials are audited). */
void auth_require(struct http_req *req, unsigned roles, auth_next next);

/* Parses "admin|moderator|responder|analyst"; 0 for anything else. */
enum role auth_role_parse(const char *name);

/* Parses a comma-separated set of role names ("moderator,responder"); 0 when it is empty,
 * names an unknown role or names one twice. */
unsigned auth_roles_parse(const char *list);

/* Writes the roles of the set, comma-separated in the order of enum role ("" for none). */
void auth_roles_format(unsigned roles, char out[AUTH_ROLES_MAX]);

/* A random session or bearer token (base64url of 32 bytes) into out[44], and its hash as
 * stored (hex BLAKE2b-256) into hash[65]. */
void auth_token_new(char out[44], char hash[65]);
void auth_token_hash(const char *token, char hash[65]);

void auth_login(struct http_req *req);  /* POST /api/v1/auth/login (JSON only) */
void auth_logout(struct http_req *req); /* POST /api/v1/auth/logout */
void auth_me(struct http_req *req);     /* GET /api/v1/auth/me */

#endif
