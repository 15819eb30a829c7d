/* paknctl - the operator's command line: database migrations and plan imports. It uses the
 * service's own modules (config, plan_import) and blocking libpq, which is fine for a
 * command that does one thing and exits. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/config.h"
#include "paknctl.h"
#include "crypto/keys.h"
#include "plan_import.h"
#include "core/util.h"
#include "core/xalloc.h"

#define MIGRATION_LOCK "5757001" /* pg_advisory_xact_lock key: one migrator at a time */
#define FUNCTIONS_DIR "functions"  /* under the migrations' directory (sql/README.md) */
#define FUNCTIONS_ORDER "ORDER"    /* in FUNCTIONS_DIR: its files, one a line, in order */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: paknctl [--config FILE] COMMAND\n"
		"commands:\n"
		"  migrate [DIR]              apply the numbered migrations of DIR (default sql/)\n"
		"                             not applied yet, each once, in order; then the\n"
		"                             functions, triggers and views of DIR/functions/,\n"
		"                             every time, in the order of DIR/functions/ORDER\n"
		"  keys rotate                add a signing key and make it the current one; old keys\n"
		"                             stay and keep verifying old receipts (restart the\n"
		"                             service to sign with the new key)\n"
		"  official add USER --role ROLE[,ROLE] [--name NAME] [--agency CODE]...\n"
		"  official list | disable USER | enable USER | set-password USER\n"
		"  official set-role USER ROLE[,ROLE] [--agency CODE]...\n"
		"                             officials (roles: admin, moderator, responder,\n"
		"                             analyst; several comma-separated, e.g.\n"
		"                             moderator,responder); set-role replaces the roles and\n"
		"                             the agencies with those\n"
		"                             named; disable also revokes the official's sessions\n"
		"                             and tokens, enable lets it sign in again; passwords\n"
		"                             are read from the terminal or standard input, never\n"
		"                             from the command line\n"
		"  official reset-2fa USER    remove the official's second factor (TOTP and recovery\n"
		"                             codes; audited) and end its browser sessions: its\n"
		"                             next sign-in must enrol again\n"
		"  token create USER [--label TEXT] [--days N]\n"
		"                             a bearer token for scripts, printed once\n"
		"  token list USER            the official's bearer tokens: id, state, dates, label\n"
		"  token revoke ID            end one bearer token (its id from token list)\n"
		"  audit verify               recompute the audit trail's hash chain\n"
		"  log audit                  recompute the transparency log from the database and\n"
		"                             compare it with the newest signed checkpoint\n"
		"  import-plan FILE [--dry-run]\n"
		"                             load a plan text; its metadata is read from the .meta\n"
		"                             file beside it (FILE with .txt replaced by .meta);\n"
		"                             --dry-run prints the parsed plan as JSON instead\n"
		"The database is PAKN_DATABASE_URL (or database_url in the config file); the keys\n"
		"are in PAKN_KEY_DIR (key_dir).\n");
}

/* Notices such as "relation already exists, skipping" are not news to an operator. */
static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

PGconn *connect_db(const struct config *cfg)
{
	PGconn *pg = PQconnectdb(cfg->database_url);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "paknctl: cannot connect: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return NULL;
	}
	PQsetNoticeProcessor(pg, ignore_notice, NULL);
	return pg;
}

/* Runs sql with params; prints the error and returns -1 unless it succeeds. */
int exec_ok(PGconn *pg, const char *sql, int n, const char *const *params, PGresult **out)
{
	PGresult *res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		fprintf(stderr, "paknctl: %s", PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	if (out)
		*out = res;
	else
		PQclear(res);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Migration files are NNN_name.sql; their version is the name without .sql. */
static int list_migrations(const char *dir, char ***names, size_t *count)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "paknctl: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	size_t n = 0, cap = 16;
	char **v = xmalloc(cap * sizeof(*v));
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 8 || strcmp(e->d_name + len - 4, ".sql") != 0 ||
		    strspn(e->d_name, "0123456789") != 3 || e->d_name[3] != '_')
			continue;
		if (n == cap)
			v = xrealloc(v, (cap *= 2) * sizeof(*v));
		v[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(v, n, sizeof(*v), name_cmp);
	*names = v;
	*count = n;
	return 0;
}

/* Runs the statements of one file; prints the error and returns -1 unless they all
 * succeed. A file of comments only (a migration whose functions moved to functions/) is
 * fine. */
static int exec_file(PGconn *pg, const char *dir, const char *file)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	char *sql = file_read(path, NULL);
	if (!sql) {
		fprintf(stderr, "paknctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* A file may hold many statements: the simple query protocol runs them all. */
	PGresult *r = PQexec(pg, sql);
	free(sql);
	ExecStatusType st = PQresultStatus(r);
	int rc = 0;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
		fprintf(stderr, "paknctl: %s: %s", path, PQresultErrorMessage(r));
		rc = -1;
	}
	PQclear(r);
	return rc;
}

static int apply_one(PGconn *pg, const char *dir, const char *file)
{
	char version[256];
	snprintf(version, sizeof(version), "%.*s", (int)(strlen(file) - 4), file);
	const char *params[] = {version};
	PGresult *res;
	if (exec_ok(pg, "BEGIN", 0, NULL, NULL) < 0)
		return -1;
	int rc = -1;
	if (exec_ok(pg, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")", 0, NULL, NULL) < 0 ||
	    exec_ok(pg, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, params, &res) < 0)
		goto out_rollback;
	bool done = PQntuples(res) > 0;
	PQclear(res);
	if (done) {
		rc = 0;
		goto out_rollback;
	}
	if (exec_file(pg, dir, file) < 0 ||
	    exec_ok(pg, "INSERT INTO schema_migrations (version) VALUES ($1)", 1, params, NULL) < 0 ||
	    exec_ok(pg, "COMMIT", 0, NULL, NULL) < 0)
		goto out_rollback;
	printf("applied %s\n", version);
	return 0;
out_rollback:
	exec_ok(pg, "ROLLBACK", 0, NULL, NULL);
	return rc;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static bool names_have(char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* The file names DIR/ORDER lists (lines; blank lines and # comments skipped), after
 * checking that each is a .sql file of DIR and that DIR has no .sql file it leaves out:
 * a function file forgotten in the list would silently never be applied. */
static int list_functions(const char *dir, char ***names, size_t *count)
{
	char path[4096 + 256]; /* dir is at most 4095 bytes (cmd_migrate) */
	snprintf(path, sizeof(path), "%s/" FUNCTIONS_ORDER, dir);
	char *text = file_read(path, NULL);
	if (!text) {
		fprintf(stderr, "paknctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t n = 0, cap = 16;
	char **v = xmalloc(cap * sizeof(*v));
	int rc = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); rc == 0 && line;
	     line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, " \t\r#")] = '\0';
		if (!*line)
			continue;
		size_t len = strlen(line);
		snprintf(path, sizeof(path), "%s/%s", dir, line);
		if (len < 5 || strcmp(line + len - 4, ".sql") != 0 || strchr(line, '/') ||
		    names_have(v, n, line) || access(path, R_OK) != 0) {
			fprintf(stderr, "paknctl: %s/" FUNCTIONS_ORDER ": %s: not a .sql file of %s,"
				" or listed twice\n", dir, line, dir);
			rc = -1;
		} else {
			if (n == cap)
				v = xrealloc(v, (cap *= 2) * sizeof(*v));
			v[n++] = xstrdup(line);
		}
	}
	free(text);
	DIR *d = rc == 0 ? opendir(dir) : NULL;
	if (rc == 0 && !d) {
		fprintf(stderr, "paknctl: %s: %s\n", dir, strerror(errno));
		rc = -1;
	}
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0 &&
		    !names_have(v, n, e->d_name)) {
			fprintf(stderr, "paknctl: %s/%s is not listed in %s/" FUNCTIONS_ORDER "\n",
				dir, e->d_name, dir);
			rc = -1;
		}
	}
	if (d)
		closedir(d);
	if (rc < 0) {
		free_names(v, n);
		return -1;
	}
	*names = v;
	*count = n;
	return 0;
}

/* Every function, trigger and view, from their files, all in one transaction: CREATE OR
 * REPLACE gives each the body its file has now, whatever an older migration made. */
static int apply_functions(PGconn *pg, const char *dir, char *const *names, size_t n)
{
	if (exec_ok(pg, "BEGIN", 0, NULL, NULL) < 0)
		return -1;
	if (exec_ok(pg, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")", 0, NULL, NULL) < 0)
		goto out_rollback;
	for (size_t i = 0; i < n; i++)
		if (exec_file(pg, dir, names[i]) < 0)
			goto out_rollback;
	if (exec_ok(pg, "COMMIT", 0, NULL, NULL) < 0)
		goto out_rollback;
	return 0;
out_rollback:
	exec_ok(pg, "ROLLBACK", 0, NULL, NULL);
	return -1;
}

static int cmd_migrate(const struct config *cfg, const char *dir)
{
	char **names = NULL, **functions = NULL;
	size_t n = 0, n_functions = 0;
	char functions_dir[4096];
	snprintf(functions_dir, sizeof(functions_dir), "%s/" FUNCTIONS_DIR, dir);
	if (list_migrations(dir, &names, &n) < 0)
		return 1;
	if (list_functions(functions_dir, &functions, &n_functions) < 0) {
		free_names(names, n);
		return 1;
	}
	PGconn *pg = connect_db(cfg);
	int rc = pg ? 0 : 1;
	if (pg && exec_ok(pg,
			  "CREATE TABLE IF NOT EXISTS schema_migrations ("
			  " version text PRIMARY KEY,"
			  " applied_at timestamptz NOT NULL DEFAULT now())",
			  0, NULL, NULL) < 0)
		rc = 1;
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (apply_one(pg, dir, names[i]) < 0)
			rc = 1;
	if (rc == 0 && apply_functions(pg, functions_dir, functions, n_functions) < 0)
		rc = 1;
	free_names(names, n);
	free_names(functions, n_functions);
	PQfinish(pg);
	if (rc == 0)
		printf("migrations up to date (%zu); functions, triggers and views from %zu"
		       " files\n", n, n_functions);
	return rc;
}

/* Prints a label and, after a colon, codes (a JSON array of strings), on one line. */
static void print_codes(FILE *out, const char *label, json_object *codes)
{
	fputs(label, out);
	for (size_t i = 0; i < json_object_array_length(codes); i++)
		fprintf(out, "%s %s", i ? "" : ":",
			json_object_get_string(json_object_array_get_idx(codes, i)));
	fputc('\n', out);
}

/* What pakn_import_plan answered ({"items", "default_agency", "fallback", "unanswerable"}):
 * the item count, then who answers the items without a lead agency, on stdout; items no
 * agency answers (intake refuses feedback on them) on stderr. Returns 0, or -1 if the
 * answer cannot be read. */
static int print_import_report(const struct plan_meta *meta, const char *answer)
{
	json_object *doc = json_parse_strict(answer, strlen(answer));
	json_object *items, *def = NULL, *fallback, *unanswerable;
	if (!doc || !json_object_object_get_ex(doc, "items", &items) ||
	    !json_object_object_get_ex(doc, "fallback", &fallback) ||
	    !json_object_object_get_ex(doc, "unanswerable", &unanswerable) ||
	    !json_object_is_type(fallback, json_type_array) ||
	    !json_object_is_type(unanswerable, json_type_array)) {
		fprintf(stderr, "paknctl: pakn_import_plan answered %s\n", answer);
		json_object_put(doc);
		return -1;
	}
	json_object_object_get_ex(doc, "default_agency", &def);
	printf("%s: %d items from %s\n", meta->code, json_object_get_int(items), meta->source);
	char label[1024];
	if (def && json_object_is_type(def, json_type_object)) {
		snprintf(label, sizeof(label),
			 "%s: %zu items without a lead agency fall back to the plan's default, %s (%s)",
			 meta->code, json_object_array_length(fallback),
			 json_object_get_string(json_object_object_get(def, "code")),
			 json_object_get_string(json_object_object_get(def, "name")));
		print_codes(stdout, label, fallback);
	} else {
		printf("%s: no default agency (default_agency in the .meta file)\n", meta->code);
	}
	if (json_object_array_length(unanswerable) > 0) {
		snprintf(label, sizeof(label),
			 "paknctl: warning: %s: %zu items have no agency at all; feedback on them is "
			 "refused (item_unanswerable) until the plan names a default_agency",
			 meta->code, json_object_array_length(unanswerable));
		print_codes(stderr, label, unanswerable);
	}
	json_object_put(doc);
	return 0;
}

static int cmd_import_plan(const struct config *cfg, const char *file, bool dry_run)
{
	char err[512];
	size_t len;
	char *text = file_read(file, &len);
	if (!text) {
		fprintf(stderr, "paknctl: %s: %s\n", file, strerror(errno));
		return 1;
	}
	char meta_path[4096];
	size_t flen = strlen(file);
	snprintf(meta_path, sizeof(meta_path), "%.*s.meta",
		 (int)(flen > 4 && strcmp(file + flen - 4, ".txt") == 0 ? flen - 4 : flen), file);
	struct plan_meta meta;
	char *meta_storage = NULL;
	json_object *doc = NULL;
	int rc = 1;
	if (plan_meta_read(meta_path, &meta, &meta_storage, err, sizeof(err)) < 0) {
		fprintf(stderr, "paknctl: %s\n", err);
		goto out;
	}
	const char *slash = strrchr(file, '/');
	meta.source = slash ? slash + 1 : file;
	json_object *parsed = plan_parse(text, len, meta.prefix, err, sizeof(err));
	if (!parsed) {
		fprintf(stderr, "paknctl: %s: %s\n", file, err);
		goto out;
	}
	doc = plan_document(parsed, &meta);
	if (!doc) {
		fprintf(stderr, "paknctl: %s: cannot build the import document\n", file);
		goto out;
	}
	const char *json = json_object_to_json_string_ext(
		doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (dry_run) {
		puts(json);
		rc = 0;
		goto out;
	}
	PGconn *pg = connect_db(cfg);
	PGresult *res;
	if (pg && exec_ok(pg, "SELECT pakn_import_plan($1::json)", 1, &json, &res) == 0) {
		rc = print_import_report(&meta, PQgetvalue(res, 0, 0)) == 0 ? 0 : 1;
		PQclear(res);
	}
	PQfinish(pg);
out:
	json_object_put(doc);
	free(meta_storage);
	free(text);
	return rc;
}

static int cmd_keys_rotate(const struct config *cfg)
{
	char err[512], id[KEY_ID_LEN + 1];
	if (sodium_init() < 0)
		return 1;
	/* Loading first makes the directory and master key if this is the first use. */
	struct keyring *kr = keys_load(cfg->key_dir, true, err, sizeof(err));
	if (!kr) {
		fprintf(stderr, "paknctl: %s\n", err);
		return 1;
	}
	keys_free(kr);
	if (keys_rotate(cfg->key_dir, id, err, sizeof(err)) < 0) {
		fprintf(stderr, "paknctl: %s\n", err);
		return 1;
	}
	printf("new signing key %s in %s\n", id, cfg->key_dir);
	return 0;
}

int main(int argc, char **argv)
{
	const char *config_path = NULL;
	int i = 1;
	if (i + 1 < argc && strcmp(argv[i], "--config") == 0) {
		config_path = argv[i + 1];
		i += 2;
	}
	if (i >= argc || strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
		usage(i >= argc ? stderr : stdout);
		return i >= argc ? 2 : 0;
	}
	static struct config cfg;
	char err[512];
	if (config_load(&cfg, config_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "paknctl: configuration: %s\n", err);
		return 2;
	}
	const char *cmd = argv[i++];
	if (strcmp(cmd, "migrate") == 0 && argc - i <= 1)
		return cmd_migrate(&cfg, i < argc ? argv[i] : "sql");
	if (strcmp(cmd, "import-plan") == 0 && argc - i >= 1 && argc - i <= 2) {
		bool dry = argc - i == 2 && strcmp(argv[i + 1], "--dry-run") == 0;
		if (argc - i == 2 && !dry) {
			usage(stderr);
			return 2;
		}
		return cmd_import_plan(&cfg, argv[i], dry);
	}
	if (strcmp(cmd, "keys") == 0 && argc - i == 1 && strcmp(argv[i], "rotate") == 0)
		return cmd_keys_rotate(&cfg);
	if (strcmp(cmd, "log") == 0) {
		int rc = cmd_log(&cfg, argc - i, argv + i);
		if (rc != 2)
			return rc;
	}
	if (strcmp(cmd, "official") == 0 || strcmp(cmd, "token") == 0 || strcmp(cmd, "audit") == 0) {
		int rc = cmd_officials(&cfg, cmd, argc - i, argv + i);
		if (rc != 2)
			return rc;
	}
	usage(stderr);
	return 2;
}
