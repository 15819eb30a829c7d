/* fuzz_accept_encoding.c - Accept-Encoding headers (server/http/accept_encoding.c):
 * accept_encoding_parse on any text a client may send (a C string: the input up to its
 * first NUL). It reads nothing past the header's end, gives only the three codings' bits,
 * and gives the same answer twice; a header refusing nothing by q=0 (no "q" at all)
 * never refuses identity. */
#include <string.h>

#include "http/accept_encoding.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *header = strndup((const char *)data, size);
	FUZZ_CHECK(header);
	unsigned ok = accept_encoding_parse(header);
	FUZZ_CHECK((ok & ~((1u << CODING_COUNT) - 1)) == 0);
	FUZZ_CHECK(accept_encoding_parse(header) == ok);
	if (!strpbrk(header, "qQ"))
		FUZZ_CHECK(ok & (1u << CODING_IDENTITY));
	free(header);
	return 0;
}
