/* reply_cache.h - catalog replies kept in memory, shared by the workers.
 *
 * The catalog (plans, sections, items, agencies) changes only when a plan is imported, and
 * its replies are read far more often than anything else. Each reply is kept under the
 * statement and parameters that made it, tagged with the catalog's version
 * (catalog_version, which the triggers of sql/functions/catalog.sql move on every change).
 * A timer asks the database for the version once a second; when it moves, every reply is
 * dropped, so an import shows on every instance within about a second. A reply made while
 * the version was moving is not kept. docs/catalog.md, "Replies in memory", has the measurements. */
#ifndef PAKN_REPLY_CACHE_H
#define PAKN_REPLY_CACHE_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

struct reply_cache;
struct db_pool;

/* Keeps at most max_bytes of replies (keys and bodies); past that, the replies kept longest
 * ago are dropped to make room. NULL when out of memory. */
struct reply_cache *reply_cache_new(size_t max_bytes);

/* Starts the once-a-second version check on base, through db. Returns 0 or -1. */
int reply_cache_watch(struct reply_cache *c, struct event_base *base, struct db_pool *db);

/* After the event loop of reply_cache_watch has ended and db is freed. NULL is fine. */
void reply_cache_free(struct reply_cache *c);

/* The version a reply made now would be tagged with (0 while unknown: nothing is kept). */
int64_t reply_cache_version(struct reply_cache *c);

/* Sets the catalog's version; a change drops every reply. */
void reply_cache_set_version(struct reply_cache *c, int64_t version);

/* On a hit calls read(body, len, arg) with the kept reply, under the cache's read lock (so
 * read must be quick and must not call the cache), and returns true. Any thread. */
typedef void (*reply_reader)(const char *body, size_t len, void *arg);
bool reply_cache_read(struct reply_cache *c, const char *key, reply_reader read, void *arg);

/* On a hit copies the reply into out and returns true. Any thread. */
bool reply_cache_get(struct reply_cache *c, const char *key, struct sbuf *out);

/* Keeps a copy of body under key if version is still the current one and key and body fit
 * in max_bytes, dropping the oldest replies to make room. Any thread. */
void reply_cache_put(struct reply_cache *c, const char *key, int64_t version, const char *body,
		     size_t len);

#endif
