/* paknctl_officials.c - officials, bearer tokens and the audit check on the command line.
 * Passwords come from the terminal (echo off) or standard input, never from arguments,
 * which other users of the machine can see. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "officials/auth.h"
#include "paknctl.h"
#include "core/text.h"
#include "core/util.h"
#include "core/xalloc.h"

#define PASSWORD_MIN 10

/* Reads a password; NULL on end of input. Caller zeroes and frees. */
static char *read_password(const char *prompt)
{
	bool tty = isatty(STDIN_FILENO);
	struct termios old, quiet;
	if (tty) {
		fprintf(stderr, "%s", prompt);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (n < 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

static char *new_password_hash(void)
{
	char *pw = read_password("Mật khẩu / Password: ");
	if (!pw || strlen(pw) < PASSWORD_MIN) {
		fprintf(stderr, "paknctl: a password of at least %d characters is needed\n",
			PASSWORD_MIN);
		if (pw) {
			sodium_memzero(pw, strlen(pw));
			free(pw);
		}
		return NULL;
	}
	char *hash = xmalloc(crypto_pwhash_STRBYTES);
	if (crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				       crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		free(hash);
		hash = NULL;
	}
	sodium_memzero(pw, strlen(pw));
	free(pw);
	return hash;
}

/* Collects --agency CODE options into a JSON array text; other options by name. */
struct options {
	struct sbuf agencies; /* JSON array */
	const char *name, *label, *days;
	bool ok;
};

static struct options parse_options(int argc, char **argv, int first)
{
	struct options o = {.ok = true};
	sbuf_puts(&o.agencies, "[");
	int n = 0;
	for (int i = first; i < argc; i++) {
		if (i + 1 >= argc) {
			o.ok = false;
			break;
		}
		if (strcmp(argv[i], "--agency") == 0) {
			const char *code = argv[++i];
			if (!text_is_agency_code(code)) {
				o.ok = false;
				break;
			}
			sbuf_printf(&o.agencies, "%s\"%s\"", n++ ? "," : "", code);
		} else if (strcmp(argv[i], "--name") == 0) {
			o.name = argv[++i];
		} else if (strcmp(argv[i], "--label") == 0) {
			o.label = argv[++i];
		} else if (strcmp(argv[i], "--days") == 0) {
			o.days = argv[++i];
		} else if (strcmp(argv[i], "--role") != 0) {
			o.ok = false;
			break;
		} else {
			i++;
		}
	}
	sbuf_puts(&o.agencies, "]");
	return o;
}

static const char *option(int argc, char **argv, const char *name)
{
	for (int i = 0; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

/* Scoped roles need agencies, and every agency named must exist. */
static int set_agencies(PGconn *pg, const char *user, unsigned roles, const char *agencies)
{
	const char *params[] = {user, agencies};
	PGresult *res;
	if (exec_ok(pg,
		    "SELECT count(*) FROM json_array_elements_text($1::json) c"
		    " WHERE NOT EXISTS (SELECT 1 FROM agency a WHERE a.code = c.value)",
		    1, params + 1, &res) < 0)
		return -1;
	bool unknown = atoi(PQgetvalue(res, 0, 0)) > 0;
	PQclear(res);
	bool scoped = roles & (ROLE_MODERATOR | ROLE_RESPONDER);
	if (unknown || (scoped && strcmp(agencies, "[]") == 0)) {
		fprintf(stderr, "paknctl: %s\n",
			unknown ? "an --agency code is not in the catalog (see /api/v1/agencies)"
				: "moderators and responders need at least one --agency");
		return -1;
	}
	/* Two statements: in one, the INSERT would not see the DELETE's work, and an agency the
	 * official keeps would hit the primary key. The caller's transaction holds both. */
	if (exec_ok(pg,
		    "DELETE FROM official_agency"
		    " WHERE official_id = (SELECT id FROM official WHERE username = $1)",
		    1, params, NULL) < 0)
		return -1;
	return exec_ok(pg,
		       "INSERT INTO official_agency (official_id, agency_id)"
		       " SELECT o.id, a.id FROM official o, agency a WHERE o.username = $1"
		       " AND a.code IN (SELECT json_array_elements_text($2::json))",
		       2, params, NULL);
}

static int official_add(PGconn *pg, int argc, char **argv)
{
	const char *user = argv[0], *list = option(argc, argv, "--role");
	struct options o = parse_options(argc, argv, 1);
	unsigned roles = list ? auth_roles_parse(list) : 0;
	char role[AUTH_ROLES_MAX];
	int rc = 2;
	if (!o.ok || !roles)
		goto out;
	auth_roles_format(roles, role);
	rc = 1;
	char *hash = new_password_hash();
	if (!hash)
		goto out;
	const char *params[] = {user, o.name ? o.name : user, role, hash};
	if (exec_ok(pg, "BEGIN", 0, NULL, NULL) == 0 &&
	    exec_ok(pg,
		    "INSERT INTO official (username, display_name, roles, password_hash)"
		    " VALUES ($1, $2, string_to_array($3, ','), $4)",
		    4, params, NULL) == 0 &&
	    set_agencies(pg, user, roles, o.agencies.data) == 0 &&
	    exec_ok(pg, "COMMIT", 0, NULL, NULL) == 0) {
		printf("official %s added as %s\n", user, role);
		rc = 0;
	} else {
		exec_ok(pg, "ROLLBACK", 0, NULL, NULL);
	}
	free(hash);
out:
	sbuf_free(&o.agencies);
	return rc;
}

static int official_set_role(PGconn *pg, int argc, char **argv)
{
	const char *user = argv[0];
	unsigned roles = auth_roles_parse(argv[1]);
	char role[AUTH_ROLES_MAX];
	auth_roles_format(roles, role);
	struct options o = parse_options(argc, argv, 2);
	int rc = 2;
	if (o.ok && roles) {
		const char *params[] = {user, role};
		PGresult *res;
		rc = 1;
		if (exec_ok(pg, "BEGIN", 0, NULL, NULL) == 0 &&
		    exec_ok(pg, "UPDATE official SET roles = string_to_array($2, ',') WHERE username = $1"
			    " RETURNING id", 2,
			    params, &res) == 0) {
			bool found = PQntuples(res) == 1;
			PQclear(res);
			if (found && set_agencies(pg, user, roles, o.agencies.data) == 0 &&
			    exec_ok(pg, "COMMIT", 0, NULL, NULL) == 0) {
				printf("official %s is now %s\n", user, role);
				rc = 0;
			} else if (!found) {
				fprintf(stderr, "paknctl: no official %s\n", user);
			}
		}
		if (rc)
			exec_ok(pg, "ROLLBACK", 0, NULL, NULL);
	}
	sbuf_free(&o.agencies);
	return rc;
}

static int update_one(PGconn *pg, const char *sql, const char *user, const char *value,
		      const char *done)
{
	const char *params[] = {user, value};
	PGresult *res;
	if (exec_ok(pg, sql, value ? 2 : 1, params, &res) < 0)
		return 1;
	int n = PQntuples(res);
	PQclear(res);
	if (n != 1) {
		fprintf(stderr, "paknctl: no official %s\n", user);
		return 1;
	}
	printf("%s\n", done);
	return 0;
}

/* Removes an official's second factor (a lost phone): its next sign-in must enrol again.
 * pakn_totp_reset also ends its browser sessions and writes the audit event. */
static int official_reset_2fa(PGconn *pg, const char *user)
{
	const char *params[] = {user};
	PGresult *res;
	if (exec_ok(pg, "SELECT pakn_totp_reset($1)", 1, params, &res) < 0)
		return 1;
	bool found = !PQgetisnull(res, 0, 0);
	PQclear(res);
	if (!found) {
		fprintf(stderr, "paknctl: no official %s\n", user);
		return 1;
	}
	printf("second factor of %s removed; its browser sessions are revoked and its next"
	       " sign-in must enrol again\n", user);
	return 0;
}

static int official_list(PGconn *pg)
{
	PGresult *res;
	if (exec_ok(pg,
		    "SELECT o.username, array_to_string(o.roles, ','), o.disabled, o.display_name,"
		    " coalesce(string_agg(a.code, ',' ORDER BY a.code), '')"
		    " FROM official o LEFT JOIN official_agency oa ON oa.official_id = o.id"
		    " LEFT JOIN agency a ON a.id = oa.agency_id GROUP BY o.id ORDER BY o.username",
		    0, NULL, &res) < 0)
		return 1;
	for (int i = 0; i < PQntuples(res); i++)
		printf("%-20s %-19s %-9s %s [%s]\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		       strcmp(PQgetvalue(res, i, 2), "t") == 0 ? "disabled" : "active",
		       PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
	PQclear(res);
	return 0;
}

static int token_create(PGconn *pg, int argc, char **argv)
{
	struct options o = parse_options(argc, argv, 1);
	sbuf_free(&o.agencies);
	long days = o.days ? atol(o.days) : 90;
	if (!o.ok || days < 1 || days > 3650)
		return 2;
	char token[44], hash[65], secs[24];
	auth_token_new(token, hash);
	snprintf(secs, sizeof(secs), "%ld", days * 86400);
	const char *params[] = {argv[0], hash, o.label ? o.label : "", secs};
	PGresult *res;
	if (exec_ok(pg,
		    "INSERT INTO official_session (official_id, kind, token_hash, label, expires_at)"
		    " SELECT id, 'bearer', $2, $3, now() + make_interval(secs => $4::int)"
		    " FROM official WHERE username = $1 AND NOT disabled RETURNING id",
		    4, params, &res) < 0)
		return 1;
	int n = PQntuples(res);
	char id[24] = "";
	if (n == 1)
		snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (n != 1) {
		fprintf(stderr, "paknctl: no active official %s\n", argv[0]);
		return 1;
	}
	printf("%s\n", token);
	fprintf(stderr,
		"bearer token %s for %s, valid %ld days; it is shown only now (paknctl token revoke"
		" %s ends it)\n",
		id, argv[0], days, id);
	return 0;
}

/* An official's bearer tokens, newest first: the id to revoke one by, and its state. */
static int token_list(PGconn *pg, const char *user)
{
	const char *params[] = {user};
	PGresult *res;
	if (exec_ok(pg, "SELECT 1 FROM official WHERE username = $1", 1, params, &res) < 0)
		return 1;
	bool found = PQntuples(res) == 1;
	PQclear(res);
	if (!found) {
		fprintf(stderr, "paknctl: no official %s\n", user);
		return 1;
	}
	if (exec_ok(pg,
		    "SELECT s.id, CASE WHEN s.revoked_at IS NOT NULL THEN 'revoked'"
		    " WHEN s.expires_at <= now() THEN 'expired' ELSE 'active' END,"
		    " to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),"
		    " to_char(s.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),"
		    " to_char(s.last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),"
		    " coalesce(s.label, '')"
		    " FROM official_session s JOIN official o ON o.id = s.official_id"
		    " WHERE o.username = $1 AND s.kind = 'bearer' ORDER BY s.id DESC",
		    1, params, &res) < 0)
		return 1;
	printf("%-8s %-8s %-16s %-16s %-16s %s\n", "ID", "STATE", "CREATED (UTC)", "EXPIRES",
	       "LAST USED", "LABEL");
	for (int i = 0; i < PQntuples(res); i++)
		printf("%-8s %-8s %-16s %-16s %-16s %s\n", PQgetvalue(res, i, 0),
		       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
		       PQgetvalue(res, i, 4), PQgetvalue(res, i, 5));
	PQclear(res);
	return 0;
}

/* Revokes one bearer token by the id token list shows; the service refuses it from its
 * next request on (every request checks its session in the database). */
static int token_revoke(PGconn *pg, const char *id)
{
	if (!*id || strlen(id) > 18 || strspn(id, "0123456789") != strlen(id))
		return 2;
	const char *params[] = {id};
	PGresult *res;
	if (exec_ok(pg,
		    "UPDATE official_session SET revoked_at = now()"
		    " WHERE id = $1::bigint AND kind = 'bearer' AND revoked_at IS NULL"
		    " RETURNING (SELECT username FROM official o WHERE o.id = official_id)",
		    1, params, &res) < 0)
		return 1;
	int rc = 1;
	if (PQntuples(res) == 1) {
		printf("bearer token %s of %s revoked\n", id, PQgetvalue(res, 0, 0));
		rc = 0;
	} else {
		fprintf(stderr, "paknctl: no active bearer token %s (paknctl token list USER)\n", id);
	}
	PQclear(res);
	return rc;
}

static int audit_verify(PGconn *pg)
{
	/* The events and the head from one snapshot: a running service appends events (a
	 * denial, an escalation) between two statements, which would move the head past the
	 * events read and look like events removed from the end. */
	PGresult *res;
	if (exec_ok(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL) < 0 ||
	    exec_ok(pg,
		    "SELECT id, prev_hash, hash, pakn_event_hash(e) FROM moderation_event e ORDER BY id",
		    0, NULL, &res) < 0)
		return 1;
	char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
	int rc = 0;
	for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
		const char *id = PQgetvalue(res, i, 0);
		if (strcmp(PQgetvalue(res, i, 1), prev) != 0) {
			printf("broken at event %s: it does not follow the event before it"
			       " (one was removed or changed)\n", id);
			rc = 1;
		} else if (strcmp(PQgetvalue(res, i, 2), PQgetvalue(res, i, 3)) != 0) {
			printf("broken at event %s: its contents do not match its hash\n", id);
			rc = 1;
		}
		snprintf(prev, sizeof(prev), "%s", PQgetvalue(res, i, 2));
	}
	if (rc == 0) {
		PGresult *head;
		if (exec_ok(pg, "SELECT hash FROM audit_head", 0, NULL, &head) == 0) {
			if (strcmp(PQgetvalue(head, 0, 0), prev) != 0) {
				printf("broken at the end: the last events were removed\n");
				rc = 1;
			}
			PQclear(head);
		}
	}
	if (rc == 0)
		printf("audit trail intact: %d events\n", PQntuples(res));
	PQclear(res);
	exec_ok(pg, "COMMIT", 0, NULL, NULL);
	return rc;
}

int cmd_officials(const struct config *cfg, const char *cmd, int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	const char *sub = argc > 0 ? argv[0] : "";
	bool known = (strcmp(cmd, "official") == 0 &&
		      ((strcmp(sub, "add") == 0 && argc >= 2) || strcmp(sub, "list") == 0 ||
		       (strcmp(sub, "disable") == 0 && argc == 2) ||
		       (strcmp(sub, "enable") == 0 && argc == 2) ||
		       (strcmp(sub, "set-password") == 0 && argc == 2) ||
		       (strcmp(sub, "reset-2fa") == 0 && argc == 2) ||
		       (strcmp(sub, "set-role") == 0 && argc >= 3))) ||
		     (strcmp(cmd, "token") == 0 &&
		      ((strcmp(sub, "create") == 0 && argc >= 2) ||
		       (strcmp(sub, "list") == 0 && argc == 2) ||
		       (strcmp(sub, "revoke") == 0 && argc == 2))) ||
		     (strcmp(cmd, "audit") == 0 && strcmp(sub, "verify") == 0 && argc == 1);
	if (!known)
		return 2;
	PGconn *pg = connect_db(cfg);
	if (!pg)
		return 1;
	int rc;
	if (strcmp(cmd, "audit") == 0)
		rc = audit_verify(pg);
	else if (strcmp(cmd, "token") == 0 && strcmp(sub, "list") == 0)
		rc = token_list(pg, argv[1]);
	else if (strcmp(cmd, "token") == 0 && strcmp(sub, "revoke") == 0)
		rc = token_revoke(pg, argv[1]);
	else if (strcmp(cmd, "token") == 0)
		rc = token_create(pg, argc - 1, argv + 1);
	else if (strcmp(sub, "add") == 0)
		rc = official_add(pg, argc - 1, argv + 1);
	else if (strcmp(sub, "list") == 0)
		rc = official_list(pg);
	else if (strcmp(sub, "reset-2fa") == 0)
		rc = official_reset_2fa(pg, argv[1]);
	else if (strcmp(sub, "disable") == 0)
		rc = update_one(pg,
				"WITH o AS (UPDATE official SET disabled = true WHERE username = $1"
				" RETURNING id), s AS (UPDATE official_session SET revoked_at = now()"
				" WHERE official_id IN (SELECT id FROM o) AND revoked_at IS NULL)"
				" SELECT id FROM o",
				argv[1], NULL, "disabled; its sessions and tokens are revoked");
	else if (strcmp(sub, "enable") == 0)
		rc = update_one(pg,
				"UPDATE official SET disabled = false WHERE username = $1 RETURNING id",
				argv[1], NULL,
				"enabled; the sessions and tokens revoked by disable stay revoked");
	else if (strcmp(sub, "set-password") == 0) {
		char *hash = new_password_hash();
		rc = hash ? update_one(pg,
				       "WITH o AS (UPDATE official SET password_hash = $2 WHERE username = $1"
				       " RETURNING id), s AS (UPDATE official_session SET revoked_at = now()"
				       " WHERE official_id IN (SELECT id FROM o) AND revoked_at IS NULL)"
				       " SELECT id FROM o",
				       argv[1], hash, "password changed; its sessions and tokens are revoked")
			  : 1;
		free(hash);
	} else
		rc = official_set_role(pg, argc - 1, argv + 1);
	PQfinish(pg);
	return rc;
}
