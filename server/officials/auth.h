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

struct config;
struct keyring;

#define SESSION_COOKIE "__Host-pakn_session"

enum role {
	ROLE_ADMIN = 1 << 0,     /* manages officials and keys */
	ROLE_MODERATOR = 1 << 1, /* moderates feedback of their agencies */
	ROLE_RESPONDER = 1 << 2, /* answers feedback of their agencies */
	ROLE_ANALYST = 1 << 3,   /* reads metrics and exports */
};

/* The longest set of role names as auth_roles_format writes it, with its NUL. */
#define AUTH_ROLES_MAX 40

/* Roles that must pass a second factor whatever the setting (totp_for_all adds analysts):
 * admins manage officials, moderators and responders read contact details. */
#define ROLES_SECOND_FACTOR (ROLE_ADMIN | ROLE_MODERATOR | ROLE_RESPONDER)

/* In auth_require's roles: a session still to pass its second factor may call this too
 * (who am I, sign out, enrol, verify). Every other route refuses such a session. */
#define AUTH_PENDING (1u << 8)

/* Where a session stands with the second factor (docs/moderation.md, "The second factor"). */
enum second_factor {
	SECOND_FACTOR_NONE,     /* not needed: a bearer token (issued by the operator), or a
				 * role that needs none and has not enrolled */
	SECOND_FACTOR_VERIFIED, /* passed in this session */
	SECOND_FACTOR_VERIFY,   /* enrolled, not yet passed in this session */
	SECOND_FACTOR_ENROL,    /* needed and not enrolled: the session may only enrol */
};

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
	enum second_factor second_factor;
};

typedef void (*auth_next)(struct http_req *req);

/* Checks the request's session or bearer token (and, for a browser session's POST, its
 * X-CSRF-Token), then that the session has passed its second factor when it needs one
 * (unless roles has AUTH_PENDING; else 401 second_factor_required), then that the
 * official holds one of roles; on success sets req->official and calls next, else
 * replies 401/403 (denials are audited). */
void auth_require(struct http_req *req, unsigned roles, auth_next next);

/* The signed-in official's id as text, the parameter statements take; after auth_require. */
#define AUTH_ID_MAX 16
void auth_official_id(const struct http_req *req, char out[AUTH_ID_MAX]);

/* Where a session stands: needs is whether the official's role (or the setting) asks for
 * a second factor, enrolled whether the official has one, passed whether the session
 * passed it. */
enum second_factor auth_second_factor(bool bearer, bool needs, bool enrolled, bool passed);

/* Whether an official holding roles (enum role bits) must pass a second factor under cfg:
 * one of them is enough. */
bool auth_needs_second_factor(const struct config *cfg, unsigned roles);

/* "none", "verified", "verify" or "enrol": what the login and GET /api/v1/auth/me say. */
const char *auth_second_factor_name(enum second_factor sf);

/* A limiter's key: keyed BLAKE2b (KEY_CLIENT) of kind, a and b. */
uint64_t auth_limit_key(const struct keyring *kr, const char *kind, const char *a, const char *b);

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
