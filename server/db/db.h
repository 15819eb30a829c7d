/* db.h - a per-thread pool of non-blocking libpq connections on one event_base.
 *
 * Handlers never wait on the database: db_query() queues a statement from the catalog
 * (db_stmts.h) and returns; the callback runs on the same event loop when the result is
 * there. Connections are opened in the background and reopened with backoff when they
 * fail, so the service recovers by itself when the database comes back. */
#ifndef PAKN_DB_H
#define PAKN_DB_H

#include <event2/event.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/db_stmts.h"

enum db_status {
	DB_OK,           /* the statement ran; res holds its rows */
	DB_UNAVAILABLE,  /* no connection, connection lost, timed out or queue full: retry later */
	DB_FAILED,       /* the database refused the statement: a bug or a constraint; logged */
};

/* res is lent to the callback (NULL unless DB_OK) and cleared when it returns. */
typedef void (*db_cb)(void *arg, PGresult *res, enum db_status status);

struct db_pool;

/* Creates a pool of nconns connections to conninfo on base and starts connecting.
 * query_timeout_s bounds each statement. Returns NULL only when out of memory. */
struct db_pool *db_pool_new(struct event_base *base, const char *conninfo, int nconns,
			    int query_timeout_s);

/* Closes every connection; queued and running statements get DB_UNAVAILABLE first (their
 * callbacks run inside this call, and so do those of statements the callbacks ask for).
 * NULL is fine. */
void db_pool_free(struct db_pool *pool);

/* Queues statement id with its parameters (text; NULL is SQL NULL; copied). cb is called
 * exactly once, always from the event loop and never before db_query returns; cb may be
 * NULL for a statement nobody waits for (an audit event; failures are logged). */
void db_query(struct db_pool *pool, enum db_stmt id, const char *const *params, db_cb cb,
	      void *arg);

/* True while at least one connection is open. */
bool db_pool_is_connected(const struct db_pool *pool);

/* Statements queued or running. */
int db_pool_pending(const struct db_pool *pool);

struct db_pool_stats {
	int up, size;             /* connections open, connections configured */
	int queued, running;      /* statements */
	uint64_t unavailable;     /* statements answered DB_UNAVAILABLE */
	uint64_t failed;          /* statements answered DB_FAILED */
	uint64_t reconnects;      /* connections opened again after being lost */
};

/* A snapshot of the pool's figures; safe from any thread (the figures are atomic). */
void db_pool_stats(const struct db_pool *pool, struct db_pool_stats *out);

struct sbuf;

/* Writes the summed figures of n pools in the Prometheus text format (GET /metrics). */
void db_pools_write_prometheus(struct sbuf *out, struct db_pool *const *pools, size_t n);

#endif
