/* test_db.c - tests server/db/db.c against the PostgreSQL that tests/run.sh starts
 * (PAKN_DATABASE_URL): statements from the catalog come back with their rows, callbacks run
 * once and never inside db_query, no more run at once than there are connections, a refused
 * statement is DB_FAILED and counted, a pool without a database answers DB_UNAVAILABLE, a
 * connection killed by the server is opened again, and freeing the pool fails what waits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "core/util.h"
#include "db/db.h"
#include "../unit_db.h"

#define APP_NAME "pakn_unit_db"

/* What one callback saw. */
struct call {
	int calls;
	enum db_status status;
	char value[256]; /* the first cell, if any */
	int rows;
};

static void record_cb(void *arg, PGresult *res, enum db_status status)
{
	struct call *c = arg;
	c->calls++;
	c->status = status;
	c->rows = res ? PQntuples(res) : -1;
	c->value[0] = '\0';
	if (res && PQntuples(res) > 0 && PQnfields(res) > 0)
		snprintf(c->value, sizeof(c->value), "%s", PQgetvalue(res, 0, 0));
}

struct fixture {
	struct event_base *base;
	struct db_pool *pool;
	char *url;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->url = unit_db_url(APP_NAME);
	if (!f->url) {
		free(f);
		*state = NULL;
		return 0;
	}
	f->base = event_base_new();
	f->pool = db_pool_new(f->base, f->url, 2, 10);
	*state = f;
	return f->pool ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (!f)
		return 0;
	db_pool_free(f->pool);
	event_base_free(f->base);
	free(f->url);
	free(f);
	return 0;
}

#define FIXTURE(f)                                                                           \
	struct fixture *f = *state;                                                          \
	if (!f)                                                                              \
		skip(); /* tests/run.sh gives a migrated database */                         \
	unit_wait_up(f->base, f->pool, 2, 0)

static void test_rows_come_back(void **state)
{
	FIXTURE(f);
	assert_true(db_pool_is_connected(f->pool));
	struct call ping = {0}, plan = {0}, none = {0};
	db_query(f->pool, STMT_PING, NULL, record_cb, &ping);
	const char *lc[] = {"LC-2026"}, *nope[] = {"XX-1999"};
	db_query(f->pool, STMT_PLAN_GET, lc, record_cb, &plan);
	db_query(f->pool, STMT_PLAN_GET, nope, record_cb, &none);
	/* never inside db_query: the handler's state is settled first */
	assert_int_equal(ping.calls + plan.calls + none.calls, 0);
	unit_loop_until(f->base, &none.calls, 10);
	unit_loop_until(f->base, &plan.calls, 10);
	unit_loop_until(f->base, &ping.calls, 10);
	assert_int_equal(ping.calls, 1);
	assert_int_equal(ping.status, DB_OK);
	assert_int_equal(ping.rows, 1);
	assert_string_equal(ping.value, "1");
	assert_int_equal(plan.status, DB_OK);
	assert_int_equal(plan.rows, 1);
	assert_non_null(strstr(plan.value, "\"LC-2026\""));
	assert_int_equal(none.status, DB_OK);
	assert_int_equal(none.rows, 0);
	assert_int_equal(db_pool_pending(f->pool), 0);
}

/* Forty statements on two connections: two run, the rest wait in order, each callback
 * runs exactly once. */
static void test_queue_bounded_by_connections(void **state)
{
	FIXTURE(f);
	enum { N = 40 };
	struct call calls[N];
	memset(calls, 0, sizeof(calls));
	for (int i = 0; i < N; i++)
		db_query(f->pool, STMT_PING, NULL, record_cb, &calls[i]);
	struct db_pool_stats s;
	db_pool_stats(f->pool, &s);
	assert_int_equal(s.size, 2);
	assert_int_equal(s.running, 2);
	assert_int_equal(s.queued, N - 2);
	assert_int_equal(db_pool_pending(f->pool), N);
	unit_loop_until(f->base, &calls[N - 1].calls, 20);
	for (int i = 0; i < N; i++) {
		assert_int_equal(calls[i].calls, 1);
		assert_int_equal(calls[i].status, DB_OK);
	}
	db_pool_stats(f->pool, &s);
	assert_int_equal(s.running, 0);
	assert_int_equal(s.queued, 0);
}

/* The database refuses the statement (not a number): DB_FAILED, no rows, counted as
 * failed, not unavailable, and the connection goes on serving. */
static void test_refused_statement_is_failed(void **state)
{
	FIXTURE(f);
	struct db_pool_stats before, after;
	db_pool_stats(f->pool, &before);
	struct call bad = {0}, ping = {0};
	const char *params[] = {"not a number", "1"};
	db_query(f->pool, STMT_TLOG_INCLUSION, params, record_cb, &bad);
	unit_loop_until(f->base, &bad.calls, 10);
	assert_int_equal(bad.calls, 1);
	assert_int_equal(bad.status, DB_FAILED);
	assert_int_equal(bad.rows, -1);
	db_pool_stats(f->pool, &after);
	assert_int_equal(after.failed, before.failed + 1);
	assert_int_equal(after.unavailable, before.unavailable);
	db_query(f->pool, STMT_PING, NULL, record_cb, &ping);
	unit_loop_until(f->base, &ping.calls, 10);
	assert_int_equal(ping.status, DB_OK);
}

/* Connections killed by the server are opened again, counted, and serve again. */
static void test_reconnects_after_kill(void **state)
{
	FIXTURE(f);
	PGconn *admin = PQconnectdb(getenv("PAKN_DATABASE_URL"));
	assert_int_equal(PQstatus(admin), CONNECTION_OK);
	PGresult *r = PQexec(admin, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
				    "WHERE application_name = '" APP_NAME "'");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_string_equal(PQgetvalue(r, 0, 0), "2");
	PQclear(r);
	PQfinish(admin);
	/* the first statement after the kill may meet a dead connection: it is then
	 * unavailable, never failed */
	struct call first = {0};
	db_query(f->pool, STMT_PING, NULL, record_cb, &first);
	unit_loop_until(f->base, &first.calls, 10);
	assert_int_equal(first.calls, 1);
	assert_int_not_equal(first.status, DB_FAILED);
	unit_wait_up(f->base, f->pool, 2, 2);
	struct db_pool_stats s;
	db_pool_stats(f->pool, &s);
	assert_int_equal(s.reconnects, 2);
	assert_int_equal(s.up, 2);
	struct call ping = {0};
	db_query(f->pool, STMT_PING, NULL, record_cb, &ping);
	unit_loop_until(f->base, &ping.calls, 10);
	assert_int_equal(ping.status, DB_OK);
	assert_string_equal(ping.value, "1");
}

/* Freeing the pool answers what runs and what waits, inside db_pool_free. */
static void test_free_fails_pending(void **state)
{
	struct fixture *f = *state;
	if (!f)
		skip();
	unit_wait_up(f->base, f->pool, 2, 0);
	struct call calls[5];
	memset(calls, 0, sizeof(calls));
	for (int i = 0; i < 5; i++)
		db_query(f->pool, STMT_PING, NULL, record_cb, &calls[i]);
	db_pool_free(f->pool);
	f->pool = NULL;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(calls[i].calls, 1);
		assert_int_equal(calls[i].status, DB_UNAVAILABLE);
		assert_int_equal(calls[i].rows, -1);
	}
}

/* No database at the address: statements are answered DB_UNAVAILABLE at once (on the next
 * turn of the loop), not queued, and counted. */
static void test_no_database_is_unavailable(void **state)
{
	(void)state;
	struct event_base *base = event_base_new();
	struct db_pool *pool =
		db_pool_new(base, "postgresql://127.0.0.1:1/none?connect_timeout=1", 1, 1);
	assert_non_null(pool);
	assert_false(db_pool_is_connected(pool));
	struct call c = {0};
	db_query(pool, STMT_PING, NULL, record_cb, &c);
	assert_int_equal(c.calls, 0);
	assert_int_equal(db_pool_pending(pool), 0);
	unit_loop_until(base, &c.calls, 5);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.status, DB_UNAVAILABLE);
	struct db_pool_stats s;
	db_pool_stats(pool, &s);
	assert_int_equal(s.up, 0);
	assert_int_equal(s.unavailable, 1);
	assert_int_equal(s.failed, 0);

	struct sbuf out = {0};
	struct db_pool *pools[] = {pool, pool};
	db_pools_write_prometheus(&out, pools, 2);
	assert_non_null(strstr(out.data, "pakn_db_connections{state=\"configured\"} 2\n"));
	assert_non_null(strstr(out.data, "pakn_db_connections{state=\"up\"} 0\n"));
	assert_non_null(strstr(out.data, "pakn_db_errors_total{kind=\"unavailable\"} 2\n"));
	sbuf_free(&out);
	db_pool_free(pool);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rows_come_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_bounded_by_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_statement_is_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnects_after_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_fails_pending, setup, teardown),
		cmocka_unit_test(test_no_database_is_unavailable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
