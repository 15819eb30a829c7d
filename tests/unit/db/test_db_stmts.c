/* test_db_stmts.c - the statement catalog against the SQL it calls: each statement's
 * parameter count is the $N its text uses, with none skipped, and PostgreSQL, given the
 * migrated schema (sql/0NN_*.sql and sql/functions/), prepares every statement and counts
 * the same parameters. A function renamed or given another signature in sql/functions/
 * without its statement fails here, not in the request that first calls it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "db/db_stmts.h"

#define MAX_PARAMS 32

/* The highest $N in sql, and whether every $1..$N is there (set in seen[1..N]). */
static int highest_placeholder(const char *sql, bool seen[MAX_PARAMS + 1])
{
	int highest = 0;
	memset(seen, 0, (MAX_PARAMS + 1) * sizeof(*seen));
	for (const char *p = sql; (p = strchr(p, '$')); p++) {
		if (!isdigit((unsigned char)p[1]))
			continue;
		int n = atoi(p + 1);
		assert_in_range(n, 1, MAX_PARAMS);
		seen[n] = true;
		if (n > highest)
			highest = n;
	}
	return highest;
}

static void test_counts_match_placeholders(void **state)
{
	(void)state;
	bool seen[MAX_PARAMS + 1];
	for (int i = 0; i < STMT_COUNT; i++) {
		const struct db_stmt_def *s = &db_stmts[i];
		assert_non_null(s->name);
		assert_non_null(s->sql);
		int highest = highest_placeholder(s->sql, seen);
		if (highest != s->nparams)
			fail_msg("statement %s: %d parameters declared, $%d used", s->name, s->nparams,
				 highest);
		for (int n = 1; n <= highest; n++)
			if (!seen[n])
				fail_msg("statement %s: $%d is never used", s->name, n);
	}
}

/* The counter-test: the scan sees a count that is off and a placeholder skipped. */
static void test_scan_sees_mistakes(void **state)
{
	(void)state;
	bool seen[MAX_PARAMS + 1];
	assert_int_equal(highest_placeholder("SELECT pakn_history($1, $2, $3::bigint)", seen), 3);
	assert_int_equal(highest_placeholder("SELECT f($1, $3)", seen), 3);
	assert_false(seen[2]);
	assert_int_equal(highest_placeholder("SELECT 1", seen), 0);
}

static void test_database_prepares_every_statement(void **state)
{
	(void)state;
	const char *url = getenv("PAKN_DATABASE_URL");
	if (!url)
		skip(); /* tests/run.sh gives a migrated database */
	PGconn *pg = PQconnectdb(url);
	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	for (int i = 0; i < STMT_COUNT; i++) {
		const struct db_stmt_def *s = &db_stmts[i];
		PGresult *res = PQprepare(pg, "", s->sql, 0, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			fail_msg("statement %s does not prepare: %s", s->name,
				 PQresultErrorMessage(res));
		PQclear(res);
		res = PQdescribePrepared(pg, "");
		assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
		if (PQnparams(res) != s->nparams)
			fail_msg("statement %s: %d parameters declared, PostgreSQL counts %d", s->name,
				 s->nparams, PQnparams(res));
		PQclear(res);
	}
	PQfinish(pg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_match_placeholders),
		cmocka_unit_test(test_scan_sees_mistakes),
		cmocka_unit_test(test_database_prepares_every_statement),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
