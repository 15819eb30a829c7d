/* test_prometheus.c - tests server/core/prometheus.c: the counters of several workers are
 * summed into one exposition; requests by route and status (an unknown status is "other",
 * a route past the table is "none", zero counts are left out); latency and batch-size
 * histograms are cumulative, a value on a bucket's bound falls in that bucket, and _sum and
 * _count agree with what was counted. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/prometheus.h"
#include "core/util.h"

static const char *const labels[] = {"GET /api/v1/items", "POST /api/v1/feedback"};

/* Fails unless out holds line as a whole line. */
static void has_line(const struct sbuf *out, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = out->data; (p = strstr(p, line)); p++)
		if ((p == out->data || p[-1] == '\n') && p[n] == '\n')
			return;
	fail_msg("missing line: %s\n--- in:\n%s", line, out->data);
}

static void test_workers_summed(void **state)
{
	(void)state;
	struct prometheus_counters *w0 = calloc(1, sizeof(*w0)), *w1 = calloc(1, sizeof(*w1));
	assert_non_null(w0);
	assert_non_null(w1);
	prometheus_count_request(w0, 0, 200, 0.0005);
	prometheus_count_request(w1, 0, 200, 0.001); /* on the bound: in le="0.001" */
	prometheus_count_request(w1, 0, 200, 0.003);
	prometheus_count_request(w0, 0, 422, 0.02);
	prometheus_count_request(w1, 1, 418, 2.0);   /* not in the table of statuses */
	prometheus_count_request(w0, 99, 404, 0.0001); /* no route */
	prometheus_count_batch(w0, 1);
	prometheus_count_batch(w1, 3);
	prometheus_count_batch(w1, 300);

	struct prometheus_counters *const all[] = {w0, w1};
	struct sbuf out = {0};
	prometheus_write(&out, all, 2, labels, 2);

	has_line(&out, "# TYPE pakn_requests_total counter");
	has_line(&out, "pakn_requests_total{route=\"GET /api/v1/items\",status=\"200\"} 3");
	has_line(&out, "pakn_requests_total{route=\"GET /api/v1/items\",status=\"422\"} 1");
	has_line(&out, "pakn_requests_total{route=\"POST /api/v1/feedback\",status=\"other\"} 1");
	has_line(&out, "pakn_requests_total{route=\"none\",status=\"404\"} 1");
	assert_null(strstr(out.data, "status=\"201\""));
	assert_null(strstr(out.data, "status=\"418\""));

	has_line(&out, "# TYPE pakn_request_duration_seconds histogram");
	const char *items[] = {
		"pakn_request_duration_seconds_bucket{route=\"GET /api/v1/items\",le=\"0.001\"} 2",
		"pakn_request_duration_seconds_bucket{route=\"GET /api/v1/items\",le=\"0.0025\"} 2",
		"pakn_request_duration_seconds_bucket{route=\"GET /api/v1/items\",le=\"0.005\"} 3",
		"pakn_request_duration_seconds_bucket{route=\"GET /api/v1/items\",le=\"0.01\"} 3",
		"pakn_request_duration_seconds_bucket{route=\"GET /api/v1/items\",le=\"0.025\"} 4",
		"pakn_request_duration_seconds_bucket{route=\"GET /api/v1/items\",le=\"1\"} 4",
		"pakn_request_duration_seconds_bucket{route=\"GET /api/v1/items\",le=\"+Inf\"} 4",
		"pakn_request_duration_seconds_sum{route=\"GET /api/v1/items\"} 0.024500",
		"pakn_request_duration_seconds_count{route=\"GET /api/v1/items\"} 4",
		"pakn_request_duration_seconds_bucket{route=\"POST /api/v1/feedback\",le=\"1\"} 0",
		"pakn_request_duration_seconds_bucket{route=\"POST /api/v1/feedback\",le=\"+Inf\"} 1",
		"pakn_request_duration_seconds_count{route=\"POST /api/v1/feedback\"} 1",
		"pakn_request_duration_seconds_bucket{route=\"none\",le=\"0.001\"} 1",
	};
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		has_line(&out, items[i]);

	has_line(&out, "# TYPE pakn_intake_batch_size histogram");
	has_line(&out, "pakn_intake_batch_size_bucket{le=\"1\"} 1");
	has_line(&out, "pakn_intake_batch_size_bucket{le=\"2\"} 1");
	has_line(&out, "pakn_intake_batch_size_bucket{le=\"4\"} 2");
	has_line(&out, "pakn_intake_batch_size_bucket{le=\"256\"} 2");
	has_line(&out, "pakn_intake_batch_size_bucket{le=\"+Inf\"} 3");
	has_line(&out, "pakn_intake_batch_size_sum 304");
	has_line(&out, "pakn_intake_batch_size_count 3");

	sbuf_free(&out);
	free(w0);
	free(w1);
}

/* Nothing counted: no request lines at all, the batch histogram at zero. */
static void test_nothing_counted(void **state)
{
	(void)state;
	struct prometheus_counters *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	struct prometheus_counters *const all[] = {w};
	struct sbuf out = {0};
	prometheus_write(&out, all, 1, labels, 2);
	assert_null(strstr(out.data, "pakn_requests_total{"));
	assert_null(strstr(out.data, "pakn_request_duration_seconds_bucket"));
	has_line(&out, "pakn_intake_batch_size_bucket{le=\"+Inf\"} 0");
	has_line(&out, "pakn_intake_batch_size_count 0");
	/* every line is a comment or "name{labels} value" */
	for (const char *p = out.data; *p;) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_true(*p == '#' || memchr(p, ' ', (size_t)(nl - p)) != NULL);
		p = nl + 1;
	}
	sbuf_free(&out);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workers_summed),
		cmocka_unit_test(test_nothing_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
