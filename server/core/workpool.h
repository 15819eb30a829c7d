/* workpool.h - a few threads for work that must not run on an event loop (Argon2id
 * password hashing: about 0.1 s of CPU and 64 MiB each), queued fairly between sources.
 *
 * Each job names its class and source (for sign-in: a browser known to the account, or
 * the client's address or IPv6 /64). A class is served only when no job of an earlier
 * class waits; within a class, sources are served round-robin, one job each per round, so
 * a source's wait depends on how many sources are waiting, not on how many jobs one of
 * them sent: a flood from one address, or from many, cannot starve a sign-in from another.
 * A source may have at most max_per_source jobs waiting and all together at most
 * max_queued; when that is full, a newcomer pushes out the newest job of a later class, or
 * else of the source of its class with the most waiting if that one would still have more
 * than the newcomer. A job that has waited past the deadline is not run. A job that is not
 * run comes back cancelled, so its submitter can answer at once. The result comes back on
 * the submitter's event loop. */
#ifndef PAKN_WORKPOOL_H
#define PAKN_WORKPOOL_H

#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>

struct workpool;

enum work_class {
	WORK_FIRST,  /* served before any other (a sign-in from a browser known to the account) */
	WORK_NORMAL, /* everything else */
	WORK_CLASSES
};

typedef void (*work_fn)(void *arg); /* runs on a pool thread */
/* Runs on the submitter's event loop afterwards; cancelled when fn did not run: the job
 * waited past the deadline, was pushed out by a source with fewer jobs, or the pool was
 * freed first. */
typedef void (*work_done_fn)(void *arg, bool cancelled);

/* threads run jobs; max_queued jobs may wait in all, max_per_source from one source, each
 * at most deadline_s seconds. NULL if out of memory or no thread could start. */
struct workpool *workpool_new(int threads, int max_queued, int max_per_source,
			      double deadline_s);

/* Waits for running jobs and marks queued ones cancelled; every done callback is then
 * pending on its event loop, which must run once more (EVLOOP_NONBLOCK) before it is freed.
 * NULL is fine. */
void workpool_free(struct workpool *wp);

/* Queues fn(arg) for source in class cls, then done(arg) on base. Returns false (nothing
 * queued, done will not be called) when the source already has max_per_source jobs
 * waiting, or all room is taken by sources of cls or earlier classes with no more jobs than
 * this one would have. */
bool workpool_submit(struct workpool *wp, struct event_base *base, enum work_class cls,
		     uint64_t source, work_fn fn, work_done_fn done, void *arg);

#endif
