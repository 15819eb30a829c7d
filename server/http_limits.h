/* http_limits.h - the byte-level request limits, applied before libevent parses a request:
 * request line + headers (max_header_bytes → 431), body size from Content-Length
 * (max_body_bytes → 413), no chunked bodies (411), malformed Content-Length (400).
 *
 * libevent 2.1 answers its own limit violations with an HTML page, and offers no hook
 * between the headers and the body. So each connection's bufferevent is a filter that
 * frames requests itself; a request it refuses is replaced by a made-up
 * "GET /.pakn/reject/<status>" marked with a per-process secret (http.c answers it with
 * the JSON error), and the rest of the connection's input is discarded. */
#ifndef PAKN_HTTP_LIMITS_H
#define PAKN_HTTP_LIMITS_H

#include <event2/bufferevent.h>
#include <stddef.h>

struct http_limits {
	size_t max_header_bytes;
	size_t max_body_bytes;
};

/* The evhttp_set_bevcb callback; arg is a struct http_limits that outlives the evhttp.
 * Returns NULL if out of memory (libevent then drops the connection). */
struct bufferevent *http_limits_bevcb(struct event_base *base, void *arg);

/* The framing step alone, for tests: feeds in (consumed) through a fresh filter state and
 * appends what libevent would see to out. Returns 0. */
struct limits_state;
struct limits_state *limits_state_new(const struct http_limits *lim);
void limits_state_free(struct limits_state *st);
void limits_feed(struct limits_state *st, struct evbuffer *in, struct evbuffer *out);

#endif
