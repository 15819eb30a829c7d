/* stats.c - owns the operators' counters and their Prometheus text (see stats.h). */
#include "core/prometheus.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "routes.h"

static const int statuses[STATS_STATUSES] = {200, 201, 204, 400, 401, 403, 404, 405, 409, 411,
					     413, 415, 417, 422, 429, 431, 500, 501, 503, 0};
static const double latency_bounds[STATS_LATENCY_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025,
							     0.05, 0.1, 0.25, 0.5, 1.0};
static const int batch_bounds[STATS_BATCH_BUCKETS] = {1, 2, 4, 8, 16, 32, 64, 128, 256};

static size_t status_index(int status)
{
	for (size_t i = 0; i + 1 < STATS_STATUSES; i++)
		if (statuses[i] == status)
			return i;
	return STATS_STATUSES - 1; /* "other" */
}

void stats_request(struct stats *s, size_t route, int status, double seconds)
{
	if (route >= STATS_ROUTES)
		route = STATS_ROUTES - 1;
	atomic_fetch_add_explicit(&s->requests[route][status_index(status)], 1,
				  memory_order_relaxed);
	size_t b = 0;
	while (b < STATS_LATENCY_BUCKETS && seconds > latency_bounds[b])
		b++;
	atomic_fetch_add_explicit(&s->latency[route][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->latency_us_sum[route], (uint_fast64_t)(seconds * 1e6),
				  memory_order_relaxed);
}

void stats_batch(struct stats *s, int n)
{
	size_t b = 0;
	while (b < STATS_BATCH_BUCKETS && n > batch_bounds[b])
		b++;
	atomic_fetch_add_explicit(&s->batch[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->batch_sum, (uint_fast64_t)n, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->batch_count, 1, memory_order_relaxed);
}

static uint64_t sum_over(struct stats *const *w, size_t n, size_t offset)
{
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += atomic_load_explicit(
			(atomic_uint_fast64_t *)(void *)((char *)w[i] + offset), memory_order_relaxed);
	return total;
}

#define FIELD_OFFSET(member) offsetof(struct stats, member)

/* "GET /api/v1/feedback": two routes may share a pattern, never a method and pattern. */
static const char *route_label(size_t r, char buf[160])
{
	static const struct {
		unsigned bit;
		const char *name;
	} methods[] = {{HTTP_GET, "GET"}, {HTTP_POST, "POST"}, {HTTP_PUT, "PUT"},
		       {HTTP_DELETE, "DELETE"}, {HTTP_PATCH, "PATCH"}, {HTTP_OPTIONS, "OPTIONS"}};
	if (r >= nroutes)
		return "none";
	const char *m = "";
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (routes[r].methods & methods[i].bit) {
			m = methods[i].name;
			break;
		}
	snprintf(buf, 160, "%s %s", m, routes[r].pattern);
	return buf;
}

void stats_write(struct sbuf *out, struct stats *const *w, struct db_pool *const *pools,
		 size_t n)
{
	sbuf_puts(out, "# HELP pakn_requests_total HTTP replies by route pattern and status.\n"
		       "# TYPE pakn_requests_total counter\n");
	char label[160];
	for (size_t r = 0; r < STATS_ROUTES; r++) {
		for (size_t s = 0; s < STATS_STATUSES; s++) {
			uint64_t v = sum_over(w, n, FIELD_OFFSET(requests[r][s]));
			if (!v)
				continue;
			char status[8] = "other";
			if (statuses[s])
				snprintf(status, sizeof(status), "%d", statuses[s]);
			sbuf_printf(out, "pakn_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
				    route_label(r, label), status, (unsigned long long)v);
		}
	}
	sbuf_puts(out, "# HELP pakn_request_duration_seconds Time from request to reply.\n"
		       "# TYPE pakn_request_duration_seconds histogram\n");
	for (size_t r = 0; r < STATS_ROUTES; r++) {
		uint64_t count = 0;
		for (size_t b = 0; b <= STATS_LATENCY_BUCKETS; b++)
			count += sum_over(w, n, FIELD_OFFSET(latency[r][b]));
		if (!count)
			continue;
		uint64_t cumulative = 0;
		for (size_t b = 0; b <= STATS_LATENCY_BUCKETS; b++) {
			cumulative += sum_over(w, n, FIELD_OFFSET(latency[r][b]));
			if (b < STATS_LATENCY_BUCKETS)
				sbuf_printf(out, "pakn_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
					    route_label(r, label), latency_bounds[b], (unsigned long long)cumulative);
			else
				sbuf_printf(out, "pakn_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
					    route_label(r, label), (unsigned long long)cumulative);
		}
		sbuf_printf(out, "pakn_request_duration_seconds_sum{route=\"%s\"} %.6f\n", route_label(r, label),
			    (double)sum_over(w, n, FIELD_OFFSET(latency_us_sum[r])) / 1e6);
		sbuf_printf(out, "pakn_request_duration_seconds_count{route=\"%s\"} %llu\n",
			    route_label(r, label), (unsigned long long)count);
	}
	sbuf_puts(out, "# HELP pakn_intake_batch_size Submissions committed per transaction.\n"
		       "# TYPE pakn_intake_batch_size histogram\n");
	uint64_t cumulative = 0;
	for (size_t b = 0; b <= STATS_BATCH_BUCKETS; b++) {
		cumulative += sum_over(w, n, FIELD_OFFSET(batch[b]));
		if (b < STATS_BATCH_BUCKETS)
			sbuf_printf(out, "pakn_intake_batch_size_bucket{le=\"%d\"} %llu\n", batch_bounds[b],
				    (unsigned long long)cumulative);
		else
			sbuf_printf(out, "pakn_intake_batch_size_bucket{le=\"+Inf\"} %llu\n",
				    (unsigned long long)cumulative);
	}
	sbuf_printf(out, "pakn_intake_batch_size_sum %llu\npakn_intake_batch_size_count %llu\n",
		    (unsigned long long)sum_over(w, n, FIELD_OFFSET(batch_sum)),
		    (unsigned long long)sum_over(w, n, FIELD_OFFSET(batch_count)));

	struct db_pool_stats total = {0};
	for (size_t i = 0; i < n; i++) {
		struct db_pool_stats p;
		db_pool_stats(pools[i], &p);
		total.up += p.up;
		total.size += p.size;
		total.queued += p.queued;
		total.running += p.running;
		total.unavailable += p.unavailable;
		total.failed += p.failed;
		total.reconnects += p.reconnects;
	}
	sbuf_printf(out,
		    "# HELP pakn_db_connections Database connections of all workers by state.\n"
		    "# TYPE pakn_db_connections gauge\n"
		    "pakn_db_connections{state=\"up\"} %d\npakn_db_connections{state=\"configured\"} %d\n"
		    "# HELP pakn_db_statements Statements waiting for or holding a connection.\n"
		    "# TYPE pakn_db_statements gauge\n"
		    "pakn_db_statements{state=\"queued\"} %d\npakn_db_statements{state=\"running\"} %d\n"
		    "# HELP pakn_db_errors_total Statements that failed, by kind.\n"
		    "# TYPE pakn_db_errors_total counter\n"
		    "pakn_db_errors_total{kind=\"unavailable\"} %llu\npakn_db_errors_total{kind=\"failed\"} %llu\n"
		    "# HELP pakn_db_reconnects_total Connections opened again after one was lost.\n"
		    "# TYPE pakn_db_reconnects_total counter\n"
		    "pakn_db_reconnects_total %llu\n",
		    total.up, total.size, total.queued, total.running,
		    (unsigned long long)total.unavailable, (unsigned long long)total.failed,
		    (unsigned long long)total.reconnects);
}
