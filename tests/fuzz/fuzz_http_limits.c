/* fuzz_http_limits.c - request framing (server/http_limits.c). Whatever bytes a client
 * sends, limits_feed must neither crash nor leak, and must frame them the same way however
 * TCP splits them: a different split that changes what libevent sees is a way to smuggle
 * a request past the checks. The first byte of the input is the segment size (0: one
 * byte at a time); the rest is the stream. */
#include <string.h>

#include <event2/buffer.h>

#include "fuzz.h"
#include "http_limits.h"

/* http.c owns the real one (random per process); the framing step is linked without it. */
char http_reject_secret[33] = "5eb63bbbe01eeed093cb22bb8f5acdc3";

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
		limits_feed(st, in, out);
		FUZZ_CHECK(evbuffer_get_length(in) == 0); /* the filter keeps what it holds */
	}
	evbuffer_free(in);
	limits_state_free(st);
	return out;
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
	evbuffer_free(whole);
	evbuffer_free(split);
	return 0;
}
