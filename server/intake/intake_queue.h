/* intake_queue.h - group commit of submissions on one worker. Submissions that arrive while
 * a batch is being stored wait and go together in the next one (at most max_batch), one
 * statement and so one transaction per batch; each is answered only after that transaction
 * committed. Ids come from blocks reserved in advance, so personal data can be encrypted
 * with the row id as associated data before the row is sent. */
#ifndef PAKN_INTAKE_QUEUE_H
#define PAKN_INTAKE_QUEUE_H

#include "crypto/keys.h"
#include "crypto/receipt.h"
#include "db/db.h"
#include "intake/intake.h"

enum intake_outcome {
	INTAKE_CREATED,      /* stored; receipt and secret filled */
	INTAKE_EXISTING,     /* a retry or duplicate: the first submission's receipt */
	INTAKE_CONFLICT,     /* the idempotency key belongs to another submission */
	INTAKE_UNKNOWN_ITEM, /* no such item */
	INTAKE_UNANSWERABLE, /* the item has no agency to answer it: nothing stored */
	INTAKE_UNAVAILABLE,  /* the database is unreachable: nothing stored */
	INTAKE_FAILED,       /* the database refused the batch: a bug, logged */
};

/* r is lent to the callback (NULL unless CREATED or EXISTING). A version 2 receipt is
 * whole (its batch's signed tree head and its proof); a version 1 receipt (a repeat of a
 * submission stored before version 2) lacks its signature: intake_receipt_finish completes
 * either, on whichever thread answers the client. */
typedef void (*intake_stored_cb)(void *arg, enum intake_outcome outcome,
				 const struct receipt *r);

/* Fills the submitter's secret, and signs a version 1 receipt with the key that signed it
 * first while that key exists (Ed25519 is deterministic, so a retry's receipt comes out
 * byte for byte the same), else with the current key. Safe from any thread. */
void intake_receipt_finish(const struct keyring *keys, struct receipt *r,
			   char secret[RECEIPT_SECRET_LEN + 1]);

struct intake_queue;

struct prometheus_counters;

/* log_origin names the transparency log in the tree heads it signs; stats (may be NULL)
 * receives each batch's size. */
struct intake_queue *intake_queue_new(struct db_pool *db, const struct keyring *keys,
				      int max_batch, const char *log_origin,
				      struct prometheus_counters *stats);

/* Stops storing: what waits is answered INTAKE_UNAVAILABLE now, and so is a batch still
 * being stored when the database pool is freed afterwards. For shutdown. NULL is fine. */
void intake_queue_close(struct intake_queue *q);

/* True while a batch or a reservation of ids is out at the database. */
bool intake_queue_busy(const struct intake_queue *q);

/* Frees the queue (close it first). NULL is fine. */
void intake_queue_free(struct intake_queue *q);

/* Takes s (its strings become the queue's; s is left empty). client_hash (hex, may be
 * NULL) identifies the client for duplicate detection. cb runs once, from the event loop. */
void intake_queue_submit(struct intake_queue *q, struct submission *s, const char *client_hash,
			 intake_stored_cb cb, void *arg);

/* intake_queue_submit without starting a batch: s waits for the next one. For refill. */
void intake_queue_add(struct intake_queue *q, struct submission *s, const char *client_hash,
		      intake_stored_cb cb, void *arg);

/* Starts the next batch if none is out and something waits. */
void intake_queue_start(struct intake_queue *q);

/* fn(arg) runs, on the queue's thread, each time the queue is about to look at what waits
 * for a batch (none being out): it may add submissions with intake_queue_add. So a
 * producer on another thread can hand submissions over without waking the queue's
 * thread while intake_queue_comes_back is true. */
void intake_queue_set_refill(struct intake_queue *q, void (*fn)(void *), void *arg);

/* True while the queue will run its refill again by itself: a batch or a reservation of ids
 * is out at the database, or submissions wait (a batch is about to start). */
bool intake_queue_comes_back(const struct intake_queue *q);

#endif
