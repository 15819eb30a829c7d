/* fuzz_tracking.c - tracking codes as people type them (server/crypto/tracking.c, tracking_parse:
 * GET /api/v1/feedback/{code} and the /track/ page). A code it accepts comes out in the
 * canonical form, which reads back as itself. */
#include <string.h>

#include "crypto/tracking.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size);
	FUZZ_CHECK(text);
	char out[TRACKING_CODE_LEN + 1], again[TRACKING_CODE_LEN + 1];
	memset(out, 0x55, sizeof(out));
	if (tracking_parse(text, out)) {
		FUZZ_CHECK(strlen(out) == TRACKING_CODE_LEN);
		FUZZ_CHECK(out[4] == '-' && out[9] == '-' && out[14] == '-' && out[19] == '-');
		FUZZ_CHECK(tracking_parse(out, again) && strcmp(out, again) == 0);
	}
	free(text);
	return 0;
}
