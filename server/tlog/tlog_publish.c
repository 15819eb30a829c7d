/* tlog_publish.c - owns the checkpointer's timer and its four steps (see tlog_publish.h). */
#include "tlog/tlog_publish.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/log.h"
#include "core/util.h"
#include "db/db_reply.h"
#include "tlog/cosign.h"
#include "tlog/tlog.h"
#include "tlog/tlog_witness.h"
#include "core/xalloc.h"

struct tlog_publisher {
	struct db_pool *db;
	const struct keyring *keys;
	char origin[256];
	struct event *timer; /* each second */
	int interval_s;      /* the log steps every so many ticks */
	int ticks;
	size_t step; /* of each_second[], under way */
	bool busy;
	uint64_t size; /* the tree being signed */
	uint8_t root[TLOG_HASH];
	uint64_t last_size; /* the checkpoint it must extend */
	uint8_t last_root[TLOG_HASH];
	char *note; /* the checkpoint being stored, for the witnesses */
	struct tlog_witnesses *witnesses;
};

static bool hash_of(json_object *o, const char *key, uint8_t out[TLOG_HASH])
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) &&
	       tlog_hash_from_b64(json_object_get_string(v), out);
}

static void published_cb(void *arg, PGresult *res, enum db_status status)
{
	struct tlog_publisher *p = arg;
	p->busy = false;
	/* Another instance may have stored this size first: it sends its own to the witnesses. */
	if (status == DB_OK && strcmp(PQcmdTuples(res), "1") == 0) {
		log_info(NULL, "log: checkpoint of %" PRIu64 " entries signed", p->size);
		tlog_witnesses_send(p->witnesses, p->size, p->note);
	}
	free(p->note);
	p->note = NULL;
}

static void sign(struct tlog_publisher *p)
{
	const struct signing_key *k = keys_current(p->keys);
	struct sbuf note = {0};
	tlog_checkpoint_sign(&note, p->origin, p->size, p->root, k->sk, k->pk);
	char size[24], root64[64];
	snprintf(size, sizeof(size), "%" PRIu64, p->size);
	sodium_bin2base64(root64, sizeof(root64), p->root, TLOG_HASH, sodium_base64_VARIANT_ORIGINAL);
	const char *params[] = {size, root64, note.data};
	db_query(p->db, STMT_TLOG_PUBLISH, params, published_cb, p);
	free(p->note);
	p->note = sbuf_take(&note);
}

static void consistency_cb(void *arg, PGresult *res, enum db_status status)
{
	struct tlog_publisher *p = arg;
	uint8_t proof[TLOG_MAX_PROOF][TLOG_HASH];
	int n = tlog_consistency_from_reply(res, status, proof, TLOG_MAX_PROOF);
	if (n < 0) {
		p->busy = false;
		return; /* the database is away; next time */
	}
	if (!tlog_consistency_ok(p->last_size, p->size, p->last_root, p->root, proof, (size_t)n)) {
		log_error(NULL, "log: the tree of %" PRIu64 " entries does not extend the checkpoint "
				"of %" PRIu64 " entries: not signing it (paknctl log audit)",
			  p->size, p->last_size);
		p->busy = false;
		return;
	}
	sign(p);
}

static void advanced_cb(void *arg, PGresult *res, enum db_status status)
{
	struct tlog_publisher *p = arg;
	json_object *doc = status == DB_OK ? db_reply_object(res, "pakn_tlog_advance", NULL)
					   : NULL,
		    *v, *last;
	bool ok = doc && json_object_object_get_ex(doc, "size", &v) && hash_of(doc, "root", p->root);
	p->size = ok ? (uint64_t)json_object_get_int64(v) : 0;
	bool has_last = ok && json_object_object_get_ex(doc, "last", &last) && last &&
			json_object_object_get_ex(last, "size", &v) &&
			hash_of(last, "root", p->last_root);
	p->last_size = has_last ? (uint64_t)json_object_get_int64(v) : 0;
	if (doc && !ok)
		log_error(NULL, "log: the reply of pakn_tlog_advance has no size or root");
	json_object_put(doc);
	if (!ok || p->size == 0 || (has_last && p->last_size >= p->size)) {
		p->busy = false;
		return;
	}
	if (!has_last) {
		sign(p);
		return;
	}
	char from[24], to[24];
	snprintf(from, sizeof(from), "%" PRIu64, p->last_size);
	snprintf(to, sizeof(to), "%" PRIu64, p->size);
	const char *params[] = {from, to};
	db_query(p->db, STMT_TLOG_CONSISTENCY, params, consistency_cb, p);
}

/* The statements of each second, in order, each a transaction of its own, so that none
 * holds another's locks while it works: the rollup fold, expired duplicate look-ups and
 * escalations (the rollup's lock, which intake and moderation wait for, is held only for
 * the fold); the folding of new texts for search; the scan for similar feedback among the
 * folded texts. Each second, so that each is small, so that the intake transaction need not
 * do any of it, so that a passed deadline escalates within a second of its day ending, and
 * so that similar feedback is found soon after intake. */
static const enum db_stmt each_second[] = {STMT_EACH_SECOND, STMT_SEARCH_FOLD, STMT_SIMILAR_SCAN};
#define NEACH (sizeof(each_second) / sizeof(each_second[0]))

static void each_second_cb(void *arg, PGresult *res, enum db_status status)
{
	(void)res;
	struct tlog_publisher *p = arg;
	if (status == DB_UNAVAILABLE) { /* the log step would find the same: next tick */
		p->busy = false;
		return;
	}
	/* A statement the database refused (logged) holds back neither the next nor the log. */
	if (++p->step < NEACH) {
		db_query(p->db, each_second[p->step], NULL, each_second_cb, p);
		return;
	}
	if (++p->ticks < p->interval_s) {
		p->busy = false;
		return;
	}
	p->ticks = 0;
	db_query(p->db, STMT_TLOG_ADVANCE, NULL, advanced_cb, p);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct tlog_publisher *p = arg;
	if (p->busy)
		return;
	p->busy = true;
	p->step = 0;
	db_query(p->db, each_second[0], NULL, each_second_cb, p);
}

struct tlog_publisher *tlog_publisher_new(struct event_base *base, struct db_pool *db,
					const struct keyring *keys, const char *origin,
					int interval_s, const char *witnesses, char *err,
					size_t errlen)
{
	/* The origin heads every tree head a receipt carries (RECEIPT_NOTE_MAX in all) and is
	 * a signed note's key name. */
	if (strlen(origin) > TLOG_ORIGIN_MAX || !cosign_name_ok(origin)) {
		snprintf(err, errlen, "log_origin must be a name of 1 to %d bytes without spaces or "
				      "'+' (a C2SP signed-note key name)",
			 TLOG_ORIGIN_MAX);
		return NULL;
	}
	struct tlog_publisher *p = xcalloc(1, sizeof(*p));
	p->witnesses = tlog_witnesses_new(base, db, witnesses, err, errlen);
	if (!p->witnesses) {
		free(p);
		return NULL;
	}
	p->db = db;
	p->keys = keys;
	snprintf(p->origin, sizeof(p->origin), "%s", origin);
	p->interval_s = interval_s;
	p->timer = timer_every(base, 1, tick_cb, p);
	if (!p->timer) {
		snprintf(err, errlen, "out of memory creating the checkpointer's timer");
		tlog_publisher_free(p);
		return NULL;
	}
	return p;
}

void tlog_publisher_free(struct tlog_publisher *p)
{
	if (!p)
		return;
	if (p->timer)
		event_free(p->timer);
	tlog_witnesses_free(p->witnesses);
	free(p->note);
	free(p);
}
