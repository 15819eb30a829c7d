/* http_limits.h - request framing and the byte-level limits, applied before libevent parses a
 * request: request line + headers (max_header_bytes → 431), body size from Content-Length
 * (max_body_bytes → 413), no chunked bodies (411), the RFC 9112 rules on field syntax and Host
 * (400), and the deadlines for reading a request (408, or the connection is shut).
 *
 * libevent 2.1 answers its own limit violations with an HTML page, offers no hook between the
 * headers and the body, and frames requests more loosely than it should. So each
 * connection's bufferevent is a filter that frames requests itself and hands libevent only
 * what it has fully parsed, rewritten in one canonical form; a request it refuses is
 * replaced by a made-up "GET /.pakn/reject/<status>" that http.c answers with the JSON
 * error (see http_limits.c for why no client can forge one). */
#ifndef PAKN_HTTP_LIMITS_H
#define PAKN_HTTP_LIMITS_H

#include <event2/bufferevent.h>
#include <stddef.h>

/* Paths under this prefix are made up by the filter; requests for them from clients are
 * refused (404) before libevent sees them. */
#define HTTP_PAKN_PREFIX "/.pakn/"
#define HTTP_REJECT_PREFIX HTTP_PAKN_PREFIX "reject/"

struct http_limits {
	size_t max_header_bytes;
	size_t max_body_bytes;
	unsigned header_timeout; /* seconds from a request's first byte to the end of its headers */
	unsigned body_timeout;   /* seconds for any body, plus its length / body_min_rate */
	unsigned body_min_rate;  /* bytes per second a body must at least arrive at */
};

/* The evhttp_set_bevcb callback; arg is a struct http_limits that outlives the evhttp.
 * Never returns NULL: out of memory aborts (libevent would serve the connection unframed). */
struct bufferevent *http_limits_bevcb(struct event_base *base, void *arg);

/* --- the framing step alone, for tests ------------------------------------------------- */

enum limits_result {
	LIMITS_WAIT,     /* input taken, but nothing of a request: blank lines, dropped bytes */
	LIMITS_PROGRESS, /* part of a request taken, or something written to out */
	LIMITS_CLOSE,    /* the connection must be closed at once, with no reply */
};

struct limits_state;
/* A fresh filter state with no deadline timer; NULL if out of memory. */
struct limits_state *limits_state_new(const struct http_limits *lim);
/* Frees st; NULL is safe. */
void limits_state_free(struct limits_state *st);
/* Takes all of in (drained) and appends what libevent is to see to out. */
enum limits_result limits_feed(struct limits_state *st, struct evbuffer *in, struct evbuffer *out);
/* What the deadline timer does when it fires: appends the made-up 408 to out when nothing
 * of the late request has reached libevent yet, else returns LIMITS_CLOSE. */
enum limits_result limits_expire(struct limits_state *st, struct evbuffer *out);
/* The deadline now running, in seconds from when it was set; 0 when none is. */
unsigned limits_deadline(const struct limits_state *st);

#endif
