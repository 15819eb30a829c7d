/* tlog_publish.h - the checkpointer, on one worker's loop. Each second it has the metrics
 * rollups count what intake stored since (pakn_rollup_fold: small folds, and replicas,
 * where readers cannot fold, stay that close) and drops the duplicate look-ups older than
 * ten minutes (pakn_intake_expire, off intake's serial path) and escalates feedback whose
 * deadline passed (pakn_escalate, at most 100 a pass). Every log_interval seconds
 * it then has the database hash what was appended to the transparency log
 * (pakn_tlog_advance), checks with a consistency proof that the new tree extends the last
 * signed checkpoint, and only then signs and stores a new checkpoint (docs/tlog.md). The
 * tree is hashed per interval, not per second: each call has a fixed cost that, measured,
 * made intake slower. A tree that does not extend the checkpoint is never signed: that is
 * logged as an error, every interval, until someone looks. */
#ifndef PAKN_LOG_PUBLISH_H
#define PAKN_LOG_PUBLISH_H

#include <event2/event.h>

#include "crypto/keys.h"
#include "db/db.h"

struct tlog_publisher;

/* origin is the `log_origin` setting (at most TLOG_ORIGIN_MAX bytes, a signed-note key
 * name); witnesses is the `witnesses` setting: each checkpoint stored is sent to them
 * (tlog_witness.h). NULL with err if either is wrong or memory ran out. */
struct tlog_publisher *tlog_publisher_new(struct event_base *base, struct db_pool *db,
					const struct keyring *keys, const char *origin,
					int interval_s, const char *witnesses, char *err,
					size_t errlen);

/* After the event loop has ended and db is freed. NULL is fine. */
void tlog_publisher_free(struct tlog_publisher *p);

#endif
