/* fuzz.h - what the libFuzzer targets in tests/fuzz/ share: the entry point libFuzzer
 * calls, and a check that stops the run with a message when a property does not hold (a
 * finding, like a sanitizer report; libFuzzer then saves the input). */
#ifndef PAKN_FUZZ_H
#define PAKN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: property does not hold: %s\n", __FILE__,   \
				__LINE__, #cond);                                          \
			abort();                                                           \
		}                                                                          \
	} while (0)

#endif
