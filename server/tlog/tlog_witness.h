/* tlog_witness.h - the log's side of C2SP tlog-witness: each checkpoint the checkpointer
 * signs is sent to every witness of the `witnesses` setting, with a consistency proof from
 * the size that witness last cosigned; a cosignature that verifies with the witness's key
 * is stored (tlog_cosignature, sql/019_witness.sql), and GET /api/v1/log/checkpoint serves
 * the checkpoint with the cosignatures appended (docs/witness.md).
 *
 * A witness that is slow, down or refusing never holds the log back: each request has a
 * deadline, at most one is in flight per witness, failures are retried with a growing pause,
 * and nothing of it is on the checkpointer's path (it has already stored the checkpoint). */
#ifndef PAKN_TLOG_WITNESS_H
#define PAKN_TLOG_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "db/db.h"
#include "tlog/cosign.h"

#define TLOG_MAX_WITNESSES 16
#define TLOG_WITNESS_URL_MAX 512

/* One witness of the setting: where it listens and the key its cosignatures verify with. */
struct tlog_witness_conf {
	char url[TLOG_WITNESS_URL_MAX]; /* the submission prefix: http://host:port[/path] */
	struct cosign_vkey key;         /* type 0x04 */
};

/* Reads the `witnesses` setting: space-separated URL=VKEY pairs, URL http:// (a witness's
 * answers are signed, so TLS adds nothing the signature does not give). Returns how many
 * (0 for an empty setting), or -1 with err. */
int tlog_witness_conf_parse(const char *setting, struct tlog_witness_conf *out, int max,
			    char *err, size_t errlen);

struct tlog_witnesses;

/* The witnesses of setting, talked to on base; NULL with err if the setting is wrong. */
struct tlog_witnesses *tlog_witnesses_new(struct event_base *base, struct db_pool *db,
					  const char *setting, char *err, size_t errlen);

/* The consistency proof a STMT_TLOG_CONSISTENCY query answered: how many hashes it put in
 * proof, or -1 if the database was away or the reply is not a proof of at most max hashes.
 * The witnesses' rounds and the checkpointer (which includes this header) both ask. */
int tlog_consistency_from_reply(PGresult *res, enum db_status status,
				uint8_t (*proof)[TLOG_HASH], int max);

/* After base's loop has ended. NULL is fine. */
void tlog_witnesses_free(struct tlog_witnesses *ws);

/* A checkpoint of size entries was signed and stored: have it cosigned. note is copied. */
void tlog_witnesses_send(struct tlog_witnesses *ws, uint64_t size, const char *note);

#endif
