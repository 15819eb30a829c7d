/* http_limits.c - owns request framing for the limits (see http_limits.h): what of a
 * connection's bytes libevent may see, in which form, and how long a request may take to
 * arrive.
 *
 * libevent never reads the client's bytes. The filter collects a request's head (request
 * line and header lines, ending at the first blank line in any of the forms libevent would
 * accept: each line ends in LF or CRLF), checks every line up to exactly that point, and
 * writes libevent a canonical copy: the request line, each accepted header as
 * "Name: value\r\n", "\r\n", then exactly Content-Length body bytes. So libevent's framing
 * cannot differ from the filter's, and nothing the filter has not checked reaches it.
 *
 * A refused request becomes "GET /.pakn/reject/<status>", which http.c answers with the
 * JSON error. No secret marks it: the filter is the only writer of what libevent parses,
 * and it refuses every client request whose path is under /.pakn/ (404), so any such
 * request libevent sees was made here. (A per-process secret header did this before; a
 * desync echoed it back to a client. Nothing that is not sent can be reflected.)
 *
 * Memory follows the bytes received: the head and the body are copied into buffers that
 * grow with what has arrived (a client trickling one byte per TCP segment costs one byte
 * each, not a libevent chain each), and a body goes to libevent at once when complete. */
#include "http/http_limits.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "http/http_router.h"
#include "core/xalloc.h"

enum limits_phase {
	PHASE_HEAD,    /* collecting a request line and headers in head */
	PHASE_BODY,    /* collecting the body of an accepted request (head already passed on) */
	PHASE_SKIP,    /* dropping body_left bytes of a refused body; the connection goes on */
	PHASE_DISCARD, /* a request was refused and its end is unknown, or the connection is
			* being closed: drop everything until it closes */
};

/* A byte buffer that grows with what is put in it, up to a cap. */
struct bytes {
	uint8_t *p;
	size_t len, cap;
};

struct limits_state {
	struct http_limits lim;
	enum limits_phase phase;
	struct bytes head;            /* the head so far (PHASE_HEAD) */
	size_t line_start;            /* offset in head of the line not yet complete */
	int line_status;              /* refusal found in the request line, decided at the end */
	struct bytes body;            /* the body so far (PHASE_BODY) */
	unsigned long long body_left; /* bytes still to come (PHASE_BODY, PHASE_SKIP) */
	unsigned deadline_s;          /* the deadline running, 0 if none */
	struct bufferevent *filter;
	struct event *deadline_ev; /* NULL in tests */
	struct event *flush_ev;    /* see output_added_cb */
	size_t copied;             /* bytes of the filter's output copied to the socket */
};

/* Set when a request line has no HTTP version: HTTP/0.9, or not HTTP at all. */
#define STATUS_HTTP09 (-1)

/* --- buffers and deadlines -------------------------------------------------------------- */

/* Returns 0, or -1 when out of memory or past max. */
static int bytes_append(struct bytes *b, const uint8_t *p, size_t n, size_t max)
{
	if (b->len + n > max)
		return -1;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		if (cap > max)
			cap = max;
		uint8_t *np = xtry_realloc(b->p, cap);
		if (!np)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static void bytes_free(struct bytes *b)
{
	free(b->p);
	*b = (struct bytes){0};
}

static void deadline_set(struct limits_state *st, unsigned seconds)
{
	st->deadline_s = seconds;
	if (!st->deadline_ev)
		return;
	if (seconds) {
		struct timeval tv = {(time_t)seconds, 0};
		event_add(st->deadline_ev, &tv);
	} else {
		event_del(st->deadline_ev);
	}
}

/* A body of len bytes gets body_timeout plus the time it takes at body_min_rate. */
static unsigned body_deadline(const struct http_limits *lim, unsigned long long len)
{
	unsigned long long rate = lim->body_min_rate ? lim->body_min_rate : 1;
	unsigned long long s = lim->body_timeout + (len + rate - 1) / rate;
	return s > UINT_MAX ? UINT_MAX : (unsigned)s;
}

unsigned limits_deadline(const struct limits_state *st)
{
	return st->deadline_s;
}

struct limits_state *limits_state_new(const struct http_limits *lim)
{
	struct limits_state *st = xcalloc(1, sizeof(*st));
	st->lim = *lim;
	return st;
}

void limits_state_free(struct limits_state *st)
{
	if (!st)
		return;
	if (st->flush_ev)
		event_free(st->flush_ev);
	if (st->deadline_ev)
		event_free(st->deadline_ev);
	bytes_free(&st->head);
	bytes_free(&st->body);
	free(st);
}

/* --- refusing --------------------------------------------------------------------------- */

/* Replaces a refused request by the made-up one. When its end is known (keep: a well-formed
 * head whose body is too large or whose path is ours) the declared body is skipped and the
 * connection stays usable (closing with unread input would make the kernel reset the
 * connection, which can destroy the reply before the client reads it); otherwise the reply
 * closes the connection and everything after is dropped. */
static void refuse(struct limits_state *st, struct evbuffer *out, int status, bool keep,
		   bool close, unsigned long long body)
{
	evbuffer_add_printf(out, "GET " HTTP_REJECT_PREFIX "%d HTTP/1.%d\r\n%s\r\n", status,
			    keep ? 1 : 0, keep && close ? "Connection: close\r\n" : "");
	bytes_free(&st->head);
	bytes_free(&st->body);
	st->line_start = 0;
	st->line_status = 0;
	if (keep && body > 0) {
		st->phase = PHASE_SKIP;
		st->body_left = body;
		/* Skipping lasts no longer than the largest accepted body may take: a declared
		 * length of 10^18 would otherwise hold the connection for ever. */
		deadline_set(st, body_deadline(&st->lim, body < st->lim.max_body_bytes
								 ? body
								 : st->lim.max_body_bytes));
	} else {
		st->phase = keep ? PHASE_HEAD : PHASE_DISCARD;
		deadline_set(st, 0);
	}
}

/* --- checking a head -------------------------------------------------------------------- */

/* RFC 9110 5.6.2: the characters of a token (field names, methods). */
static bool is_tchar(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* What a Host value may hold: uri-host [":" port], an IPv6 literal in brackets. */
static bool is_host_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-._~%!$&'()*+,;=:[]", c));
}

static bool names_equal(const uint8_t *p, size_t len, const char *name)
{
	return len == strlen(name) && strncasecmp((const char *)p, name, len) == 0;
}

struct request_line {
	const uint8_t *method, *target;
	size_t method_len, target_len;
	int minor;         /* HTTP/1.<minor> */
	bool body_allowed; /* libevent reads a body for the method, and the API takes one */
	bool ours;         /* the path is under HTTP_PAKN_PREFIX */
};

/* Checks "METHOD SP target SP HTTP/1.x" (len excludes the line end) with a method libevent
 * knows and a target it can parse. Returns 0, 400, 501, or STATUS_HTTP09. */
static int check_request_line(const uint8_t *line, size_t len, struct request_line *rl)
{
	const uint8_t *sp1 = memchr(line, ' ', len);
	if (!sp1 || sp1 == line)
		return 400;
	const uint8_t *sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line));
	if (!sp2) {
		/* "GET /": no version. A reply in HTTP/1.x framing would be misread. */
		return sp1 + 1 < line + len ? STATUS_HTTP09 : 400;
	}
	if (sp2 == sp1 + 1)
		return 400;
	size_t vlen = len - (size_t)(sp2 + 1 - line);
	if (vlen != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 || (sp2[8] != '0' && sp2[8] != '1'))
		return 400;
	rl->minor = sp2[8] - '0';
	rl->method = line;
	rl->method_len = (size_t)(sp1 - line);
	rl->target = sp1 + 1;
	rl->target_len = (size_t)(sp2 - sp1 - 1);
	for (size_t i = 0; i < rl->method_len; i++)
		if (!is_tchar(line[i]))
			return 400;
	for (size_t i = 0; i < rl->target_len; i++)
		if (rl->target[i] <= ' ' || rl->target[i] == 0x7f)
			return 400;
	int known = -1;
	for (size_t i = 0; i < HTTP_METHOD_COUNT; i++)
		if (rl->method_len == strlen(http_methods[i].name) &&
		    memcmp(line, http_methods[i].name, rl->method_len) == 0)
			known = (int)i;
	/* The target as libevent will parse it; what it cannot parse it answers in HTML.
	 * "*" is for OPTIONS only (RFC 9112 3.2.4). */
	bool asterisk = rl->target_len == 1 && rl->target[0] == '*';
	if (asterisk && (known < 0 || http_methods[known].bit != HTTP_OPTIONS))
		return 400;
	char *target = xtry_strndup((const char *)rl->target, rl->target_len);
	if (!target)
		return 503; /* sized by the client: refuse this request alone */
	struct evhttp_uri *uri = evhttp_uri_parse_with_flags(target, EVHTTP_URI_NONCONFORMANT);
	free(target);
	if (!uri)
		return 400;
	const char *path = evhttp_uri_get_path(uri);
	const char *scheme = evhttp_uri_get_scheme(uri);
	bool origin_or_absolute = rl->target[0] == '/' ||
				  (scheme && (strcasecmp(scheme, "http") == 0 ||
					      strcasecmp(scheme, "https") == 0));
	rl->ours = path && strncmp(path, HTTP_PAKN_PREFIX, strlen(HTTP_PAKN_PREFIX)) == 0;
	evhttp_uri_free(uri);
	if (known < 0)
		return 501;
	if (!asterisk && !origin_or_absolute)
		return 400;
	rl->body_allowed = http_methods[known].body;
	return 0;
}

/* What the header lines say about framing. */
struct head_info {
	unsigned long long body; /* Content-Length, or ULLONG_MAX when too long to hold */
	bool close;              /* Connection: close */
	bool expects_continue;   /* Expect: 100-continue */
};

/* Checks one header line (p..e, without its line end) and writes its canonical form to
 * canon. Returns 0 or the status to refuse with. */
static int check_field(const uint8_t *p, const uint8_t *e, struct head_info *h, int *hosts,
		       bool *have_length, struct evbuffer *canon)
{
	/* A line folded onto the previous one (obsolete, RFC 9112 5.2). */
	if (*p == ' ' || *p == '\t')
		return 400;
	/* The name is a token right up to the colon: no whitespace before it (RFC 9112 5.1). */
	const uint8_t *colon = p;
	while (colon < e && is_tchar(*colon))
		colon++;
	if (colon == p || colon == e || *colon != ':')
		return 400;
	size_t nlen = (size_t)(colon - p);
	const uint8_t *v = colon + 1, *ve = e;
	while (v < ve && (*v == ' ' || *v == '\t'))
		v++;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	/* CR, NUL and the other controls but HTAB are never part of a value (RFC 9110 5.5). */
	for (const uint8_t *c = v; c < ve; c++)
		if ((*c < ' ' && *c != '\t') || *c == 0x7f)
			return 400;
	size_t vlen = (size_t)(ve - v);
	if (names_equal(p, nlen, "transfer-encoding"))
		return 411;
	if (names_equal(p, nlen, "expect")) {
		if (!names_equal(v, vlen, "100-continue"))
			return 417;
		h->expects_continue = true;
	}
	if (names_equal(p, nlen, "connection") && names_equal(v, vlen, "close"))
		h->close = true;
	if (names_equal(p, nlen, "host")) {
		(*hosts)++;
		for (const uint8_t *c = v; c < ve; c++)
			if (!is_host_char(*c))
				return 400;
	}
	if (names_equal(p, nlen, "content-length")) {
		if (vlen == 0)
			return 400;
		if (vlen > 18) {
			/* Too long to count: refused, and its end is unknown. */
			h->body = ULLONG_MAX;
			return 413;
		}
		unsigned long long n = 0;
		for (const uint8_t *d = v; d < ve; d++) {
			if (*d < '0' || *d > '9')
				return 400;
			n = n * 10 + (unsigned)(*d - '0');
		}
		if (*have_length && n != h->body)
			return 400;
		if (*have_length)
			return 0; /* the same length again: libevent gets it once */
		*have_length = true;
		h->body = n;
	}
	evbuffer_add(canon, p, nlen);
	evbuffer_add(canon, ": ", 2);
	evbuffer_add(canon, v, vlen);
	evbuffer_add(canon, "\r\n", 2);
	return 0;
}

/* Checks the header lines of a complete head (block..end, the request line excluded, the
 * blank line included) and appends their canonical form to canon. Returns 0 or the status
 * to refuse with; the first line at fault decides it. */
static int check_fields(const uint8_t *block, const uint8_t *end, const struct request_line *rl,
			struct head_info *h, struct evbuffer *canon)
{
	int hosts = 0;
	bool have_length = false;
	for (const uint8_t *p = block; p < end;) {
		const uint8_t *eol = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *e = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
		if (e == p)
			break; /* the blank line: the last of the block */
		int status = check_field(p, e, h, &hosts, &have_length, canon);
		if (status)
			return status;
		p = eol + 1;
	}
	/* RFC 9112 3.2: exactly one Host in HTTP/1.1, at most one before. */
	if (hosts > 1 || (hosts == 0 && rl->minor == 1))
		return 400;
	/* A body on a method the API takes none for is refused, not passed on. */
	if (h->body > 0 && !rl->body_allowed)
		return 400;
	return 0;
}

/* The head is complete (st->head holds it, blank line included): passes its canonical form
 * on, or the made-up refusal. */
static void finish_head(struct limits_state *st, struct evbuffer *out)
{
	const uint8_t *block = st->head.p;
	const uint8_t *eol = memchr(block, '\n', st->head.len);
	size_t rlen = (size_t)(eol - block);
	if (rlen > 0 && block[rlen - 1] == '\r')
		rlen--;
	struct request_line rl = {0};
	struct head_info h = {0};
	int status = st->line_status ? st->line_status : check_request_line(block, rlen, &rl);
	struct evbuffer *canon = evbuffer_new();
	if (!status && !canon)
		status = 503;
	if (!status) {
		evbuffer_add(canon, block, rlen);
		evbuffer_add(canon, "\r\n", 2);
		status = check_fields(eol + 1, block + st->head.len, &rl, &h, canon);
	}
	if (!status && h.body > st->lim.max_body_bytes)
		status = 413;
	else if (!status && rl.ours)
		status = 404;
	if (status) {
		/* Only a well-formed head has a known end. A client waiting for 100 Continue may
		 * never send the body it declared: its next bytes could be read as that body. */
		bool keep = ((status == 413 && h.body != ULLONG_MAX) || status == 404) &&
			    !h.expects_continue;
		refuse(st, out, status, keep, h.close, keep ? h.body : 0);
	} else {
		evbuffer_add(canon, "\r\n", 2);
		evbuffer_add_buffer(out, canon);
		bytes_free(&st->head);
		st->line_start = 0;
		if (h.body > 0) {
			st->phase = PHASE_BODY;
			st->body_left = h.body;
			deadline_set(st, body_deadline(&st->lim, h.body));
		} else {
			deadline_set(st, 0);
		}
	}
	if (canon)
		evbuffer_free(canon);
}

/* --- feeding bytes ---------------------------------------------------------------------- */

/* Whether a request has begun: the head holds more than a pending CR of a blank line. */
static bool head_started(const struct limits_state *st)
{
	return st->head.len > 1 || (st->head.len == 1 && st->head.p[0] != '\r');
}

/* Blank lines before a request are allowed (RFC 9112 2.2) and dropped; a CR at the end of
 * the input is kept until the next byte says whether it ends a blank line. Returns the
 * bytes taken. */
static size_t skip_blank_lines(struct limits_state *st, const uint8_t *p, size_t n)
{
	size_t i = 0;
	if (st->head.len == 1) {
		if (p[0] != '\n')
			return 0; /* the CR begins the request line (and makes it bad) */
		st->head.len = 0;
		i = 1;
	}
	while (i < n) {
		if (p[i] == '\n') {
			i++;
		} else if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
			i += 2;
		} else if (p[i] == '\r' && i + 1 == n) {
			if (bytes_append(&st->head, p + i, 1, st->lim.max_header_bytes) < 0)
				return i;
			i++;
		} else {
			break;
		}
	}
	return i;
}

/* Takes bytes of a head, up to and including its next line end. Returns the bytes taken
 * and sets *res. */
static size_t take_head(struct limits_state *st, const uint8_t *p, size_t n,
			struct evbuffer *out, enum limits_result *res)
{
	if (!head_started(st)) {
		size_t skipped = skip_blank_lines(st, p, n);
		if (skipped > 0)
			return skipped;
		/* A request's first byte: its headers must be in within header_timeout. */
		deadline_set(st, st->lim.header_timeout);
	}
	*res = LIMITS_PROGRESS;
	const uint8_t *nl = memchr(p, '\n', n);
	size_t take = nl ? (size_t)(nl - p) + 1 : n;
	if (st->head.len + take > st->lim.max_header_bytes) {
		refuse(st, out, st->line_status > 0 ? st->line_status : 431, false, false, 0);
		return n;
	}
	if (bytes_append(&st->head, p, take, st->lim.max_header_bytes) < 0) {
		refuse(st, out, 503, false, false, 0);
		return n;
	}
	if (!nl)
		return take;
	size_t start = st->line_start;
	size_t len = st->head.len - start - 1; /* without the LF */
	const uint8_t *line = st->head.p + start;
	st->line_start = st->head.len;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (start == 0) {
		/* The request line is judged at once: HTTP/0.9 sends no more lines. */
		struct request_line rl;
		int status = check_request_line(line, len, &rl);
		if (status == STATUS_HTTP09) {
			bytes_free(&st->head);
			st->phase = PHASE_DISCARD;
			deadline_set(st, 0);
			*res = LIMITS_CLOSE;
			return n;
		}
		st->line_status = status;
	} else if (len == 0) {
		finish_head(st, out);
	}
	return take;
}

/* Takes the n bytes at p, whatever phase they fall in. */
static enum limits_result feed_bytes(struct limits_state *st, const uint8_t *p, size_t n,
				     struct evbuffer *out)
{
	enum limits_result res = LIMITS_WAIT;
	while (n > 0 && res != LIMITS_CLOSE) {
		size_t used = n;
		switch (st->phase) {
		case PHASE_DISCARD:
			break;
		case PHASE_SKIP:
		case PHASE_BODY:
			if (used > st->body_left)
				used = (size_t)st->body_left;
			if (st->phase == PHASE_BODY &&
			    bytes_append(&st->body, p, used, st->body.len + st->body_left) < 0) {
				/* libevent has the head and waits for the body: only closing ends it. */
				bytes_free(&st->body);
				st->phase = PHASE_DISCARD;
				res = LIMITS_CLOSE;
				break;
			}
			st->body_left -= used;
			res = LIMITS_PROGRESS;
			if (st->body_left == 0) {
				/* The whole body at once: one copy into libevent, not one per read. */
				if (st->phase == PHASE_BODY)
					evbuffer_add(out, st->body.p, st->body.len);
				bytes_free(&st->body);
				st->phase = PHASE_HEAD;
				deadline_set(st, 0);
			}
			break;
		case PHASE_HEAD:
			used = take_head(st, p, n, out, &res);
			break;
		}
		p += used;
		n -= used;
	}
	return res;
}

enum limits_result limits_feed(struct limits_state *st, struct evbuffer *in, struct evbuffer *out)
{
	enum limits_result res = LIMITS_WAIT;
	size_t n;
	/* Chain by chain, copied out of libevent's buffers, never moved. */
	while ((n = evbuffer_get_contiguous_space(in)) > 0) {
		const uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)n);
		enum limits_result r = feed_bytes(st, p, n, out);
		evbuffer_drain(in, n);
		if (r > res)
			res = r;
		if (res == LIMITS_CLOSE)
			evbuffer_drain(in, evbuffer_get_length(in));
	}
	return res;
}

enum limits_result limits_expire(struct limits_state *st, struct evbuffer *out)
{
	switch (st->phase) {
	case PHASE_HEAD:
	case PHASE_SKIP:
		if (st->phase == PHASE_HEAD && !head_started(st))
			return LIMITS_WAIT;
		/* Nothing of the late request has reached libevent: it can still be answered. */
		refuse(st, out, 408, false, false, 0);
		return LIMITS_PROGRESS;
	case PHASE_BODY:
		/* libevent has the head and waits for the body: only closing ends it. */
		bytes_free(&st->body);
		st->phase = PHASE_DISCARD;
		deadline_set(st, 0);
		return LIMITS_CLOSE;
	case PHASE_DISCARD:
		break;
	}
	return LIMITS_WAIT;
}

/* --- the bufferevent filter ------------------------------------------------------------- */

/* Shutting the socket down makes libevent read an end of file, and evhttp then frees the
 * connection; nothing more is sent. (A filter's BEV_ERROR would not do: libevent 2.1's read
 * path ignores what the filter returns.) */
static void close_now(struct limits_state *st)
{
	evutil_socket_t fd = bufferevent_getfd(bufferevent_get_underlying(st->filter));
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
}

static enum bufferevent_filter_result limits_filter(struct evbuffer *src, struct evbuffer *dst,
						    ev_ssize_t dst_limit,
						    enum bufferevent_flush_mode mode, void *arg)
{
	(void)dst_limit;
	(void)mode;
	struct limits_state *st = arg;
	enum limits_result res = limits_feed(st, src, dst);
	if (res == LIMITS_CLOSE)
		close_now(st);
	/* BEV_OK restarts evhttp's read timeout. Blank lines alone and dropped bytes must not,
	 * or a client could keep an idle connection forever; the deadlines bound the rest. */
	return res == LIMITS_PROGRESS ? BEV_OK : BEV_NEED_MORE;
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct limits_state *st = arg;
	st->deadline_s = 0;
	struct evbuffer *in = bufferevent_get_input(st->filter);
	size_t before = evbuffer_get_length(in);
	if (limits_expire(st, in) == LIMITS_CLOSE)
		close_now(st);
	/* evhttp reads the made-up 408 now if it is waiting for a request, else (busy with the
	 * one before, reading disabled) once it is done with that one. */
	if (evbuffer_get_length(in) > before && (bufferevent_get_enabled(st->filter) & EV_READ))
		bufferevent_trigger(st->filter, EV_READ, 0);
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

/* Out of memory here ends the process (systemd restarts it): libevent 2.1 treats a NULL
 * bufferevent as "make a plain one", which would serve the connection without framing,
 * deadlines or the connection caps. */
struct bufferevent *http_limits_bevcb(struct event_base *base, void *arg)
{
	struct limits_state *st = limits_state_new(arg);
	struct bufferevent *sock = st ? bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)
				      : NULL;
	/* Deferred callbacks: evhttp may free the connection from its write callback, and
	 * without deferral libevent's filter would go on using itself after that. */
	struct bufferevent *filt =
		sock ? bufferevent_filter_new(sock, limits_filter, output_filter,
					      BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS,
					      limits_free_cb, st)
		     : NULL;
	if (filt) {
		st->filter = filt;
		st->flush_ev = event_new(base, -1, 0, flush_cb, st);
		st->deadline_ev = evtimer_new(base, deadline_cb, st);
	}
	if (!filt || !st->flush_ev || !st->deadline_ev ||
	    evbuffer_add_cb(bufferevent_get_output(filt), output_added_cb, st) == NULL) {
		abort();
	}
	return filt;
}
