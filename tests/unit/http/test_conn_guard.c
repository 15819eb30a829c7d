/* test_conn_guard.c - tests server/http/conn_guard.c: the total and per-address counts (IPv6 per
 * /64, trusted proxies exempt, a table that stays right under churn), the 503 refusal, and on
 * a real evhttp: a connection over a cap refused, and accepting paused, not spinning, when the
 * process has no descriptor left. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <json-c/json.h>

#include "http/conn_guard.h"

static struct sockaddr_storage addr(const char *text)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
	} else {
		assert_int_equal(inet_pton(AF_INET6, text, &in6->sin6_addr), 1);
		in6->sin6_family = AF_INET6;
	}
	return ss;
}

static enum conn_verdict admit(struct conn_guard *g, const char *text, bool exempt,
			       struct conn_slot *slot)
{
	struct sockaddr_storage ss = addr(text);
	return conn_guard_admit(g, (struct sockaddr *)&ss, exempt, slot);
}

static long count_of(struct conn_guard *g, const char *text)
{
	struct sockaddr_storage ss = addr(text);
	return conn_guard_count_of(g, (struct sockaddr *)&ss);
}

static void test_total_cap(void **state)
{
	(void)state;
	struct conn_guard *g = conn_guard_new(3, 100);
	struct conn_slot s[4];
	assert_int_equal(admit(g, "10.0.0.1", false, &s[0]), CONN_ADMITTED);
	assert_int_equal(admit(g, "10.0.0.2", false, &s[1]), CONN_ADMITTED);
	assert_int_equal(admit(g, "10.0.0.3", false, &s[2]), CONN_ADMITTED);
	assert_int_equal(admit(g, "10.0.0.4", false, &s[3]), CONN_OVER_TOTAL);
	assert_int_equal(count_of(g, "10.0.0.4"), 0); /* a refusal counts nothing */
	assert_int_equal(conn_guard_total(g), 3);
	conn_guard_release(g, &s[1]);
	assert_int_equal(admit(g, "10.0.0.4", false, &s[3]), CONN_ADMITTED);
	assert_int_equal(conn_guard_total(g), 3);
	conn_guard_free(g);
}

static void test_per_address_cap(void **state)
{
	(void)state;
	struct conn_guard *g = conn_guard_new(100, 2);
	struct conn_slot a1, a2, a3, b1;
	assert_int_equal(admit(g, "192.0.2.7", false, &a1), CONN_ADMITTED);
	assert_int_equal(admit(g, "192.0.2.7", false, &a2), CONN_ADMITTED);
	assert_int_equal(admit(g, "192.0.2.7", false, &a3), CONN_OVER_ADDRESS);
	assert_int_equal(admit(g, "192.0.2.8", false, &b1), CONN_ADMITTED);
	assert_int_equal(count_of(g, "192.0.2.7"), 2);
	assert_int_equal(conn_guard_total(g), 3);
	conn_guard_release(g, &a1);
	assert_int_equal(count_of(g, "192.0.2.7"), 1);
	assert_int_equal(admit(g, "192.0.2.7", false, &a3), CONN_ADMITTED);
	conn_guard_release(g, &a2);
	conn_guard_release(g, &a3);
	conn_guard_release(g, &b1);
	assert_int_equal(count_of(g, "192.0.2.7"), 0);
	assert_int_equal(conn_guard_total(g), 0);
	conn_guard_free(g);
}

/* One subscriber gets a /64 and can use any address in it; an IPv4 client reached over an
 * IPv6 socket is the same client. */
static void test_ipv6_per_64_and_mapped_ipv4(void **state)
{
	(void)state;
	struct conn_guard *g = conn_guard_new(100, 2);
	struct conn_slot s[6];
	assert_int_equal(admit(g, "2001:db8:1:2::1", false, &s[0]), CONN_ADMITTED);
	assert_int_equal(admit(g, "2001:db8:1:2:ffff::9", false, &s[1]), CONN_ADMITTED);
	assert_int_equal(admit(g, "2001:db8:1:2::abcd", false, &s[2]), CONN_OVER_ADDRESS);
	assert_int_equal(admit(g, "2001:db8:1:3::1", false, &s[2]), CONN_ADMITTED);
	assert_int_equal(admit(g, "198.51.100.1", false, &s[3]), CONN_ADMITTED);
	assert_int_equal(admit(g, "::ffff:198.51.100.1", false, &s[4]), CONN_ADMITTED);
	assert_int_equal(admit(g, "198.51.100.1", false, &s[5]), CONN_OVER_ADDRESS);
	assert_int_equal(count_of(g, "::ffff:198.51.100.1"), 2);
	conn_guard_free(g);
}

static void test_trusted_proxy_counts_in_total_only(void **state)
{
	(void)state;
	struct conn_guard *g = conn_guard_new(5, 1);
	struct conn_slot s[6];
	for (int i = 0; i < 5; i++)
		assert_int_equal(admit(g, "10.1.1.1", true, &s[i]), CONN_ADMITTED);
	assert_int_equal(count_of(g, "10.1.1.1"), 0);
	assert_int_equal(admit(g, "10.1.1.1", true, &s[5]), CONN_OVER_TOTAL);
	for (int i = 0; i < 5; i++)
		conn_guard_release(g, &s[i]);
	assert_int_equal(conn_guard_total(g), 0);
	conn_guard_free(g);
}

/* Thousands of admissions and releases in random order over a table nearly as full as it
 * gets, checked against plain counters: removal must never lose an address that sits
 * further along its run. */
static void test_table_churn_matches_counters(void **state)
{
	(void)state;
	enum { MAX = 500, ADDRS = 700, STEPS = 60000, LIVE = 2 * MAX };
	struct conn_guard *g = conn_guard_new(MAX, 3);
	static long want[ADDRS];
	static struct conn_slot live[LIVE];
	static int live_addr[LIVE];
	int nlive = 0;
	long total = 0;
	memset(want, 0, sizeof(want));
	srand(19);
	for (int step = 0; step < STEPS; step++) {
		if (nlive > 0 && (rand() % 2 == 0 || nlive == LIVE)) {
			int k = rand() % nlive;
			conn_guard_release(g, &live[k]);
			want[live_addr[k]]--;
			total--;
			live[k] = live[nlive - 1];
			live_addr[k] = live_addr[nlive - 1];
			nlive--;
			continue;
		}
		int a = rand() % ADDRS;
		char text[32];
		snprintf(text, sizeof(text), "10.%d.%d.1", a / 256, a % 256);
		enum conn_verdict v = admit(g, text, false, &live[nlive]);
		enum conn_verdict expect = total >= MAX      ? CONN_OVER_TOTAL
					   : want[a] >= 3    ? CONN_OVER_ADDRESS
							     : CONN_ADMITTED;
		assert_int_equal(v, expect);
		if (v == CONN_ADMITTED) {
			live_addr[nlive++] = a;
			want[a]++;
			total++;
		}
	}
	for (int a = 0; a < ADDRS; a++) {
		char text[32];
		snprintf(text, sizeof(text), "10.%d.%d.1", a / 256, a % 256);
		assert_int_equal(count_of(g, text), want[a]);
	}
	assert_int_equal(conn_guard_total(g), total);
	conn_guard_free(g);
}

static void test_refusal_is_a_json_503(void **state)
{
	(void)state;
	char buf[1024];
	size_t n = conn_guard_refusal(CONN_OVER_ADDRESS, "00112233aabbccdd", buf, sizeof(buf));
	assert_true(n > 0 && n < sizeof(buf));
	buf[n] = '\0';
	assert_non_null(strstr(buf, "HTTP/1.1 503 Service Unavailable\r\n"));
	assert_non_null(strstr(buf, "\r\nRetry-After: 2\r\n"));
	assert_non_null(strstr(buf, "\r\nConnection: close\r\n"));
	assert_non_null(strstr(buf, "\r\nContent-Type: application/json; charset=utf-8\r\n"));
	const char *body = strstr(buf, "\r\n\r\n") + 4;
	char want_len[64];
	snprintf(want_len, sizeof(want_len), "\r\nContent-Length: %zu\r\n", strlen(body));
	assert_non_null(strstr(buf, want_len));
	json_object *j = json_tokener_parse(body);
	assert_non_null(j);
	json_object *err, *v;
	assert_true(json_object_object_get_ex(j, "error", &err));
	assert_true(json_object_object_get_ex(err, "code", &v));
	assert_string_equal(json_object_get_string(v), "too_many_connections");
	assert_true(json_object_object_get_ex(err, "request_id", &v));
	assert_string_equal(json_object_get_string(v), "00112233aabbccdd");
	assert_true(json_object_object_get_ex(err, "message", &v));
	assert_non_null(strstr(json_object_get_string(v), " / Your address"));
	json_object_put(j);
	assert_int_equal(conn_guard_refusal(CONN_OVER_TOTAL, "x", buf, 64), 0);
}

/* --- on a real evhttp ------------------------------------------------------------------- */

struct rig {
	struct event_base *base;
	struct evhttp *http;
	struct conn_guard *guard;
	struct conn_watch *watch;
	int port;
};

static struct bufferevent *plain_bevcb(struct event_base *base, void *arg)
{
	(void)arg;
	return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
}

static void ok_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void rig_start(struct rig *r, long max_total, long max_per_address)
{
	r->base = event_base_new();
	r->http = evhttp_new(r->base);
	evhttp_set_gencb(r->http, ok_cb, NULL);
	struct evhttp_bound_socket *bound = evhttp_bind_socket_with_handle(r->http, "127.0.0.1", 0);
	assert_non_null(bound);
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&sin, &len);
	r->port = ntohs(sin.sin_port);
	r->guard = conn_guard_new(max_total, max_per_address);
	r->watch = conn_watch_new(r->guard, NULL, r->base, r->http, bound, plain_bevcb, NULL);
	assert_non_null(r->watch);
}

static void rig_stop(struct rig *r)
{
	evhttp_free(r->http);
	assert_int_equal(conn_guard_total(r->guard), 0); /* evhttp_free's closes uncounted */
	conn_watch_free(r->watch);
	conn_guard_free(r->guard);
	event_base_free(r->base);
}

static void rig_run(struct rig *r, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	event_base_loopexit(r->base, &tv);
	event_base_dispatch(r->base);
}

static int client(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* What fd has received so far, without waiting. */
static size_t received(int fd, char *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? (size_t)n : 0;
}

static void test_evhttp_connection_over_cap_refused(void **state)
{
	(void)state;
	struct rig r;
	rig_start(&r, 10, 1);
	int c1 = client(r.port);
	rig_run(&r, 50);
	assert_int_equal(conn_guard_total(r.guard), 1);
	int c2 = client(r.port);
	rig_run(&r, 50);
	char buf[2048];
	received(c2, buf, sizeof(buf));
	assert_non_null(strstr(buf, "HTTP/1.1 503 "));
	assert_non_null(strstr(buf, "too_many_connections"));
	assert_int_equal(conn_guard_total(r.guard), 1);
	/* The first is still served, then closes and is uncounted. */
	const char *get = "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	assert_int_equal(write(c1, get, strlen(get)), (ssize_t)strlen(get));
	rig_run(&r, 50);
	received(c1, buf, sizeof(buf));
	assert_non_null(strstr(buf, "HTTP/1.1 200 "));
	assert_int_equal(conn_guard_total(r.guard), 0);
	close(c1);
	close(c2);
	rig_stop(&r);
}

static double thread_cpu_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* With no descriptor left, accept() fails while the listening socket stays readable: the
 * loop must wait, not retry, and accept again once descriptors are free. */
static void test_accepting_pauses_without_descriptors(void **state)
{
	(void)state;
	/* valgrind emulates the limit: it accepts, closes and reports EMFILE, so the clients are
	 * gone by the time descriptors are back. */
	const char *preload = getenv("LD_PRELOAD");
	if (preload && strstr(preload, "vgpreload"))
		skip();
	struct rig r;
	rig_start(&r, 100, 100);
	int c[3];
	for (int i = 0; i < 3; i++)
		c[i] = client(r.port);
	struct rlimit was;
	getrlimit(RLIMIT_NOFILE, &was);
	int next = dup(0); /* the lowest free descriptor: with it as the limit, none is left */
	close(next);
	struct rlimit low = {(rlim_t)next, was.rlim_max};
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	double cpu0 = thread_cpu_ms();
	rig_run(&r, 500);
	double cpu = thread_cpu_ms() - cpu0;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
	print_message("# CPU over 500 ms without descriptors: %.1f ms\n", cpu);
	assert_true(cpu < 25); /* spinning took 110-500 ms, by how busy the machine was */
	assert_int_equal(conn_guard_total(r.guard), 0);
	/* The pause under way (at most 500 ms), then the backlog. */
	for (int waited = 0; waited < 2000 && conn_guard_total(r.guard) < 3; waited += 50)
		rig_run(&r, 50);
	assert_int_equal(conn_guard_total(r.guard), 3);
	for (int i = 0; i < 3; i++)
		close(c[i]);
	rig_run(&r, 50);
	assert_int_equal(conn_guard_total(r.guard), 0);
	rig_stop(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_total_cap),
		cmocka_unit_test(test_per_address_cap),
		cmocka_unit_test(test_ipv6_per_64_and_mapped_ipv4),
		cmocka_unit_test(test_trusted_proxy_counts_in_total_only),
		cmocka_unit_test(test_table_churn_matches_counters),
		cmocka_unit_test(test_refusal_is_a_json_503),
		cmocka_unit_test(test_evhttp_connection_over_cap_refused),
		cmocka_unit_test(test_accepting_pauses_without_descriptors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
