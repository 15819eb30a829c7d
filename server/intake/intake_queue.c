/* intake_queue.c - owns batching, id blocks, encryption of personal data, and turning the
 * database's answer into receipts: one signed tree head per batch, and each receipt's
 * inclusion proof in it (docs/receipts.md). */
#include "intake/intake_queue.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "core/log.h"
#include "core/prometheus.h"
#include "core/random.h"
#include "core/util.h"
#include "crypto/personal.h"
#include "db/db_reply.h"
#include "core/xalloc.h"
#include "tlog/tlog_head.h"

#define ID_BLOCK 256 /* the sequence's increment, sql/002_feedback.sql */

struct entry {
	struct submission s;
	struct receipt v2;  /* its receipt's fields that are known before it is stored */
	char tracking_code[TRACKING_CODE_LEN + 1];
	char hash[65];
	char client_hash[65];
	int64_t id;                   /* given with its row */
	char key_id[KEY_ID_LEN + 1];  /* the key its receipt will name */
	char *row; /* the row as sent, made once it has an id */
	intake_stored_cb cb;
	void *arg;
	STAILQ_ENTRY(entry) next;
};

STAILQ_HEAD(entry_list, entry);

struct intake_queue {
	struct db_pool *db;
	const struct keyring *keys;
	int max_batch;
	struct entry_list waiting;  /* oldest first */
	struct entry_list batch;    /* being stored, in the order of its rows */
	int64_t next_id, end_id;   /* ids [next_id, end_id) are ours */
	bool reserving;
	bool closed;
	struct prometheus_counters *stats;
	char origin[256]; /* the log's name, first line of each signed tree head */
	void (*refill)(void *);
	void *refill_arg;
};

static void kick(struct intake_queue *q);
static void prepare(struct intake_queue *q, struct entry *e);

struct intake_queue *intake_queue_new(struct db_pool *db, const struct keyring *keys,
				      int max_batch, const char *log_origin,
				      struct prometheus_counters *stats)
{
	struct intake_queue *q = xcalloc(1, sizeof(*q));
	snprintf(q->origin, sizeof(q->origin), "%s", log_origin);
	STAILQ_INIT(&q->waiting);
	STAILQ_INIT(&q->batch);
	q->db = db;
	q->keys = keys;
	q->max_batch = max_batch;
	q->stats = stats;
	return q;
}

static void entry_finish(struct entry *e, enum intake_outcome outcome, const struct receipt *r)
{
	e->cb(e->arg, outcome, r);
	submission_free(&e->s);
	free(e->row);
	free(e);
}

/* Answers every entry of list, which is emptied first: a callback may submit again, and
 * what it submits is the queue's to answer, not this loop's. */
static void fail_list(struct entry_list *list, enum intake_outcome outcome)
{
	struct entry_list failing = STAILQ_HEAD_INITIALIZER(failing);
	STAILQ_CONCAT(&failing, list);
	struct entry *e;
	while ((e = STAILQ_FIRST(&failing)) != NULL) {
		STAILQ_REMOVE_HEAD(&failing, next);
		entry_finish(e, outcome, NULL);
	}
}

void intake_queue_close(struct intake_queue *q)
{
	if (!q)
		return;
	q->closed = true;
	fail_list(&q->waiting, INTAKE_UNAVAILABLE);
}

bool intake_queue_busy(const struct intake_queue *q)
{
	return !STAILQ_EMPTY(&q->batch) || q->reserving;
}

void intake_queue_free(struct intake_queue *q)
{
	if (!q)
		return;
	intake_queue_close(q);
	free(q);
}

/* A new submission's version 2 fields: a random handle and salt, and the commitment. */
static void receipt_v2_start(struct receipt *r, const struct submission *s,
			     const char *tracking_code)
{
	memset(r, 0, sizeof(*r));
	r->version = 2;
	memcpy(r->tracking_code, tracking_code, sizeof(r->tracking_code));
	memcpy(r->item_code, s->item_code, sizeof(r->item_code));
	r->rating = s->rating;
	memcpy(r->kind, s->kind, sizeof(r->kind));
	memcpy(r->submitter_type, s->submitter_type, sizeof(r->submitter_type));
	r->consent_publish = s->consent_publish;
	r->consent_contact = s->consent_contact;
	uint8_t rnd[RECEIPT_SALT_BYTES];
	random_bytes(rnd, RECEIPT_HANDLE_LEN / 2);
	sodium_bin2hex(r->handle, sizeof(r->handle), rnd, RECEIPT_HANDLE_LEN / 2);
	random_bytes(rnd, sizeof(rnd));
	receipt_v2_seal(r, rnd, s->body, strlen(s->body));
	sodium_memzero(rnd, sizeof(rnd));
}

void intake_queue_set_refill(struct intake_queue *q, void (*fn)(void *), void *arg)
{
	q->refill = fn;
	q->refill_arg = arg;
}

bool intake_queue_comes_back(const struct intake_queue *q)
{
	return !q->closed && (intake_queue_busy(q) || !STAILQ_EMPTY(&q->waiting));
}

void intake_queue_start(struct intake_queue *q)
{
	kick(q);
}

void intake_queue_submit(struct intake_queue *q, struct submission *s, const char *client_hash,
			 intake_stored_cb cb, void *arg)
{
	intake_queue_add(q, s, client_hash, cb, arg);
	kick(q);
}

void intake_queue_add(struct intake_queue *q, struct submission *s, const char *client_hash,
		      intake_stored_cb cb, void *arg)
{
	struct entry *e = xcalloc(1, sizeof(*e));
	e->s = *s;
	memset(s, 0, sizeof(*s));
	tracking_new(e->tracking_code);
	submission_hash(&e->s, e->hash);
	receipt_v2_start(&e->v2, &e->s, e->tracking_code);
	snprintf(e->client_hash, sizeof(e->client_hash), "%s", client_hash ? client_hash : "");
	e->cb = cb;
	e->arg = arg;
	STAILQ_INSERT_TAIL(&q->waiting, e, next);
	/* Made now, while the batch before is at the database, not when this one starts. */
	if (q->next_id < q->end_id)
		prepare(q, e);
}

/* --- ids ------------------------------------------------------------------------------ */

static void reserved_cb(void *arg, PGresult *res, enum db_status status)
{
	struct intake_queue *q = arg;
	q->reserving = false;
	if (status != DB_OK || PQntuples(res) != 1) {
		/* Nothing can be stored now: answer the waiting ones rather than keep them, then
		 * look again (a refill may have more, which try a reservation of their own). */
		fail_list(&q->waiting, status == DB_FAILED ? INTAKE_FAILED : INTAKE_UNAVAILABLE);
		kick(q);
		return;
	}
	q->next_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	q->end_id = q->next_id + ID_BLOCK;
	kick(q);
}

/* --- storing a batch ------------------------------------------------------------------ */

/* The personal data as JSON text, the bytes json-c writes: what is encrypted, and what
 * the client hash covers. NULL when there is none (json-c would write "{}"). */
static char *personal_text(const struct submission *s)
{
	if (!submission_has_personal_data(s))
		return NULL;
	json_object *pj = submission_personal_json(s);
	char *text = xstrdup(json_object_to_json_string_ext(pj, JSON_C_TO_STRING_PLAIN));
	json_object_put(pj);
	return text;
}

/* An idempotency key is the client's own: what is stored (and looked up) is a keyed hash
 * of the client (its hash, from its address or /64) and the key, so another client sending
 * the same key and text makes a submission of its own and never gets this one's receipt and
 * secret (docs/intake.md, "Retries and duplicates"). */
static void idempotency_hash(const struct keyring *keys, const char *client_hash,
			     const char *key, char hex[65])
{
	static const char domain[] = "pakn idempotency key";
	crypto_generichash_state st;
	uint8_t h[32];
	crypto_generichash_init(&st, keys_derived(keys, KEY_CLIENT), 32, sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)domain, sizeof(domain));
	crypto_generichash_update(&st, (const uint8_t *)client_hash, strlen(client_hash) + 1);
	crypto_generichash_update(&st, (const uint8_t *)key, strlen(key));
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* The row as pakn_intake_rows (sql/functions/intake.sql) reads it: JSON text, written
 * directly rather than as a dozen json-c objects. */
static char *row_of(const struct intake_queue *q, const struct entry *e)
{
	const struct submission *s = &e->s;
	char *personal = personal_text(s);
	struct sbuf b = {0};
	sbuf_reserve(&b, 1024 + strlen(s->body) + (personal ? 2 * strlen(personal) : 0));
	sbuf_puts(&b, "{\"id\":");
	sbuf_int(&b, e->id);
	sbuf_puts(&b, ",\"rating\":");
	sbuf_int(&b, s->rating);
	sbuf_cat(&b, ",\"consent_publish\":", s->consent_publish ? "true" : "false",
		 ",\"consent_contact\":", s->consent_contact ? "true" : "false", NULL);
	sbuf_json_field(&b, "tracking_code", e->tracking_code);
	sbuf_json_field(&b, "item_code", s->item_code);
	sbuf_json_field(&b, "kind", s->kind);
	sbuf_json_field(&b, "body", s->body);
	if (*s->submitter_type)
		sbuf_json_field(&b, "submitter_type", s->submitter_type);
	if (personal) {
		char *b64 = personal_encrypt(q->keys, e->id, personal);
		sbuf_json_field(&b, "personal_enc", b64);
		free(b64);
	}
	sbuf_json_field(&b, "submission_hash", e->hash);
	sbuf_json_field(&b, "handle", e->v2.handle);
	sbuf_json_field(&b, "salt", e->v2.salt);
	sbuf_json_field(&b, "commitment", e->v2.commitment);
	char secret[RECEIPT_SECRET_LEN + 1], hex[65];
	receipt_secret(q->keys, e->tracking_code, secret);
	receipt_secret_hash(secret, hex);
	sodium_memzero(secret, sizeof(secret));
	sbuf_json_field(&b, "secret_hash", hex);
	sbuf_json_field(&b, "key_id", e->key_id);
	if (*s->channel) {
		/* An official's entry (officials/assisted.c): pakn_intake_batch records who and how,
		 * counts the deadlines from received_on and audits it. */
		sbuf_json_field(&b, "channel", s->channel);
		sbuf_json_field(&b, "received_on", s->received_on);
		sbuf_json_field(&b, "entered_role", s->entered_role);
		sbuf_puts(&b, ",\"entered_by\":");
		sbuf_int(&b, s->entered_by);
	}
	uint8_t h[32];
	if (*s->idempotency_key) {
		idempotency_hash(q->keys, e->client_hash, s->idempotency_key, hex);
		sbuf_json_field(&b, "idempotency_key", hex);
	}
	if (*e->client_hash) {
		/* The duplicate rule is about one person: two people at one address (a carrier's
		 * NAT, an office) sending the same words with their own details are two. */
		crypto_generichash_state st;
		crypto_generichash_init(&st, keys_derived(q->keys, KEY_CLIENT), 32, sizeof(h));
		crypto_generichash_update(&st, (const uint8_t *)e->client_hash, strlen(e->client_hash));
		const char *p = personal ? personal : "{}";
		crypto_generichash_update(&st, (const uint8_t *)p, strlen(p));
		crypto_generichash_final(&st, h, sizeof(h));
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		sbuf_json_field(&b, "client_hash", hex);
	}
	sbuf_puts(&b, "}");
	if (personal) {
		sodium_memzero(personal, strlen(personal));
		free(personal);
	}
	return sbuf_take(&b);
}

/* A member as text; "" when it is missing or null. */
static const char *str_of(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : "";
}

/* Puts h's head and r's inclusion proof in r. */
static bool head_prove(struct tlog_head *h, struct receipt *r)
{
	r->nproof = tlog_span_proof(&h->span, (uint64_t)r->log_index,
				    (uint8_t(*)[TLOG_HASH])r->proof);
	memcpy(r->checkpoint, h->note, sizeof(r->checkpoint));
	return r->nproof >= 0;
}

static void entry_leaf(const struct receipt *r, uint8_t out[TLOG_HASH])
{
	struct sbuf entry = {0};
	tlog_receipt_entry(&entry, r);
	tlog_leaf_hash(entry.data, entry.len, out);
	sbuf_free(&entry);
}

/* The receipt of a row the batch created: what the service sent, and what the database
 * decided (the log index, and the transaction's time, one for the whole batch). */
static void receipt_created(const struct entry *e, const char *committed_at, int64_t log_index,
			    struct receipt *r)
{
	*r = e->v2;
	snprintf(r->committed_at, sizeof(r->committed_at), "%s", committed_at);
	r->log_index = log_index;
}

/* The receipt of a stored submission that e repeats, from the fields the database returned
 * (pakn_receipt_fields): version 1 if it was stored before receipts were version 2 (signed
 * later, intake_receipt_finish), else version 2 with e's own fields, which are the stored
 * one's since their canonical bytes are the same (the same submission_hash). */
static void receipt_existing(const struct entry *e, json_object *row, struct receipt *r)
{
	if (!*str_of(row, "commitment")) {
		memset(r, 0, sizeof(*r));
		r->version = 1;
		r->feedback_id = strtoll(str_of(row, "id"), NULL, 10);
		snprintf(r->submission_hash, sizeof(r->submission_hash), "%s",
			 str_of(row, "submission_hash"));
		snprintf(r->key_id, sizeof(r->key_id), "%s", str_of(row, "key_id"));
	} else {
		*r = e->v2;
		snprintf(r->handle, sizeof(r->handle), "%s", str_of(row, "handle"));
		snprintf(r->salt, sizeof(r->salt), "%s", str_of(row, "salt"));
		snprintf(r->commitment, sizeof(r->commitment), "%s", str_of(row, "commitment"));
		receipt_body_hash(r->salt, e->s.body, strlen(e->s.body), r->body_hash);
	}
	snprintf(r->tracking_code, sizeof(r->tracking_code), "%s", str_of(row, "tracking_code"));
	snprintf(r->item_code, sizeof(r->item_code), "%s", str_of(row, "item_code"));
	snprintf(r->committed_at, sizeof(r->committed_at), "%s", str_of(row, "committed_at"));
	r->log_index = strtoll(str_of(row, "log_index"), NULL, 10);
}

/* Proves a version 2 receipt of an earlier batch again, in the tree that batch ended
 * ("tree": pakn_tlog_batch_of, whose leaves must still make the root it appended), signed
 * anew: the same head as its first receipt, since Ed25519 signatures are deterministic,
 * while the signing key is the same. */
static bool prove_again(const struct intake_queue *q, json_object *row, struct receipt *r)
{
	json_object *tree;
	struct tlog_head h;
	if (!json_object_object_get_ex(row, "tree", &tree) || !tree ||
	    tlog_head_from_json(&h, tree, q->origin, keys_current(q->keys)) < 0)
		return false;
	bool ok = head_prove(&h, r);
	tlog_head_free(&h);
	return ok;
}

/* Gives e its id and its row. */
static void prepare(struct intake_queue *q, struct entry *e)
{
	e->id = q->next_id++;
	memcpy(e->key_id, keys_current(q->keys)->id, sizeof(e->key_id));
	e->row = row_of(q, e);
}

/* The rows of pakn_intake_batch's answer {"committed_at": "...", "rows": [...]}
 * (sql/functions/intake.sql), one for each entry of the batch in the batch's order; NULL
 * (logged) when the answer is not that. */
static json_object *answer_rows(json_object *answer, size_t n)
{
	json_object *rows;
	if (!json_object_object_get_ex(answer, "rows", &rows) ||
	    !json_object_is_type(rows, json_type_array) || json_object_array_length(rows) != n ||
	    !*str_of(answer, "committed_at")) {
		log_error(NULL, "intake: the answer of pakn_intake_batch is not one row per entry");
		return NULL;
	}
	return rows;
}

void intake_receipt_finish(const struct keyring *keys, struct receipt *r,
			   char secret[RECEIPT_SECRET_LEN + 1])
{
	if (r->version == 1) {
		const struct signing_key *k = keys_find(keys, r->key_id);
		receipt_sign(r, k ? k : keys_current(keys));
	}
	receipt_secret(keys, r->tracking_code, secret);
}

/* The batch's tree head, from the leaves of the rows it created (made here from the same
 * fields their receipts carry, so a receipt proves what it says) and the log's answer,
 * {"start", "frontier", "size", "root"}. False when it created none, or logged why not. */
static bool batch_head(struct tlog_head *h, const struct intake_queue *q, json_object *answer,
		       struct entry_list *batch, json_object *rows, const char *committed_at)
{
	json_object *log, *v;
	if (!json_object_object_get_ex(answer, "log", &log) || !log ||
	    !json_object_object_get_ex(log, "start", &v))
		return false;
	int64_t start = json_object_get_int64(v);
	int64_t size = json_object_object_get_ex(log, "size", &v) ? json_object_get_int64(v) : 0;
	if (size <= start || size - start > (int64_t)json_object_array_length(rows)) {
		log_error(NULL, "intake: the log's answer does not fit the batch");
		return false;
	}
	uint8_t (*leaves)[TLOG_HASH] = xcalloc((size_t)(size - start), TLOG_HASH);
	size_t i = 0, found = 0;
	struct entry *e;
	STAILQ_FOREACH(e, batch, next) {
		json_object *row = json_object_array_get_idx(rows, i++);
		int64_t ix = strtoll(str_of(row, "log_index"), NULL, 10);
		if (db_reply_status_of(row) != DB_REPLY_CREATED || ix < start || ix >= size)
			continue;
		struct receipt r;
		receipt_created(e, committed_at, ix, &r);
		entry_leaf(&r, leaves[ix - start]);
		found++;
	}
	bool ok = found == (size_t)(size - start) &&
		  tlog_head_make(h, log, (const uint8_t(*)[TLOG_HASH])leaves, found,
				 str_of(log, "root"), q->origin, keys_current(q->keys)) == 0;
	if (found != (size_t)(size - start))
		log_error(NULL, "intake: the batch created other rows than the log appended");
	free(leaves);
	return ok;
}

/* A version 2 receipt gets its proof: in the batch's own head (a row of this batch, or
 * one repeating a row of it), or again in the head of the batch that stored it. Should
 * neither work (a bug, logged), the row is stored all the same, and its receipt says so
 * as version 1 does, signed by itself. */
static void receipt_prove(const struct intake_queue *q, const struct entry *e,
			  struct tlog_head *h, bool have_head, json_object *row, struct receipt *r)
{
	if (r->version == 1)
		return;
	if (have_head && (uint64_t)r->log_index >= h->span.start &&
	    (uint64_t)r->log_index < h->span.size && head_prove(h, r))
		return;
	if (prove_again(q, row, r))
		return;
	log_error(NULL, "intake: no proof for the receipt of log entry %" PRId64
			": a version 1 receipt is given",
		  r->log_index);
	/* The stored row's code, time and index: a repeat's are the first submission's. */
	struct receipt v2 = *r;
	memset(r, 0, sizeof(*r));
	r->version = 1;
	memcpy(r->tracking_code, v2.tracking_code, sizeof(r->tracking_code));
	memcpy(r->item_code, v2.item_code, sizeof(r->item_code));
	memcpy(r->committed_at, v2.committed_at, sizeof(r->committed_at));
	r->log_index = v2.log_index;
	int64_t id = strtoll(str_of(row, "id"), NULL, 10); /* given for a repeat */
	r->feedback_id = id ? id : e->id;
	memcpy(r->submission_hash, e->hash, sizeof(r->submission_hash));
	snprintf(r->key_id, sizeof(r->key_id), "%s",
		 *str_of(row, "key_id") ? str_of(row, "key_id") : e->key_id);
}

static void stored_cb(void *arg, PGresult *res, enum db_status status)
{
	struct intake_queue *q = arg;
	struct entry_list batch = STAILQ_HEAD_INITIALIZER(batch);
	STAILQ_CONCAT(&batch, &q->batch);
	kick(q); /* the next batch goes out before this one's answers are read */
	size_t n = 0;
	struct entry *e;
	STAILQ_FOREACH(e, &batch, next)
		n++;
	json_object *answer = status == DB_OK ? db_reply_object(res, "pakn_intake_batch", NULL) : NULL;
	json_object *rows = answer ? answer_rows(answer, n) : NULL;
	if (!rows) {
		fail_list(&batch, status == DB_UNAVAILABLE ? INTAKE_UNAVAILABLE : INTAKE_FAILED);
		json_object_put(answer);
		return;
	}
	const char *committed_at = str_of(answer, "committed_at");
	struct tlog_head head;
	bool have_head = batch_head(&head, q, answer, &batch, rows, committed_at);
	for (size_t i = 0; (e = STAILQ_FIRST(&batch)) != NULL; i++) {
		STAILQ_REMOVE_HEAD(&batch, next);
		json_object *row = json_object_array_get_idx(rows, i);
		struct receipt r;
		switch (db_reply_status_of(row)) {
		case DB_REPLY_CREATED:
			receipt_created(e, committed_at, strtoll(str_of(row, "log_index"), NULL, 10), &r);
			receipt_prove(q, e, &head, have_head, row, &r);
			entry_finish(e, INTAKE_CREATED, &r);
			break;
		case DB_REPLY_EXISTING:
			receipt_existing(e, row, &r);
			receipt_prove(q, e, &head, have_head, row, &r);
			entry_finish(e, INTAKE_EXISTING, &r);
			break;
		case DB_REPLY_CONFLICT:
			entry_finish(e, INTAKE_CONFLICT, NULL);
			break;
		case DB_REPLY_UNKNOWN_ITEM:
			entry_finish(e, INTAKE_UNKNOWN_ITEM, NULL);
			break;
		case DB_REPLY_ITEM_UNANSWERABLE:
			entry_finish(e, INTAKE_UNANSWERABLE, NULL);
			break;
		default:
			log_error(NULL, "intake: row %zu of pakn_intake_batch's answer has no status "
					"it may have", i);
			entry_finish(e, INTAKE_FAILED, NULL);
			break;
		}
	}
	if (have_head)
		tlog_head_free(&head);
	json_object_put(answer);
}

/* Starts the next batch if none is being stored and something waits. */
static void kick(struct intake_queue *q)
{
	if (q->closed) {
		intake_queue_close(q); /* answers anything that arrived meanwhile */
		return;
	}
	if (!STAILQ_EMPTY(&q->batch) || q->reserving)
		return;
	if (q->refill)
		q->refill(q->refill_arg);
	if (STAILQ_EMPTY(&q->waiting))
		return;
	int n = 0, unprepared = 0;
	struct entry *e;
	STAILQ_FOREACH(e, &q->waiting, next) {
		if (n == q->max_batch)
			break;
		unprepared += !e->row;
		n++;
	}
	if (q->end_id - q->next_id < unprepared) {
		q->reserving = true;
		db_query(q->db, STMT_RESERVE_IDS, NULL, reserved_cb, q);
		return;
	}
	struct sbuf rows = {0};
	sbuf_puts(&rows, "[");
	for (int i = 0; i < n; i++) {
		e = STAILQ_FIRST(&q->waiting);
		STAILQ_REMOVE_HEAD(&q->waiting, next);
		STAILQ_INSERT_TAIL(&q->batch, e, next);
		if (!e->row)
			prepare(q, e);
		if (i)
			sbuf_puts(&rows, ",");
		sbuf_puts(&rows, e->row);
	}
	sbuf_puts(&rows, "]");
	if (q->stats)
		prometheus_count_batch(q->stats, n);
	const char *json = rows.data;
	db_query(q->db, STMT_INTAKE, &json, stored_cb, q);
	sbuf_free(&rows);
}
