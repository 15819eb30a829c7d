/* verify_witness.h - pakn-verify's witness options: --witness VKEY (repeatable) and
 * --require N. A checkpoint is then accepted only with at least N good cosignatures
 * (C2SP tlog-cosignature v1) by distinct keys of those given (docs/witness.md). */
#ifndef PAKN_VERIFY_WITNESS_H
#define PAKN_VERIFY_WITNESS_H

#include "tlog/cosign.h"

#define VERIFY_MAX_WITNESSES 32

struct verify_witnesses {
	int n;
	struct cosign_vkey keys[VERIFY_MAX_WITNESSES];
	int require; /* -1 until --require: then 1 if any --witness was given */
};

/* The usage lines of the options. */
extern const char verify_witnesses_usage[];

/* Takes argv[*i] (and its value) if it is one of the options, moving *i past the value.
 * Returns 1 if taken, 0 if not one of ours, -1 if its value is bad (a usage error, said
 * why on stderr). */
int verify_witnesses_option(struct verify_witnesses *vw, int argc, char **argv, int *i);

/* After the options: 0, or -1 (usage error, said why) if --require asks for more than the
 * keys given. */
int verify_witnesses_finish(struct verify_witnesses *vw);

/* Checks the cosignatures of a checkpoint read from path, printing one line: 0 valid, 1
 * invalid. Always 0 when no witness is required. */
int verify_witnesses_check(const struct verify_witnesses *vw, const char *note, const char *path);

#endif
