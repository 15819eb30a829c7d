/* reply_cache.c - owns the kept replies, their table and lock, and the version check (see
 * reply_cache.h). */
#include "db/reply_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "db/db.h"
#include "core/xalloc.h"

#define BUCKETS 1024 /* a power of two */
#define CHECK_SECONDS 1

struct reply {
	char *key;
	char *body;
	size_t len;
	struct reply *next;  /* in its bucket */
	struct reply *newer; /* in the order kept: the oldest goes first when room is needed */
};

struct reply_cache {
	pthread_rwlock_t lock; /* guards what follows */
	struct reply *buckets[BUCKETS];
	struct reply *oldest, *newest;
	int64_t version;
	size_t bytes, max_bytes;
	/* the version check, on one worker's loop */
	struct db_pool *db;
	struct event *timer;
	bool checking;
};

static size_t bucket_of(const char *key)
{
	size_t h = 14695981039346656037u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return h & (BUCKETS - 1);
}

static void drop_all(struct reply_cache *c)
{
	for (size_t i = 0; i < BUCKETS; i++) {
		for (struct reply *r = c->buckets[i], *next; r; r = next) {
			next = r->next;
			free(r->key);
			free(r->body);
			free(r);
		}
		c->buckets[i] = NULL;
	}
	c->oldest = c->newest = NULL;
	c->bytes = 0;
}

/* Drops the reply kept longest ago. */
static void drop_oldest(struct reply_cache *c)
{
	struct reply *r = c->oldest;
	struct reply **at = &c->buckets[bucket_of(r->key)];
	while (*at != r)
		at = &(*at)->next;
	*at = r->next;
	c->oldest = r->newer;
	if (!c->oldest)
		c->newest = NULL;
	c->bytes -= strlen(r->key) + r->len;
	free(r->key);
	free(r->body);
	free(r);
}

struct reply_cache *reply_cache_new(size_t max_bytes)
{
	struct reply_cache *c = xcalloc(1, sizeof(*c));
	pthread_rwlock_init(&c->lock, NULL);
	c->max_bytes = max_bytes;
	return c;
}

void reply_cache_free(struct reply_cache *c)
{
	if (!c)
		return;
	if (c->timer)
		event_free(c->timer);
	drop_all(c);
	pthread_rwlock_destroy(&c->lock);
	free(c);
}

int64_t reply_cache_version(struct reply_cache *c)
{
	pthread_rwlock_rdlock(&c->lock);
	int64_t v = c->version;
	pthread_rwlock_unlock(&c->lock);
	return v;
}

void reply_cache_set_version(struct reply_cache *c, int64_t version)
{
	pthread_rwlock_wrlock(&c->lock);
	if (version != c->version) {
		if (c->version)
			log_info(NULL, "catalog changed (version %lld): kept replies dropped",
				 (long long)version);
		drop_all(c);
		c->version = version;
	}
	pthread_rwlock_unlock(&c->lock);
}

bool reply_cache_read(struct reply_cache *c, const char *key, reply_reader read, void *arg)
{
	bool hit = false;
	pthread_rwlock_rdlock(&c->lock);
	for (struct reply *r = c->buckets[bucket_of(key)]; r && !hit; r = r->next) {
		if (strcmp(r->key, key) == 0) {
			read(r->body, r->len, arg);
			hit = true;
		}
	}
	pthread_rwlock_unlock(&c->lock);
	return hit;
}

static void append_reply(const char *body, size_t len, void *arg)
{
	sbuf_append(arg, body, len);
}

bool reply_cache_get(struct reply_cache *c, const char *key, struct sbuf *out)
{
	return reply_cache_read(c, key, append_reply, out);
}

void reply_cache_put(struct reply_cache *c, const char *key, int64_t version, const char *body,
		     size_t len)
{
	size_t klen = strlen(key);
	pthread_rwlock_wrlock(&c->lock);
	size_t b = bucket_of(key);
	bool present = false;
	for (struct reply *r = c->buckets[b]; r && !present; r = r->next)
		present = strcmp(r->key, key) == 0;
	/* When full, the oldest replies make room: a client asking for ever new searches must
	 * not leave the pages everyone reads uncached until the next import. */
	if (version && version == c->version && !present && klen + len <= c->max_bytes) {
		struct reply *r = xcalloc(1, sizeof(*r));
		char *k = xmalloc(klen + 1), *copy = xmalloc(len + 1);
		while (c->bytes + klen + len > c->max_bytes)
			drop_oldest(c);
		memcpy(k, key, klen + 1);
		memcpy(copy, body, len);
		copy[len] = '\0';
		*r = (struct reply){k, copy, len, c->buckets[b], NULL};
		c->buckets[b] = r;
		if (c->newest)
			c->newest->newer = r;
		else
			c->oldest = r;
		c->newest = r;
		c->bytes += klen + len;
	}
	pthread_rwlock_unlock(&c->lock);
}

/* --- the version check ------------------------------------------------------------------ */

static void version_cb(void *arg, PGresult *res, enum db_status status)
{
	struct reply_cache *c = arg;
	c->checking = false;
	if (status == DB_OK && PQntuples(res) == 1)
		reply_cache_set_version(c, strtoll(PQgetvalue(res, 0, 0), NULL, 10));
	/* Unreachable: keep what is kept; the catalog cannot change without the database. */
}

static void check_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct reply_cache *c = arg;
	if (c->checking)
		return;
	c->checking = true;
	db_query(c->db, STMT_CATALOG_VERSION, NULL, version_cb, c);
}

int reply_cache_watch(struct reply_cache *c, struct event_base *base, struct db_pool *db)
{
	c->db = db;
	c->timer = timer_every(base, CHECK_SECONDS, check_cb, c);
	if (!c->timer)
		return -1;
	check_cb(-1, 0, c);
	return 0;
}
