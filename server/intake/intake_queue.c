/* intake_queue.c - owns batching, id blocks, encryption of personal data, and turning the
 * database's answer into receipts (intake_receipt_finish signs them). */
#include "intake/intake_queue.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "core/log.h"
#include "core/prometheus.h"
#include "core/util.h"
#include "crypto/personal.h"
#include "db/db_reply.h"
#include "core/xalloc.h"

#define ID_BLOCK 256 /* the sequence's increment, sql/002_feedback.sql */

struct entry {
	struct submission s;
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
};

static void kick(struct intake_queue *q);
static void prepare(struct intake_queue *q, struct entry *e);

struct intake_queue *intake_queue_new(struct db_pool *db, const struct keyring *keys,
				      int max_batch, struct prometheus_counters *stats)
{
	struct intake_queue *q = xcalloc(1, sizeof(*q));
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

void intake_queue_submit(struct intake_queue *q, struct submission *s, const char *client_hash,
			 intake_stored_cb cb, void *arg)
{
	struct entry *e = xcalloc(1, sizeof(*e));
	e->s = *s;
	memset(s, 0, sizeof(*s));
	tracking_new(e->tracking_code);
	submission_hash(&e->s, e->hash);
	snprintf(e->client_hash, sizeof(e->client_hash), "%s", client_hash ? client_hash : "");
	e->cb = cb;
	e->arg = arg;
	STAILQ_INSERT_TAIL(&q->waiting, e, next);
	/* Made now, while the batch before is at the database, not when this one starts. */
	if (q->next_id < q->end_id)
		prepare(q, e);
	kick(q);
}

/* --- ids ------------------------------------------------------------------------------ */

static void reserved_cb(void *arg, PGresult *res, enum db_status status)
{
	struct intake_queue *q = arg;
	q->reserving = false;
	if (status != DB_OK || PQntuples(res) != 1) {
		/* Nothing can be stored now: answer the waiting ones rather than keep them. */
		fail_list(&q->waiting, status == DB_FAILED ? INTAKE_FAILED : INTAKE_UNAVAILABLE);
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
	sbuf_printf(&b, "{\"id\":%" PRId64 ",\"rating\":%d,\"consent_publish\":%s,"
			"\"consent_contact\":%s",
		    e->id, s->rating, s->consent_publish ? "true" : "false",
		    s->consent_contact ? "true" : "false");
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
	char secret[RECEIPT_SECRET_LEN + 1], hex[65];
	receipt_secret(q->keys, e->tracking_code, secret);
	receipt_secret_hash(secret, hex);
	sodium_memzero(secret, sizeof(secret));
	sbuf_json_field(&b, "secret_hash", hex);
	sbuf_json_field(&b, "key_id", e->key_id);
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

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

/* A stored receipt's fields as the database returned them; the signature comes later. */
static void receipt_of(json_object *row, struct receipt *r)
{
	memset(r, 0, sizeof(*r));
	r->version = RECEIPT_VERSION;
	snprintf(r->tracking_code, sizeof(r->tracking_code), "%s", str_of(row, "tracking_code"));
	r->feedback_id = strtoll(str_of(row, "id"), NULL, 10);
	snprintf(r->item_code, sizeof(r->item_code), "%s", str_of(row, "item_code"));
	snprintf(r->committed_at, sizeof(r->committed_at), "%s", str_of(row, "committed_at"));
	snprintf(r->submission_hash, sizeof(r->submission_hash), "%s",
		 str_of(row, "submission_hash"));
	r->log_index = strtoll(str_of(row, "log_index"), NULL, 10);
	snprintf(r->key_id, sizeof(r->key_id), "%s", str_of(row, "key_id"));
}

_Static_assert(sizeof(((struct receipt *)0)->item_code) ==
		       sizeof(((struct submission *)0)->item_code),
	       "a submission's item code fits its receipt as it is");

/* The receipt of a row the batch created: what the service sent, and what the database
 * decided (the log index, and the transaction's time, one for the whole batch). */
static void receipt_created(const struct entry *e, const char *committed_at, int64_t log_index,
			    struct receipt *r)
{
	memset(r, 0, sizeof(*r));
	r->version = RECEIPT_VERSION;
	memcpy(r->tracking_code, e->tracking_code, sizeof(r->tracking_code));
	r->feedback_id = e->id;
	memcpy(r->item_code, e->s.item_code, sizeof(r->item_code));
	snprintf(r->committed_at, sizeof(r->committed_at), "%s", committed_at);
	memcpy(r->submission_hash, e->hash, sizeof(r->submission_hash));
	r->log_index = log_index;
	memcpy(r->key_id, e->key_id, sizeof(r->key_id));
}

void intake_receipt_finish(const struct keyring *keys, struct receipt *r,
			   char secret[RECEIPT_SECRET_LEN + 1])
{
	const struct signing_key *k = keys_find(keys, r->key_id);
	receipt_sign(r, k ? k : keys_current(keys));
	receipt_secret(keys, r->tracking_code, secret);
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
	for (size_t i = 0; (e = STAILQ_FIRST(&batch)) != NULL; i++) {
		STAILQ_REMOVE_HEAD(&batch, next);
		json_object *row = json_object_array_get_idx(rows, i);
		struct receipt r;
		switch (db_reply_status_of(row)) {
		case DB_REPLY_CREATED:
			receipt_created(e, committed_at, strtoll(str_of(row, "log_index"), NULL, 10), &r);
			entry_finish(e, INTAKE_CREATED, &r);
			break;
		case DB_REPLY_EXISTING:
			receipt_of(row, &r);
			entry_finish(e, INTAKE_EXISTING, &r);
			break;
		case DB_REPLY_CONFLICT:
			entry_finish(e, INTAKE_CONFLICT, NULL);
			break;
		case DB_REPLY_UNKNOWN_ITEM:
			entry_finish(e, INTAKE_UNKNOWN_ITEM, NULL);
			break;
		default:
			log_error(NULL, "intake: row %zu of pakn_intake_batch's answer has no status "
					"it may have", i);
			entry_finish(e, INTAKE_FAILED, NULL);
			break;
		}
	}
	json_object_put(answer);
}

/* Starts the next batch if none is being stored and something waits. */
static void kick(struct intake_queue *q)
{
	if (q->closed) {
		intake_queue_close(q); /* answers anything that arrived meanwhile */
		return;
	}
	if (!STAILQ_EMPTY(&q->batch) || STAILQ_EMPTY(&q->waiting) || q->reserving)
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
