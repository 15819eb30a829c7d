/* http_limits.c - owns request framing for the limits (see http_limits.h). */
#include "http_limits.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "http.h"

enum limits_phase {
	PHASE_HEAD,    /* collecting a request line and headers */
	PHASE_BODY,    /* passing body_left bytes of a body through */
	PHASE_SKIP,    /* dropping body_left bytes of a refused body; the connection goes on */
	PHASE_DISCARD, /* a request was refused and its end is unknown: drop everything until
			* the connection closes */
};

struct limits_state {
	struct http_limits lim;
	enum limits_phase phase;
	struct evbuffer *head;
	unsigned long long body_left;
	struct bufferevent *filter;
	struct event *flush_ev; /* see output_added_cb */
	size_t copied;          /* bytes of the filter's output copied to the socket */
};

struct limits_state *limits_state_new(const struct http_limits *lim)
{
	struct limits_state *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->lim = *lim;
	st->head = evbuffer_new();
	if (!st->head) {
		free(st);
		return NULL;
	}
	return st;
}

void limits_state_free(struct limits_state *st)
{
	if (!st)
		return;
	if (st->flush_ev)
		event_free(st->flush_ev);
	evbuffer_free(st->head);
	free(st);
}

/* Replaces a refused request by the made-up one. An oversized body whose length is known
 * is skipped and the connection stays usable (closing with unread input would make the
 * kernel reset the connection, which can destroy the reply before the client reads it);
 * otherwise the request's end is unknown, so the reply closes the connection. */
static void refuse(struct limits_state *st, struct evbuffer *in, struct evbuffer *out,
		   int status, size_t head_len, unsigned long long body, bool close)
{
	bool skip = status == 413 && head_len > 0 && body != ULLONG_MAX;
	evbuffer_add_printf(out, "GET /.pakn/reject/%d HTTP/1.%d\r\nX-Pakn-Reject: %s\r\n%s\r\n",
			    status, skip ? 1 : 0, http_reject_secret,
			    skip && close ? "Connection: close\r\n" : "");
	if (skip) {
		evbuffer_drain(st->head, head_len);
		evbuffer_prepend_buffer(in, st->head);
		st->body_left = body;
		st->phase = PHASE_SKIP;
	} else {
		evbuffer_drain(st->head, evbuffer_get_length(st->head));
		st->phase = PHASE_DISCARD;
	}
}

/* The request line must be "METHOD SP target SP HTTP/1.x" with a method libevent knows;
 * otherwise libevent would answer with its own HTML page. Sets *body_allowed for the
 * methods whose body libevent reads. Returns 0, 400 or 501. */
static int check_request_line(const char *line, size_t len, bool *body_allowed)
{
	static const char *const methods[] = {"GET", "HEAD", "POST", "PUT",
					      "DELETE", "OPTIONS", "PATCH"};
	static const bool methods_with_body[] = {false, false, true, true, false, false, true};
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	const char *sp1 = memchr(line, ' ', len);
	const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line)) : NULL;
	if (!sp1 || !sp2 || sp2 == sp1 + 1)
		return 400;
	size_t vlen = len - (size_t)(sp2 + 1 - line);
	if (vlen != 8 || (strncmp(sp2 + 1, "HTTP/1.1", 8) != 0 && strncmp(sp2 + 1, "HTTP/1.0", 8) != 0))
		return 400;
	for (const char *c = sp1 + 1; c < sp2; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return 400;
	/* The target as libevent will parse it; what it cannot parse it answers in HTML. */
	char *target = strndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	struct evhttp_uri *uri = target ? evhttp_uri_parse_with_flags(target,
								       EVHTTP_URI_NONCONFORMANT)
					: NULL;
	free(target);
	if (!uri)
		return 400;
	evhttp_uri_free(uri);
	size_t mlen = (size_t)(sp1 - line);
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (strlen(methods[i]) == mlen && strncmp(line, methods[i], mlen) == 0) {
			*body_allowed = methods_with_body[i];
			return 0;
		}
	}
	for (size_t i = 0; i < mlen; i++)
		if (!isupper((unsigned char)line[i]) && line[i] != '-' && line[i] != '_')
			return 400;
	return 501;
}

/* Checks the request line and every header line of a complete header block, and reads
 * Content-Length, Transfer-Encoding and Connection. Returns the status to refuse with, or
 * 0 and sets *body. */
static int check_headers(const char *block, size_t len, const struct http_limits *lim,
			 unsigned long long *body, bool *close)
{
	*body = 0;
	*close = false;
	bool have_length = false, body_allowed = false;
	const char *p = memchr(block, '\n', len);
	int status = check_request_line(block, p ? (size_t)(p - block) : len, &body_allowed);
	if (status)
		return status;
	const char *end = block + len;
	while (p && p < end) {
		p++;
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol || eol == p || (eol == p + 1 && *p == '\r'))
			break; /* the blank line that ends the block */
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		/* No name, or a line folded onto the previous one (obsolete, RFC 9112 5.2). */
		if (!colon || colon == p || *p == ' ' || *p == '\t')
			return 400;
		if (colon) {
			size_t nlen = (size_t)(colon - p);
			const char *v = colon + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			const char *ve = eol;
			while (ve > v && isspace((unsigned char)ve[-1]))
				ve--;
			if (nlen == 17 && strncasecmp(p, "transfer-encoding", 17) == 0)
				return 411;
			if (nlen == 10 && strncasecmp(p, "connection", 10) == 0 && ve - v == 5 &&
			    strncasecmp(v, "close", 5) == 0)
				*close = true;
			if (nlen == 6 && strncasecmp(p, "expect", 6) == 0 &&
			    !(ve - v == 12 && strncasecmp(v, "100-continue", 12) == 0))
				return 417;
			if (nlen == 14 && strncasecmp(p, "content-length", 14) == 0) {
				unsigned long long n = 0;
				if (ve == v)
					return 400;
				if (ve - v > 18) {
					/* Too long to count: refused, and its end is unknown. */
					*body = ULLONG_MAX;
					return 413;
				}
				for (const char *d = v; d < ve; d++) {
					if (!isdigit((unsigned char)*d))
						return 400;
					n = n * 10 + (unsigned)(*d - '0');
				}
				if (have_length && n != *body)
					return 400;
				have_length = true;
				*body = n;
			}
		}
		p = eol;
	}
	/* libevent reads no body for GET, HEAD, DELETE or OPTIONS: one would be read as the
	 * next request, past these checks. */
	if (*body > 0 && !body_allowed)
		return 400;
	return *body > lim->max_body_bytes ? 413 : 0;
}

static void pass_or_skip(struct limits_state *st, struct evbuffer *in, struct evbuffer *out)
{
	size_t avail = evbuffer_get_length(in);
	size_t n = st->body_left < avail ? (size_t)st->body_left : avail;
	if (st->phase == PHASE_BODY)
		evbuffer_remove_buffer(in, out, n);
	else
		evbuffer_drain(in, n);
	st->body_left -= n;
	if (st->body_left == 0)
		st->phase = PHASE_HEAD;
}

/* Position just past the blank line that ends the header block, or 0 if not there yet. */
static size_t header_end(struct evbuffer *buf)
{
	struct evbuffer_ptr crlf = evbuffer_search(buf, "\r\n\r\n", 4, NULL);
	struct evbuffer_ptr lf = evbuffer_search(buf, "\n\n", 2, NULL);
	size_t a = crlf.pos >= 0 ? (size_t)crlf.pos + 4 : 0;
	size_t b = lf.pos >= 0 ? (size_t)lf.pos + 2 : 0;
	if (a && b)
		return a < b ? a : b;
	return a ? a : b;
}

void limits_feed(struct limits_state *st, struct evbuffer *in, struct evbuffer *out)
{
	while (evbuffer_get_length(in) > 0) {
		switch (st->phase) {
		case PHASE_DISCARD:
			evbuffer_drain(in, evbuffer_get_length(in));
			return;
		case PHASE_BODY:
		case PHASE_SKIP:
			pass_or_skip(st, in, out);
			break;
		case PHASE_HEAD: {
			/* Blank lines between requests are allowed and dropped. */
			if (evbuffer_get_length(st->head) == 0) {
				unsigned char c;
				while (evbuffer_copyout(in, &c, 1) == 1 && (c == '\r' || c == '\n'))
					evbuffer_drain(in, 1);
			}
			evbuffer_add_buffer(st->head, in);
			size_t end = header_end(st->head);
			if (end == 0 || end > st->lim.max_header_bytes) {
				if (evbuffer_get_length(st->head) > st->lim.max_header_bytes)
					refuse(st, in, out, 431, 0, 0, true);
				return;
			}
			const char *block = (const char *)evbuffer_pullup(st->head, (ev_ssize_t)end);
			unsigned long long body;
			bool close;
			int status = check_headers(block, end, &st->lim, &body, &close);
			if (status) {
				refuse(st, in, out, status, end, body, close);
				break;
			}
			evbuffer_remove_buffer(st->head, out, end);
			/* What follows the headers is body or the next request: read it again. */
			evbuffer_prepend_buffer(in, st->head);
			st->body_left = body;
			st->phase = body ? PHASE_BODY : PHASE_HEAD;
			break;
		}
		}
	}
}

static enum bufferevent_filter_result limits_filter(struct evbuffer *src, struct evbuffer *dst,
						    ev_ssize_t dst_limit,
						    enum bufferevent_flush_mode mode, void *arg)
{
	(void)dst_limit;
	(void)mode;
	limits_feed(arg, src, dst);
	return BEV_OK;
}

/* evhttp writes a reply into the filter's output while writing is still disabled and
 * enables it afterwards; a libevent 2.1 filter does not look at its output again when
 * enabled, so the reply would sit there until the timeout. Flushing on the next loop
 * turn, when writing is enabled, sends it. */
static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct limits_state *st = arg;
	bufferevent_flush(st->filter, EV_WRITE, BEV_NORMAL);
}

static void output_added_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
			    void *arg)
{
	(void)buf;
	struct limits_state *st = arg;
	if (info->n_added > 0)
		event_active(st->flush_ev, EV_TIMEOUT, 0);
}

/* evhttp considers a reply sent, and may close the connection, as soon as the filter's
 * output is empty. So output is copied, not moved, to the socket, and leaves the filter's
 * output only once the socket has written it. The socket's output holds nothing else:
 * what it still holds is the unwritten tail of what was copied. */
static enum bufferevent_filter_result output_filter(struct evbuffer *src, struct evbuffer *dst,
						    ev_ssize_t dst_limit,
						    enum bufferevent_flush_mode mode, void *arg)
{
	(void)dst_limit;
	(void)mode;
	struct limits_state *st = arg;
	size_t pending = evbuffer_get_length(dst);
	evbuffer_drain(src, st->copied - pending);
	st->copied = pending;
	size_t fresh = evbuffer_get_length(src) - st->copied;
	if (fresh > 0) {
		struct evbuffer_ptr from;
		evbuffer_ptr_set(src, &from, st->copied, EVBUFFER_PTR_SET);
		char chunk[16384];
		while (fresh > 0) {
			size_t n = fresh < sizeof(chunk) ? fresh : sizeof(chunk);
			ev_ssize_t got = evbuffer_copyout_from(src, &from, chunk, n);
			if (got <= 0)
				return BEV_ERROR;
			evbuffer_add(dst, chunk, (size_t)got);
			evbuffer_ptr_set(src, &from, (size_t)got, EVBUFFER_PTR_ADD);
			st->copied += (size_t)got;
			fresh -= (size_t)got;
		}
		return BEV_OK;
	}
	/* libevent calls the filter again while its output is not empty and the last call
	 * returned BEV_OK; with nothing new to copy, say so, or it would loop. Once the output
	 * is empty, BEV_OK lets it tell evhttp that the reply is out. */
	return evbuffer_get_length(src) == 0 ? BEV_OK : BEV_NEED_MORE;
}

static void limits_free_cb(void *arg)
{
	limits_state_free(arg);
}

struct bufferevent *http_limits_bevcb(struct event_base *base, void *arg)
{
	struct limits_state *st = limits_state_new(arg);
	if (!st)
		return NULL;
	struct bufferevent *sock = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!sock) {
		limits_state_free(st);
		return NULL;
	}
	/* Deferred callbacks: evhttp may free the connection from its write callback, and
	 * without deferral libevent's filter would go on using itself after that. */
	struct bufferevent *filt = bufferevent_filter_new(
		sock, limits_filter, output_filter, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS,
		limits_free_cb, st);
	if (!filt) {
		bufferevent_free(sock);
		limits_state_free(st);
		return NULL;
	}
	st->filter = filt;
	st->flush_ev = event_new(base, -1, 0, flush_cb, st);
	if (!st->flush_ev || !evbuffer_add_cb(bufferevent_get_output(filt), output_added_cb, st)) {
		bufferevent_free(filt);
		return NULL;
	}
	return filt;
}
