/* util.h - small helpers shared by several modules: a growable string buffer and file
 * reading. Nothing domain-specific lives here. */
#ifndef PAKN_UTIL_H
#define PAKN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>

/* A growable NUL-terminated string. Zero-initialise it; sbuf_free releases it. On memory
 * exhaustion the functions abort: the callers build small strings and have no better plan. */
struct sbuf {
	char *data;
	size_t len, cap;
};

/* Appends standard base64 with padding (RFC 4648 §4) of n bytes. For public data only (hashes
 * and signatures going out): a table look-up, not libsodium's constant-time encoder, which
 * takes ten times as long. */
void sbuf_base64(struct sbuf *b, const uint8_t *bytes, size_t n);

/* Makes room for extra more bytes (and the NUL after them), so that what follows writes
 * without growing the buffer again. */
void sbuf_reserve(struct sbuf *b, size_t extra);
void sbuf_append(struct sbuf *b, const char *s, size_t n);
void sbuf_puts(struct sbuf *b, const char *s);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends each string of the list, which ends with NULL, as it is: what sbuf_printf does
 * with a format of only %s, without printf's set-up, for bytes every submission writes. */
void sbuf_cat(struct sbuf *b, ...) __attribute__((sentinel));
/* Appends v in decimal, as %lld writes it. */
void sbuf_int(struct sbuf *b, long long v);
/* Appends s as a JSON string: quoted, with " \\ and control characters escaped as json-c
 * writes them, and every other byte (UTF-8) as it is, "/" included. */
void sbuf_json_string(struct sbuf *b, const char *s);
/* Appends ,"key":value with value as sbuf_json_string writes it: a member after the first
 * of an object being written. key is written as it is. */
void sbuf_json_field(struct sbuf *b, const char *key, const char *value);
/* Returns the string (never NULL, "" when empty) and leaves b empty; caller frees. */
char *sbuf_take(struct sbuf *b);
void sbuf_free(struct sbuf *b);

/* Parses len bytes as one JSON value, strictly (valid UTF-8, nothing after it). Returns a
 * new object (caller puts) or NULL. */
struct json_object;
struct json_object *json_parse_strict(const char *text, size_t len);

/* Member key of object o as a string: NULL when absent or null, "" when not a string (so a
 * check that wants text refuses it). */
const char *json_member_string(struct json_object *o, const char *key);

/* A point seconds from now on the monotonic clock, and whether it has passed: the graceful
 * stop's grace periods. */
void deadline_in(struct timespec *deadline, long seconds);
bool deadline_passed(const struct timespec *deadline);

/* Seconds on the monotonic clock, with a fraction: only differences mean anything (job
 * deadlines, rate limiters). */
double now_seconds(void);

/* Parses a calendar date written YYYY-MM-DD (years 2000 to 2100) into days since
 * 1970-01-01. Returns false, *days untouched, for anything else (2026-02-29, 2026-1-5). */
bool date_parse(const char *ymd, int64_t *days);

/* Writes days since 1970-01-01 as YYYY-MM-DD into out. */
void date_format(int64_t days, char out[11]);

/* The day in Vietnam (UTC+7 all year: no daylight saving) at t, as days since 1970-01-01:
 * the day citizens and agencies count in (sql/functions/common.sql, pakn_local_day). */
int64_t date_vietnam_day(time_t t);

/* A new event loop; NULL when out of memory. Its changes reach epoll as they are made, not
 * gathered per turn (EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST): libevent closes a connection's
 * socket in the same turn as it deletes its events, so a gathered delete reached epoll
 * after the close, on a descriptor number another worker's accept() may already have been
 * given (ThreadSanitizer reported it; docs/performance.md, intake speed, item 13). */
struct event_base *event_loop_new(void);

/* A timer on base that calls cb(arg) every `seconds`, already running; NULL on failure.
 * event_free stops it. */
struct event *timer_every(struct event_base *base, int seconds, event_callback_fn cb, void *arg);

/* Reads a whole file into a new NUL-terminated buffer; returns NULL (errno set) on failure. */
char *file_read(const char *path, size_t *len);

#endif
