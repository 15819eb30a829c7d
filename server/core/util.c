/* util.c - owns the string buffer and file helpers of util.h. */
#include "core/util.h"
#include "core/xalloc.h"

#include <json-c/json.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbuf_reserve(struct sbuf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *p = xrealloc(b->data, cap);
	b->data = p;
	b->cap = cap;
}

void sbuf_append(struct sbuf *b, const char *s, size_t n)
{
	sbuf_reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void sbuf_base64(struct sbuf *b, const uint8_t *bytes, size_t n)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	sbuf_reserve(b, (n + 2) / 3 * 4);
	char *at = b->data + b->len;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)bytes[i] << 16 | (uint32_t)bytes[i + 1] << 8 | bytes[i + 2];
		*at++ = digits[v >> 18];
		*at++ = digits[(v >> 12) & 63];
		*at++ = digits[(v >> 6) & 63];
		*at++ = digits[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)bytes[i] << 16 | (i + 1 < n ? (uint32_t)bytes[i + 1] << 8 : 0);
		*at++ = digits[v >> 18];
		*at++ = digits[(v >> 12) & 63];
		*at++ = i + 1 < n ? digits[(v >> 6) & 63] : '=';
		*at++ = '=';
	}
	b->len = (size_t)(at - b->data);
	b->data[b->len] = '\0';
}

void sbuf_puts(struct sbuf *b, const char *s)
{
	sbuf_append(b, s, strlen(s));
}

void sbuf_cat(struct sbuf *b, ...)
{
	va_list ap;
	va_start(ap, b);
	for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
		sbuf_puts(b, s);
	va_end(ap);
}

void sbuf_int(struct sbuf *b, long long v)
{
	char digits[24], *at = digits + sizeof(digits);
	/* From the unsigned magnitude, so that LLONG_MIN has one too. */
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do
		*--at = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--at = '-';
	sbuf_append(b, at, (size_t)(digits + sizeof(digits) - at));
}

void sbuf_json_string(struct sbuf *b, const char *s)
{
	/* Room for the plain case at once; an escape makes more as it goes. Every reply and
	 * row is mostly these, so runs of plain bytes are copied whole. */
	size_t n = strlen(s);
	sbuf_reserve(b, n + 2);
	b->data[b->len++] = '"';
	const char *plain = s;
	for (const char *end = s + n; s < end; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sbuf_append(b, plain, (size_t)(s - plain));
		plain = s + 1;
		switch (c) {
		case '"': sbuf_append(b, "\\\"", 2); break;
		case '\\': sbuf_append(b, "\\\\", 2); break;
		case '\b': sbuf_append(b, "\\b", 2); break;
		case '\f': sbuf_append(b, "\\f", 2); break;
		case '\n': sbuf_append(b, "\\n", 2); break;
		case '\r': sbuf_append(b, "\\r", 2); break;
		case '\t': sbuf_append(b, "\\t", 2); break;
		default: {
			static const char hex[] = "0123456789abcdef";
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			sbuf_append(b, u, sizeof(u));
		}
		}
	}
	sbuf_append(b, plain, (size_t)(s - plain));
	sbuf_append(b, "\"", 1);
}

void sbuf_json_field(struct sbuf *b, const char *key, const char *value)
{
	size_t n = strlen(key);
	sbuf_reserve(b, n + 4);
	char *at = b->data + b->len;
	*at++ = ',';
	*at++ = '"';
	memcpy(at, key, n);
	at += n;
	*at++ = '"';
	*at++ = ':';
	b->len = (size_t)(at - b->data);
	sbuf_json_string(b, value);
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	/* Formatted once, into room for the format and a little more; a second time only when
	 * that did not fit. */
	sbuf_reserve(b, strlen(fmt) + 64);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if ((size_t)n >= b->cap - b->len) {
		sbuf_reserve(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

char *sbuf_take(struct sbuf *b)
{
	char *s = b->data ? b->data : xstrdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}

void sbuf_free(struct sbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *file_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct sbuf b = {0};
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sbuf_append(&b, chunk, n);
	int failed = ferror(f);
	fclose(f);
	if (failed) {
		sbuf_free(&b);
		errno = EIO;
		return NULL;
	}
	if (len)
		*len = b.len;
	return sbuf_take(&b);
}

json_object *json_parse_strict(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	json_object *doc = json_tokener_parse_ex(tok, text, (int)len);
	bool complete = doc && json_tokener_get_error(tok) == json_tokener_success &&
			(size_t)json_tokener_get_parse_end(tok) == len;
	json_tokener_free(tok);
	if (!complete) {
		json_object_put(doc);
		return NULL;
	}
	return doc;
}

const char *json_member_string(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

void deadline_in(struct timespec *deadline, long seconds)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += seconds;
}

bool deadline_passed(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Days from the civil date and back: Howard Hinnant's algorithms (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool date_parse(const char *ymd, int64_t *days)
{
	static const int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d, n = 0;
	if (strlen(ymd) != 10 || strspn(ymd, "0123456789-") != 10 || ymd[4] != '-' ||
	    ymd[7] != '-' || sscanf(ymd, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 || d > month_days[m - 1] ||
	    (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
		return false;
	*days = days_from_civil(y, m, d);
	return true;
}

void date_format(int64_t days, char out[11])
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	int64_t y = yoe + era * 400 + (m <= 2);
	snprintf(out, 11, "%04d-%02d-%02d", (int)y, m, d);
}

int64_t date_vietnam_day(time_t t)
{
	int64_t s = (int64_t)t + 7 * 3600;
	return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

struct event_base *event_loop_new(void)
{
	return event_base_new();
}

struct event *timer_every(struct event_base *base, int seconds, event_callback_fn cb, void *arg)
{
	struct event *ev = event_new(base, -1, EV_PERSIST, cb, arg);
	struct timeval tv = {seconds, 0};
	if (ev && event_add(ev, &tv) < 0) {
		event_free(ev);
		ev = NULL;
	}
	return ev;
}
