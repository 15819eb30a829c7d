/* intake_hub.c - owns the intake thread, its queue and connection, and the hand-over of
 * submissions and answers between it and the workers (see intake_hub.h). */
#include "intake/intake_hub.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/log.h"
#include "core/prometheus.h"
#include "core/util.h"
#include "db/db.h"
#include "core/xalloc.h"

#define STOP_POLL_MS 20

/* One submission on its way: made on the worker's thread, queued on the hub's, answered
 * back on the worker's. */
struct relay {
	struct intake_hub *hub;
	struct submission s;
	char client_hash[65];
	intake_cb cb;
	void *arg;
	struct event *done_ev; /* on the submitting worker's loop */
	enum intake_outcome outcome;
	bool has_receipt;
	struct receipt receipt;
	char secret[RECEIPT_SECRET_LEN + 1];
	struct relay *next;
};

struct intake_hub {
	const struct keyring *keys;
	struct event_base *base;
	struct db_pool *db;
	struct intake_queue *queue;
	struct prometheus_counters stats;
	pthread_t thread;
	bool started;
	struct event *inbox_ev, *stop_ev, *drain_ev;
	struct timespec stop_deadline;
	pthread_mutex_t lock; /* guards what follows */
	struct relay *inbox_head, *inbox_tail;
	/* The queue takes the inbox by itself when it next looks for a batch: a worker need
	 * not wake the hub's thread (a system call and a switch of threads per submission). */
	bool queue_comes_back;
	bool closed;
};

/* --- answers, on the worker's loop ------------------------------------------------------ */

static void relay_done_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct relay *r = arg;
	if (r->has_receipt)
		intake_receipt_finish(r->hub->keys, &r->receipt, r->secret);
	r->cb(r->arg, r->outcome, r->has_receipt ? &r->receipt : NULL,
	      r->has_receipt ? r->secret : NULL);
	sodium_memzero(r->secret, sizeof(r->secret));
	submission_free(&r->s);
	event_free(r->done_ev);
	free(r);
}

/* On the hub's thread (or the main thread once it stopped): hands the answer over. */
static void relay_answer(void *arg, enum intake_outcome outcome, const struct receipt *rc)
{
	struct relay *r = arg;
	r->outcome = outcome;
	r->has_receipt = rc != NULL;
	if (rc)
		r->receipt = *rc;
	event_active(r->done_ev, EV_TIMEOUT, 0); /* thread-safe: evthread is on */
}

/* --- the hub's thread -------------------------------------------------------------------- */

/* The queue's refill: moves what the workers handed over into the queue. Once the inbox
 * is empty, notes under the lock whether the queue will come back for more by itself. */
static void take_inbox(void *arg)
{
	struct intake_hub *hub = arg;
	for (;;) {
		pthread_mutex_lock(&hub->lock);
		struct relay *r = hub->inbox_head;
		hub->inbox_head = hub->inbox_tail = NULL;
		if (!r)
			hub->queue_comes_back = intake_queue_comes_back(hub->queue);
		pthread_mutex_unlock(&hub->lock);
		if (!r)
			return;
		while (r) {
			struct relay *next = r->next;
			intake_queue_add(hub->queue, &r->s, r->client_hash, relay_answer, r);
			r = next;
		}
	}
}

/* A worker woke the hub: the queue had nothing out, so it takes the inbox now. */
static void inbox_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	intake_queue_start(((struct intake_hub *)arg)->queue);
}

static void drain_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct intake_hub *hub = arg;
	if (intake_queue_busy(hub->queue) && !deadline_passed(&hub->stop_deadline))
		return;
	event_base_loopexit(hub->base, NULL);
}

/* Nothing new comes in any more: what waits is answered now. */
static void close_queue(struct intake_hub *hub)
{
	take_inbox(hub); /* queued, then answered by the close */
	intake_queue_close(hub->queue);
}

/* On the hub's thread: closes, then lets the batch in flight finish. */
static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct intake_hub *hub = arg;
	close_queue(hub);
	struct timeval tv = {0, STOP_POLL_MS * 1000};
	event_add(hub->drain_ev, &tv);
	drain_cb(-1, 0, hub);
}

static void *hub_main(void *arg)
{
	struct intake_hub *hub = arg;
	event_base_dispatch(hub->base);
	return NULL;
}

/* --- life ------------------------------------------------------------------------------- */

struct intake_hub *intake_hub_new(const struct config *cfg, const struct keyring *keys)
{
	struct intake_hub *hub = xcalloc(1, sizeof(*hub));
	pthread_mutex_init(&hub->lock, NULL);
	hub->keys = keys;
	hub->base = event_loop_new();
	if (!hub->base) {
		intake_hub_free(hub);
		return NULL;
	}
	/* One connection: batches are stored one after another anyway. */
	hub->db = db_pool_new(hub->base, cfg->database_url, 1, (int)cfg->request_timeout);
	hub->queue = hub->db ? intake_queue_new(hub->db, keys, (int)cfg->intake_batch, cfg->log_origin,
						       &hub->stats)
			     : NULL;
	if (hub->queue)
		intake_queue_set_refill(hub->queue, take_inbox, hub);
	hub->inbox_ev = event_new(hub->base, -1, 0, inbox_cb, hub);
	hub->stop_ev = event_new(hub->base, -1, 0, stop_cb, hub);
	hub->drain_ev = event_new(hub->base, -1, EV_PERSIST, drain_cb, hub);
	if (!hub->queue || !hub->inbox_ev || !hub->stop_ev || !hub->drain_ev) {
		intake_hub_free(hub);
		return NULL;
	}
	return hub;
}

int intake_hub_start(struct intake_hub *hub)
{
	if (pthread_create(&hub->thread, NULL, hub_main, hub) != 0) {
		log_error(NULL, "cannot start the intake thread");
		return -1;
	}
	hub->started = true;
	return 0;
}

void intake_hub_submit(struct intake_hub *hub, struct event_base *origin, struct submission *s,
		       const char *client_hash, intake_cb cb, void *arg)
{
	struct relay *r = xcalloc(1, sizeof(*r));
	r->hub = hub;
	r->s = *s;
	memset(s, 0, sizeof(*s));
	snprintf(r->client_hash, sizeof(r->client_hash), "%s", client_hash ? client_hash : "");
	r->cb = cb;
	r->arg = arg;
	r->done_ev = event_new(origin, -1, 0, relay_done_cb, r);
	if (!r->done_ev)
		abort();
	pthread_mutex_lock(&hub->lock);
	bool closed = hub->closed;
	/* Whoever filled the inbox before woke the hub, or knew the queue comes back. */
	bool wake = !closed && !hub->inbox_head && !hub->queue_comes_back;
	if (!closed) {
		if (hub->inbox_tail)
			hub->inbox_tail->next = r;
		else
			hub->inbox_head = r;
		hub->inbox_tail = r;
	}
	pthread_mutex_unlock(&hub->lock);
	if (closed)
		relay_answer(r, INTAKE_UNAVAILABLE, NULL);
	else if (wake)
		event_active(hub->inbox_ev, EV_TIMEOUT, 0);
}

void intake_hub_stop(struct intake_hub *hub, int grace_s)
{
	if (!hub)
		return;
	pthread_mutex_lock(&hub->lock);
	hub->closed = true;
	pthread_mutex_unlock(&hub->lock);
	if (hub->started) {
		deadline_in(&hub->stop_deadline, grace_s);
		event_active(hub->stop_ev, EV_TIMEOUT, 0);
		pthread_join(hub->thread, NULL);
		hub->started = false;
	} else {
		close_queue(hub);
	}
	/* A batch still out after the grace period is answered INTAKE_UNAVAILABLE here. */
	db_pool_free(hub->db);
	hub->db = NULL;
}

void intake_hub_free(struct intake_hub *hub)
{
	if (!hub)
		return;
	intake_queue_free(hub->queue);
	db_pool_free(hub->db);
	if (hub->inbox_ev)
		event_free(hub->inbox_ev);
	if (hub->stop_ev)
		event_free(hub->stop_ev);
	if (hub->drain_ev)
		event_free(hub->drain_ev);
	if (hub->base)
		event_base_free(hub->base);
	pthread_mutex_destroy(&hub->lock);
	free(hub);
}

bool intake_hub_ready(const struct intake_hub *hub)
{
	if (!hub->db)
		return false;
	struct db_pool_stats st;
	db_pool_stats(hub->db, &st);
	return st.up > 0;
}

struct prometheus_counters *intake_hub_counters(struct intake_hub *hub)
{
	return &hub->stats;
}

struct db_pool *intake_hub_db(struct intake_hub *hub)
{
	return hub->db;
}
