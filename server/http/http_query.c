/* http_query.c - owns query-string decoding and validation (see http_query.h). */
#include "http/http_query.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "http/http_router.h"
#include "core/xalloc.h"

enum query_error query_parse(const char *qs, struct query *q, const char **bad_key)
{
	memset(q, 0, sizeof(*q));
	*bad_key = NULL;
	if (!qs || !*qs)
		return QUERY_OK;
	size_t len = strlen(qs);
	/* Decoded text is never longer than the encoded text, plus a NUL per key and value. */
	/* Sized by the client: a failure refuses this request, not the process (xalloc.h). */
	q->buf = xtry_malloc(len * 2 + 2);
	if (!q->buf)
		return QUERY_NO_MEMORY;
	char *out = q->buf;
	size_t room = len * 2 + 2;
	const char *p = qs;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t plen = amp ? (size_t)(amp - p) : strlen(p);
		if (plen > 0) {
			if (q->n == QUERY_MAX_PARAMS)
				return QUERY_TOO_MANY;
			const char *eq = memchr(p, '=', plen);
			size_t klen = eq ? (size_t)(eq - p) : plen;
			long kd = percent_decode(p, klen, out, room, 1);
			if (kd < 0)
				return QUERY_BAD_ENCODING;
			q->key[q->n] = out;
			*bad_key = out;
			if (!utf8_is_valid((const uint8_t *)out, (size_t)kd))
				return QUERY_BAD_UTF8;
			out += kd + 1;
			room -= (size_t)kd + 1;
			const char *v = eq ? eq + 1 : p + plen;
			size_t vlen = eq ? plen - klen - 1 : 0;
			long vd = percent_decode(v, vlen, out, room, 1);
			if (vd < 0)
				return QUERY_BAD_ENCODING;
			if (!utf8_is_valid((const uint8_t *)out, (size_t)vd))
				return QUERY_BAD_UTF8;
			q->value[q->n++] = out;
			out += vd + 1;
			room -= (size_t)vd + 1;
			*bad_key = NULL;
		}
		p += plen + (amp ? 1 : 0);
	}
	return QUERY_OK;
}

const char *query_get(const struct query *q, const char *key)
{
	for (int i = 0; i < q->n; i++)
		if (strcmp(q->key[i], key) == 0)
			return q->value[i];
	return NULL;
}

void query_free(struct query *q)
{
	free(q->buf);
	memset(q, 0, sizeof(*q));
}
