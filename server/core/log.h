/* log.h - leveled JSON-lines logging to stderr.
 *
 * One line per event: {"ts":…,"level":…,"req":…,"msg":…, extra fields}. Lines are written
 * with a single write(2) so threads never interleave inside a line. Nothing personal or
 * secret goes into a log line: callers pass identifiers, never submitted text. */
#ifndef PAKN_LOG_H
#define PAKN_LOG_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>

enum log_level {
	LOG_DEBUG, /* detail for developers, off by default */
	LOG_INFO,  /* normal events: start, stop, one line per request */
	LOG_WARN,  /* something failed but the service goes on (database gone, bad config value) */
	LOG_ERROR, /* a bug or a failure an operator must act on */
};

void log_set_level(enum log_level level);

/* Parses "debug|info|warn|error"; returns false and leaves *out alone on anything else. */
bool log_level_parse(const char *text, enum log_level *out);

bool log_enabled(enum log_level level);

/* Writes one line. req_id may be NULL. fields, if not NULL, is a JSON object whose members
 * are added to the line (but none named ts, level or msg, nor req when req_id is given:
 * those are the line's own); log_write takes ownership of it. */
void log_write(enum log_level level, const char *req_id, json_object *fields,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Writes one line as log_write does, for a line written often (one per request): msg as it
 * is (not a format), then members, NULL or the fields already written as JSON members, each
 * ,"key":value, none named as the line's own. */
void log_line(enum log_level level, const char *req_id, const char *msg, const char *members);

/* For lines written several at a time: log_format_line appends one line, as log_line
 * would write it, to out (whatever the level); log_put_lines writes out's lines in one
 * write(2) and empties it. */
struct sbuf;
void log_format_line(struct sbuf *out, enum log_level level, const char *req_id,
		     const char *msg, const char *members);
void log_put_lines(struct sbuf *lines);

/* A source of lines the service does not write itself (libevent, PostgreSQL notices, refused
 * connections): it can repeat a line thousands of times a second, so at most
 * LOG_SOURCE_LINES_PER_S of its lines are written per second and the rest are counted; the
 * count goes out as one line ("suppressed") just before the source's next written line, or
 * from log_flush_suppressed. Define one per source with LOG_SOURCE_INIT; safe from any
 * thread. */
#define LOG_SOURCE_LINES_PER_S 20
struct log_source {
	const char *name;          /* written as "source" on each of its lines */
	pthread_mutex_t lock;
	long long window;          /* the second (monotonic clock) being counted */
	int lines;                 /* lines written in that second */
	unsigned long suppressed;  /* lines dropped since the last one written */
	bool listed;               /* in log_flush_suppressed's list (set once, never cleared) */
	struct log_source *next;   /* in that list */
};
#define LOG_SOURCE_INIT(source_name) {(source_name), PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, false, NULL}

/* log_write for a source's line, unless the source is over its rate (the line is then only
 * counted). Takes ownership of fields either way. */
void log_limited(struct log_source *src, enum log_level level, json_object *fields,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Writes the count of every source's dropped lines not yet reported, so a flood that stops is
 * still counted. Meant for a timer, about once a second. */
void log_flush_suppressed(void);

#define log_debug(rid, ...) log_write(LOG_DEBUG, rid, NULL, __VA_ARGS__)
#define log_info(rid, ...) log_write(LOG_INFO, rid, NULL, __VA_ARGS__)
#define log_warn(rid, ...) log_write(LOG_WARN, rid, NULL, __VA_ARGS__)
#define log_error(rid, ...) log_write(LOG_ERROR, rid, NULL, __VA_ARGS__)

#endif
