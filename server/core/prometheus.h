/* stats.h - counters for operators, kept per worker without locks (relaxed atomics: each
 * worker writes its own, the scrape reads them all) and written in the Prometheus text
 * format by GET /metrics: requests by route and status, latency histograms per route,
 * intake batch sizes, database errors, reconnects and pool use. */
#ifndef PAKN_STATS_H
#define PAKN_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

#define STATS_ROUTES 48   /* routes, plus one for "no route" */
#define STATS_STATUSES 20
#define STATS_LATENCY_BUCKETS 10
#define STATS_BATCH_BUCKETS 9

struct stats {
	atomic_uint_fast64_t requests[STATS_ROUTES][STATS_STATUSES];
	atomic_uint_fast64_t latency[STATS_ROUTES][STATS_LATENCY_BUCKETS + 1]; /* + Inf */
	atomic_uint_fast64_t latency_us_sum[STATS_ROUTES];
	atomic_uint_fast64_t batch[STATS_BATCH_BUCKETS + 1];
	atomic_uint_fast64_t batch_sum;
	atomic_uint_fast64_t batch_count;
};

/* Counts a reply: route index (or STATS_ROUTES - 1 for none), status, duration. */
void stats_request(struct stats *s, size_t route, int status, double seconds);

/* Counts an intake batch of n submissions. */
void stats_batch(struct stats *s, int n);

struct db_pool;

/* Writes the text exposition of every worker's stats and pools to out. */
void stats_write(struct sbuf *out, struct stats *const *per_worker,
		 struct db_pool *const *pools, size_t nworkers);

#endif
