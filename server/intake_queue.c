/* intake_queue.c - owns batching, id blocks, encryption of personal data, and turning the
 * database's answer into receipts (intake_receipt_finish signs them). */
#include "intake_queue.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "personal.h"
#include "stats.h"
#include "util.h"

#define ID_BLOCK 256 /* the sequence's increment, sql/002_feedback.sql */

struct entry {
	struct submission s;
	char tracking_code[TRACKING_CODE_LEN + 1];
	char hash[65];
	char client_hash[65];
	char *row; /* the row as sent, made once it has an id */
	intake_stored_cb cb;
	void *arg;
	struct entry *next;
};

struct intake_queue {
	struct db_pool *db;
	const struct keyring *keys;
	int max_batch;
	struct entry *head, *tail; /* waiting */
	struct entry *batch;       /* being stored */
	int64_t next_id, end_id;   /* ids [next_id, end_id) are ours */
	bool reserving;
	bool closed;
	struct stats *stats;
};

static void kick(struct intake_queue *q);
static void prepare(struct intake_queue *q, struct entry *e);

struct intake_queue *intake_queue_new(struct db_pool *db, const struct keyring *keys,
				      int max_batch, struct stats *stats)
{
	struct intake_queue *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
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

static void fail_list(struct entry *e, enum intake_outcome outcome)
{
	while (e) {
		struct entry *next = e->next;
		entry_finish(e, outcome, NULL);
		e = next;
	}
}

void intake_queue_close(struct intake_queue *q)
{
	if (!q)
		return;
	q->closed = true;
	struct entry *waiting = q->head;
	q->head = q->tail = NULL;
	fail_list(waiting, INTAKE_UNAVAILABLE);
}

bool intake_queue_busy(const struct intake_queue *q)
{
	return q->batch || q->reserving;
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
	struct entry *e = calloc(1, sizeof(*e));
	if (!e)
		abort();
	e->s = *s;
	memset(s, 0, sizeof(*s));
	tracking_new(e->tracking_code);
	submission_hash(&e->s, e->hash);
	snprintf(e->client_hash, sizeof(e->client_hash), "%s", client_hash ? client_hash : "");
	e->cb = cb;
	e->arg = arg;
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
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
		struct entry *waiting = q->head;
		q->head = q->tail = NULL;
		fail_list(waiting, status == DB_FAILED ? INTAKE_FAILED : INTAKE_UNAVAILABLE);
		return;
	}
	q->next_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	q->end_id = q->next_id + ID_BLOCK;
	kick(q);
}

/* --- storing a batch ------------------------------------------------------------------ */

static json_object *encrypt_personal(const struct intake_queue *q, const struct entry *e,
				     int64_t id)
{
	json_object *pj = submission_personal_json(&e->s);
	char *b64 = personal_encrypt(q->keys, id,
				     json_object_to_json_string_ext(pj, JSON_C_TO_STRING_PLAIN));
	json_object *out = json_object_new_string(b64);
	free(b64);
	json_object_put(pj);
	return out;
}

static json_object *row_of(const struct intake_queue *q, const struct entry *e, int64_t id)
{
	const struct submission *s = &e->s;
	char secret[RECEIPT_SECRET_LEN + 1], secret_hash[65];
	receipt_secret(q->keys, e->tracking_code, secret);
	receipt_secret_hash(secret, secret_hash);
	json_object *r = json_object_new_object();
	json_object_object_add(r, "id", json_object_new_int64(id));
	json_object_object_add(r, "tracking_code", json_object_new_string(e->tracking_code));
	json_object_object_add(r, "item_code", json_object_new_string(s->item_code));
	json_object_object_add(r, "rating", json_object_new_int(s->rating));
	json_object_object_add(r, "kind", json_object_new_string(s->kind));
	json_object_object_add(r, "body", json_object_new_string(s->body));
	if (*s->submitter_type)
		json_object_object_add(r, "submitter_type", json_object_new_string(s->submitter_type));
	if (submission_has_personal_data(s))
		json_object_object_add(r, "personal_enc", encrypt_personal(q, e, id));
	json_object_object_add(r, "consent_publish", json_object_new_boolean(s->consent_publish));
	json_object_object_add(r, "consent_contact", json_object_new_boolean(s->consent_contact));
	json_object_object_add(r, "submission_hash", json_object_new_string(e->hash));
	json_object_object_add(r, "secret_hash", json_object_new_string(secret_hash));
	json_object_object_add(r, "key_id", json_object_new_string(keys_current(q->keys)->id));
	if (*s->idempotency_key) {
		uint8_t h[32];
		char hex[65];
		crypto_generichash(h, sizeof(h), (const uint8_t *)s->idempotency_key,
				   strlen(s->idempotency_key), NULL, 0);
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		json_object_object_add(r, "idempotency_key", json_object_new_string(hex));
	}
	if (*e->client_hash) {
		/* The duplicate rule is about one person: two people at one address (a carrier's
		 * NAT, an office) sending the same words with their own details are two. */
		json_object *pj = submission_personal_json(s);
		const char *personal = json_object_to_json_string_ext(pj, JSON_C_TO_STRING_PLAIN);
		uint8_t h[32];
		char hex[65];
		crypto_generichash_state st;
		crypto_generichash_init(&st, keys_derived(q->keys, KEY_CLIENT), 32, sizeof(h));
		crypto_generichash_update(&st, (const uint8_t *)e->client_hash, strlen(e->client_hash));
		crypto_generichash_update(&st, (const uint8_t *)personal, strlen(personal));
		crypto_generichash_final(&st, h, sizeof(h));
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		json_object_object_add(r, "client_hash", json_object_new_string(hex));
		json_object_put(pj);
	}
	sodium_memzero(secret, sizeof(secret));
	return r;
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

/* The receipt's fields as the database returned them; the signature comes later. */
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
	json_object *row = row_of(q, e, q->next_id++);
	e->row = strdup(json_object_to_json_string_ext(row, JSON_C_TO_STRING_PLAIN));
	json_object_put(row);
	if (!e->row)
		abort();
}

static void stored_cb(void *arg, PGresult *res, enum db_status status)
{
	struct intake_queue *q = arg;
	struct entry *batch = q->batch;
	q->batch = NULL;
	kick(q); /* the next batch goes out before this one's answers are read */
	json_object *rows = NULL;
	if (status == DB_OK && PQntuples(res) == 1)
		rows = json_tokener_parse(PQgetvalue(res, 0, 0));
	if (!rows || !json_object_is_type(rows, json_type_array)) {
		if (status == DB_OK)
			log_error(NULL, "intake: unreadable answer from pakn_intake");
		fail_list(batch, status == DB_UNAVAILABLE ? INTAKE_UNAVAILABLE : INTAKE_FAILED);
		json_object_put(rows);
		return;
	}
	size_t i = 0;
	for (struct entry *e = batch; e;) {
		struct entry *next = e->next;
		json_object *row = json_object_array_get_idx(rows, i++);
		const char *st = row ? str_of(row, "status") : "";
		if (strcmp(st, "created") == 0 || strcmp(st, "existing") == 0) {
			struct receipt r;
			receipt_of(row, &r);
			entry_finish(e, st[0] == 'c' ? INTAKE_CREATED : INTAKE_EXISTING, &r);
		} else if (strcmp(st, "conflict") == 0) {
			entry_finish(e, INTAKE_CONFLICT, NULL);
		} else if (strcmp(st, "unknown_item") == 0) {
			entry_finish(e, INTAKE_UNKNOWN_ITEM, NULL);
		} else {
			log_error(NULL, "intake: no result for row %zu of a batch", i - 1);
			entry_finish(e, INTAKE_FAILED, NULL);
		}
		e = next;
	}
	json_object_put(rows);
}

/* Starts the next batch if none is being stored and something waits. */
static void kick(struct intake_queue *q)
{
	if (q->closed) {
		intake_queue_close(q); /* answers anything that arrived meanwhile */
		return;
	}
	if (q->batch || !q->head || q->reserving)
		return;
	int n = 0, unprepared = 0;
	for (struct entry *e = q->head; e && n < q->max_batch; e = e->next, n++)
		unprepared += !e->row;
	if (q->end_id - q->next_id < unprepared) {
		q->reserving = true;
		db_query(q->db, STMT_RESERVE_IDS, NULL, reserved_cb, q);
		return;
	}
	struct sbuf rows = {0};
	sbuf_puts(&rows, "[");
	struct entry *last = q->head;
	for (int i = 0; i < n; i++, last = i < n ? last->next : last) {
		if (!last->row)
			prepare(q, last);
		if (i)
			sbuf_puts(&rows, ",");
		sbuf_puts(&rows, last->row);
	}
	sbuf_puts(&rows, "]");
	q->batch = q->head;
	q->head = last->next;
	last->next = NULL;
	if (!q->head)
		q->tail = NULL;
	if (q->stats)
		stats_batch(q->stats, n);
	const char *json = rows.data;
	db_query(q->db, STMT_INTAKE, &json, stored_cb, q);
	sbuf_free(&rows);
}
