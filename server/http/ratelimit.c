/* ratelimit.c - owns the token-bucket table (see ratelimit.h). The table is split into
 * sets of WAYS buckets; a key's set is chosen by SipHash under a key made at random for
 * each table, so nobody outside the process can aim keys at one set. A bucket carries its
 * key's full 64 bits, so a key only ever finds its own bucket. */
#include "http/ratelimit.h"
#include "core/xalloc.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include <sodium.h>

#define WAYS 16

struct bucket {
	uint64_t key;
	double tokens;  /* as of updated */
	double updated; /* monotonic seconds */
	bool used;
};

struct ratelimit {
	pthread_mutex_t lock;
	double rate_per_s, burst;
	uint8_t set_key[crypto_shorthash_KEYBYTES];
	size_t nsets;
	struct bucket slots[]; /* nsets * WAYS */
};

struct ratelimit *ratelimit_new_sized(double rate_per_minute, double burst, size_t slots)
{
	if (sodium_init() < 0)
		return NULL;
	size_t nsets = slots / WAYS + (slots % WAYS != 0);
	if (nsets == 0)
		nsets = 1;
	struct ratelimit *rl = xcalloc(1, sizeof(*rl) + nsets * WAYS * sizeof(struct bucket));
	pthread_mutex_init(&rl->lock, NULL);
	rl->rate_per_s = rate_per_minute / 60.0;
	rl->burst = burst;
	rl->nsets = nsets;
	randombytes_buf(rl->set_key, sizeof(rl->set_key));
	return rl;
}

struct ratelimit *ratelimit_new(double rate_per_minute, double burst)
{
	return ratelimit_new_sized(rate_per_minute, burst, RATELIMIT_SLOTS);
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

static struct bucket *set_of(struct ratelimit *rl, uint64_t key)
{
	uint8_t in[8], h[crypto_shorthash_BYTES];
	for (int i = 0; i < 8; i++)
		in[i] = (uint8_t)(key >> (8 * i));
	crypto_shorthash(h, in, sizeof(in), rl->set_key);
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)h[i] << (8 * i);
	return &rl->slots[(v % rl->nsets) * WAYS];
}

static double tokens_at(const struct ratelimit *rl, const struct bucket *b, double now_s)
{
	return fmin(rl->burst, b->tokens + (now_s - b->updated) * rl->rate_per_s);
}

/* The key's bucket; else a free one, or one that has refilled completely, claimed for it
 * with a full bucket; else NULL with *wait_s until the first bucket of the set is full. */
static struct bucket *find_or_claim(struct ratelimit *rl, uint64_t key, double now_s,
				    double *wait_s)
{
	struct bucket *set = set_of(rl, key), *room = NULL;
	double least_missing = INFINITY;
	for (int i = 0; i < WAYS; i++) {
		struct bucket *b = &set[i];
		if (b->used && b->key == key)
			return b;
		double missing = b->used ? rl->burst - tokens_at(rl, b, now_s) : 0.0;
		if (missing <= 0.0 && !room)
			room = b;
		least_missing = fmin(least_missing, missing);
	}
	if (!room) {
		*wait_s = least_missing / rl->rate_per_s;
		return NULL;
	}
	room->used = true;
	room->key = key;
	room->tokens = rl->burst;
	room->updated = now_s;
	return room;
}

bool ratelimit_take(struct ratelimit *rl, uint64_t key, double now_s, int *retry_after_s)
{
	pthread_mutex_lock(&rl->lock);
	double wait_s = 0.0;
	bool ok = false;
	struct bucket *b = find_or_claim(rl, key, now_s, &wait_s);
	if (b) {
		b->tokens = tokens_at(rl, b, now_s);
		b->updated = now_s;
		ok = b->tokens >= 1.0;
		if (ok)
			b->tokens -= 1.0;
		else
			wait_s = (1.0 - b->tokens) / rl->rate_per_s;
	}
	if (!ok)
		*retry_after_s = (int)fmax(1.0, ceil(wait_s));
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

void ratelimit_refund(struct ratelimit *rl, uint64_t key)
{
	pthread_mutex_lock(&rl->lock);
	struct bucket *set = set_of(rl, key);
	for (int i = 0; i < WAYS; i++)
		if (set[i].used && set[i].key == key)
			set[i].tokens = fmin(rl->burst, set[i].tokens + 1.0);
	pthread_mutex_unlock(&rl->lock);
}
