/* conn_guard.h - how many connections the process holds, and what happens at its limits.
 *
 * A total cap (max_connections) and a cap per client address (max_connections_per_address;
 * IPv6 counted per /64, as one subscriber gets a /64), counted across all workers and checked
 * as each connection is accepted. A connection over a cap is answered at once, before its
 * request is read, with a JSON 503 (code too_many_connections, Retry-After, Connection: close)
 * and closed. Connections from trusted proxies count towards the total only: the proxy limits
 * its own clients (nginx's limit_conn).
 *
 * When accept() fails (out of file descriptors: EMFILE, ENFILE) the worker stops accepting
 * for a short pause instead of retrying at once, which spun a core and logged a warning per
 * try; one line is logged per pause. */
#ifndef PAKN_CONN_GUARD_H
#define PAKN_CONN_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/http.h>

#include "http/proxy.h"

#define CONN_RETRY_AFTER_S 2 /* what a refused client is told to wait */

enum conn_verdict {
	CONN_ADMITTED,     /* counted: conn_guard_release must follow when it closes */
	CONN_OVER_TOTAL,   /* max_connections are open; nothing was counted */
	CONN_OVER_ADDRESS, /* its address holds max_connections_per_address; nothing was counted */
};

/* What an admitted connection was counted under; filled by conn_guard_admit. */
struct conn_slot {
	uint8_t addr[16]; /* IPv4: 4 bytes; IPv6: the /64, 8 bytes */
	uint8_t len;
	bool per_address; /* false for a trusted proxy: counted in the total only */
};

struct conn_guard;

/* The process's counts; max_total and max_per_address are at least 1. Returns NULL if out of
 * memory. Its table holds at most max_total addresses, so it never fills. */
struct conn_guard *conn_guard_new(long max_total, long max_per_address);
void conn_guard_free(struct conn_guard *g);

/* Counts a connection from peer (an IPv4-mapped IPv6 address counts as IPv4), unless that
 * would pass a cap. exempt: the peer is a trusted proxy (no per-address cap). Safe from any
 * thread. */
enum conn_verdict conn_guard_admit(struct conn_guard *g, const struct sockaddr *peer,
				   bool exempt, struct conn_slot *slot);

/* Uncounts what conn_guard_admit counted into slot. Safe from any thread. */
void conn_guard_release(struct conn_guard *g, const struct conn_slot *slot);

/* Connections counted now, in all and from peer's address (or /64). */
long conn_guard_total(struct conn_guard *g);
long conn_guard_count_of(struct conn_guard *g, const struct sockaddr *peer);

/* Writes the whole refusal for verdict (an HTTP/1.1 503 with its JSON body, request_id
 * req_id) into buf. Returns its length, or 0 if it does not fit. */
size_t conn_guard_refusal(enum conn_verdict verdict, const char *req_id, char *buf,
			  size_t buflen);

/* One worker's side: owns evhttp's bevcb and its listener's accept errors. */
struct conn_watch;
typedef struct bufferevent *(*conn_bevcb)(struct event_base *base, void *arg);

/* Makes every connection http accepts on bound pass through guard, on the loop turn it is
 * accepted, before any of it is read; inner(base, inner_arg) still makes each connection's
 * bufferevent (it was evhttp's bevcb) and must not return NULL. proxies (may be NULL) are
 * exempt from the per-address cap. guard and proxies must outlive http. Returns NULL if out
 * of memory. */
struct conn_watch *conn_watch_new(struct conn_guard *guard, const struct proxy_trust *proxies,
				  struct event_base *base, struct evhttp *http,
				  struct evhttp_bound_socket *bound, conn_bevcb inner,
				  void *inner_arg);

/* Forgets the listener: call before evhttp_del_accept_socket frees it. */
void conn_watch_unbind(struct conn_watch *cw);

/* Call after evhttp_free (whose closing connections still uncount themselves). NULL is
 * fine. */
void conn_watch_free(struct conn_watch *cw);

#endif
