/* config.c - owns the settings table and how files and the environment fill it. */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

enum config_type {
	CFG_STR,
	CFG_LONG,
	CFG_LOG_LEVEL,
	CFG_ORIGIN, /* "" or http(s)://host[:port], stored without a trailing "/" */
};

struct config_param {
	const char *key;
	enum config_type type;
	size_t offset;
	const char *def;
	long min, max; /* for CFG_LONG */
	const char *help;
};

#define FIELD(f) offsetof(struct config, f)

static const struct config_param params[] = {
	{"listen", CFG_STR, FIELD(listen), "127.0.0.1:8080", 0, 0,
	 "address and port to serve HTTP on (port 0 picks a free one)"},
	{"metrics_listen", CFG_STR, FIELD(metrics_listen), "", 0, 0,
	 "address and port to serve GET /metrics on (Prometheus), apart from the service; "
	 "empty = not served"},
	{"database_url", CFG_STR, FIELD(database_url), "dbname=pakn", 0, 0,
	 "libpq connection string of the primary database"},
	{"read_database_url", CFG_STR, FIELD(read_database_url), "", 0, 0,
	 "libpq connection string for metrics (a streaming replica); empty = database_url"},
	{"key_dir", CFG_STR, FIELD(key_dir), "var/keys", 0, 0,
	 "directory of the signing and data keys; created with the keys on first start"},
	{"static_dir", CFG_STR, FIELD(static_dir), "build/www", 0, 0,
	 "directory of the web pages (made by `make www`), read into memory at start"},
	{"threads", CFG_LONG, FIELD(threads), "0", 0, 256,
	 "worker threads, each with its own event loop and connections; 0 = one per core"},
	{"db_connections", CFG_LONG, FIELD(db_connections), "2", 1, 64,
	 "database connections per worker thread"},
	{"request_timeout", CFG_LONG, FIELD(request_timeout), "10", 1, 3600,
	 "seconds allowed to read a request or write a reply"},
	{"max_body_bytes", CFG_LONG, FIELD(max_body_bytes), "65536", 1024, 16777216,
	 "largest request body accepted; larger gets 413"},
	{"max_header_bytes", CFG_LONG, FIELD(max_header_bytes), "8192", 1024, 1048576,
	 "largest request line plus headers accepted; larger gets 431"},
	{"max_connections", CFG_LONG, FIELD(max_connections), "0", 0, 1000000,
	 "connections open at once in all; more get 503 too_many_connections; 0 = the open-files "
	 "limit less a reserve for the database and files, at most 16384"},
	{"max_connections_per_address", CFG_LONG, FIELD(max_connections_per_address), "64", 1,
	 1000000,
	 "connections one client address (IPv6: one /64) may hold open; more get 503 "
	 "too_many_connections; trusted_proxies are exempt"},
	{"header_timeout", CFG_LONG, FIELD(header_timeout), "5", 1, 3600,
	 "seconds from a request's first byte to the end of its headers; later gets 408"},
	{"body_timeout", CFG_LONG, FIELD(body_timeout), "10", 1, 3600,
	 "seconds allowed for a request body beyond its length / body_min_rate; later closes"},
	{"body_min_rate", CFG_LONG, FIELD(body_min_rate), "4096", 1, 1073741824,
	 "bytes per second a request body must arrive at, on top of body_timeout"},
	{"shutdown_grace", CFG_LONG, FIELD(shutdown_grace), "10", 0, 600,
	 "seconds to finish in-flight requests after SIGTERM or SIGINT"},
	{"intake_rate", CFG_LONG, FIELD(intake_rate), "20", 1, 100000,
	 "submissions per minute one client may send (token bucket); more get 429"},
	{"intake_burst", CFG_LONG, FIELD(intake_burst), "10", 1, 100000,
	 "submissions one client may send at once before intake_rate applies"},
	{"intake_batch", CFG_LONG, FIELD(intake_batch), "128", 1, 256,
	 "most submissions stored together in one transaction (group commit)"},
	{"session_idle", CFG_LONG, FIELD(session_idle), "1800", 1, 86400,
	 "seconds an officials' browser session may sit unused before it ends"},
	{"session_lifetime", CFG_LONG, FIELD(session_lifetime), "43200", 300, 2592000,
	 "seconds an officials' browser session lasts at most"},
	{"login_rate", CFG_LONG, FIELD(login_rate), "10", 1, 10000,
	 "login attempts per minute one client may make; more get 429"},
	{"totp_for_all", CFG_LONG, FIELD(totp_for_all), "0", 0, 1,
	 "1 = every official must pass a second factor (TOTP) at sign-in, analysts too; with 0 "
	 "only admins, moderators and responders (who read contact details) must"},
	{"metrics_min_count", CFG_LONG, FIELD(metrics_min_count), "10", 1, 100000,
	 "ratings a figure needs before it is shown without insufficient_data"},
	{"export_max_rows", CFG_LONG, FIELD(export_max_rows), "50000", 1, 1000000,
	 "feedback rows one export (GET /api/v1/moderation/export) sends at most; the rest are "
	 "cut and the reply says so (X-Export-Truncated)"},
	{"trusted_proxies", CFG_STR, FIELD(trusted_proxies), "", 0, 0,
	 "addresses of reverse proxies (nginx) whose X-Real-IP or X-Forwarded-For name the client; "
	 "empty = believe no such header"},
	{"log_origin", CFG_STR, FIELD(log_origin), "pakn57.local/log", 0, 0,
	 "the transparency log's name, first line of its checkpoints (docs/tlog.md); never change it"},
	{"public_origin", CFG_ORIGIN, FIELD(public_origin), "", 0, 0,
	 "scheme and host citizens reach the service at (https://gopy.example.gov.vn), the start "
	 "of the deep links in item QR codes and posters; empty = http:// and the request's Host "
	 "header when it is a plain host name (for development: set it in production)"},
	{"log_interval", CFG_LONG, FIELD(log_interval), "10", 1, 30,
	 "seconds between transparency log checkpoints; a new entry is in one within 60 s"},
	{"witnesses", CFG_STR, FIELD(witnesses), "", 0, 0,
	 "witnesses that cosign each checkpoint (docs/witness.md): space-separated URL=VKEY, "
	 "URL the witness's http:// submission prefix, VKEY its Ed25519 cosignature key; "
	 "empty = none"},
	{"log_level", CFG_LOG_LEVEL, FIELD(log_level), "info", 0, 0,
	 "debug, info, warn or error"},
};

#define NPARAMS (sizeof(params) / sizeof(params[0]))

static const struct config_param *param_find(const char *key)
{
	for (size_t i = 0; i < NPARAMS; i++)
		if (strcmp(params[i].key, key) == 0)
			return &params[i];
	return NULL;
}

/* An origin is only a scheme and a host: the links built on it add their own path. */
static int origin_set(char *field, const char *key, const char *value, char *err,
		      size_t errlen)
{
	const char *host = strncmp(value, "https://", 8) == 0 ? value + 8
			   : strncmp(value, "http://", 7) == 0 ? value + 7 : NULL;
	char bare[TEXT_HOST_MAX + 2];
	size_t n = host ? strlen(host) : 0;
	if (n && host[n - 1] == '/')
		n--;
	if (n < sizeof(bare)) {
		memcpy(bare, host ? host : "", n);
		bare[n] = '\0';
	}
	if (*value && (!host || n >= sizeof(bare) || !text_is_host(bare))) {
		snprintf(err, errlen, "%s: '%s' is not http:// or https:// and a host name", key,
			 value);
		return -1;
	}
	snprintf(field, CONFIG_STR_MAX, "%.*s", (int)(*value ? (size_t)(host - value) + n : 0),
		 value);
	return 0;
}

static int param_set(struct config *cfg, const struct config_param *p, const char *value,
		     char *err, size_t errlen)
{
	char *field = (char *)cfg + p->offset;
	switch (p->type) {
	case CFG_STR:
		if (strlen(value) >= CONFIG_STR_MAX) {
			snprintf(err, errlen, "%s: value longer than %d bytes", p->key,
				 CONFIG_STR_MAX - 1);
			return -1;
		}
		strcpy(field, value);
		return 0;
	case CFG_LONG: {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno || end == value || *end != '\0' || v < p->min || v > p->max) {
			snprintf(err, errlen, "%s: '%s' is not a whole number from %ld to %ld",
				 p->key, value, p->min, p->max);
			return -1;
		}
		*(long *)(void *)field = v;
		return 0;
	}
	case CFG_ORIGIN:
		return origin_set(field, p->key, value, err, errlen);
	case CFG_LOG_LEVEL:
		if (!log_level_parse(value, (enum log_level *)(void *)field)) {
			snprintf(err, errlen, "%s: '%s' is not debug, info, warn or error",
				 p->key, value);
			return -1;
		}
		return 0;
	}
	return -1;
}

int config_set(struct config *cfg, const char *key, const char *value, char *err, size_t errlen)
{
	const struct config_param *p = param_find(key);
	if (!p) {
		snprintf(err, errlen, "unknown setting '%s'", key);
		return -1;
	}
	return param_set(cfg, p, value, err, errlen);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;
	/* getline, not a fixed buffer: a long line must not be read as two. */
	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		lineno++;
		char *s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		char sub[512];
		if (config_set(cfg, trim(s), trim(eq + 1), sub, sizeof(sub)) < 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, sub);
			rc = -1;
		}
	}
	free(line);
	fclose(f);
	return rc;
}

static void env_name(const char *key, char *out, size_t outlen)
{
	size_t n = (size_t)snprintf(out, outlen, "PAKN_%s", key);
	for (size_t i = 5; i < n && i < outlen; i++)
		out[i] = (char)toupper((unsigned char)out[i]);
}

int config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NPARAMS; i++)
		if (param_set(cfg, &params[i], params[i].def, err, errlen) < 0)
			return -1;
	if (!path)
		path = getenv("PAKN_CONFIG");
	if (path && *path && load_file(cfg, path, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < NPARAMS; i++) {
		char name[64];
		env_name(params[i].key, name, sizeof(name));
		const char *v = getenv(name);
		if (!v)
			continue;
		char sub[512];
		if (param_set(cfg, &params[i], v, sub, sizeof(sub)) < 0) {
			snprintf(err, errlen, "%s: %s", name, sub);
			return -1;
		}
	}
	return 0;
}

void config_print_help(FILE *out)
{
	fprintf(out, "%-18s %-24s %-16s %s\n", "key", "environment", "default", "meaning");
	for (size_t i = 0; i < NPARAMS; i++) {
		char name[64];
		env_name(params[i].key, name, sizeof(name));
		fprintf(out, "%-18s %-24s %-16s %s\n", params[i].key, name,
			*params[i].def ? params[i].def : "\"\"", params[i].help);
	}
}
