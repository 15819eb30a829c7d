/* random.c - owns the per-thread pool of random bytes behind random_bytes.
 *
 * A submission takes 10 random bytes for its tracking code, 24 for the nonce of its
 * personal data, 48 for its receipt's handle and salt, and every request 8 for its id in
 * the logs. libsodium asks the kernel (getrandom) on every call, a system call for a few
 * bytes each time, and for at most 256 bytes a call; here one call fills a pool for the
 * next few dozen submissions. The bytes are the kernel's all the same. */
#include "core/random.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include <sodium.h>

#define POOL 4096

static _Thread_local uint8_t pool[POOL];
static _Thread_local size_t used = POOL; /* empty until first use */
static pthread_once_t fork_handler_once = PTHREAD_ONCE_INIT;

/* In a child of fork, on the thread that forked: the pool it copied is the parent's, whose
 * next bytes the parent will hand out too. */
static void forget_in_child(void)
{
	sodium_memzero(pool, sizeof(pool));
	used = POOL;
}

static void register_fork_handler(void)
{
	pthread_atfork(NULL, NULL, forget_in_child);
}

/* The whole pool from the kernel in one call as a rule (a signal can cut a call of more
 * than 256 bytes short); libsodium's way if getrandom is not there. */
static void fill_pool(void)
{
	size_t got = 0;
	while (got < POOL) {
		ssize_t r = getrandom(pool + got, POOL - got, 0);
		if (r > 0) {
			got += (size_t)r;
		} else if (r == 0 || errno != EINTR) {
			randombytes_buf(pool + got, POOL - got);
			return;
		}
	}
}

void random_bytes(void *out, size_t n)
{
	if (n > POOL / 4) {
		randombytes_buf(out, n);
		return;
	}
	if (used + n > POOL) {
		pthread_once(&fork_handler_once, register_fork_handler);
		fill_pool();
		used = 0;
	}
	memcpy(out, pool + used, n);
	sodium_memzero(pool + used, n);
	used += n;
}
