/* hello.c - the HTTP ceiling for `make bench`: a bare libevent evhttp server, one thread,
 * that answers every request with a small fixed JSON body. Usage: hello PORT. */
#include <stdio.h>
#include <stdlib.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

static void reply(struct evhttp_request *req, void *arg)
{
	(void)arg;
	struct evbuffer *b = evbuffer_new();
	evbuffer_add(b, "{\"hello\":\"world\"}", 17);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

int main(int argc, char **argv)
{
	struct event_base *base = event_base_new();
	struct evhttp *http = evhttp_new(base);
	if (argc < 2 || evhttp_bind_socket(http, "127.0.0.1", (unsigned short)atoi(argv[1])) < 0) {
		fprintf(stderr, "usage: hello PORT\n");
		return 2;
	}
	evhttp_set_gencb(http, reply, NULL);
	event_base_dispatch(base);
	return 0;
}
