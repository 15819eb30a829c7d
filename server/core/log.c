/* log.c - owns the JSON-lines log format and the process-wide log level. */
#include "core/log.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

static enum log_level min_level = LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level level)
{
	min_level = level;
}

bool log_level_parse(const char *text, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(text, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

bool log_enabled(enum log_level level)
{
	return level >= min_level;
}

/* Whether a member of a caller's fields would repeat one of the line's own. */
static bool is_own_member(const char *key, const char *req_id)
{
	return strcmp(key, "ts") == 0 || strcmp(key, "level") == 0 || strcmp(key, "msg") == 0 ||
	       (req_id && strcmp(key, "req") == 0);
}

void log_format_line(struct sbuf *out, enum log_level level, const char *req_id,
		     const char *msg, const char *members)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct tm tm;
	gmtime_r(&now.tv_sec, &tm);
	char ts[40];
	size_t n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03ldZ", now.tv_nsec / 1000000);

	sbuf_reserve(out, 512);
	sbuf_cat(out, "{\"ts\":\"", ts, "\",\"level\":\"", level_names[level], "\"", NULL);
	if (req_id)
		sbuf_json_field(out, "req", req_id);
	sbuf_json_field(out, "msg", msg);
	if (members)
		sbuf_puts(out, members);
	sbuf_puts(out, "}\n");
}

void log_put_lines(struct sbuf *lines)
{
	if (lines->len) {
		ssize_t w = write(STDERR_FILENO, lines->data, lines->len);
		(void)w;
	}
	lines->len = 0;
	if (lines->data)
		lines->data[0] = '\0';
}

/* Writes the line: its own members, then members (text, or NULL), in one write(2), so lines
 * from several threads never interleave. Written directly rather than as json-c objects: a
 * line goes out for every request. */
static void write_line(enum log_level level, const char *req_id, const char *msg,
		       const char *members)
{
	struct sbuf line = {0};
	log_format_line(&line, level, req_id, msg, members);
	log_put_lines(&line);
	sbuf_free(&line);
}

void log_line(enum log_level level, const char *req_id, const char *msg, const char *members)
{
	if (log_enabled(level))
		write_line(level, req_id, msg, members);
}

static void log_vwrite(enum log_level level, const char *req_id, json_object *fields,
		       const char *fmt, va_list ap)
{
	if (!log_enabled(level)) {
		json_object_put(fields);
		return;
	}
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	struct sbuf members = {0};
	if (fields) {
		json_object_object_foreach(fields, key, val) {
			if (is_own_member(key, req_id))
				continue;
			sbuf_puts(&members, ",");
			sbuf_json_string(&members, key);
			sbuf_puts(&members, ":");
			sbuf_puts(&members, json_object_to_json_string_ext(
						    val, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
		}
		json_object_put(fields);
	}
	write_line(level, req_id, msg, members.data);
	sbuf_free(&members);
}

void log_write(enum log_level level, const char *req_id, json_object *fields,
	       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vwrite(level, req_id, fields, fmt, ap);
	va_end(ap);
}

/* The sources that have had a line, for log_flush_suppressed. */
static pthread_mutex_t sources_lock = PTHREAD_MUTEX_INITIALIZER;
static struct log_source *sources;

static void write_suppressed(const struct log_source *src, unsigned long dropped)
{
	json_object *f = json_object_new_object();
	json_object_object_add(f, "source", json_object_new_string(src->name));
	json_object_object_add(f, "suppressed", json_object_new_int64((int64_t)dropped));
	log_write(LOG_WARN, NULL, f, "%lu lines from %s suppressed (over %d a second)", dropped,
		  src->name, LOG_SOURCE_LINES_PER_S);
}

void log_flush_suppressed(void)
{
	pthread_mutex_lock(&sources_lock);
	for (struct log_source *src = sources; src; src = src->next) {
		pthread_mutex_lock(&src->lock);
		unsigned long dropped = src->suppressed;
		src->suppressed = 0;
		pthread_mutex_unlock(&src->lock);
		if (dropped > 0)
			write_suppressed(src, dropped);
	}
	pthread_mutex_unlock(&sources_lock);
}

void log_limited(struct log_source *src, enum log_level level, json_object *fields,
		 const char *fmt, ...)
{
	if (!log_enabled(level)) {
		json_object_put(fields);
		return;
	}
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	unsigned long dropped = 0;
	pthread_mutex_lock(&src->lock);
	bool unlisted = !src->listed;
	src->listed = true;
	if (src->window != (long long)now.tv_sec) {
		src->window = (long long)now.tv_sec;
		src->lines = 0;
	}
	bool write_it = src->lines < LOG_SOURCE_LINES_PER_S;
	if (write_it) {
		src->lines++;
		dropped = src->suppressed;
		src->suppressed = 0;
	} else {
		src->suppressed++;
	}
	pthread_mutex_unlock(&src->lock);
	if (unlisted) {
		pthread_mutex_lock(&sources_lock);
		src->next = sources;
		sources = src;
		pthread_mutex_unlock(&sources_lock);
	}
	if (!write_it) {
		json_object_put(fields);
		return;
	}
	if (dropped > 0)
		write_suppressed(src, dropped);
	if (!fields)
		fields = json_object_new_object();
	json_object_object_add(fields, "source", json_object_new_string(src->name));
	va_list ap;
	va_start(ap, fmt);
	log_vwrite(level, NULL, fields, fmt, ap);
	va_end(ap);
}
