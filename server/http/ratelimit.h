/* ratelimit.h - token buckets per key (a client address, an account name, an account and
 * address), shared by all worker threads. A key is a 64-bit keyed hash made by the caller;
 * the key itself is never kept.
 *
 * The table is bounded, so keys share room, and an attacker can make as many keys as he
 * likes (names are free). A key's state is therefore never handed to another key and never
 * forgotten while it matters: a bucket is dropped only once it has refilled completely
 * (then it holds nothing a fresh one would not), and a new key that finds no such room
 * waits, refused, until some bucket of its set has refilled. Collisions can only make the
 * limit stricter, never give a key more tokens than its own bucket allows. */
#ifndef PAKN_RATELIMIT_H
#define PAKN_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Buckets per table by default: 65,536 (2 MiB). Live partial buckets are bounded by the
 * request rate times the refill time, which keeps a table of this size far from full. */
#define RATELIMIT_SLOTS 65536

struct ratelimit;

/* rate_per_minute tokens are added per minute up to burst; room for RATELIMIT_SLOTS keys.
 * Returns NULL if out of memory. */
struct ratelimit *ratelimit_new(double rate_per_minute, double burst);

/* The same with room for about slots keys (rounded up to whole sets of 16; a table of 16
 * puts every key in one set, which tests use to force collisions). */
struct ratelimit *ratelimit_new_sized(double rate_per_minute, double burst, size_t slots);

void ratelimit_free(struct ratelimit *rl);

/* Takes one token for key. Returns true if allowed; otherwise false and *retry_after_s is
 * how long until a token (or, for a key the full table has no room for, a bucket) is
 * there. now_s is a monotonic time. */
bool ratelimit_take(struct ratelimit *rl, uint64_t key, double now_s, int *retry_after_s);

/* Gives back a token taken with ratelimit_take (never above burst). */
void ratelimit_refund(struct ratelimit *rl, uint64_t key);

#endif
