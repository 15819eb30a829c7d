/* intake_hub.h - one group commit for the whole process. Every worker hands its
 * submissions to a single intake queue (intake_queue.h) that runs on a thread of its own
 * with its own database connection. A batch then holds what all the workers received while
 * the previous one was being stored, and batches never queue behind one another on the
 * transparency log's counter row, which each of them locks until it commits
 * (sql/002_feedback.sql). Each answer comes back on the event loop of the worker that
 * submitted it. docs/performance.md, "Intake speed", has the measurements behind this. */
#ifndef PAKN_INTAKE_HUB_H
#define PAKN_INTAKE_HUB_H

#include <event2/event.h>
#include <stdbool.h>

#include "core/config.h"
#include "crypto/keys.h"
#include "intake/intake_queue.h"

struct intake_hub;
struct prometheus_counters;

/* r (signed) and secret are lent to the callback (NULL unless CREATED or EXISTING). */
typedef void (*intake_cb)(void *arg, enum intake_outcome outcome, const struct receipt *r,
			  const char *secret);

/* Creates the hub and its database connection (not yet its thread). NULL when out of
 * memory. */
struct intake_hub *intake_hub_new(const struct config *cfg, const struct keyring *keys);

/* Starts the hub's thread. Returns 0, or -1 if it could not start. */
int intake_hub_start(struct intake_hub *hub);

/* From any worker's thread: takes s (left empty) and stores it with the next batch; cb runs
 * once, later, on origin (the submitting worker's event loop), never inside this call. */
void intake_hub_submit(struct intake_hub *hub, struct event_base *origin, struct submission *s,
		       const char *client_hash, intake_cb cb, void *arg);

/* After the workers stopped taking requests: stores the batch in flight (for at most
 * grace_s seconds), answers anything still waiting INTAKE_UNAVAILABLE, and ends the
 * thread. The answers are then pending on the workers' loops, which must run once more.
 * Safe on a hub that never started; NULL is fine. */
void intake_hub_stop(struct intake_hub *hub, int grace_s);

/* Frees a stopped hub. NULL is fine. */
void intake_hub_free(struct intake_hub *hub);

/* True while the hub's database connection is open; safe from any thread. */
bool intake_hub_ready(const struct intake_hub *hub);

/* The hub's counters and connection, for GET /metrics. */
struct prometheus_counters *intake_hub_counters(struct intake_hub *hub);
struct db_pool *intake_hub_db(struct intake_hub *hub);

#endif
