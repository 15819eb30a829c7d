/* workpool.h - a few threads for work that must not run on an event loop (Argon2id
 * password hashing: about 0.1 s of CPU and 64 MiB each). At most `threads` jobs run at
 * once and at most `max_queued` wait, which caps what a login flood can take; a job beyond
 * that is refused at once. The result comes back on the submitter's event loop. */
#ifndef PAKN_WORKPOOL_H
#define PAKN_WORKPOOL_H

#include <event2/event.h>
#include <stdbool.h>

struct workpool;

typedef void (*work_fn)(void *arg); /* runs on a pool thread */
/* Runs on the submitter's event loop afterwards; cancelled when the pool was freed before
 * the job ran (fn did not run). */
typedef void (*work_done_fn)(void *arg, bool cancelled);

struct workpool *workpool_new(int threads, int max_queued);

/* Waits for running jobs and marks queued ones cancelled; every done callback is then
 * pending on its event loop, which must run once more (EVLOOP_NONBLOCK) before it is freed.
 * NULL is fine. */
void workpool_free(struct workpool *wp);

/* Queues fn(arg), then done(arg) on base. Returns false (nothing queued) when full. */
bool workpool_submit(struct workpool *wp, struct event_base *base, work_fn fn,
		     work_done_fn done, void *arg);

#endif
