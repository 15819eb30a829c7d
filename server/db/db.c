/* db.c - owns the per-thread connection pool: connecting without blocking, the statement
 * queue, sending, reading results, timeouts, and reconnecting with backoff. */
#include "db/db.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "core/log.h"
#include "core/util.h"
#include "core/xalloc.h"

#define QUEUE_MAX 4096          /* statements waiting for a connection; more get UNAVAILABLE */
#define CONNECT_TIMEOUT_S 5
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

enum conn_state {
	CONN_DOWN,       /* closed; the reconnect timer is armed */
	CONN_CONNECTING, /* PQconnectPoll in progress */
	CONN_IDLE,       /* open, no statement running */
	CONN_BUSY,       /* a statement is running; job is set */
};

struct db_job {
	enum db_stmt stmt;
	char **params;
	db_cb cb;
	void *arg;
	struct db_pool *pool;
	STAILQ_ENTRY(db_job) next;
};

struct db_conn {
	struct db_pool *pool;
	PGconn *pg;
	enum conn_state state;
	struct event *io;
	struct event *timer;
	struct db_job *job;
	PGresult *result;
	int backoff_ms;
	bool logged_down;
	bool ever_up;
};

struct db_pool {
	struct event_base *base;
	char *conninfo;
	int query_timeout_s;
	int nconns;
	struct db_conn *conns;
	STAILQ_HEAD(, db_job) queue; /* waiting for an idle connection, oldest first */
	bool closing; /* db_pool_free has begun: statements asked for now wait for it to fail them */
	/* Atomic so GET /metrics can read them from another worker's thread. */
	atomic_int queued, running, up;
	atomic_uint_fast64_t unavailable, failed, reconnects;
};

static void conn_connect(struct db_conn *c);
static void pool_dispatch(struct db_pool *pool);

/* --- jobs ----------------------------------------------------------------------------- */

static void job_free(struct db_job *job)
{
	int n = db_stmts[job->stmt].nparams;
	for (int i = 0; i < n; i++)
		free(job->params[i]);
	free(job->params);
	free(job);
}

static void job_finish(struct db_job *job, PGresult *res, enum db_status status)
{
	if (status == DB_UNAVAILABLE)
		atomic_fetch_add_explicit(&job->pool->unavailable, 1, memory_order_relaxed);
	else if (status == DB_FAILED)
		atomic_fetch_add_explicit(&job->pool->failed, 1, memory_order_relaxed);
	if (job->cb)
		job->cb(job->arg, status == DB_OK ? res : NULL, status);
	PQclear(res);
	job_free(job);
}

static void job_fail_later_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	job_finish(arg, NULL, DB_UNAVAILABLE);
}

/* Callbacks never run inside db_query, so a handler's state is settled before they do. */
static void job_fail_later(struct db_pool *pool, struct db_job *job)
{
	struct timeval now = {0, 0};
	if (event_base_once(pool->base, -1, EV_TIMEOUT, job_fail_later_cb, job, &now) < 0)
		job_finish(job, NULL, DB_UNAVAILABLE);
}

static bool pool_any_up(const struct db_pool *pool)
{
	for (int i = 0; i < pool->nconns; i++)
		if (pool->conns[i].state == CONN_IDLE || pool->conns[i].state == CONN_BUSY)
			return true;
	return false;
}

/* Fails every queued statement: from the event loop (later) while the pool lives on, at
 * once when the pool is being freed and the loop may not turn again. */
static void pool_fail_queue(struct db_pool *pool, bool now)
{
	/* Reads head each time round: a callback run here may queue another job. */
	while (!STAILQ_EMPTY(&pool->queue)) {
		struct db_job *job = STAILQ_FIRST(&pool->queue);
		STAILQ_REMOVE_HEAD(&pool->queue, next);
		pool->queued--;
		if (now)
			job_finish(job, NULL, DB_UNAVAILABLE);
		else
			job_fail_later(pool, job);
	}
}

/* --- connections ---------------------------------------------------------------------- */

static void conn_watch(struct db_conn *c, short what, int timeout_s);

static void conn_reconnect_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_connect(arg);
}

/* Closes the connection, fails its statement, and arms the reconnect timer. */
static void conn_down(struct db_conn *c, const char *why)
{
	struct db_pool *pool = c->pool;
	if (!c->logged_down) {
		log_warn(NULL, "database connection down: %s", why);
		c->logged_down = true;
	}
	if (c->io) {
		event_free(c->io);
		c->io = NULL;
	}
	if (c->state == CONN_IDLE || c->state == CONN_BUSY)
		pool->up--;
	PQfinish(c->pg);
	c->pg = NULL;
	if (c->job) {
		struct db_job *job = c->job;
		c->job = NULL;
		pool->running--;
		PQclear(c->result);
		c->result = NULL;
		job_fail_later(pool, job);
	}
	c->state = CONN_DOWN;
	if (!pool_any_up(pool))
		pool_fail_queue(pool, false);
	struct timeval tv = {c->backoff_ms / 1000, (c->backoff_ms % 1000) * 1000};
	c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
	evtimer_add(c->timer, &tv);
}

static enum db_status result_status(PGconn *pg, PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return DB_OK;
	if (PQstatus(pg) == CONNECTION_BAD)
		return DB_UNAVAILABLE;
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	/* 08: connection exception; 57P0x: shutting down, cannot connect now. */
	if (state && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0))
		return DB_UNAVAILABLE;
	return DB_FAILED;
}

static void conn_finish_job(struct db_conn *c)
{
	struct db_job *job = c->job;
	PGresult *res = c->result;
	enum db_status status = res ? result_status(c->pg, res) : DB_UNAVAILABLE;
	if (status == DB_FAILED)
		log_error(NULL, "statement %s failed: %s", db_stmts[job->stmt].name,
			  PQresultErrorMessage(res));
	c->job = NULL;
	c->result = NULL;
	c->state = CONN_IDLE;
	c->pool->running--;
	conn_watch(c, EV_READ | EV_PERSIST, 0);
	job_finish(job, res, status);
}

static void conn_read(struct db_conn *c)
{
	if (!PQconsumeInput(c->pg)) {
		conn_down(c, PQerrorMessage(c->pg));
		return;
	}
	PGnotify *n;
	while ((n = PQnotifies(c->pg)))
		PQfreemem(n);
	if (c->state != CONN_BUSY) {
		/* An idle connection reads only when the server ends it (shutdown, restart). */
		if (PQstatus(c->pg) == CONNECTION_BAD)
			conn_down(c, "server closed the connection");
		return;
	}
	while (!PQisBusy(c->pg)) {
		PGresult *res = PQgetResult(c->pg);
		if (!res) {
			conn_finish_job(c);
			pool_dispatch(c->pool);
			return;
		}
		/* Keep the first error, else the last result. */
		if (!c->result || result_status(c->pg, c->result) == DB_OK) {
			PQclear(c->result);
			c->result = res;
		} else {
			PQclear(res);
		}
	}
}

static void *cancel_thread(void *arg)
{
	char err[256];
	PQcancel(arg, err, sizeof(err));
	PQfreeCancel(arg);
	return NULL;
}

/* Asks the server to stop a statement we gave up on, so it does not go on holding locks.
 * PQcancel opens a connection and waits, so it runs on a short-lived thread of its own. */
static void cancel_in_background(PGconn *pg)
{
	PGcancel *cancel = PQgetCancel(pg);
	if (!cancel)
		return;
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, cancel_thread, cancel) != 0)
		PQfreeCancel(cancel);
	pthread_attr_destroy(&attr);
}

static void conn_io_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	struct db_conn *c = arg;
	if (c->state == CONN_CONNECTING) {
		if (what & EV_TIMEOUT) {
			conn_down(c, "connect timed out");
			return;
		}
		switch (PQconnectPoll(c->pg)) {
		case PGRES_POLLING_READING:
			conn_watch(c, EV_READ, CONNECT_TIMEOUT_S);
			return;
		case PGRES_POLLING_WRITING:
			conn_watch(c, EV_WRITE, CONNECT_TIMEOUT_S);
			return;
		case PGRES_POLLING_OK:
			if (c->logged_down || log_enabled(LOG_DEBUG))
				log_info(NULL, "database connection up");
			c->logged_down = false;
			c->backoff_ms = BACKOFF_MIN_MS;
			c->state = CONN_IDLE;
			c->pool->up++;
			if (c->ever_up)
				atomic_fetch_add_explicit(&c->pool->reconnects, 1, memory_order_relaxed);
			c->ever_up = true;
			conn_watch(c, EV_READ | EV_PERSIST, 0);
			pool_dispatch(c->pool);
			return;
		default:
			conn_down(c, PQerrorMessage(c->pg));
			return;
		}
	}
	if (what & EV_TIMEOUT) {
		cancel_in_background(c->pg);
		conn_down(c, "statement timed out");
		return;
	}
	if (what & EV_WRITE) {
		int r = PQflush(c->pg);
		if (r < 0) {
			conn_down(c, PQerrorMessage(c->pg));
			return;
		}
		if (r == 0)
			conn_watch(c, EV_READ | EV_PERSIST, c->pool->query_timeout_s);
	}
	if (what & EV_READ)
		conn_read(c);
}

/* Replaces the connection's I/O event; timeout_s 0 means none. */
static void conn_watch(struct db_conn *c, short what, int timeout_s)
{
	struct timeval tv = {timeout_s, 0};
	if (c->io && event_get_events(c->io) == what && event_get_fd(c->io) == PQsocket(c->pg)) {
		/* Only the timeout changes (a query sent, an answer read): the event stays, and
		 * epoll is not told twice (a delete and an add) per statement each way. */
		if (!timeout_s)
			event_remove_timer(c->io);
		if (event_add(c->io, timeout_s ? &tv : NULL) < 0)
			log_error(NULL, "cannot watch database socket");
		return;
	}
	if (c->io)
		event_free(c->io);
	c->io = event_new(c->pool->base, PQsocket(c->pg), what, conn_io_cb, c);
	if (!c->io || event_add(c->io, timeout_s ? &tv : NULL) < 0)
		log_error(NULL, "cannot watch database socket");
}

/* PostgreSQL's notices and warnings (a RAISE in a function, a deprecation) would go to
 * stderr as plain text: they become JSON lines, rate-limited, from any worker thread. */
static struct log_source notice_log = LOG_SOURCE_INIT("postgresql");

static void notice_cb(void *arg, const PGresult *res)
{
	(void)arg;
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	enum log_level level = !severity ? LOG_WARN
			       : strcmp(severity, "WARNING") == 0 ? LOG_WARN
			       : strcmp(severity, "DEBUG") == 0 ? LOG_DEBUG
								  : LOG_INFO;
	json_object *f = json_object_new_object();
	json_object_object_add(f, "severity", json_object_new_string(severity ? severity : "?"));
	if (sqlstate)
		json_object_object_add(f, "sqlstate", json_object_new_string(sqlstate));
	log_limited(&notice_log, level, f, "%s",
		    primary ? primary : PQresultErrorMessage(res));
}

static void conn_connect(struct db_conn *c)
{
	c->pg = PQconnectStart(c->pool->conninfo);
	if (!c->pg || PQstatus(c->pg) == CONNECTION_BAD) {
		conn_down(c, c->pg ? PQerrorMessage(c->pg) : "out of memory");
		return;
	}
	PQsetNoticeReceiver(c->pg, notice_cb, NULL);
	PQsetnonblocking(c->pg, 1);
	c->state = CONN_CONNECTING;
	conn_watch(c, EV_WRITE, CONNECT_TIMEOUT_S);
}

static void conn_send(struct db_conn *c, struct db_job *job)
{
	const struct db_stmt_def *def = &db_stmts[job->stmt];
	c->job = job;
	c->state = CONN_BUSY;
	c->pool->running++;
	if (!PQsendQueryParams(c->pg, def->sql, def->nparams, NULL,
			       (const char *const *)job->params, NULL, NULL, 0)) {
		conn_down(c, PQerrorMessage(c->pg));
		return;
	}
	int r = PQflush(c->pg);
	if (r < 0) {
		conn_down(c, PQerrorMessage(c->pg));
		return;
	}
	conn_watch(c, r ? EV_READ | EV_WRITE | EV_PERSIST : EV_READ | EV_PERSIST,
		   c->pool->query_timeout_s);
}

static void pool_dispatch(struct db_pool *pool)
{
	for (int i = 0; i < pool->nconns && !STAILQ_EMPTY(&pool->queue); i++) {
		struct db_conn *c = &pool->conns[i];
		if (c->state != CONN_IDLE)
			continue;
		struct db_job *job = STAILQ_FIRST(&pool->queue);
		STAILQ_REMOVE_HEAD(&pool->queue, next);
		pool->queued--;
		conn_send(c, job);
	}
}

/* --- the pool ------------------------------------------------------------------------- */

struct db_pool *db_pool_new(struct event_base *base, const char *conninfo, int nconns,
			    int query_timeout_s)
{
	struct db_pool *pool = xcalloc(1, sizeof(*pool));
	pool->base = base;
	STAILQ_INIT(&pool->queue);
	pool->conninfo = xstrdup(conninfo);
	pool->nconns = nconns;
	pool->query_timeout_s = query_timeout_s;
	pool->conns = xcalloc((size_t)nconns, sizeof(*pool->conns));
	for (int i = 0; i < nconns; i++) {
		struct db_conn *c = &pool->conns[i];
		c->pool = pool;
		c->backoff_ms = BACKOFF_MIN_MS;
		c->timer = evtimer_new(base, conn_reconnect_cb, c);
		conn_connect(c);
	}
	return pool;
}

void db_pool_free(struct db_pool *pool)
{
	if (!pool)
		return;
	/* The callbacks run below may ask for more: that is queued, never sent, and failed by
	 * the same loop. */
	pool->closing = true;
	for (int i = 0; i < pool->nconns; i++) {
		struct db_conn *c = &pool->conns[i];
		if (c->job) {
			job_finish(c->job, NULL, DB_UNAVAILABLE);
			PQclear(c->result);
		}
	}
	pool_fail_queue(pool, true);
	for (int i = 0; i < pool->nconns; i++) {
		struct db_conn *c = &pool->conns[i];
		if (c->io)
			event_free(c->io);
		event_free(c->timer);
		PQfinish(c->pg);
	}
	free(pool->conns);
	free(pool->conninfo);
	free(pool);
}

void db_query(struct db_pool *pool, enum db_stmt id, const char *const *params, db_cb cb,
	      void *arg)
{
	struct db_job *job = xcalloc(1, sizeof(*job));
	int n = db_stmts[id].nparams;
	job->stmt = id;
	job->cb = cb;
	job->arg = arg;
	job->pool = pool;
	job->params = xcalloc((size_t)(n ? n : 1), sizeof(char *));
	for (int i = 0; i < n; i++)
		if (params[i])
			job->params[i] = xstrdup(params[i]);
	if (!pool->closing && (!pool_any_up(pool) || pool->queued >= QUEUE_MAX)) {
		job_fail_later(pool, job);
		return;
	}
	STAILQ_INSERT_TAIL(&pool->queue, job, next);
	pool->queued++;
	if (!pool->closing)
		pool_dispatch(pool);
}

bool db_pool_is_connected(const struct db_pool *pool)
{
	return pool_any_up(pool);
}

int db_pool_pending(const struct db_pool *pool)
{
	return pool->queued + pool->running;
}

void db_pool_stats(const struct db_pool *pool, struct db_pool_stats *out)
{
	struct db_pool *p = (struct db_pool *)pool;
	out->up = atomic_load(&p->up);
	out->size = p->nconns;
	out->queued = atomic_load(&p->queued);
	out->running = atomic_load(&p->running);
	out->unavailable = atomic_load_explicit(&p->unavailable, memory_order_relaxed);
	out->failed = atomic_load_explicit(&p->failed, memory_order_relaxed);
	out->reconnects = atomic_load_explicit(&p->reconnects, memory_order_relaxed);
}

void db_pools_write_prometheus(struct sbuf *out, struct db_pool *const *pools, size_t n)
{
	struct db_pool_stats total = {0};
	for (size_t i = 0; i < n; i++) {
		struct db_pool_stats p;
		db_pool_stats(pools[i], &p);
		total.up += p.up;
		total.size += p.size;
		total.queued += p.queued;
		total.running += p.running;
		total.unavailable += p.unavailable;
		total.failed += p.failed;
		total.reconnects += p.reconnects;
	}
	sbuf_printf(out,
		    "# HELP pakn_db_connections Database connections of all workers by state.\n"
		    "# TYPE pakn_db_connections gauge\n"
		    "pakn_db_connections{state=\"up\"} %d\npakn_db_connections{state=\"configured\"} %d\n"
		    "# HELP pakn_db_statements Statements waiting for or holding a connection.\n"
		    "# TYPE pakn_db_statements gauge\n"
		    "pakn_db_statements{state=\"queued\"} %d\npakn_db_statements{state=\"running\"} %d\n"
		    "# HELP pakn_db_errors_total Statements that failed, by kind.\n"
		    "# TYPE pakn_db_errors_total counter\n"
		    "pakn_db_errors_total{kind=\"unavailable\"} %llu\npakn_db_errors_total{kind=\"failed\"} %llu\n"
		    "# HELP pakn_db_reconnects_total Connections opened again after one was lost.\n"
		    "# TYPE pakn_db_reconnects_total counter\n"
		    "pakn_db_reconnects_total %llu\n",
		    total.up, total.size, total.queued, total.running,
		    (unsigned long long)total.unavailable, (unsigned long long)total.failed,
		    (unsigned long long)total.reconnects);
}
