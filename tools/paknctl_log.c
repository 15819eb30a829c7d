/* paknctl_log.c - `paknctl log audit`: recomputes the transparency log from what the
 * database holds now (each submission's hash from its stored fields, each moderation
 * action's audit hash from its event), rebuilds the tree and compares its root with the
 * newest signed checkpoint. It names the first entry that no longer matches: one whose
 * submission or action is gone, or whose content changed (docs/tlog.md). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intake/intake.h"
#include "crypto/keys.h"
#include "crypto/receipt.h"
#include "paknctl.h"
#include "tlog/tlog.h"

/* Every entry of the checkpoint as its source gives it now (pakn_tlog_sources), with a
 * submission's stored fields: its commitment is recomputed from them in C. */
static const char sources_sql[] =
	"SELECT s.idx, s.version, s.kind, coalesce(s.tracking_code, ''),"
	"       coalesce(s.item_code, ''), coalesce(s.handle, ''), s.at, s.commitment, f.rating,"
	"       f.kind, coalesce(f.submitter_type, ''), f.consent_publish, f.consent_contact,"
	"       f.body, f.tracking_code, it.code, encode(f.salt, 'hex')"
	" FROM pakn_tlog_sources(0, $1::bigint) s"
	" LEFT JOIN feedback f ON s.kind = 'submission' AND f.log_index = s.idx"
	" LEFT JOIN plan_item it ON it.id = f.item_id"
	" ORDER BY s.idx";
enum {
	COL_IDX, COL_VERSION, COL_KIND, COL_TRACKING, COL_ITEM, COL_HANDLE, COL_AT, COL_COMMITMENT,
	COL_RATING, COL_FKIND, COL_SUBMITTER, COL_PUBLISH, COL_CONTACT, COL_BODY, COL_FTRACKING,
	COL_FITEM, COL_SALT,
};

/* What the log itself says entry i is, to name what is missing. */
static void describe_stored(PGconn *pg, uint64_t idx)
{
	char ix[24];
	snprintf(ix, sizeof(ix), "%" PRIu64, idx);
	const char *p[] = {ix};
	PGresult *res;
	if (exec_ok(pg,
		    "SELECT kind, coalesce(tracking_code, handle), coalesce(' on ' || item_code, ''), at"
		    " FROM tlog_entry WHERE idx = $1",
		    1, p, &res) == 0 &&
	    PQntuples(res) == 1)
		printf("  the log's own copy says: %s %s%s at %s\n", PQgetvalue(res, 0, 0),
		       PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
	PQclear(res);
}

/* The commitment of row r as recomputed now: a submission's from its stored fields (version
 * 1 the unsalted hash, version 2 the salted commitment of docs/receipts.md); an action's is
 * the database's own (its audit hash is checked by paknctl audit verify). */
static void commitment_of(PGresult *res, int r, char out[65])
{
	if (strcmp(PQgetvalue(res, r, COL_KIND), "submission") != 0) {
		snprintf(out, 65, "%s", PQgetvalue(res, r, COL_COMMITMENT));
		return;
	}
	struct submission s = {0};
	snprintf(s.item_code, sizeof(s.item_code), "%s", PQgetvalue(res, r, COL_FITEM));
	s.rating = atoi(PQgetvalue(res, r, COL_RATING));
	snprintf(s.kind, sizeof(s.kind), "%s", PQgetvalue(res, r, COL_FKIND));
	snprintf(s.submitter_type, sizeof(s.submitter_type), "%s", PQgetvalue(res, r, COL_SUBMITTER));
	s.consent_publish = PQgetvalue(res, r, COL_PUBLISH)[0] == 't';
	s.consent_contact = PQgetvalue(res, r, COL_CONTACT)[0] == 't';
	s.body = PQgetvalue(res, r, COL_BODY);
	if (atoi(PQgetvalue(res, r, COL_VERSION)) == 1) {
		submission_hash(&s, out);
		return;
	}
	static struct receipt rc; /* 3 KB: not on the stack of a loop */
	memset(&rc, 0, sizeof(rc));
	rc.version = 2;
	snprintf(rc.tracking_code, sizeof(rc.tracking_code), "%s",
		 PQgetvalue(res, r, COL_FTRACKING));
	memcpy(rc.item_code, s.item_code, sizeof(rc.item_code));
	rc.rating = s.rating;
	memcpy(rc.kind, s.kind, sizeof(rc.kind));
	memcpy(rc.submitter_type, s.submitter_type, sizeof(rc.submitter_type));
	rc.consent_publish = s.consent_publish;
	rc.consent_contact = s.consent_contact;
	snprintf(rc.salt, sizeof(rc.salt), "%s", PQgetvalue(res, r, COL_SALT));
	receipt_body_hash(rc.salt, s.body, strlen(s.body), rc.body_hash);
	if (receipt_commitment(&rc, out) < 0)
		out[0] = '\0';
}

/* Opens the note with whichever key of the keyring signed it. */
static int open_checkpoint(const struct keyring *kr, const char *origin, const char *note,
			   uint64_t *size, uint8_t root[TLOG_HASH])
{
	char err[160] = "no keys";
	for (size_t i = 0; i < keys_count(kr); i++)
		if (tlog_checkpoint_open(note, origin, keys_at(kr, i)->pk, size, root, err,
					 sizeof(err)) == 0)
			return 0;
	fprintf(stderr, "paknctl: the newest checkpoint does not verify: %s\n", err);
	return -1;
}

static int log_audit(const struct config *cfg, PGconn *pg)
{
	char err[512];
	if (sodium_init() < 0)
		return 1;
	struct keyring *kr = keys_load(cfg->key_dir, false, err, sizeof(err));
	if (!kr) {
		fprintf(stderr, "paknctl: keys: %s\n", err);
		return 1;
	}
	PGresult *cp;
	if (exec_ok(pg, "SELECT note FROM tlog_checkpoint ORDER BY size DESC LIMIT 1", 0, NULL,
		    &cp) < 0) {
		keys_free(kr);
		return 1;
	}
	if (PQntuples(cp) == 0) {
		printf("no checkpoint signed yet: nothing to audit\n");
		PQclear(cp);
		keys_free(kr);
		return 0;
	}
	uint64_t size;
	uint8_t root[TLOG_HASH];
	int rc = open_checkpoint(kr, cfg->log_origin, PQgetvalue(cp, 0, 0), &size, root);
	PQclear(cp);
	keys_free(kr);
	if (rc < 0)
		return 1;

	char sz[24];
	snprintf(sz, sizeof(sz), "%" PRIu64, size);
	const char *p[] = {sz};
	PGresult *src, *stored;
	if (exec_ok(pg, sources_sql, 1, p, &src) < 0)
		return 1;
	if (exec_ok(pg, "SELECT idx, leaf FROM tlog_entry WHERE idx < $1::bigint ORDER BY idx", 1,
		    p, &stored) < 0) {
		PQclear(src);
		return 1;
	}
	struct tlog_builder b = {0};
	int64_t first_bad = -1;
	bool bad_missing = false;
	char bad_what[128] = "";
	int r = 0, s = 0, nsrc = PQntuples(src), nstored = PQntuples(stored);
	for (uint64_t i = 0; i < size; i++) {
		bool have = r < nsrc && strtoull(PQgetvalue(src, r, 0), NULL, 10) == i;
		uint8_t leaf[TLOG_HASH] = {0};
		if (have) {
			char commitment[65];
			commitment_of(src, r, commitment);
			struct sbuf e = {0};
			if (atoi(PQgetvalue(src, r, COL_VERSION)) == 1)
				tlog_entry_bytes(&e, PQgetvalue(src, r, COL_KIND),
						 PQgetvalue(src, r, COL_TRACKING),
						 PQgetvalue(src, r, COL_ITEM), PQgetvalue(src, r, COL_AT),
						 commitment);
			else
				tlog_entry_v2_bytes(&e, PQgetvalue(src, r, COL_KIND),
						    PQgetvalue(src, r, COL_HANDLE),
						    PQgetvalue(src, r, COL_AT), commitment);
			tlog_leaf_hash(e.data, e.len, leaf);
			sbuf_free(&e);
		}
		while (s < nstored && strtoull(PQgetvalue(stored, s, 0), NULL, 10) < i)
			s++;
		size_t blen = 0;
		unsigned char *kept = NULL;
		if (s < nstored && strtoull(PQgetvalue(stored, s, 0), NULL, 10) == i)
			kept = PQunescapeBytea((const unsigned char *)PQgetvalue(stored, s, 1), &blen);
		bool same = have && kept && blen == TLOG_HASH && memcmp(kept, leaf, TLOG_HASH) == 0;
		if (!same && first_bad < 0) {
			first_bad = (int64_t)i;
			bad_missing = !have;
			if (have)
				snprintf(bad_what, sizeof(bad_what), "%s %s",
					 PQgetvalue(src, r, COL_KIND),
					 *PQgetvalue(src, r, COL_TRACKING)
						 ? PQgetvalue(src, r, COL_TRACKING)
						 : PQgetvalue(src, r, COL_HANDLE));
		}
		PQfreemem(kept);
		tlog_builder_add(&b, leaf);
		r += have;
	}
	PQclear(src);
	PQclear(stored);
	uint8_t got[TLOG_HASH];
	tlog_builder_root(&b, got);
	bool root_ok = sodium_memcmp(got, root, TLOG_HASH) == 0;
	if (first_bad < 0 && root_ok) {
		printf("log intact: %" PRIu64 " entries recomputed from the database match the "
		       "newest signed checkpoint\n", size);
		return 0;
	}
	if (first_bad < 0) {
		printf("log NOT intact: the entries agree with the log's own copy, but not with the "
		       "signed checkpoint of %" PRIu64 " entries: the log was rewritten\n", size);
		return 1;
	}
	if (root_ok) {
		printf("log NOT intact: the database matches the checkpoint of %" PRIu64 " entries, "
		       "but the log's own copy of entry %" PRId64 " was altered\n", size, first_bad);
		return 1;
	}
	if (bad_missing)
		printf("entry %" PRId64 ": its submission or action is no longer in the database\n",
		       first_bad);
	else
		printf("entry %" PRId64 ": %s has changed since it was logged\n", first_bad, bad_what);
	describe_stored(pg, (uint64_t)first_bad);
	printf("log NOT intact: the database no longer matches the checkpoint of %" PRIu64
	       " entries\n", size);
	return 1;
}

int cmd_log(const struct config *cfg, int argc, char **argv)
{
	if (argc != 1 || strcmp(argv[0], "audit") != 0)
		return 2;
	PGconn *pg = connect_db(cfg);
	if (!pg)
		return 1;
	int rc = log_audit(cfg, pg);
	PQfinish(pg);
	return rc;
}
