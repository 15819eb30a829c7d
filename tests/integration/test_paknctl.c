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

#include "harness.h"
#include "util.h"

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

static void test_reimport_is_idempotent(void **state)
{
	(void)state;
	const char *snapshot =
		"SELECT count(*) * 1000000 + sum(length(doc::text)) % 1000000 FROM plan_item";
	long items = count("SELECT count(*) FROM plan_item");
	long agencies = count("SELECT count(*) FROM agency");
	long links = count("SELECT count(*) FROM plan_item_agency");
	long docs = count(snapshot);
	assert_int_equal(items, 120);
	struct sbuf out = {0};
	assert_int_equal(paknctl("import-plan data/plans/LC-2026.txt", &out), 0);
	assert_non_null(strstr(out.data, "LC-2026: 40 items"));
	assert_int_equal(paknctl("import-plan data/plans/DB-2026.txt", &out), 0);
	assert_non_null(strstr(out.data, "DB-2026: 80 items"));
	assert_int_equal(count("SELECT count(*) FROM plan_item"), items);
	assert_int_equal(count("SELECT count(*) FROM agency"), agencies);
	assert_int_equal(count("SELECT count(*) FROM plan_item_agency"), links);
	assert_int_equal(count(snapshot), docs);
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
	assert_int_equal(count("SELECT count(*) FROM plan_item WHERE code LIKE 'LC27-T%'"), 40);
	PGconn *pg = PQconnectdb(getenv("PAKN_DATABASE_URL"));
	PQclear(PQexec(pg, "DELETE FROM plan WHERE code = 'LC-2027'"));
	PQfinish(pg);
	assert_int_equal(count("SELECT count(*) FROM plan_item"), 120);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	sbuf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_twice_changes_nothing),
		cmocka_unit_test(test_reimport_is_idempotent),
		cmocka_unit_test(test_agencies_are_split),
		cmocka_unit_test(test_dry_run_prints_the_document),
		cmocka_unit_test(test_bad_input_is_refused),
		cmocka_unit_test(test_second_plan_of_a_province),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
