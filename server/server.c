/* server.c - owns the worker threads, their listening sockets and the graceful stop. */
#include "server.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/http.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "core/log.h"
#include "core/prometheus.h"
#include "core/util.h"
#include "core/workpool.h"
#include "db/db.h"
#include "db/reply_cache.h"
#include "http/conn_guard.h"
#include "http/http.h"
#include "http/http_ctx.h"
#include "http/http_limits.h"
#include "http/proxy.h"
#include "http/ratelimit.h"
#include "http/webfiles.h"
#include "intake/intake_hub.h"
#include "tlog/tlog_publish.h"
#include "core/xalloc.h"

#define LISTEN_BACKLOG 1024
#define DRAIN_POLL_MS 20
#define REPLY_CACHE_BYTES (32u << 20) /* the whole catalog of two provinces is about 1 MB */
/* Descriptors kept out of max_connections when it is derived from the open-files limit: the
 * process's own (logs, keys, web files read at start, the intake queue's database
 * connection) and, per worker, its event loop, listening socket and database connections. */
#define FD_RESERVE_BASE 64
#define FD_RESERVE_PER_WORKER 4
#define AUTO_MAX_CONNECTIONS 16384 /* beyond this an operator sets max_connections */

/* A worker's own state, seen by this file only; what its requests may reach is ctx
 * (http/http_ctx.h). */
struct worker {
	struct http_ctx ctx;         /* handed to http_dispatch, filled by worker_init */
	pthread_t thread;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct conn_watch *conns;    /* counts this worker's connections against the caps */
	struct evhttp_bound_socket *metrics_bound;
	struct conn_watch *metrics_conns; /* counts the metrics listener's connections */
	evutil_socket_t listen_fd;
	struct event *stop_ev;
	struct event *drain_ev;
	struct timespec stop_deadline;
};

struct server {
	const struct config *cfg;
	const struct keyring *keys;
	const struct server_routes *routes;
	int nworkers;
	int nstarted; /* threads running */
	struct worker *workers;
	struct http_limits limits;
	struct ratelimit *ratelimit;
	struct ratelimit *login_client_limit, *login_account_limit;
	struct ratelimit *login_pair_limit;
	struct workpool *workpool;
	struct intake_hub *intake;
	struct reply_cache *replies;
	struct tlog_publisher *publisher;
	struct proxy_trust *proxies;
	struct conn_guard *conns;
	struct event *log_flush_ev; /* counts of rate-limited log lines, each second */
	struct webfiles *www;
	char url[128];
};

/* "127.0.0.1:8080", "[::1]:8080"; port 0 is allowed (libevent's parser refuses it). */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, int *sslen)
{
	const char *colon = strrchr(listen, ':');
	char *end;
	long port = colon ? strtol(colon + 1, &end, 10) : -1;
	if (!colon || end == colon + 1 || *end || port < 0 || port > 65535)
		return -1;
	char with_port1[CONFIG_STR_MAX];
	snprintf(with_port1, sizeof(with_port1), "%.*s:1", (int)(colon - listen), listen);
	memset(ss, 0, sizeof(*ss));
	*sslen = sizeof(*ss);
	if (evutil_parse_sockaddr_port(with_port1, (struct sockaddr *)ss, sslen) < 0)
		return -1;
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	return 0;
}

/* One socket per worker, all bound to the same address with SO_REUSEPORT so the kernel
 * spreads connections across them. Accepted connections inherit TCP_NODELAY: a reply that
 * leaves in two writes (a body over the write chunk) would otherwise wait for the client's
 * delayed ACK, 40 ms, on every keep-alive request after the first. */
static evutil_socket_t bind_socket(const struct sockaddr *sa, int salen, char *err,
				   size_t errlen)
{
	evutil_socket_t fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
	    bind(fd, sa, (socklen_t)salen) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		snprintf(err, errlen, "cannot listen: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void worker_stop_cb(evutil_socket_t fd, short what, void *arg);
static void worker_drain_cb(evutil_socket_t fd, short what, void *arg);

static int worker_init(struct server *srv, struct worker *w, int index, evutil_socket_t fd,
		       char *err, size_t errlen)
{
	const struct config *cfg = srv->cfg;
	w->ctx.index = index;
	w->ctx.server = srv;
	w->ctx.cfg = cfg;
	w->ctx.counters = xcalloc(1, sizeof(*w->ctx.counters));
	w->listen_fd = fd;
	w->ctx.base = event_loop_new();
	w->http = w->ctx.base ? evhttp_new(w->ctx.base) : NULL;
	if (!w->http) {
		snprintf(err, errlen, "out of memory creating worker %d", index);
		return -1;
	}
	evhttp_set_timeout(w->http, (int)cfg->request_timeout);
	/* Backstops only: http_limits.c refuses oversized requests first, with JSON. */
	evhttp_set_max_headers_size(w->http, (ev_ssize_t)cfg->max_header_bytes * 2);
	evhttp_set_max_body_size(w->http, (ev_ssize_t)cfg->max_body_bytes);
	/* Every method reaches the router, which answers 405 with Allow in JSON. */
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(w->http, http_dispatch, &w->ctx);
	w->bound = evhttp_accept_socket_with_handle(w->http, fd);
	if (!w->bound) {
		snprintf(err, errlen, "cannot accept on socket of worker %d", index);
		return -1;
	}
	/* Every connection is counted against the caps as it is accepted; http_limits.c frames
	 * its requests. */
	w->conns = conn_watch_new(srv->conns, srv->proxies, w->ctx.base, w->http, w->bound,
				  http_limits_bevcb, &srv->limits);
	if (!w->conns) {
		snprintf(err, errlen, "out of memory creating worker %d", index);
		return -1;
	}
	w->ctx.db = db_pool_new(w->ctx.base, cfg->database_url, (int)cfg->db_connections,
			    (int)cfg->request_timeout);
	w->ctx.read_db = *cfg->read_database_url
			     ? db_pool_new(w->ctx.base, cfg->read_database_url, (int)cfg->db_connections,
					   (int)cfg->request_timeout)
			     : w->ctx.db;
	w->ctx.keys = srv->keys;
	w->ctx.ratelimit = srv->ratelimit;
	w->ctx.login_client_limit = srv->login_client_limit;
	w->ctx.login_account_limit = srv->login_account_limit;
	w->ctx.login_pair_limit = srv->login_pair_limit;
	w->ctx.workpool = srv->workpool;
	w->ctx.www = srv->www;
	w->ctx.intake = srv->intake;
	w->ctx.replies = srv->replies;
	w->ctx.proxies = srv->proxies;
	w->ctx.routes = srv->routes->table;
	w->ctx.nroutes = srv->routes->n;
	w->ctx.no_route = srv->routes->no_route;
	w->stop_ev = event_new(w->ctx.base, -1, 0, worker_stop_cb, w);
	w->drain_ev = event_new(w->ctx.base, -1, EV_PERSIST, worker_drain_cb, w);
	if (!w->ctx.counters || !w->ctx.db || !w->ctx.read_db || !w->stop_ev || !w->drain_ev) {
		snprintf(err, errlen, "out of memory creating worker %d", index);
		return -1;
	}
	return 0;
}

/* max_connections, or when it is 0 what the open-files limit leaves after the reserve (at
 * least a quarter of the limit: under a tiny limit the reserve would leave nothing, and the
 * pause in accepting covers the rest). An explicit value above that is kept, with a
 * warning: accepting then pauses when descriptors run out. */
static long connection_cap(const struct config *cfg, int nworkers)
{
	struct rlimit rl;
	long open_files = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
				  ? (long)rl.rlim_cur
				  : AUTO_MAX_CONNECTIONS;
	long per_worker = FD_RESERVE_PER_WORKER + 2 * cfg->db_connections;
	long room = open_files - FD_RESERVE_BASE - nworkers * per_worker;
	long cap = cfg->max_connections;
	if (cap == 0) {
		cap = room < open_files / 4 ? open_files / 4 : room;
		if (cap > AUTO_MAX_CONNECTIONS)
			cap = AUTO_MAX_CONNECTIONS;
		if (cap < 1)
			cap = 1;
	} else if (cap > room) {
		log_warn(NULL, "max_connections %ld is more than the open-files limit %ld leaves "
			 "(%ld): accepting will pause when descriptors run out", cap, open_files, room);
	}
	json_object *f = json_object_new_object();
	json_object_object_add(f, "max_connections", json_object_new_int64(cap));
	json_object_object_add(f, "max_connections_per_address",
			       json_object_new_int64(cfg->max_connections_per_address));
	json_object_object_add(f, "open_files", json_object_new_int64(open_files));
	log_write(LOG_INFO, NULL, f, "connection limits");
	return cap;
}

static void log_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	log_flush_suppressed();
}

/* GET /metrics is for the operator's scraper, not the internet: it is served only on a
 * listener of its own (metrics_listen, typically loopback), on worker 0's loop, and the
 * service port answers 404 for it (service_metrics). */
static int metrics_listener_open(struct server *srv, char *err, size_t errlen)
{
	const struct config *cfg = srv->cfg;
	struct worker *w0 = &srv->workers[0];
	struct sockaddr_storage ss;
	int sslen;
	if (parse_listen(cfg->metrics_listen, &ss, &sslen) < 0) {
		snprintf(err, errlen, "metrics_listen: '%s' is not host:port", cfg->metrics_listen);
		return -1;
	}
	evutil_socket_t fd = bind_socket((struct sockaddr *)&ss, sslen, err, errlen);
	if (fd < 0)
		return -1;
	w0->ctx.metrics_http = evhttp_new(w0->ctx.base);
	w0->metrics_bound = w0->ctx.metrics_http ? evhttp_accept_socket_with_handle(w0->ctx.metrics_http, fd)
					     : NULL;
	if (!w0->metrics_bound) {
		snprintf(err, errlen, "cannot accept on metrics_listen");
		close(fd);
		return -1;
	}
	evhttp_set_timeout(w0->ctx.metrics_http, (int)cfg->request_timeout);
	/* Counted and paused on accept errors like the service's own connections. */
	w0->metrics_conns = conn_watch_new(srv->conns, srv->proxies, w0->ctx.base, w0->ctx.metrics_http,
					   w0->metrics_bound, http_limits_bevcb, &srv->limits);
	if (!w0->metrics_conns) {
		snprintf(err, errlen, "out of memory creating the metrics listener");
		return -1;
	}
	evhttp_set_gencb(w0->ctx.metrics_http, http_dispatch, &w0->ctx);
	return 0;
}

struct server *server_new(const struct config *cfg, const struct keyring *keys,
			  const struct server_routes *routes, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	int sslen;
	if (parse_listen(cfg->listen, &ss, &sslen) < 0) {
		snprintf(err, errlen, "listen: '%s' is not host:port", cfg->listen);
		return NULL;
	}
	evthread_use_pthreads();
	struct server *srv = xcalloc(1, sizeof(*srv));
	srv->cfg = cfg;
	srv->routes = routes;
	srv->keys = keys;
	srv->ratelimit = ratelimit_new((double)cfg->intake_rate, (double)cfg->intake_burst);
	srv->login_client_limit = ratelimit_new((double)cfg->login_rate, (double)cfg->login_rate);
	/* Five failed sign-ins per account name from clients it never signed in on, then one
	 * more every three minutes; five per account and address (or device), then one a
	 * minute (docs/moderation.md). */
	srv->login_account_limit = ratelimit_new(1.0 / 3.0, 5);
	srv->login_pair_limit = ratelimit_new(1.0, 5);
	/* Two hashes at a time (64 MiB each); 256 waiting, 8 per source, 10 s at most: a login
	 * flood waits its turn with everyone else, and what cannot be reached in time gets 503. */
	srv->workpool = workpool_new(2, 256, 8, 10.0);
	srv->intake = intake_hub_new(cfg, keys);
	srv->replies = reply_cache_new(REPLY_CACHE_BYTES);
	if (!srv->ratelimit || !srv->login_client_limit || !srv->login_account_limit ||
	    !srv->login_pair_limit || !srv->workpool || !srv->intake || !srv->replies) {
		server_free(srv);
		return NULL;
	}
	srv->proxies = proxy_trust_new(cfg->trusted_proxies, err, errlen);
	if (!srv->proxies) {
		server_free(srv);
		return NULL;
	}
	srv->www = webfiles_load(cfg->static_dir, err, errlen);
	if (!srv->www) {
		server_free(srv);
		return NULL;
	}
	log_info(NULL, "web pages: %zu files (%zu bytes) from %s", webfiles_count(srv->www),
		 webfiles_bytes(srv->www), cfg->static_dir);
	srv->limits.max_body_bytes = (size_t)cfg->max_body_bytes;
	srv->limits.max_header_bytes = (size_t)cfg->max_header_bytes;
	srv->limits.header_timeout = (unsigned)cfg->header_timeout;
	srv->limits.body_timeout = (unsigned)cfg->body_timeout;
	srv->limits.body_min_rate = (unsigned)cfg->body_min_rate;
	long n = cfg->threads > 0 ? cfg->threads : sysconf(_SC_NPROCESSORS_ONLN);
	srv->nworkers = n > 0 ? (int)n : 1;
	srv->workers = xcalloc((size_t)srv->nworkers, sizeof(*srv->workers));
	for (int i = 0; i < srv->nworkers; i++)
		srv->workers[i].listen_fd = -1;
	srv->conns = conn_guard_new(connection_cap(cfg, srv->nworkers),
				    cfg->max_connections_per_address);
	if (!srv->conns) {
		snprintf(err, errlen, "out of memory for the connection table");
		server_free(srv);
		return NULL;
	}
	for (int i = 0; i < srv->nworkers; i++) {
		evutil_socket_t fd = bind_socket((struct sockaddr *)&ss, sslen, err, errlen);
		if (fd < 0 || worker_init(srv, &srv->workers[i], i, fd, err, errlen) < 0) {
			if (fd >= 0 && !srv->workers[i].bound) {
				close(fd);
				srv->workers[i].listen_fd = -1;
			}
			server_free(srv);
			return NULL;
		}
		if (i == 0) {
			/* Port 0 asks the kernel for a port; the other workers share that one. */
			socklen_t len = sizeof(ss);
			getsockname(fd, (struct sockaddr *)&ss, &len);
			sslen = (int)len;
			char host[64];
			evutil_inet_ntop(ss.ss_family,
					 ss.ss_family == AF_INET6
						 ? (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
						 : (void *)&((struct sockaddr_in *)&ss)->sin_addr,
					 host, sizeof(host));
			int port = ntohs(ss.ss_family == AF_INET6
						 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						 : ((struct sockaddr_in *)&ss)->sin_port);
			snprintf(srv->url, sizeof(srv->url),
				 ss.ss_family == AF_INET6 ? "http://[%s]:%d" : "http://%s:%d", host,
				 port);
		}
	}
	if (*cfg->metrics_listen && metrics_listener_open(srv, err, errlen) < 0) {
		server_free(srv);
		return NULL;
	}
	/* Timers on worker 0's loop: the catalog's version check, the log's checkpoints and the
	 * counts of log lines dropped. */
	struct worker *w0 = &srv->workers[0];
	srv->publisher = tlog_publisher_new(w0->ctx.base, w0->ctx.db, keys, cfg->log_origin,
					   (int)cfg->log_interval, cfg->witnesses, err, errlen);
	if (!srv->publisher) {
		server_free(srv);
		return NULL;
	}
	srv->log_flush_ev = timer_every(w0->ctx.base, 1, log_flush_cb, NULL);
	if (!srv->log_flush_ev ||
	    reply_cache_watch(srv->replies, w0->ctx.base, w0->ctx.read_db) < 0) {
		snprintf(err, errlen, "out of memory creating worker 0's timers");
		server_free(srv);
		return NULL;
	}
	return srv;
}

const char *server_url(const struct server *srv)
{
	return srv->url;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	event_base_dispatch(w->ctx.base);
	return NULL;
}

int server_start(struct server *srv)
{
	if (intake_hub_start(srv->intake) < 0)
		return -1;
	for (int i = 0; i < srv->nworkers; i++) {
		if (pthread_create(&srv->workers[i].thread, NULL, worker_main, &srv->workers[i])) {
			log_error(NULL, "cannot start worker thread %d", i);
			srv->nstarted = i;
			return -1;
		}
	}
	srv->nstarted = srv->nworkers;
	return 0;
}

int server_wait(struct server *srv, int timeout_s)
{
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_s;
	for (int i = 0; i < srv->nstarted; i++) {
		if (pthread_timedjoin_np(srv->workers[i].thread, NULL, &deadline) != 0) {
			log_error(NULL, "worker %d did not stop within %d s", i, timeout_s);
			return -1;
		}
	}
	srv->nstarted = 0;
	return 0;
}

/* On the worker's own thread: stop accepting, then poll until nothing is in flight. */
static void worker_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct worker *w = arg;
	if (w->ctx.stopping)
		return;
	w->ctx.stopping = true;
	conn_watch_unbind(w->conns);
	evhttp_del_accept_socket(w->http, w->bound);
	w->bound = NULL;
	if (w->metrics_bound) {
		conn_watch_unbind(w->metrics_conns);
		evhttp_del_accept_socket(w->ctx.metrics_http, w->metrics_bound);
		w->metrics_bound = NULL;
	}
	deadline_in(&w->stop_deadline, w->ctx.cfg->shutdown_grace);
	struct timeval tv = {0, DRAIN_POLL_MS * 1000};
	event_add(w->drain_ev, &tv);
	worker_drain_cb(-1, 0, w);
}

static void worker_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct worker *w = arg;
	bool late = deadline_passed(&w->stop_deadline);
	if (w->ctx.inflight > 0 && !late)
		return;
	if (w->ctx.inflight > 0)
		log_warn(NULL, "worker %d: %d requests still open after the grace period", w->ctx.index,
			 w->ctx.inflight);
	event_base_loopexit(w->ctx.base, NULL);
}

void server_stop(struct server *srv)
{
	for (int i = 0; i < srv->nworkers; i++)
		if (srv->workers[i].stop_ev)
			event_active(srv->workers[i].stop_ev, 0, 0);
}

void server_free(struct server *srv)
{
	if (!srv)
		return;
	/* Password checks first: their answers go back to the workers' loops, which run once
	 * more to send them. */
	workpool_free(srv->workpool);
	srv->workpool = NULL;
	/* The workers have stopped: the batch in flight is stored, and submissions still
	 * waiting (the grace period ran out) are answered 503 while their connections exist. */
	intake_hub_stop(srv->intake, (int)srv->cfg->shutdown_grace);
	for (int i = 0; i < srv->nworkers; i++)
		if (srv->workers[i].ctx.base)
			event_base_loop(srv->workers[i].ctx.base, EVLOOP_NONBLOCK);
	/* Statements still out are answered (503) while everything they touch exists. */
	for (int i = 0; i < srv->nworkers; i++) {
		struct worker *w = &srv->workers[i];
		if (w->ctx.read_db != w->ctx.db)
			db_pool_free(w->ctx.read_db);
		db_pool_free(w->ctx.db);
	}
	/* Their timers are on worker 0's loop: they go before it does. */
	reply_cache_free(srv->replies);
	tlog_publisher_free(srv->publisher);
	if (srv->log_flush_ev)
		event_free(srv->log_flush_ev);
	for (int i = 0; i < srv->nworkers; i++) {
		struct worker *w = &srv->workers[i];
		if (w->ctx.metrics_http)
			evhttp_free(w->ctx.metrics_http);
		if (w->http)
			evhttp_free(w->http); /* closes the listener and open connections */
		else if (w->listen_fd >= 0)
			close(w->listen_fd);
		/* After evhttp_free: closing connections uncount themselves. */
		conn_watch_free(w->conns);
		conn_watch_free(w->metrics_conns);
		if (w->stop_ev)
			event_free(w->stop_ev);
		if (w->drain_ev)
			event_free(w->drain_ev);
		http_ctx_release(&w->ctx);
		if (w->ctx.base)
			event_base_free(w->ctx.base);
		free(w->ctx.counters);
	}
	free(srv->workers);
	intake_hub_free(srv->intake);
	ratelimit_free(srv->ratelimit);
	ratelimit_free(srv->login_client_limit);
	ratelimit_free(srv->login_account_limit);
	ratelimit_free(srv->login_pair_limit);
	webfiles_free(srv->www);
	proxy_trust_free(srv->proxies);
	conn_guard_free(srv->conns);
	free(srv);
}

bool server_is_ready(const struct server *srv)
{
	if (!intake_hub_ready(srv->intake))
		return false;
	for (int i = 0; i < srv->nworkers; i++) {
		const struct worker *w = &srv->workers[i];
		struct db_pool_stats st;
		db_pool_stats(w->ctx.db, &st);
		if (st.up == 0)
			return false;
		if (w->ctx.read_db != w->ctx.db) {
			db_pool_stats(w->ctx.read_db, &st);
			if (st.up == 0)
				return false;
		}
	}
	return true;
}

void server_write_stats(struct server *srv, struct sbuf *out)
{
	struct prometheus_counters *per_worker[257];
	struct db_pool *pools[257];
	size_t n = 0;
	for (int i = 0; i < srv->nworkers && n < 256; i++, n++) {
		per_worker[n] = srv->workers[i].ctx.counters;
		pools[n] = srv->workers[i].ctx.db;
	}
	per_worker[n] = intake_hub_counters(srv->intake);
	pools[n++] = intake_hub_db(srv->intake);
	char labels[PROMETHEUS_ROUTES][160];
	const char *label[PROMETHEUS_ROUTES];
	size_t nroutes = srv->routes->n < PROMETHEUS_ROUTES ? srv->routes->n : PROMETHEUS_ROUTES;
	for (size_t r = 0; r < nroutes; r++) {
		router_route_label(&srv->routes->table[r], labels[r], sizeof(labels[r]));
		label[r] = labels[r];
	}
	prometheus_write(out, per_worker, n, label, nroutes);
	db_pools_write_prometheus(out, pools, n);
}
