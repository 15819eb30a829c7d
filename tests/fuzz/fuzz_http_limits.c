/* fuzz_http_limits.c - request framing (server/http/http_limits.c). Whatever bytes a client
 * sends, limits_feed must neither crash nor leak, and:
 *  - frame them the same way however TCP splits them (the first byte of the input is the
 *    segment size, 0 meaning one byte at a time; the rest is the stream);
 *  - pass on only requests that libevent, reading the output its own way (lines end in LF
 *    with an optional CR before it, a head ends at the first empty line, the body is the
 *    first Content-Length's bytes for POST, PUT and PATCH only), sees as checked: a
 *    complete head with a request line the filter accepts, no bare CR or NUL, no
 *    Transfer-Encoding, no folded line, and one Content-Length within the limit, on a
 *    method that has a body. Anything else is a request smuggled past the checks;
 *  - let through no client request for a path under /.pakn/: a head there is the filter's
 *    own made-up refusal, exactly "GET /.pakn/reject/<status> HTTP/1.x" with at most
 *    "Connection: close" and no body. */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "http/http_limits.h"
#include "fuzz.h"

/* Small limits, so that short inputs reach the 431 and 413 paths. */
static const struct http_limits limits = {.max_header_bytes = 1024, .max_body_bytes = 2048};

static struct evbuffer *frame(const uint8_t *data, size_t size, size_t segment)
{
	struct limits_state *st = limits_state_new(&limits);
	struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
	FUZZ_CHECK(st && in && out);
	for (size_t i = 0; i < size; i += segment) {
		size_t n = size - i < segment ? size - i : segment;
		evbuffer_add(in, data + i, n);
		enum limits_result res = limits_feed(st, in, out);
		FUZZ_CHECK(evbuffer_get_length(in) == 0); /* the filter keeps what it holds */
		if (res == LIMITS_CLOSE)
			break; /* the connection is closed: nothing more is read */
	}
	evbuffer_free(in);
	limits_state_free(st);
	return out;
}

/* The next line as libevent's EVBUFFER_EOL_CRLF reads it: its length without the line end
 * in *len; returns the position after the line end, or NULL if there is no LF. */
static const char *next_line(const char *p, const char *end, size_t *len)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));
	if (!lf)
		return NULL;
	*len = (size_t)(lf - p) - (lf > p && lf[-1] == '\r');
	return lf + 1;
}

static bool name_is(const char *line, size_t nlen, const char *name)
{
	return nlen == strlen(name) && strncasecmp(line, name, nlen) == 0;
}

/* A head for a path under /.pakn/ is the filter's made-up refusal and nothing else. */
static void check_made_up(const char *line, size_t len, const char *head_end)
{
	static const char prefix[] = "GET " HTTP_REJECT_PREFIX;
	size_t plen = strlen(prefix);
	FUZZ_CHECK(len == plen + 3 + 9 && strncmp(line, prefix, plen) == 0);
	for (size_t i = plen; i < plen + 3; i++)
		FUZZ_CHECK(isdigit((unsigned char)line[i]));
	const char *rest = memchr(line, '\n', (size_t)(head_end - line)) + 1;
	size_t left = (size_t)(head_end - rest);
	FUZZ_CHECK((left == 2 && memcmp(rest, "\r\n", 2) == 0) ||
		   (left == 21 && memcmp(rest, "Connection: close\r\n\r\n", 21) == 0));
}

/* Checks one head libevent reads (lines from p); returns the position after it and the
 * body length libevent will read in *body. */
static const char *check_head(const char *p, const char *end, unsigned long long *body)
{
	static const char *const methods[] = {"GET ", "HEAD ", "DELETE ", "OPTIONS ",
					      "POST ", "PUT ", "PATCH "};
	size_t len;
	const char *line = p;
	p = next_line(p, end, &len);
	FUZZ_CHECK(p != NULL); /* a head the filter passed is complete */
	FUZZ_CHECK(!memchr(line, '\r', len) && !memchr(line, '\0', len));
	size_t m = 0;
	while (m < 7 && strncmp(line, methods[m], strlen(methods[m])) != 0)
		m++;
	FUZZ_CHECK(m < 7); /* a method libevent knows, else it answers in HTML */
	FUZZ_CHECK(len >= 9 && (strncmp(line + len - 9, " HTTP/1.1", 9) == 0 ||
				strncmp(line + len - 9, " HTTP/1.0", 9) == 0));
	bool has_body = m >= 4, have_length = false;
	const char *request_line = line;
	size_t request_len = len;
	*body = 0;
	for (;;) {
		line = p;
		p = next_line(p, end, &len);
		FUZZ_CHECK(p != NULL);
		if (len == 0)
			break;
		/* A bare CR or a NUL: libevent answers in HTML, or cuts the line short. */
		FUZZ_CHECK(!memchr(line, '\r', len) && !memchr(line, '\0', len));
		FUZZ_CHECK(line[0] != ' ' && line[0] != '\t'); /* folded onto the line before */
		const char *colon = memchr(line, ':', len);
		FUZZ_CHECK(colon != NULL);
		size_t nlen = (size_t)(colon - line);
		const char *v = colon + 1, *ve = line + len;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && isspace((unsigned char)ve[-1]))
			ve--;
		FUZZ_CHECK(!name_is(line, nlen, "Transfer-Encoding"));
		if (name_is(line, nlen, "Content-Length")) {
			unsigned long long n = 0;
			FUZZ_CHECK(v < ve && ve - v <= 18);
			for (const char *d = v; d < ve; d++) {
				FUZZ_CHECK(isdigit((unsigned char)*d));
				n = n * 10 + (unsigned)(*d - '0');
			}
			FUZZ_CHECK(!have_length || n == *body);
			have_length = true;
			*body = n;
		}
	}
	FUZZ_CHECK(*body <= limits.max_body_bytes && (*body == 0 || has_body));
	const char *target = memchr(request_line, ' ', request_len) + 1;
	if ((size_t)(request_line + request_len - target) >= strlen(HTTP_PAKN_PREFIX) &&
	    strncmp(target, HTTP_PAKN_PREFIX, strlen(HTTP_PAKN_PREFIX)) == 0)
		check_made_up(request_line, request_len, p);
	return p;
}

static void check_libevent_view(struct evbuffer *out)
{
	size_t n = evbuffer_get_length(out);
	if (n == 0)
		return;
	const char *p = (const char *)evbuffer_pullup(out, -1), *end = p + n;
	while (p < end) {
		unsigned long long body;
		p = check_head(p, end, &body);
		size_t left = (size_t)(end - p);
		p += body < left ? (size_t)body : left;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t segment = data[0] ? data[0] : 1;
	data++;
	size--;
	struct evbuffer *whole = frame(data, size, size ? size : 1);
	struct evbuffer *split = frame(data, size, segment);
	size_t n = evbuffer_get_length(whole);
	FUZZ_CHECK(evbuffer_get_length(split) == n);
	FUZZ_CHECK(n == 0 || memcmp(evbuffer_pullup(whole, -1), evbuffer_pullup(split, -1), n) == 0);
	check_libevent_view(whole);
	evbuffer_free(whole);
	evbuffer_free(split);
	return 0;
}
