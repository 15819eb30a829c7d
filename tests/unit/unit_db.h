/* unit_db.h - what the unit tests that talk to the test cluster's PostgreSQL share: its
 * address with the connections named, and turning an event loop until a callback ran or
 * the pool is up. Included by tests/unit/<folder>/test_*.c, after cmocka.h. */
#ifndef PAKN_UNIT_DB_H
#define PAKN_UNIT_DB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "db/db.h"

/* PAKN_DATABASE_URL (set by tests/run.sh) with application_name=app, so a test can find
 * its connections in pg_stat_activity; NULL when there is no database (skip). Free it. */
static inline char *unit_db_url(const char *app)
{
	const char *url = getenv("PAKN_DATABASE_URL");
	if (!url)
		return NULL;
	size_t n = strlen(url) + strlen(app) + 32;
	char *out = malloc(n);
	assert_non_null(out);
	/* a URI takes it as a query parameter, key=value pairs as one more pair */
	const char *sep = strncmp(url, "postgres", 8) != 0 ? " " : strchr(url, '?') ? "&" : "?";
	snprintf(out, n, "%s%sapplication_name=%s", url, sep, app);
	return out;
}

/* A database of the test's own, named name, made once per run of the test binary:
 * migrated and with both plans imported, as tests/run.sh does for the shared one. For
 * tests that store feedback, which would otherwise change what the integration tests that
 * run after them count. Returns its address (a static buffer), or NULL when there is no
 * test cluster or it could not be made. */
static inline const char *unit_db_own(const char *name)
{
	static char url[1024];
	if (*url)
		return url;
	const char *base = getenv("PAKN_DATABASE_URL");
	const char *at = base ? strstr(base, "dbname=pakn") : NULL;
	if (!at)
		return NULL;
	snprintf(url, sizeof(url), "%.*sdbname=%s%s", (int)(at - base), base, name,
		 at + strlen("dbname=pakn"));
	const char *ctl = getenv("PAKNCTL_BIN") ? getenv("PAKNCTL_BIN") : "build/asan/paknctl";
	char cmd[4096];
	snprintf(cmd, sizeof(cmd),
		 "psql -X -q \"$PAKN_DATABASE_URL\" -c 'DROP DATABASE IF EXISTS %s' "
		 "-c 'CREATE DATABASE %s' && PAKN_DATABASE_URL=\"%s\" %s migrate sql >/dev/null && "
		 "for p in data/plans/*.txt; do PAKN_DATABASE_URL=\"%s\" %s import-plan \"$p\" "
		 ">/dev/null || exit 1; done",
		 name, name, url, ctl, url, ctl);
	if (system(cmd) != 0) {
		*url = '\0';
		return NULL;
	}
	return url;
}

/* Turns the loop until *flag is non-zero or seconds pass. */
static inline void unit_loop_until(struct event_base *base, const int *flag, int seconds)
{
	struct timespec start, now, nap = {0, 1000000};
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!*flag) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= seconds)
			return;
		nanosleep(&nap, NULL);
	}
}

/* Turns the loop until the pool has want_up connections open and want_reconnects
 * reopened; fails the test after ten seconds. */
static inline void unit_wait_up(struct event_base *base, struct db_pool *pool, int want_up,
				uint64_t want_reconnects)
{
	struct timespec nap = {0, 1000000};
	struct db_pool_stats s;
	for (int i = 0; i < 10000; i++) {
		db_pool_stats(pool, &s);
		if (s.up >= want_up && s.reconnects >= want_reconnects)
			return;
		event_base_loop(base, EVLOOP_NONBLOCK);
		nanosleep(&nap, NULL);
	}
	fail_msg("the pool has %d connections up, %llu reopened", s.up,
		 (unsigned long long)s.reconnects);
}

/* The first cell of sql's one row on the database at url, into out; -1 if there is none. */
static inline int unit_db_value(const char *url, const char *sql, char *out, size_t outlen)
{
	PGconn *pg = PQconnectdb(url);
	PGresult *res = PQexec(pg, sql);
	int rc = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 ? 0 : -1;
	if (rc == 0)
		snprintf(out, outlen, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(pg);
	return rc;
}

/* 16 random hex digits that make this run's texts unlike an earlier run's. */
static inline void unit_run_tag(char out[17])
{
	uint8_t nonce[8];
	randombytes_buf(nonce, sizeof(nonce));
	sodium_bin2hex(out, 17, nonce, sizeof(nonce));
}

#endif
