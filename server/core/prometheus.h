/* prometheus.h - counters for operators, kept per worker without locks (relaxed atomics: each
 * worker writes its own, the scrape reads them all) and written in the Prometheus text
 * format by GET /metrics: requests by route and status, latency histograms per route,
 * intake batch sizes. The database pools write their own figures (db.h). */
#ifndef PAKN_PROMETHEUS_H
#define PAKN_PROMETHEUS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

#define PROMETHEUS_ROUTES 48   /* routes, plus one for "no route" */
#define PROMETHEUS_STATUSES 20
#define PROMETHEUS_LATENCY_BUCKETS 10
#define PROMETHEUS_BATCH_BUCKETS 9

struct prometheus_counters {
	atomic_uint_fast64_t requests[PROMETHEUS_ROUTES][PROMETHEUS_STATUSES];
	atomic_uint_fast64_t latency[PROMETHEUS_ROUTES][PROMETHEUS_LATENCY_BUCKETS + 1]; /* + Inf */
	atomic_uint_fast64_t latency_us_sum[PROMETHEUS_ROUTES];
	atomic_uint_fast64_t batch[PROMETHEUS_BATCH_BUCKETS + 1];
	atomic_uint_fast64_t batch_sum;
	atomic_uint_fast64_t batch_count;
};

/* Counts a reply: route index (or PROMETHEUS_ROUTES - 1 for none), status, duration. */
void prometheus_count_request(struct prometheus_counters *s, size_t route, int status,
			      double seconds);

/* Counts an intake batch of n submissions. */
void prometheus_count_batch(struct prometheus_counters *s, int n);

/* Writes the text exposition of n sets of counters (the workers' and the intake
 * thread's) to out; route_labels[r] names route r ("GET /api/v1/items"), and a route
 * past nroutes is "none". */
void prometheus_write(struct sbuf *out, struct prometheus_counters *const *per_worker,
		      size_t n, const char *const *route_labels, size_t nroutes);

#endif
