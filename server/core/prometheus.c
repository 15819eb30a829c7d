/* prometheus.c - owns the operators' counters and their Prometheus text (see
 * prometheus.h). */
#include "core/prometheus.h"

#include <stdio.h>
#include <string.h>


static const int statuses[PROMETHEUS_STATUSES] = {200, 201, 204, 400, 401, 403, 404, 405, 409,
						  411, 413, 415, 417, 422, 429, 431, 500, 501,
						  503, 0};
static const double latency_bounds[PROMETHEUS_LATENCY_BUCKETS] = {0.001, 0.0025, 0.005, 0.01,
								  0.025, 0.05, 0.1, 0.25,
								  0.5, 1.0};
static const int batch_bounds[PROMETHEUS_BATCH_BUCKETS] = {1, 2, 4, 8, 16, 32, 64, 128, 256};

static size_t status_index(int status)
{
	for (size_t i = 0; i + 1 < PROMETHEUS_STATUSES; i++)
		if (statuses[i] == status)
			return i;
	return PROMETHEUS_STATUSES - 1; /* "other" */
}

void prometheus_count_request(struct prometheus_counters *s, size_t route, int status,
			      double seconds)
{
	if (route >= PROMETHEUS_ROUTES)
		route = PROMETHEUS_ROUTES - 1;
	atomic_fetch_add_explicit(&s->requests[route][status_index(status)], 1,
				  memory_order_relaxed);
	size_t b = 0;
	while (b < PROMETHEUS_LATENCY_BUCKETS && seconds > latency_bounds[b])
		b++;
	atomic_fetch_add_explicit(&s->latency[route][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->latency_us_sum[route], (uint_fast64_t)(seconds * 1e6),
				  memory_order_relaxed);
}

void prometheus_count_batch(struct prometheus_counters *s, int n)
{
	size_t b = 0;
	while (b < PROMETHEUS_BATCH_BUCKETS && n > batch_bounds[b])
		b++;
	atomic_fetch_add_explicit(&s->batch[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->batch_sum, (uint_fast64_t)n, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->batch_count, 1, memory_order_relaxed);
}

static uint64_t sum_over(struct prometheus_counters *const *w, size_t n, size_t offset)
{
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += atomic_load_explicit(
			(atomic_uint_fast64_t *)(void *)((char *)w[i] + offset), memory_order_relaxed);
	return total;
}

#define FIELD_OFFSET(member) offsetof(struct prometheus_counters, member)

/* The label of route r: its name, or "none" past the table. */
static const char *route_label(const char *const *labels, size_t nlabels, size_t r)
{
	return r < nlabels ? labels[r] : "none";
}

void prometheus_write(struct sbuf *out, struct prometheus_counters *const *w, size_t n,
		      const char *const *route_labels, size_t nroutes)
{
	sbuf_puts(out, "# HELP pakn_requests_total HTTP replies by route pattern and status.\n"
		       "# TYPE pakn_requests_total counter\n");
	for (size_t r = 0; r < PROMETHEUS_ROUTES; r++) {
		for (size_t s = 0; s < PROMETHEUS_STATUSES; s++) {
			uint64_t v = sum_over(w, n, FIELD_OFFSET(requests[r][s]));
			if (!v)
				continue;
			char status[8] = "other";
			if (statuses[s])
				snprintf(status, sizeof(status), "%d", statuses[s]);
			sbuf_printf(out, "pakn_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
				    route_label(route_labels, nroutes, r), status, (unsigned long long)v);
		}
	}
	sbuf_puts(out, "# HELP pakn_request_duration_seconds Time from request to reply.\n"
		       "# TYPE pakn_request_duration_seconds histogram\n");
	for (size_t r = 0; r < PROMETHEUS_ROUTES; r++) {
		uint64_t count = 0;
		for (size_t b = 0; b <= PROMETHEUS_LATENCY_BUCKETS; b++)
			count += sum_over(w, n, FIELD_OFFSET(latency[r][b]));
		if (!count)
			continue;
		const char *label = route_label(route_labels, nroutes, r);
		uint64_t cumulative = 0;
		for (size_t b = 0; b <= PROMETHEUS_LATENCY_BUCKETS; b++) {
			cumulative += sum_over(w, n, FIELD_OFFSET(latency[r][b]));
			if (b < PROMETHEUS_LATENCY_BUCKETS)
				sbuf_printf(out, "pakn_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
					    label, latency_bounds[b], (unsigned long long)cumulative);
			else
				sbuf_printf(out, "pakn_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
					    label, (unsigned long long)cumulative);
		}
		sbuf_printf(out, "pakn_request_duration_seconds_sum{route=\"%s\"} %.6f\n", label,
			    (double)sum_over(w, n, FIELD_OFFSET(latency_us_sum[r])) / 1e6);
		sbuf_printf(out, "pakn_request_duration_seconds_count{route=\"%s\"} %llu\n", label,
			    (unsigned long long)count);
	}
	sbuf_puts(out, "# HELP pakn_intake_batch_size Submissions committed per transaction.\n"
		       "# TYPE pakn_intake_batch_size histogram\n");
	uint64_t cumulative = 0;
	for (size_t b = 0; b <= PROMETHEUS_BATCH_BUCKETS; b++) {
		cumulative += sum_over(w, n, FIELD_OFFSET(batch[b]));
		if (b < PROMETHEUS_BATCH_BUCKETS)
			sbuf_printf(out, "pakn_intake_batch_size_bucket{le=\"%d\"} %llu\n", batch_bounds[b],
				    (unsigned long long)cumulative);
		else
			sbuf_printf(out, "pakn_intake_batch_size_bucket{le=\"+Inf\"} %llu\n",
				    (unsigned long long)cumulative);
	}
	sbuf_printf(out, "pakn_intake_batch_size_sum %llu\npakn_intake_batch_size_count %llu\n",
		    (unsigned long long)sum_over(w, n, FIELD_OFFSET(batch_sum)),
		    (unsigned long long)sum_over(w, n, FIELD_OFFSET(batch_count)));
}
