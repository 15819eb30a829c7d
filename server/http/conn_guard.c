/* conn_guard.c - owns the connection counts, the refusal over a cap and the pause in
 * accepting when accept() fails (see conn_guard.h). */
#include "http/conn_guard.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <json-c/json.h>
#include <sodium.h>

#include "core/log.h"
#include "core/random.h"
#include "http/http_errors.h"
#include "core/xalloc.h"

/* ticket_settle relies on libevent 2.1's evhttp giving each connection's bufferevent the
 * evhttp_connection as its callback argument (evhttp_connection_base_bufferevent_new). */
#if LIBEVENT_VERSION_NUMBER < 0x02010000 || LIBEVENT_VERSION_NUMBER >= 0x02020000
#error "conn_guard.c is written against libevent 2.1's evhttp: check ticket_settle"
#endif

#define PAUSE_MIN_MS 100 /* first pause in accepting after accept() failed */
#define PAUSE_MAX_MS 500 /* pauses double while accepting keeps failing, up to this */
#define DRAIN_MAX 65536  /* bytes of a refused client's request read before closing */

/* --- the counts --------------------------------------------------------------------------- */

/* One address (or /64) with connections; len 0 marks an empty slot. */
struct addr_count {
	uint8_t addr[16];
	uint8_t len;
	uint32_t count;
};

struct conn_guard {
	pthread_mutex_t lock;
	long max_total, max_per_address;
	long total;
	/* Open addressing with linear probing, at least twice as many slots as max_total, so it
	 * never fills; keyed SipHash, so chosen addresses cannot pile into one run. */
	struct addr_count *slots;
	size_t mask;
	uint8_t hash_key[crypto_shorthash_KEYBYTES];
};

struct conn_guard *conn_guard_new(long max_total, long max_per_address)
{
	struct conn_guard *g = xcalloc(1, sizeof(*g));
	size_t n = 64;
	while (n < 2 * (size_t)max_total)
		n *= 2;
	g->slots = xcalloc(n, sizeof(*g->slots));
	g->mask = n - 1;
	g->max_total = max_total;
	g->max_per_address = max_per_address;
	random_bytes(g->hash_key, sizeof(g->hash_key));
	pthread_mutex_init(&g->lock, NULL);
	return g;
}

void conn_guard_free(struct conn_guard *g)
{
	if (!g)
		return;
	pthread_mutex_destroy(&g->lock);
	free(g->slots);
	free(g);
}

/* The key a peer is counted under: IPv4 (also when mapped into IPv6) or an IPv6 /64.
 * Returns false for other families (never from a TCP listener). */
static bool key_of(const struct sockaddr *sa, struct conn_slot *slot)
{
	static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	memset(slot->addr, 0, sizeof(slot->addr));
	if (sa->sa_family == AF_INET) {
		memcpy(slot->addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		slot->len = 4;
		return true;
	}
	if (sa->sa_family != AF_INET6)
		return false;
	const uint8_t *b = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	if (memcmp(b, v4_mapped, sizeof(v4_mapped)) == 0) {
		memcpy(slot->addr, b + 12, 4);
		slot->len = 4;
	} else {
		memcpy(slot->addr, b, 8);
		slot->len = 8;
	}
	return true;
}

static size_t home_of(const struct conn_guard *g, const uint8_t *addr, uint8_t len)
{
	uint8_t h[crypto_shorthash_BYTES];
	crypto_shorthash(h, addr, len, g->hash_key);
	uint64_t v;
	memcpy(&v, h, sizeof(v));
	return (size_t)v & g->mask;
}

/* The slot holding addr, or the empty slot where it would go. Caller holds the lock. */
static size_t find(const struct conn_guard *g, const uint8_t *addr, uint8_t len)
{
	size_t i = home_of(g, addr, len);
	while (g->slots[i].len != 0 &&
	       (g->slots[i].len != len || memcmp(g->slots[i].addr, addr, len) != 0))
		i = (i + 1) & g->mask;
	return i;
}

/* Empties slot i and moves later members of its run back, so every lookup still finds
 * its address before an empty slot (deletion without tombstones). Caller holds the lock. */
static void remove_at(struct conn_guard *g, size_t i)
{
	size_t j = i;
	for (;;) {
		g->slots[i].len = 0;
		for (;;) {
			j = (j + 1) & g->mask;
			if (g->slots[j].len == 0)
				return;
			size_t home = home_of(g, g->slots[j].addr, g->slots[j].len);
			/* j may move to i only if its home is not in the cyclic range (i, j]. */
			bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
			if (!stays)
				break;
		}
		g->slots[i] = g->slots[j];
		i = j;
	}
}

enum conn_verdict conn_guard_admit(struct conn_guard *g, const struct sockaddr *peer,
				   bool exempt, struct conn_slot *slot)
{
	bool keyed = key_of(peer, slot);
	slot->per_address = keyed && !exempt;
	enum conn_verdict v = CONN_ADMITTED;
	pthread_mutex_lock(&g->lock);
	if (g->total >= g->max_total) {
		v = CONN_OVER_TOTAL;
	} else if (slot->per_address) {
		size_t i = find(g, slot->addr, slot->len);
		struct addr_count *c = &g->slots[i];
		if (c->len == 0) {
			memcpy(c->addr, slot->addr, sizeof(c->addr));
			c->len = slot->len;
			c->count = 0;
		}
		if (c->count >= (uint32_t)g->max_per_address)
			v = CONN_OVER_ADDRESS;
		else
			c->count++;
	}
	if (v == CONN_ADMITTED)
		g->total++;
	pthread_mutex_unlock(&g->lock);
	return v;
}

void conn_guard_release(struct conn_guard *g, const struct conn_slot *slot)
{
	pthread_mutex_lock(&g->lock);
	g->total--;
	if (slot->per_address) {
		size_t i = find(g, slot->addr, slot->len);
		if (g->slots[i].len != 0 && --g->slots[i].count == 0)
			remove_at(g, i);
	}
	pthread_mutex_unlock(&g->lock);
}

long conn_guard_total(struct conn_guard *g)
{
	pthread_mutex_lock(&g->lock);
	long n = g->total;
	pthread_mutex_unlock(&g->lock);
	return n;
}

long conn_guard_count_of(struct conn_guard *g, const struct sockaddr *peer)
{
	struct conn_slot key;
	if (!key_of(peer, &key))
		return 0;
	pthread_mutex_lock(&g->lock);
	size_t i = find(g, key.addr, key.len);
	long n = g->slots[i].len ? (long)g->slots[i].count : 0;
	pthread_mutex_unlock(&g->lock);
	return n;
}

size_t conn_guard_refusal(enum conn_verdict verdict, const char *req_id, char *buf,
			  size_t buflen)
{
	enum http_error e = verdict == CONN_OVER_ADDRESS ? HTTP_ERR_TOO_MANY_FROM_ADDRESS
							  : HTTP_ERR_TOO_MANY_CONNECTIONS;
	json_object *body = http_error_doc(http_error_code(e), http_error_message(e), NULL, req_id);
	size_t blen;
	const char *text = json_object_to_json_string_length(
		body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &blen);
	int n = snprintf(buf, buflen,
			 "HTTP/1.1 %d %s\r\n"
			 "Content-Type: application/json; charset=utf-8\r\n"
			 "Content-Length: %zu\r\n"
			 "Retry-After: %d\r\n"
			 "Connection: close\r\n"
			 "Cache-Control: no-store\r\n"
			 "X-Content-Type-Options: nosniff\r\n"
			 "X-Frame-Options: DENY\r\n"
			 "Referrer-Policy: no-referrer\r\n"
			 "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
			 "X-Request-Id: %s\r\n"
			 "\r\n%s",
			 http_error_status(e), http_status_reason(http_error_status(e)), blen,
			 CONN_RETRY_AFTER_S, req_id, text);
	json_object_put(body);
	return n > 0 && (size_t)n < buflen ? (size_t)n : 0;
}

/* --- one worker's connections ------------------------------------------------------------ */

static struct log_source refused_log = LOG_SOURCE_INIT("connections");
static struct log_source accept_log = LOG_SOURCE_INIT("accept");

/* A connection from its bufferevent's making to its close. */
struct conn_ticket {
	struct conn_guard *guard;
	struct bufferevent *bev;  /* while pending: held by a reference, so it cannot vanish */
	struct conn_slot slot;
	SLIST_ENTRY(conn_ticket) next; /* in the pending list */
};

struct conn_watch {
	struct conn_guard *guard;
	const struct proxy_trust *proxies;
	struct evconnlistener *listener; /* NULL once unbound */
	conn_bevcb inner;
	void *inner_arg;
	struct event *settle_ev; /* checks the pending connections */
	struct event *resume_ev; /* ends a pause in accepting */
	SLIST_HEAD(, conn_ticket) pending; /* accepted, not checked yet; all settle in one turn */
	int pause_ms;
	struct conn_watch *next_watch; /* in watches */
};

/* The listener's error callback gets evhttp as its argument, not ours: the watches are
 * found by their listener. Only touched at start, stop and on accept errors. */
static pthread_mutex_t watches_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn_watch *watches;

static struct conn_watch *watch_of(const struct evconnlistener *lev)
{
	pthread_mutex_lock(&watches_lock);
	struct conn_watch *cw = watches;
	while (cw && cw->listener != lev)
		cw = cw->next_watch;
	pthread_mutex_unlock(&watches_lock);
	return cw;
}

/* Answers a refused client and reads what it already sent, so that closing sends a FIN and
 * not a reset that could destroy the answer before the client reads it. */
static void refuse(evutil_socket_t fd, enum conn_verdict verdict)
{
	uint8_t rnd[8];
	char id[17];
	random_bytes(rnd, sizeof(rnd));
	sodium_bin2hex(id, sizeof(id), rnd, sizeof(rnd));
	char reply[1024];
	size_t len = conn_guard_refusal(verdict, id, reply, sizeof(reply));
	/* An empty socket buffer takes a reply this small whole. */
	ssize_t sent = send(fd, reply, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)sent;
	char scratch[4096];
	size_t drained = 0;
	ssize_t got;
	while (drained < DRAIN_MAX && (got = recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT)) > 0)
		drained += (size_t)got;
	json_object *f = json_object_new_object();
	json_object_object_add(f, "req", json_object_new_string(id));
	json_object_object_add(f, "status", json_object_new_int(503));
	log_limited(&refused_log, LOG_WARN, f, "connection refused: %s",
		    verdict == CONN_OVER_ADDRESS ? "max_connections_per_address reached"
						 : "max_connections reached");
}

static void closed_cb(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	struct conn_ticket *t = arg;
	conn_guard_release(t->guard, &t->slot);
	free(t);
}

/* Counts or refuses one new connection. Returns true when the ticket now belongs to the
 * connection (its close callback frees it). */
static bool ticket_settle(struct conn_watch *cw, struct conn_ticket *t, struct bufferevent *bev)
{
	/* evhttp made the connection with its own object as the bufferevent's argument; a
	 * bufferevent freed meanwhile (evhttp failed to set it up) has no callbacks left. */
	bufferevent_event_cb eventcb = NULL;
	void *cbarg = NULL;
	bufferevent_getcb(bev, NULL, NULL, &eventcb, &cbarg);
	if (!eventcb || !cbarg)
		return false;
	struct evhttp_connection *evcon = cbarg;
	evutil_socket_t fd = bufferevent_getfd(bev);
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	/* Not connected any more (reset already): evhttp reads the end and closes it. */
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sslen) < 0)
		return false;
	char *peer = NULL;
	ev_uint16_t port;
	evhttp_connection_get_peer(evcon, &peer, &port);
	/* The peer exactly as http.c sees it when it decides whose headers to believe. */
	bool exempt = peer && proxy_is_trusted(cw->proxies, peer);
	enum conn_verdict v = conn_guard_admit(cw->guard, (struct sockaddr *)&ss, exempt, &t->slot);
	if (v == CONN_ADMITTED) {
		evhttp_connection_set_closecb(evcon, closed_cb, t);
		return true;
	}
	refuse(fd, v);
	evhttp_connection_free(evcon);
	return false;
}

/* Runs on the loop turn that accepted the connections: the active events of a turn run
 * before the loop polls again, so none of them has read anything yet. */
static void settle_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct conn_watch *cw = arg;
	struct conn_ticket *t;
	while ((t = SLIST_FIRST(&cw->pending)) != NULL) {
		SLIST_REMOVE_HEAD(&cw->pending, next);
		struct bufferevent *bev = t->bev;
		t->bev = NULL;
		if (!ticket_settle(cw, t, bev))
			free(t);
		bufferevent_decref(bev);
	}
}

/* evhttp's bevcb: called for each accepted connection before evhttp knows its socket, so
 * the check waits for settle_cb. */
static struct bufferevent *watch_bevcb(struct event_base *base, void *arg)
{
	struct conn_watch *cw = arg;
	struct bufferevent *bev = cw->inner(base, cw->inner_arg); /* never NULL: it aborts */
	cw->pause_ms = PAUSE_MIN_MS; /* accept() works again */
	struct conn_ticket *t = xcalloc(1, sizeof(*t));
	t->guard = cw->guard;
	t->bev = bev;
	bufferevent_incref(bev);
	SLIST_INSERT_HEAD(&cw->pending, t, next);
	event_active(cw->settle_ev, EV_TIMEOUT, 0);
	return bev;
}

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct conn_watch *cw = arg;
	if (cw->listener)
		evconnlistener_enable(cw->listener);
}

/* accept() failed with something other than "try again": its cause (no descriptor left,
 * no memory) stays while the listening socket stays readable, so retrying at once spins. */
static void accept_error_cb(struct evconnlistener *lev, void *arg)
{
	(void)arg;
	int err = EVUTIL_SOCKET_ERROR();
	struct conn_watch *cw = watch_of(lev);
	if (!cw)
		return;
	evconnlistener_disable(lev);
	struct timeval tv = {0, cw->pause_ms * 1000};
	event_add(cw->resume_ev, &tv);
	json_object *f = json_object_new_object();
	json_object_object_add(f, "pause_ms", json_object_new_int(cw->pause_ms));
	json_object_object_add(f, "connections", json_object_new_int64(conn_guard_total(cw->guard)));
	log_limited(&accept_log, LOG_WARN, f, "cannot accept connections (%s): pausing",
		    strerror(err));
	cw->pause_ms = cw->pause_ms * 2 > PAUSE_MAX_MS ? PAUSE_MAX_MS : cw->pause_ms * 2;
}

struct conn_watch *conn_watch_new(struct conn_guard *guard, const struct proxy_trust *proxies,
				  struct event_base *base, struct evhttp *http,
				  struct evhttp_bound_socket *bound, conn_bevcb inner,
				  void *inner_arg)
{
	struct conn_watch *cw = xcalloc(1, sizeof(*cw));
	cw->guard = guard;
	cw->proxies = proxies;
	cw->inner = inner;
	cw->inner_arg = inner_arg;
	SLIST_INIT(&cw->pending);
	cw->pause_ms = PAUSE_MIN_MS;
	cw->listener = evhttp_bound_socket_get_listener(bound);
	cw->settle_ev = event_new(base, -1, 0, settle_cb, cw);
	cw->resume_ev = event_new(base, -1, 0, resume_cb, cw);
	if (!cw->settle_ev || !cw->resume_ev) {
		conn_watch_free(cw);
		return NULL;
	}
	pthread_mutex_lock(&watches_lock);
	cw->next_watch = watches;
	watches = cw;
	pthread_mutex_unlock(&watches_lock);
	evconnlistener_set_error_cb(cw->listener, accept_error_cb);
	evhttp_set_bevcb(http, watch_bevcb, cw);
	return cw;
}

void conn_watch_unbind(struct conn_watch *cw)
{
	pthread_mutex_lock(&watches_lock);
	cw->listener = NULL;
	pthread_mutex_unlock(&watches_lock);
	event_del(cw->resume_ev);
}

void conn_watch_free(struct conn_watch *cw)
{
	if (!cw)
		return;
	pthread_mutex_lock(&watches_lock);
	struct conn_watch **p = &watches;
	while (*p && *p != cw)
		p = &(*p)->next_watch;
	if (*p)
		*p = cw->next_watch;
	pthread_mutex_unlock(&watches_lock);
	/* Connections evhttp_free has already closed, never checked. */
	struct conn_ticket *t;
	while ((t = SLIST_FIRST(&cw->pending)) != NULL) {
		SLIST_REMOVE_HEAD(&cw->pending, next);
		bufferevent_decref(t->bev);
		free(t);
	}
	if (cw->settle_ev)
		event_free(cw->settle_ev);
	if (cw->resume_ev)
		event_free(cw->resume_ev);
	free(cw);
}
