/* fuzz_witness.c - add-checkpoint bodies as the internet sends them to pakn-witness
 * (tools/witness.c, witness_add_checkpoint, and the parsers of server/tlog/cosign.c under
 * it). The witness follows the log of filippo.io/torchwood's witness tests, whose signed
 * bodies are among the seeds, so the fuzzer reaches the signature, size and proof checks.
 * Each input meets a fresh witness with no state. Every answer is one of tlog-witness's; a
 * 200 is a cosignature that verifies over the checkpoint sent; a 409 names a size. */
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "witness.h"

#define SIGSUM "sigsum.org/v1/tree/4d6d8825a6bb689d459628312889dfbb0bcd41b5211d9e1ce768b0ff0309e562"
#define SIGSUM_VKEY SIGSUM "+5202289b+Af/cLU2Y5BJNP+r3iMDC+av9eWCD0fBJVDfzAux5zxAP"

static char dir[64];
static uint8_t sk[crypto_sign_SECRETKEYBYTES];
static struct cosign_vkey self;

static void init(void)
{
	uint8_t seed[crypto_sign_SEEDBYTES] = {42};
	FUZZ_CHECK(sodium_init() >= 0);
	snprintf(dir, sizeof(dir), "/tmp/pakn-fuzz-witness-XXXXXX");
	FUZZ_CHECK(mkdtemp(dir));
	self.type = COSIGN_TYPE_V1;
	snprintf(self.name, sizeof(self.name), "fuzz.example/witness");
	crypto_sign_seed_keypair(self.pk, sk, seed);
	tlog_note_key_id(self.name, COSIGN_TYPE_V1, self.pk, self.key_id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0])
		init();
	/* As pakn-witness hands it over: NUL-terminated at its length, NULs inside kept. */
	char *body = malloc(size + 1), err[256];
	FUZZ_CHECK(body);
	memcpy(body, data, size);
	body[size] = '\0';
	struct witness *w = witness_new(self.name, sk, dir);
	FUZZ_CHECK(witness_add_log(w, SIGSUM "=" SIGSUM_VKEY, err, sizeof(err)) == 0);
	FUZZ_CHECK(witness_load(w, err, sizeof(err)) == 0);
	struct sbuf reply = {0};
	const char *type = NULL;
	int status = witness_add_checkpoint(w, body, size, 1779573024, &reply, &type);
	FUZZ_CHECK(type && reply.len > 0);
	FUZZ_CHECK(status == 200 || status == 400 || status == 403 || status == 404 ||
		   status == 409 || status == 422);
	if (status == 409) {
		uint64_t have;
		FUZZ_CHECK(strcmp(type, "text/x.tlog.size") == 0 &&
			   tlog_parse_u64(reply.data, reply.len - 1, &have));
	}
	if (status == 200) {
		struct cosign_request rq;
		FUZZ_CHECK(cosign_request_parse(body, size, &rq, err, sizeof(err)) == 0);
		struct sbuf note = {0};
		uint64_t ts;
		sbuf_printf(&note, "%s%s", rq.note, reply.data);
		FUZZ_CHECK(cosign_note_check(note.data, &self, &ts, NULL, 0, err, sizeof(err)) == 1);
		sbuf_free(&note);
		/* A fresh state for the next input. */
		uint8_t h[crypto_hash_sha256_BYTES];
		char hex[65], path[160];
		crypto_hash_sha256(h, (const uint8_t *)SIGSUM, strlen(SIGSUM));
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		snprintf(path, sizeof(path), "%s/%s", dir, hex);
		FUZZ_CHECK(unlink(path) == 0);
	}
	sbuf_free(&reply);
	witness_free(w);
	free(body);
	return 0;
}
