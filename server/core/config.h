/* config.h - the service's settings: one table of {key, type, default, help}, read from
 * defaults, then an optional file (key = value lines), then PAKN_* environment variables,
 * later sources overriding earlier ones. */
#ifndef PAKN_CONFIG_H
#define PAKN_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "core/log.h"

#define CONFIG_STR_MAX 1024

struct config {
	char listen[CONFIG_STR_MAX];            /* host:port the service listens on */
	char metrics_listen[CONFIG_STR_MAX];    /* host:port of GET /metrics alone; "" = none */
	char database_url[CONFIG_STR_MAX];      /* libpq connection string, primary */
	char read_database_url[CONFIG_STR_MAX]; /* for metrics and public reads; "" = database_url */
	char key_dir[CONFIG_STR_MAX];           /* signing and data keys, made on first start */
	char static_dir[CONFIG_STR_MAX];        /* the web pages, served from memory */
	long threads;                           /* worker threads; 0 = one per core */
	long db_connections;                    /* database connections per worker thread */
	long request_timeout;                   /* seconds to read a request or write a reply */
	long max_body_bytes;                    /* request bodies above this get 413 */
	long max_header_bytes;                  /* request line + headers above this get 431 */
	long max_connections;                   /* open connections in all; 0 = from the fd limit */
	long max_connections_per_address;       /* open connections per address (IPv6: per /64) */
	long header_timeout;                    /* seconds from a request's first byte to its body */
	long body_timeout;                      /* seconds for a body, plus its length / rate */
	long body_min_rate;                     /* bytes per second a body must arrive at */
	long shutdown_grace;                    /* seconds to finish in-flight requests on stop */
	long intake_rate;                       /* submissions per minute per client */
	long intake_burst;                      /* submissions a client may send at once */
	long intake_batch;                      /* most submissions stored in one transaction */
	long session_idle;                      /* seconds a browser session may sit unused */
	long session_lifetime;                  /* seconds a browser session lasts at most */
	long login_rate;                        /* login attempts per minute per client */
	long totp_for_all;                      /* 1: every official needs a second factor */
	long metrics_min_count;                 /* fewer ratings than this: insufficient_data */
	long export_max_rows;                   /* feedback rows one export sends at most */
	char log_origin[CONFIG_STR_MAX];        /* the transparency log's name in checkpoints */
	char trusted_proxies[CONFIG_STR_MAX];   /* proxies whose X-Real-IP / X-Forwarded-For count */
	char public_origin[CONFIG_STR_MAX];     /* "https://host": deep links' start; "" = Host */
	long log_interval;                      /* seconds between checkpoints */
	char witnesses[CONFIG_STR_MAX];         /* URL=VKEY pairs: who cosigns checkpoints */
#define LOG_MAX_MERGE_DELAY 60 /* seconds: what the intake reply promises; log_interval <= half */
	enum log_level log_level;
};

/* Fills cfg with defaults, then the file at path (NULL: $PAKN_CONFIG if set, else none),
 * then the environment. Returns 0, or -1 with a message in err naming the bad key. */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);

/* Sets one key from text, as the file and the environment do. Returns 0 or -1 with err. */
int config_set(struct config *cfg, const char *key, const char *value, char *err, size_t errlen);

/* Writes the table (key, environment variable, default, help) for --help and the docs. */
void config_print_help(FILE *out);

#endif
