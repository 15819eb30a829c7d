/* harness.c - see harness.h. */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/util.h"

#define START_TIMEOUT_MS 20000
#define IO_TIMEOUT_S 20
#define STOP_TIMEOUT_MS 20000
#define WRAPPER_ARGS_MAX 32

int th_time_scale(void)
{
	const char *v = getenv("PAKN_TEST_TIME_SCALE");
	int scale = v ? atoi(v) : 1;
	return scale >= 1 && scale <= 100 ? scale : 1;
}

/* Runs args (args[0] the binary), under the command in PAKN_SERVER_WRAPPER when it is set
 * (words split at spaces, no quoting: "valgrind --error-exitcode=1"). Returns only on
 * failure. */
static void exec_server(const char *const *args)
{
	const char *wrapper = getenv("PAKN_SERVER_WRAPPER");
	char *argv[WRAPPER_ARGS_MAX + TH_ARGS_MAX + 1];
	int argc = 0;
	char *words = wrapper ? strdup(wrapper) : NULL;
	char *save = NULL;
	for (char *w = words ? strtok_r(words, " ", &save) : NULL; w && argc < WRAPPER_ARGS_MAX;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	for (int i = 0; args[i] && i < TH_ARGS_MAX; i++)
		argv[argc++] = (char *)args[i];
	argv[argc] = NULL;
	execvp(argv[0], argv);
	perror(argv[0]);
}

int th_server_start(struct th_server *s, const char *name, const char *const *env)
{
	const char *bin = getenv("PAKN_SERVER_BIN") ? getenv("PAKN_SERVER_BIN")
						     : "build/asan/pakn-server";
	const char *const args[] = {bin, NULL};
	return th_process_start(s, name, args, env);
}

int th_process_start(struct th_server *s, const char *name, const char *const *args,
		     const char *const *env)
{
	memset(s, 0, sizeof(*s));
	const char *tmp = getenv("PAKN_TEST_TMP") ? getenv("PAKN_TEST_TMP") : "/tmp";
	const int start_timeout_ms = START_TIMEOUT_MS * th_time_scale();
	snprintf(s->log_path, sizeof(s->log_path), "%s/%s.log", tmp, name);
	int out[2];
	if (pipe(out) < 0)
		return -1;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		/* A test that aborts (a failed assertion, a sanitizer report) takes its server
		 * with it instead of leaving it running. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int log = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(out[1], STDOUT_FILENO);
		if (log >= 0)
			dup2(log, STDERR_FILENO);
		close(out[0]);
		setenv("PAKN_LISTEN", "127.0.0.1:0", 1);
		setenv("PAKN_THREADS", "2", 1);
		for (int i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		exec_server(args);
		_exit(127);
	}
	close(out[1]);
	/* Wait for "… serving on http://127.0.0.1:PORT". */
	char line[512];
	size_t len = 0;
	int rc = -1;
	bool exited = false; /* stdout closed: the server has gone */
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = start_timeout_ms - ((now.tv_sec - start.tv_sec) * 1000 +
						(now.tv_nsec - start.tv_nsec) / 1000000);
		struct pollfd p = {out[0], POLLIN, 0};
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		ssize_t n = read(out[0], line + len, sizeof(line) - 1 - len);
		if (n <= 0) {
			exited = n == 0;
			break;
		}
		len += (size_t)n;
		line[len] = '\0';
		char *at = strstr(line, "http://127.0.0.1:");
		if (at && strchr(at, '\n')) {
			s->port = atoi(at + strlen("http://127.0.0.1:"));
			rc = s->port > 0 ? 0 : -1;
			break;
		}
	}
	close(out[0]);
	if (rc < 0) {
		fprintf(stderr, "harness: server did not start; log in %s\n", s->log_path);
		if (!exited)
			kill(s->pid, SIGKILL);
		int status;
		s->exit_status = waitpid(s->pid, &status, 0) == s->pid && WIFEXITED(status)
				 ? WEXITSTATUS(status)
				 : -1;
		s->pid = 0;
	}
	return rc;
}

int th_server_alive(struct th_server *s)
{
	int status;
	return s->pid > 0 && waitpid(s->pid, &status, WNOHANG) == 0;
}

int th_server_stop(struct th_server *s)
{
	if (s->pid <= 0)
		return -1;
	kill(s->pid, SIGTERM);
	int status = 0;
	for (int waited = 0; waited < STOP_TIMEOUT_MS * th_time_scale(); waited += 100) {
		pid_t r = waitpid(s->pid, &status, WNOHANG);
		if (r == s->pid) {
			s->pid = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		}
		usleep(100000);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
	return -1;
}

static int connect_to(const struct th_server *s)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct timeval tv = {IO_TIMEOUT_S * th_time_scale(), 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int th_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	int port = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
				   getsockname(fd, (struct sockaddr *)&sa, &len) == 0
			   ? ntohs(sa.sin_port)
			   : -1;
	if (fd >= 0)
		close(fd);
	return port;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int th_send_raw(const struct th_server *s, const char *bytes, size_t len)
{
	int fd = connect_to(s);
	/* A send error is not fatal: the server may answer and close before taking
	 * everything (an oversized body), and the answer is what the test reads. */
	if (fd >= 0)
		send_all(fd, bytes, len);
	return fd;
}

int th_send(const struct th_server *s, const char *method, const char *path,
	    const char *extra_headers, const char *body, size_t body_len)
{
	struct sbuf req = {0};
	sbuf_printf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s", method,
		    path, extra_headers ? extra_headers : "");
	if (body)
		sbuf_printf(&req, "Content-Length: %zu\r\n", body_len);
	sbuf_puts(&req, "\r\n");
	if (body)
		sbuf_append(&req, body, body_len);
	int fd = th_send_raw(s, req.data, req.len);
	sbuf_free(&req);
	return fd;
}

int th_recv(int fd, struct th_resp *r)
{
	memset(r, 0, sizeof(*r));
	if (fd < 0)
		return -1;
	struct sbuf in = {0};
	char chunk[16384];
	ssize_t n;
	while ((n = recv(fd, chunk, sizeof(chunk), 0)) > 0)
		sbuf_append(&in, chunk, (size_t)n);
	close(fd);
	char *data = in.data;
	char *sep = data ? strstr(data, "\r\n\r\n") : NULL;
	if (!sep || sscanf(data, "HTTP/1.%*d %d", &r->status) != 1) {
		sbuf_free(&in);
		return -1;
	}
	r->head = strndup(data, (size_t)(sep - data));
	r->body_len = in.len - (size_t)(sep + 4 - data);
	r->body = malloc(r->body_len + 1);
	memcpy(r->body, sep + 4, r->body_len);
	r->body[r->body_len] = '\0';
	sbuf_free(&in);
	return 0;
}

int th_http(const struct th_server *s, const char *method, const char *path,
	    const char *extra_headers, const char *body, size_t body_len, struct th_resp *r)
{
	return th_recv(th_send(s, method, path, extra_headers, body, body_len), r);
}

const char *th_header(const struct th_resp *r, const char *name)
{
	static char value[4096];
	size_t nlen = strlen(name);
	for (const char *p = r->head ? strchr(r->head, '\n') : NULL; p; p = strchr(p, '\n')) {
		p++;
		if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			const char *v = p + nlen + 1;
			while (*v == ' ')
				v++;
			size_t vlen = strcspn(v, "\r\n");
			snprintf(value, sizeof(value), "%.*s", (int)vlen, v);
			return value;
		}
	}
	return NULL;
}

json_object *th_json(const struct th_resp *r)
{
	return r->body ? json_tokener_parse(r->body) : NULL;
}

static json_object *vget(json_object *doc, va_list ap)
{
	const char *key;
	while (doc && (key = va_arg(ap, const char *))) {
		if (json_object_is_type(doc, json_type_array))
			doc = json_object_array_get_idx(doc, (size_t)atoi(key));
		else if (!json_object_object_get_ex(doc, key, &doc))
			doc = NULL;
	}
	return doc;
}

json_object *th_get(json_object *doc, ...)
{
	va_list ap;
	va_start(ap, doc);
	doc = vget(doc, ap);
	va_end(ap);
	return doc;
}

const char *th_str(json_object *doc, ...)
{
	va_list ap;
	va_start(ap, doc);
	doc = vget(doc, ap);
	va_end(ap);
	return doc ? json_object_get_string(doc) : NULL;
}

void th_resp_free(struct th_resp *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

int th_server_wait_ready(const struct th_server *s, int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms * th_time_scale(); waited += 100) {
		struct th_resp r;
		if (th_http(s, "GET", "/readyz", NULL, NULL, 0, &r) == 0) {
			int status = r.status;
			th_resp_free(&r);
			if (status == 200)
				return 0;
		}
		usleep(100000);
	}
	return -1;
}

int th_run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int th_own_database(const char *suffix, char *url, size_t cap)
{
	const char *base = getenv("PAKN_DATABASE_URL");
	const char *at = base ? strstr(base, "dbname=") : NULL;
	if (!at)
		return -1;
	at += strlen("dbname=");
	int len = (int)strcspn(at, " ");
	char name[128];
	snprintf(name, sizeof(name), "%.*s_%s", len, at, suffix);
	snprintf(url, cap, "%.*s%s%s", (int)(at - base), base, name, at + len);
	const char *ctl = getenv("PAKNCTL_BIN") ? getenv("PAKNCTL_BIN") : "build/asan/paknctl";
	const char *template = getenv("PAKN_TEST_DB_TEMPLATE");
	if (th_run("psql -X -q \"$PAKN_DATABASE_URL\" -c 'DROP DATABASE IF EXISTS %s' "
		   "-c 'CREATE DATABASE %s%s%s'",
		   name, name, template ? " TEMPLATE " : "", template ? template : "") != 0)
		return -1;
	if (template)
		return 0;
	return th_run("PAKN_DATABASE_URL=\"%s\" %s migrate sql >/dev/null", url, ctl) == 0 &&
			       th_run("for p in data/plans/*.txt; do PAKN_DATABASE_URL=\"%s\" %s "
				      "import-plan \"$p\" >/dev/null || exit 1; done",
				      url, ctl) == 0
		       ? 0
		       : -1;
}

int th_sql(const char *url, const char *query, char **value)
{
	PGconn *pg = PQconnectdb(url);
	PGresult *res = PQstatus(pg) == CONNECTION_OK ? PQexec(pg, query) : NULL;
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	int rc = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK ? 0 : -1;
	if (rc < 0)
		fprintf(stderr, "%s: %s", query, PQerrorMessage(pg));
	if (value)
		*value = rc == 0 && PQntuples(res) > 0 ? strdup(PQgetvalue(res, 0, 0)) : NULL;
	PQclear(res);
	PQfinish(pg);
	return rc;
}

int th_run_output(char *out, size_t outlen, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	out[0] = '\0';
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	size_t n = fread(out, 1, outlen - 1, p);
	out[n] = '\0';
	while (fgetc(p) != EOF) /* the rest, so the command is not cut off by a closed pipe */
		;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int th_pass_second_factor(const char *url, const char *username)
{
	char query[256];
	/* the tests' usernames are plain ASCII without quotes */
	snprintf(query, sizeof(query),
		 "UPDATE official_session SET second_factor_at = now() WHERE id = (SELECT"
		 " max(s.id) FROM official_session s JOIN official o ON o.id = s.official_id"
		 " WHERE o.username = '%s')",
		 username);
	return th_sql(url, query, NULL);
}

int th_sign_in(const struct th_server *s, const char *db_url, const char *user,
	       const char *password, char *headers, size_t hcap, char *post, size_t pcap)
{
	char body[256];
	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", user,
		 password);
	struct th_resp r;
	if (th_http(s, "POST", "/api/v1/auth/login", "Content-Type: application/json\r\n", body,
		    strlen(body), &r) < 0)
		return -1;
	int status = r.status;
	const char *cookie = th_header(&r, "Set-Cookie");
	char token[128];
	json_object *doc = th_json(&r);
	if (status == 200) {
		if (!cookie || !doc || sscanf(cookie, "__Host-pakn_session=%127[^;]", token) != 1 ||
		    th_pass_second_factor(db_url, user) < 0) {
			status = -1;
		} else {
			snprintf(headers, hcap, "Cookie: __Host-pakn_session=%s\r\n", token);
			if (post)
				snprintf(post, pcap, "%sX-CSRF-Token: %s\r\n", headers,
					 th_str(doc, "csrf_token", NULL));
		}
	}
	json_object_put(doc);
	th_resp_free(&r);
	return status;
}
