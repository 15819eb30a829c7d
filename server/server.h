/* server.h - the worker threads: each owns an event_base, an evhttp on its own
 * SO_REUSEPORT listening socket (all on one port), and its own database pool; and the
 * graceful stop (stop accepting, finish what is in flight, exit). */
#ifndef PAKN_SERVER_H
#define PAKN_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/util.h"
#include "crypto/keys.h"

struct http_req;
struct route;
struct server;

/* What the workers answer: the route table, and what takes a path no route matches.
 * main.c hands in routes.c's table and service.c's web pages, so this file includes
 * neither (service.c includes it). */
struct server_routes {
	const struct route *table;
	size_t n;
	void (*no_route)(struct http_req *req);
};

/* Binds the listening sockets (port 0 picks one port for all workers) and creates the
 * workers, which answer routes (kept by the caller for the server's life). Returns NULL
 * with a message in err. */
struct server *server_new(const struct config *cfg, const struct keyring *keys,
			  const struct server_routes *routes, char *err, size_t errlen);

/* The address actually bound, as "http://host:port". */
const char *server_url(const struct server *srv);

/* Starts one thread per worker. Returns 0, or -1 if a thread could not start (the ones
 * that did still need server_stop and server_wait). */
int server_start(struct server *srv);

/* Waits until every started worker has drained and exited, at most timeout_s seconds.
 * Returns 0, or -1 if a worker is still running (then the server must not be freed). */
int server_wait(struct server *srv, int timeout_s);

/* Asks every worker to stop accepting and drain; safe from any thread (not from a
 * signal handler). */
void server_stop(struct server *srv);

void server_free(struct server *srv);

/* True when every worker has a database connection up (and a read connection, when it
 * has its own), so any worker a client lands on can serve. Safe from any thread. */
bool server_is_ready(const struct server *srv);

/* Writes every worker's counters and pools in the Prometheus text format. */
void server_write_stats(struct server *srv, struct sbuf *out);

#endif
