/* fuzz_http_query.c - query strings (server/http/http_query.c): query_parse on any text libevent
 * may hand over (a C string: the input up to its first NUL). What it accepts is at most
 * QUERY_MAX_PARAMS pairs of valid UTF-8, each found again by query_get. */
#include <string.h>

#include "core/text.h"
#include "http/http_query.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *qs = strndup((const char *)data, size);
	FUZZ_CHECK(qs);
	struct query q;
	const char *bad_key;
	enum query_error e = query_parse(qs, &q, &bad_key);
	FUZZ_CHECK(q.n >= 0 && q.n <= QUERY_MAX_PARAMS);
	if (e == QUERY_OK) {
		for (int i = 0; i < q.n; i++) {
			FUZZ_CHECK(utf8_is_valid((const uint8_t *)q.key[i], strlen(q.key[i])));
			FUZZ_CHECK(utf8_is_valid((const uint8_t *)q.value[i], strlen(q.value[i])));
			FUZZ_CHECK(query_get(&q, q.key[i]) != NULL);
		}
	} else if (e == QUERY_BAD_UTF8 && bad_key) {
		FUZZ_CHECK(bad_key >= q.buf && bad_key < q.buf + 2 * strlen(qs) + 2);
	}
	query_free(&q);
	free(qs);
	return 0;
}
