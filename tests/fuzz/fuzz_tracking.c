/* fuzz_tracking.c - tracking codes as people type them (server/crypto/tracking.c, tracking_parse:
 * GET /api/v1/feedback/{code} and the /track/ page). A code it accepts comes out in the
 * canonical form, which reads back as itself under the same check (new or old), and a new
 * code's check symbol is one of the 32 symbols. */
#include <string.h>

#include "crypto/tracking.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size);
	FUZZ_CHECK(text);
	char out[TRACKING_CODE_LEN + 1], again[TRACKING_CODE_LEN + 1];
	memset(out, 0x55, sizeof(out));
	enum tracking_scheme scheme = tracking_read(text, out);
	FUZZ_CHECK(tracking_parse(text, again) == (scheme != TRACKING_INVALID));
	if (scheme != TRACKING_INVALID) {
		FUZZ_CHECK(strlen(out) == TRACKING_CODE_LEN);
		FUZZ_CHECK(out[4] == '-' && out[9] == '-' && out[14] == '-' && out[19] == '-');
		FUZZ_CHECK(scheme == TRACKING_OLD || !strchr("*~$=U", out[20]));
		FUZZ_CHECK(tracking_read(out, again) == scheme && strcmp(out, again) == 0);
	}
	free(text);
	return 0;
}
