/* harness.h - integration-test helpers: start the real pakn-server binary against the
 * test run's PostgreSQL (PAKN_DATABASE_URL), talk HTTP/1.1 to it over loopback with plain
 * sockets, stop it with SIGTERM. The server's log goes to $PAKN_TEST_TMP/<name>.log, which
 * tests/run.sh prints when a test binary fails. */
#ifndef PAKN_TEST_HARNESS_H
#define PAKN_TEST_HARNESS_H

#include <json-c/json.h>
#include <stddef.h>
#include <sys/types.h>

struct th_server {
	pid_t pid;
	int port;
	char log_path[512];
	int exit_status; /* when th_server_start fails: the server's exit code, or -1 */
};

struct th_resp {
	int status;
	char *head;   /* status line and headers, NUL-terminated */
	char *body;   /* NUL-terminated */
	size_t body_len;
};

/* Starts the server with extra "KEY=value" environment entries (NULL-terminated list, may
 * be NULL) and waits until it prints its URL. name labels the log file. The binary is
 * PAKN_SERVER_BIN (default build/asan/pakn-server), run under PAKN_SERVER_WRAPPER if set
 * (make test-valgrind). Returns 0 or -1; on -1, s->exit_status says how it ended. */
int th_server_start(struct th_server *s, const char *name, const char *const *env);

/* The same for another program of the project (pakn-witness): args[0] is the binary, at
 * most TH_ARGS_MAX arguments; it must print http://127.0.0.1:PORT on stdout when ready. */
#define TH_ARGS_MAX 32
int th_process_start(struct th_server *s, const char *name, const char *const *args,
		     const char *const *env);

/* How many times slower than native the server runs (PAKN_TEST_TIME_SCALE, e.g. 20 under
 * valgrind, default 1): the harness's own timeouts are multiplied by it. */
int th_time_scale(void);

/* Polls GET /readyz until it answers 200 or timeout_ms (× th_time_scale()) passes. Returns
 * 0 or -1. */
int th_server_wait_ready(const struct th_server *s, int timeout_ms);

/* SIGTERM, then waits up to 20 s (× th_time_scale()). Returns the exit status, or -1 if it did not exit
 * (then it is killed) or died of a signal. */
int th_server_stop(struct th_server *s);

/* True while the process has not exited. */
int th_server_alive(struct th_server *s);

/* Opens a connection, sends a request (Connection: close is added; extra_headers are
 * full lines ending in \r\n, may be NULL), returns the socket, or -1. */
int th_send(const struct th_server *s, const char *method, const char *path,
	    const char *extra_headers, const char *body, size_t body_len);

/* Sends raw bytes on a new connection; returns the socket or -1. */
int th_send_raw(const struct th_server *s, const char *bytes, size_t len);

/* Reads one response until the server closes; closes fd. Returns 0 or -1. */
int th_recv(int fd, struct th_resp *r);

/* th_send + th_recv. Returns 0 or -1. */
int th_http(const struct th_server *s, const char *method, const char *path,
	    const char *extra_headers, const char *body, size_t body_len, struct th_resp *r);

/* The value of header name (case-insensitive) in r, copied to a static buffer, or NULL. */
const char *th_header(const struct th_resp *r, const char *name);

/* The body parsed as JSON (caller puts), or NULL. */
json_object *th_json(const struct th_resp *r);

/* The value at a path of object keys and array indexes, NULL-terminated:
 * th_get(doc, "items", "0", "code", NULL). NULL if absent or JSON null. */
json_object *th_get(json_object *doc, ...);

/* The same, as a string (NULL if absent). */
const char *th_str(json_object *doc, ...);

void th_resp_free(struct th_resp *r);

/* A TCP port on 127.0.0.1 that was free a moment ago (for a second listener, such as
 * metrics_listen), or -1. */
int th_free_port(void);

/* Runs a shell command (printf-style); returns its exit status, or -1. */
int th_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same, with the command's standard output (up to outlen - 1 bytes) in out. */
int th_run_output(char *out, size_t outlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A database of the test's own, "<the run's database>_<suffix>", dropped and made again: a
 * copy of PAKN_TEST_DB_TEMPLATE when the run names one (so it was made as the run's was,
 * upgraded from an old schema, say), otherwise migrated and seeded with both plans. Its
 * connection string goes to url. Returns 0 or -1. */
int th_own_database(const char *suffix, char *url, size_t cap);

/* Runs one statement on the database at url. 0, or -1 (the error printed); if value is not
 * NULL, *value is the first row's first value (caller frees), or NULL without a row. */
int th_sql(const char *url, const char *query, char **value);

/* Signs an official in over HTTP and marks the session past its second factor
 * (th_pass_second_factor on db_url): headers gets the cookie line for a GET, post (if not
 * NULL) the cookie and X-CSRF-Token lines for a POST. Returns the login's HTTP status, or
 * -1 when it could not be read or the session not marked. */
int th_sign_in(const struct th_server *s, const char *db_url, const char *user,
	       const char *password, char *headers, size_t hcap, char *post, size_t pcap);

/* Marks username's newest session as past its second factor, as a right TOTP code would
 * (docs/moderation.md, "The second factor"): for tests about what comes after signing in.
 * test_second_factor signs in the real way. 0, or -1. */
int th_pass_second_factor(const char *url, const char *username);

#endif
