/* http_ctx.h - what a request's handler may reach: one context per worker, filled by
 * server.c (the wiring) and carried by http.c on every request as req->ctx. Handlers
 * see this, never the worker itself (server.h), so they depend on what they use and not
 * on how the server is put together. The structures behind the pointers are declared in
 * their own folders; a handler includes the header of what it calls. */
#ifndef PAKN_HTTP_CTX_H
#define PAKN_HTTP_CTX_H

#include <stdbool.h>
#include <stddef.h>

struct config;
struct db_pool;
struct event_base;
struct evhttp;
struct http_access_log;
struct http_req;
struct intake_hub;
struct keyring;
struct prometheus_counters;
struct proxy_trust;
struct ratelimit;
struct reply_cache;
struct route;
struct server;
struct webfiles;
struct workpool;

struct http_ctx {
	int index;                   /* the worker's number, for the access log */
	struct event_base *base;     /* the worker's event loop */
	const struct config *cfg;
	const struct keyring *keys;  /* loaded once at start, shared read-only */
	struct db_pool *db;          /* the worker's pool */
	struct db_pool *read_db;     /* metrics; the same pool as db unless read_database_url */
	struct prometheus_counters *counters; /* this worker's counters for GET /metrics */
	struct intake_hub *intake;   /* the process's one group commit, shared */
	struct ratelimit *ratelimit; /* feedback per client, shared by all workers */
	struct ratelimit *login_client_limit;  /* login attempts per client */
	struct ratelimit *login_account_limit; /* failed logins per account name */
	struct ratelimit *login_pair_limit;    /* failed logins per account and address/device */
	struct workpool *workpool;   /* password hashing, shared */
	const struct webfiles *www;  /* the web pages, shared, read-only */
	struct reply_cache *replies; /* catalog replies in memory, shared */
	const struct proxy_trust *proxies; /* whose client-address headers count, shared */
	struct evhttp *metrics_http; /* worker 0's listener of metrics_listen, or NULL */
	const struct route *routes;  /* the routing table (routes.c) */
	size_t nroutes;
	void (*no_route)(struct http_req *req); /* answers a path no route takes */
	struct server *server;       /* opaque below the wiring: for service.c's /readyz, /metrics */
	int inflight;                /* requests received and not yet answered */
	struct http_access_log *access_log; /* http.c's: lines waiting for the loop's turn to end */
	bool stopping;               /* no longer accepting; replies close their connection */
};

#endif
