/* verify_witness.c - owns pakn-verify's witness options and the check of a checkpoint's
 * cosignatures (see verify_witness.h). */
#include "verify_witness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char verify_witnesses_usage[] =
	"With --witness VKEY (repeatable; a witness's Ed25519 cosignature key) and --require N\n"
	"(default 1), every checkpoint must carry good cosignatures by at least N of them.\n";

int verify_witnesses_option(struct verify_witnesses *vw, int argc, char **argv, int *i)
{
	const char *opt = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	char err[200];
	if (strcmp(opt, "--witness") != 0 && strcmp(opt, "--require") != 0)
		return 0;
	if (!v)
		return -1;
	(*i)++;
	if (strcmp(opt, "--require") == 0) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*end || end == v || n < 1 || n > VERIFY_MAX_WITNESSES) {
			fprintf(stderr, "pakn-verify: --require %s: a number from 1 to %d\n", v,
				VERIFY_MAX_WITNESSES);
			return -1;
		}
		vw->require = (int)n;
		return 1;
	}
	if (vw->n == VERIFY_MAX_WITNESSES) {
		fprintf(stderr, "pakn-verify: more than %d witnesses\n", VERIFY_MAX_WITNESSES);
		return -1;
	}
	struct cosign_vkey *k = &vw->keys[vw->n];
	int parsed = cosign_vkey_parse(v, k, err, sizeof(err));
	if (parsed < 0 || k->type != COSIGN_TYPE_V1) {
		fprintf(stderr, "pakn-verify: --witness %s: %s\n", v,
			parsed < 0 ? err : "not a witness key (type 0x04)");
		return -1;
	}
	vw->n++;
	return 1;
}

int verify_witnesses_finish(struct verify_witnesses *vw)
{
	if (vw->require < 0 || (vw->require == 0 && vw->n == 0))
		vw->require = vw->n > 0 ? 1 : 0;
	if (vw->require > vw->n) {
		fprintf(stderr, "pakn-verify: --require %d but %d --witness key%s given\n", vw->require,
			vw->n, vw->n == 1 ? "" : "s");
		return -1;
	}
	return 0;
}

int verify_witnesses_check(const struct verify_witnesses *vw, const char *note, const char *path)
{
	if (vw->require == 0)
		return 0;
	char names[1024] = "", err[200];
	int good = 0;
	for (int i = 0; i < vw->n; i++) {
		uint64_t ts;
		/* Two keys given for one name and ID are one witness: count it once. */
		bool seen = false;
		for (int j = 0; j < i; j++)
			seen = seen || (strcmp(vw->keys[j].name, vw->keys[i].name) == 0 &&
					memcmp(vw->keys[j].key_id, vw->keys[i].key_id, 4) == 0);
		int r = seen ? 0 : cosign_note_check(note, &vw->keys[i], &ts, NULL, 0, err, sizeof(err));
		if (r < 0) {
			printf("invalid: checkpoint %s: %s\n", path, err);
			return 1;
		}
		if (r == 1) {
			char when[32];
			time_t t = (time_t)ts;
			struct tm tm;
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
			size_t at = strlen(names);
			snprintf(names + at, sizeof(names) - at, "%s%s at %s", good ? ", " : "",
				 vw->keys[i].name, when);
			good++;
		}
	}
	if (good < vw->require) {
		printf("invalid: checkpoint %s has %d good cosignature%s of the witnesses given, %d "
		       "required\n", path, good, good == 1 ? "" : "s", vw->require);
		return 1;
	}
	printf("valid: checkpoint %s cosigned by %s\n", path, names);
	return 0;
}
