/* test_paknctl.c - the operator's command line against the test database: migrations
 * are applied once, re-importing a plan changes nothing, bad input is refused clearly. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/util.h"
#include "harness.h"

/* Runs paknctl with args; returns its exit code and its output (stdout+stderr) in out. */
static int paknctl(const char *args, struct sbuf *out)
{
	char cmd[2048];
	const char *bin = getenv("PAKNCTL_BIN") ? getenv("PAKNCTL_BIN") : "build/asan/paknctl";
	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", bin, args);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char chunk[4096];
	size_t n;
	out->len = 0;
	sbuf_puts(out, "");
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		sbuf_append(out, chunk, n);
	int status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static long count(const char *sql)
{
	PGconn *pg = PQconnectdb(getenv("PAKN_DATABASE_URL"));
	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	PGresult *res = PQexec(pg, sql);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	long n = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(pg);
	return n;
}

static void test_migrate_twice_changes_nothing(void **state)
{
	(void)state;
	struct sbuf out = {0};
	long before = count("SELECT count(*) FROM schema_migrations");
	assert_int_equal(paknctl("migrate sql", &out), 0);
	assert_null(strstr(out.data, "applied"));
	assert_non_null(strstr(out.data, "migrations up to date"));
	assert_int_equal(count("SELECT count(*) FROM schema_migrations"), before);
	assert_true(before >= 1);
	sbuf_free(&out);
}

/* sql/functions/ORDER is the whole list of function files: a file it leaves out, or a file
 * it names that is not there, stops the migration before it touches the database. */
static void test_migrate_refuses_an_incomplete_function_list(void **state)
{
	(void)state;
	struct sbuf out = {0};
	char dir[512], args[600];
	snprintf(dir, sizeof(dir), "%s/sql-unlisted", getenv("PAKN_TEST_TMP"));
	snprintf(args, sizeof(args), "migrate %s", dir);
	assert_int_equal(th_run("rm -rf %s && cp -r sql %s && touch %s/functions/extra.sql", dir,
				dir, dir), 0);
	assert_int_equal(paknctl(args, &out), 1);
	assert_non_null(strstr(out.data, "functions/extra.sql is not listed"));

	assert_int_equal(th_run("rm %s/functions/extra.sql %s/functions/tlog.sql", dir, dir), 0);
	assert_int_equal(paknctl(args, &out), 1);
	assert_non_null(strstr(out.data, "tlog.sql: not a .sql file"));
	assert_null(strstr(out.data, "migrations up to date"));
	assert_int_equal(th_run("rm -rf %s", dir), 0);
	sbuf_free(&out);
}

static void test_reimport_is_idempotent(void **state)
{
	(void)state;
	const char *snapshot =
		"SELECT count(*) * 1000000 + sum(length(doc::text)) % 1000000 FROM plan_item";
	long items = count("SELECT count(*) FROM plan_item");
	long agencies = count("SELECT count(*) FROM agency");
	long links = count("SELECT count(*) FROM plan_item_agency");
	long docs = count(snapshot);
	/* 120 items, and the two plans' and their 22 sections' own (docs/catalog.md). */
	assert_int_equal(items, 120 + 2 + 22);
	assert_int_equal(count("SELECT count(*) FROM plan_item WHERE scope = 'item'"), 120);
	struct sbuf out = {0};
	assert_int_equal(paknctl("import-plan data/plans/LC-2026.txt", &out), 0);
	assert_non_null(strstr(out.data, "LC-2026: 40 items"));
	assert_non_null(strstr(out.data, "LC-2026: 0 items without a lead agency fall back to the "
				      "plan's default, lc-ban-chi-dao-tinh (Ban Chỉ đạo tỉnh)\n"));
	assert_int_equal(paknctl("import-plan data/plans/DB-2026.txt", &out), 0);
	assert_non_null(strstr(out.data, "DB-2026: 80 items"));
	/* The indicators name no lead: each falls back to the plan's default, by code. */
	assert_non_null(strstr(out.data, "DB-2026: 46 items without a lead agency fall back to the "
				      "plan's default, db-van-phong-tinh-uy (Văn phòng Tỉnh ủy): "
				      "DB-I01 DB-I02 DB-I03 "));
	assert_non_null(strstr(out.data, " DB-I45 DB-I46\n"));
	assert_null(strstr(out.data, "DB-T-"));
	assert_null(strstr(out.data, "warning"));
	assert_int_equal(count("SELECT count(*) FROM plan_item"), items);
	assert_int_equal(count("SELECT count(*) FROM agency"), agencies);
	assert_int_equal(count("SELECT count(*) FROM plan_item_agency"), links);
	assert_int_equal(count(snapshot), docs);
	sbuf_free(&out);
}

/* A database whose plans were imported before plans named a default agency (as one
 * migrated to 020_plan_default_agency.sql holds them): importing the plan again with its
 * .meta is the upgrade, and until then paknctl says which items no agency answers. */
static void test_default_agency_comes_with_a_reimport(void **state)
{
	(void)state;
	char dir[] = "/tmp/pakn-plan-default-XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_int_equal(th_run("cp data/plans/DB-2026.txt %s/ && grep -v '^default_agency' "
				"data/plans/DB-2026.meta >%s/DB-2026.meta",
				dir, dir),
			 0);
	long links = count("SELECT count(*) FROM plan_item_agency");
	struct sbuf out = {0};
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "import-plan %s/DB-2026.txt", dir);
	assert_int_equal(paknctl(cmd, &out), 0);
	assert_non_null(strstr(out.data, "DB-2026: no default agency"));
	assert_non_null(strstr(out.data, "warning: DB-2026: 46 items have no agency at all"));
	assert_non_null(strstr(out.data, "item_unanswerable"));
	/* The 46 indicators' links go, and those of the plan's and its 12 sections' own items. */
	assert_int_equal(count("SELECT count(*) FROM plan_item_agency"), links - 46 - 1 - 12);
	assert_int_equal(count("SELECT count(*) FROM plan WHERE code = 'DB-2026'"
			       " AND default_agency_id IS NULL"),
			 1);
	assert_int_equal(count("SELECT count(*) FROM plan_item WHERE code LIKE 'DB-I%'"
			       " AND scope = 'item' AND doc->'responsible'->>'basis' = 'none'"),
			 46);

	assert_int_equal(paknctl("import-plan data/plans/DB-2026.txt", &out), 0);
	assert_non_null(strstr(out.data, "46 items without a lead agency fall back"));
	assert_int_equal(count("SELECT count(*) FROM plan_item_agency"), links);
	/* The indicators, and the plan's and its 12 sections' own items. */
	assert_int_equal(count("SELECT count(*) FROM plan_item_agency x JOIN agency a"
			       " ON a.id = x.agency_id WHERE x.role = 'plan_default'"
			       " AND a.code = 'db-van-phong-tinh-uy'"),
			 46 + 1 + 12);
	assert_int_equal(count("SELECT count(*) FROM plan_item"
			       " WHERE doc->'responsible'->>'basis' = 'none'"),
			 0);
	assert_int_equal(th_run("rm -rf '%s'", dir), 0);
	sbuf_free(&out);
}

static void test_agencies_are_split(void **state)
{
	(void)state;
	/* "Sở Tài chính, Sở Khoa học và Công nghệ" is two agencies, each with its items. */
	assert_int_equal(count("SELECT count(*) FROM agency WHERE name LIKE '%,%Sở%'"), 0);
	assert_true(count("SELECT count(*) FROM plan_item_agency x JOIN agency a ON a.id = x.agency_id"
			  " WHERE a.code = 'db-so-tai-chinh'") >= 3);
}

static void test_dry_run_prints_the_document(void **state)
{
	(void)state;
	struct sbuf out = {0};
	assert_int_equal(paknctl("import-plan data/plans/LC-2026.txt --dry-run", &out), 0);
	json_object *doc = json_tokener_parse(out.data);
	assert_non_null(doc);
	assert_int_equal(json_object_array_length(th_get(doc, "items", NULL)), 40);
	assert_string_equal(json_object_get_string(th_get(doc, "plan", "code", NULL)), "LC-2026");
	json_object_put(doc);
	sbuf_free(&out);
}

static void test_bad_input_is_refused(void **state)
{
	(void)state;
	struct sbuf out = {0};
	char dir[] = "/tmp/pakn-plan-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256], cmd[600];

	/* No .meta beside the text. */
	snprintf(path, sizeof(path), "%s/X-2026.txt", dir);
	FILE *f = fopen(path, "w");
	fputs("\tTT\n\tTên nhiệm vụ\n\n\tI\n\tMục\n\n\t1.\n\tViệc\n", f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "import-plan %s", path);
	assert_int_not_equal(paknctl(cmd, &out), 0);
	assert_non_null(strstr(out.data, ".meta"));

	/* Text that is not UTF-8. */
	snprintf(path, sizeof(path), "%s/X-2026.meta", dir);
	f = fopen(path, "w");
	fputs("code = X-2026\nprefix = X\nprovince = X\ntitle = X\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/X-2026.txt", dir);
	f = fopen(path, "w");
	fputs("\tTT\n\tT\xean\n", f);
	fclose(f);
	assert_int_not_equal(paknctl(cmd, &out), 0);
	assert_non_null(strstr(out.data, "UTF-8"));

	assert_int_not_equal(paknctl("import-plan /nonexistent/plan.txt", &out), 0);
	assert_int_equal(paknctl("frobnicate", &out), 2);
	assert_non_null(strstr(out.data, "usage"));
	assert_int_equal(count("SELECT count(*) FROM plan WHERE code = 'X-2026'"), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	sbuf_free(&out);
}

/* A second plan of the same province shares its agencies. */
static void test_second_plan_of_a_province(void **state)
{
	(void)state;
	char dir[] = "/tmp/pakn-plan2-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "cp data/plans/LC-2026.txt %s/LC-2027.txt && printf 'code = LC-2027\nprefix = LC27\n"
		 "province = Lai Châu\nprovince_code = LC\ntitle = Kế hoạch 2027\n' > %s/LC-2027.meta",
		 dir, dir);
	assert_int_equal(system(cmd), 0);
	long agencies = count("SELECT count(*) FROM agency");
	struct sbuf out = {0};
	snprintf(cmd, sizeof(cmd), "import-plan %s/LC-2027.txt", dir);
	assert_int_equal(paknctl(cmd, &out), 0);
	assert_non_null(strstr(out.data, "LC-2027: 40 items"));
	assert_int_equal(count("SELECT count(*) FROM agency"), agencies);
	assert_int_equal(count("SELECT count(*) FROM plan_item WHERE code LIKE 'LC27-T%'"
			       " AND scope = 'item'"),
			 40);
	PGconn *pg = PQconnectdb(getenv("PAKN_DATABASE_URL"));
	PQclear(PQexec(pg, "DELETE FROM plan WHERE code = 'LC-2027'"));
	PQfinish(pg);
	assert_int_equal(count("SELECT count(*) FROM plan_item WHERE scope = 'item'"), 120);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	sbuf_free(&out);
}

/* --- officials and tokens ------------------------------------------------------------ */

static const char ctl_password[] = "mat-khau-paknctl-57";

static void add_official(const char *user, const char *role, const char *agency)
{
	const char *bin = getenv("PAKNCTL_BIN") ? getenv("PAKNCTL_BIN") : "build/asan/paknctl";
	assert_int_equal(th_run("echo %s | %s official add %s --role %s --agency %s >/dev/null",
				ctl_password, bin, user, role, agency),
			 0);
}

/* The agencies of user as "a,b" (sorted), or "" . */
static char *agencies_of(const char *user)
{
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "SELECT coalesce(string_agg(a.code, ',' ORDER BY a.code), '') FROM official o"
		 " JOIN official_agency oa ON oa.official_id = o.id JOIN agency a ON a.id = oa.agency_id"
		 " WHERE o.username = '%s'",
		 user);
	PGconn *pg = PQconnectdb(getenv("PAKN_DATABASE_URL"));
	PGresult *res = PQexec(pg, sql);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	char *v = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(pg);
	return v;
}

/* Naming an agency the official already has is no conflict (it used to fail on the
 * unique key: the old rows were deleted and the new inserted in one statement). */
static void test_set_role_keeps_or_changes_agencies(void **state)
{
	(void)state;
	struct sbuf out = {0};
	add_official("t.ctl.role", "moderator", "lc-dang-uy-ubnd-tinh");
	assert_int_equal(paknctl("official set-role t.ctl.role responder --agency lc-dang-uy-ubnd-tinh",
				 &out),
			 0);
	assert_non_null(strstr(out.data, "is now responder"));
	char *a = agencies_of("t.ctl.role");
	assert_string_equal(a, "lc-dang-uy-ubnd-tinh");
	free(a);
	assert_int_equal(paknctl("official set-role t.ctl.role moderator --agency lc-dang-uy-ubnd-tinh"
				 " --agency db-so-khoa-hoc-va-cong-nghe",
				 &out),
			 0);
	a = agencies_of("t.ctl.role");
	assert_string_equal(a, "db-so-khoa-hoc-va-cong-nghe,lc-dang-uy-ubnd-tinh");
	free(a);
	assert_int_equal(paknctl("official set-role t.ctl.role moderator --agency db-so-khoa-hoc-va-cong-nghe",
				 &out),
			 0);
	a = agencies_of("t.ctl.role");
	assert_string_equal(a, "db-so-khoa-hoc-va-cong-nghe");
	free(a);
	/* A refused change leaves everything as it was. */
	assert_int_not_equal(paknctl("official set-role t.ctl.role moderator --agency khong-co", &out), 0);
	assert_int_not_equal(paknctl("official set-role t.ctl.role responder", &out), 0);
	a = agencies_of("t.ctl.role");
	assert_string_equal(a, "db-so-khoa-hoc-va-cong-nghe");
	free(a);
	assert_int_equal(count("SELECT count(*) FROM official WHERE username = 't.ctl.role'"
			       " AND roles = '{moderator}'"),
			 1);
	/* Several roles, in any order, are kept in one order; a role named twice or unknown is
	 * refused. */
	assert_int_equal(paknctl("official set-role t.ctl.role responder,moderator"
				 " --agency db-so-khoa-hoc-va-cong-nghe",
				 &out),
			 0);
	assert_non_null(strstr(out.data, "is now moderator,responder"));
	assert_int_equal(count("SELECT count(*) FROM official WHERE username = 't.ctl.role'"
			       " AND roles = '{moderator,responder}'"),
			 1);
	assert_int_not_equal(paknctl("official set-role t.ctl.role moderator,moderator"
				     " --agency db-so-khoa-hoc-va-cong-nghe",
				     &out),
			     0);
	assert_int_not_equal(paknctl("official set-role t.ctl.role moderator,root"
				     " --agency db-so-khoa-hoc-va-cong-nghe",
				     &out),
			     0);
	assert_int_equal(paknctl("official list", &out), 0);
	assert_non_null(strstr(out.data, "moderator,responder"));
	sbuf_free(&out);
}

static void test_disable_and_enable(void **state)
{
	(void)state;
	struct sbuf out = {0};
	add_official("t.ctl.enable", "analyst", "lc-dang-uy-ubnd-tinh");
	assert_int_equal(paknctl("token create t.ctl.enable --label before", &out), 0);
	assert_int_equal(paknctl("official disable t.ctl.enable", &out), 0);
	assert_int_equal(count("SELECT count(*) FROM official WHERE username = 't.ctl.enable' AND disabled"),
			 1);
	assert_int_not_equal(paknctl("token create t.ctl.enable", &out), 0);
	assert_int_equal(paknctl("official enable t.ctl.enable", &out), 0);
	assert_non_null(strstr(out.data, "enabled"));
	assert_int_equal(count("SELECT count(*) FROM official WHERE username = 't.ctl.enable' AND disabled"),
			 0);
	/* What the disabling revoked stays revoked. */
	assert_int_equal(count("SELECT count(*) FROM official_session s JOIN official o ON o.id ="
			       " s.official_id WHERE o.username = 't.ctl.enable' AND s.revoked_at IS NULL"),
			 0);
	assert_int_equal(paknctl("official list", &out), 0);
	assert_non_null(strstr(out.data, "t.ctl.enable"));
	assert_null(strstr(strstr(out.data, "t.ctl.enable"), "disabled"));
	assert_int_equal(paknctl("official enable khong.co.ai", &out), 1);
	assert_non_null(strstr(out.data, "no official"));
	assert_int_equal(paknctl("official enable", &out), 2);
	sbuf_free(&out);
}

/* The line of the listing that starts with id, or NULL. */
static const char *line_of(const char *listing, long id)
{
	char prefix[32];
	int n = snprintf(prefix, sizeof(prefix), "%ld ", id);
	for (const char *p = listing; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, prefix, (size_t)n) == 0)
			return p;
	return NULL;
}

static void test_token_list_and_revoke_one(void **state)
{
	(void)state;
	struct sbuf out = {0};
	add_official("t.ctl.token", "analyst", "lc-dang-uy-ubnd-tinh");
	assert_int_equal(paknctl("token create t.ctl.token --label script-a", &out), 0);
	assert_int_equal(paknctl("token create t.ctl.token --label script-b --days 7", &out), 0);
	long a = count("SELECT id FROM official_session WHERE label = 'script-a'");
	long b = count("SELECT id FROM official_session WHERE label = 'script-b'");
	char id_text[32];
	snprintf(id_text, sizeof(id_text), "token %ld ", b);
	assert_non_null(strstr(out.data, id_text)); /* create tells the id to revoke it by */

	assert_int_equal(paknctl("token list t.ctl.token", &out), 0);
	const char *la = line_of(out.data, a), *lb = line_of(out.data, b);
	assert_non_null(la);
	assert_non_null(lb);
	assert_non_null(strstr(la, "active"));
	assert_non_null(strstr(la, "script-a"));
	assert_non_null(strstr(lb, "script-b"));

	char args[64];
	snprintf(args, sizeof(args), "token revoke %ld", a);
	assert_int_equal(paknctl(args, &out), 0);
	assert_non_null(strstr(out.data, "revoked"));
	assert_int_equal(paknctl("token list t.ctl.token", &out), 0);
	la = line_of(out.data, a);
	lb = line_of(out.data, b);
	assert_true(la && lb);
	assert_true(strncmp(strstr(la, " ") + strspn(strstr(la, " "), " "), "revoked", 7) == 0);
	assert_true(strncmp(strstr(lb, " ") + strspn(strstr(lb, " "), " "), "active", 6) == 0);
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM official_session WHERE id = %ld AND revoked_at IS NULL", b);
	assert_int_equal(count(sql), 1);

	/* Again, or an id that is no bearer token: refused, nothing changes. */
	assert_int_equal(paknctl(args, &out), 1);
	assert_non_null(strstr(out.data, "no active bearer token"));
	assert_int_equal(paknctl("token revoke 999999999", &out), 1);
	assert_int_equal(paknctl("token revoke 12abc", &out), 2);
	assert_int_equal(paknctl("token list khong.co.ai", &out), 1);
	assert_int_equal(count(sql), 1);
	sbuf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_twice_changes_nothing),
		cmocka_unit_test(test_migrate_refuses_an_incomplete_function_list),
		cmocka_unit_test(test_reimport_is_idempotent),
		cmocka_unit_test(test_default_agency_comes_with_a_reimport),
		cmocka_unit_test(test_agencies_are_split),
		cmocka_unit_test(test_dry_run_prints_the_document),
		cmocka_unit_test(test_bad_input_is_refused),
		cmocka_unit_test(test_second_plan_of_a_province),
		cmocka_unit_test(test_set_role_keeps_or_changes_agencies),
		cmocka_unit_test(test_disable_and_enable),
		cmocka_unit_test(test_token_list_and_revoke_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
