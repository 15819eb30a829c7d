/* ratelimit.c - owns the token-bucket table (see ratelimit.h). */
#include "ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#define SLOTS 8192

struct bucket {
	uint64_t client;
	double tokens;
	double updated;
	bool used;
};

struct ratelimit {
	pthread_mutex_t lock;
	double rate_per_s, burst;
	struct bucket slots[SLOTS];
};

struct ratelimit *ratelimit_new(double rate_per_minute, double burst)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));
	if (!rl)
		return NULL;
	pthread_mutex_init(&rl->lock, NULL);
	rl->rate_per_s = rate_per_minute / 60.0;
	rl->burst = burst;
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

bool ratelimit_take(struct ratelimit *rl, uint64_t client, double now_s, int *retry_after_s)
{
	pthread_mutex_lock(&rl->lock);
	struct bucket *b = &rl->slots[client % SLOTS];
	if (!b->used || b->client != client) {
		b->used = true;
		b->client = client;
		b->tokens = rl->burst;
		b->updated = now_s;
	}
	b->tokens = fmin(rl->burst, b->tokens + (now_s - b->updated) * rl->rate_per_s);
	b->updated = now_s;
	bool ok = b->tokens >= 1.0;
	if (ok)
		b->tokens -= 1.0;
	else
		*retry_after_s = (int)ceil((1.0 - b->tokens) / rl->rate_per_s);
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

void ratelimit_refund(struct ratelimit *rl, uint64_t client)
{
	pthread_mutex_lock(&rl->lock);
	struct bucket *b = &rl->slots[client % SLOTS];
	if (b->used && b->client == client)
		b->tokens = fmin(rl->burst, b->tokens + 1.0);
	pthread_mutex_unlock(&rl->lock);
}
