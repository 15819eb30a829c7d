/* http_query.h - the query string of a request: decoded ("+" and %XX), checked to be valid
 * UTF-8, bounded in count. Pure: the only allocation is the copy held in struct query. */
#ifndef PAKN_HTTP_QUERY_H
#define PAKN_HTTP_QUERY_H

#include <stdbool.h>

#define QUERY_MAX_PARAMS 32

struct query {
	int n;
	char *buf; /* decoded keys and values, NUL-separated */
	const char *key[QUERY_MAX_PARAMS];
	const char *value[QUERY_MAX_PARAMS];
};

enum query_error {
	QUERY_OK,
	QUERY_BAD_ENCODING, /* a bad %XX escape or an encoded NUL */
	QUERY_BAD_UTF8,     /* a key or value is not valid UTF-8 */
	QUERY_TOO_MANY,     /* more than QUERY_MAX_PARAMS parameters */
	QUERY_NO_MEMORY,    /* no buffer for the decoded text: refuse this request (503) */
};

/* Parses qs (NULL or "" is empty) into q. On error, *bad_key names the offending key
 * (points into q, or NULL) and q holds what was parsed before it. query_free in any case. */
enum query_error query_parse(const char *qs, struct query *q, const char **bad_key);

/* The first value of key, or NULL. */
const char *query_get(const struct query *q, const char *key);

void query_free(struct query *q);

#endif
