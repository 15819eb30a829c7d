/* ratelimit.h - per-client token buckets for intake, shared by all worker threads. A client
 * is a keyed hash of its address (the address itself is never kept). The table has a fixed
 * number of slots: a client whose slot another client took starts with a full bucket, which
 * errs on the side of letting people write. */
#ifndef PAKN_RATELIMIT_H
#define PAKN_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit;

/* rate_per_minute tokens are added per minute up to burst. Returns NULL if out of memory. */
struct ratelimit *ratelimit_new(double rate_per_minute, double burst);
void ratelimit_free(struct ratelimit *rl);

/* Takes one token for client (a 64-bit hash). Returns true if allowed; otherwise false and
 * *retry_after_s is how long until a token is there. now_s is a monotonic time. */
bool ratelimit_take(struct ratelimit *rl, uint64_t client, double now_s, int *retry_after_s);

/* Gives back a token taken with ratelimit_take (never above burst). */
void ratelimit_refund(struct ratelimit *rl, uint64_t client);

#endif
