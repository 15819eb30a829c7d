/* test_server_lifecycle.c - the server as an operator sees it: readiness while the
 * database goes away and comes back, graceful stop with a request in flight, settings
 * from a config file, and a clear refusal of bad settings. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/util.h"
#include "harness.h"

static int get_status(const struct th_server *s, const char *path, char *retry_after,
		      size_t ralen)
{
	struct th_resp r;
	if (th_http(s, "GET", path, NULL, NULL, 0, &r) < 0)
		return -1;
	int status = r.status;
	if (retry_after) {
		const char *ra = th_header(&r, "Retry-After");
		snprintf(retry_after, ralen, "%s", ra ? ra : "");
	}
	th_resp_free(&r);
	return status;
}

static int wait_status(const struct th_server *s, const char *path, int want, int timeout_ms)
{
	for (int t = 0; t <= timeout_ms; t += 100) {
		if (get_status(s, path, NULL, 0) == want)
			return 0;
		usleep(100000);
	}
	return -1;
}

static int pgcluster(const char *verb)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "tools/pgcluster.sh %s '%s' >/dev/null 2>&1", verb,
		 getenv("PAKN_TEST_PGDIR"));
	return system(cmd);
}

static void test_readyz_follows_the_database(void **state)
{
	(void)state;
	struct th_server s;
	assert_int_equal(th_server_start(&s, "lifecycle_readyz", NULL), 0);
	assert_int_equal(th_server_wait_ready(&s, 10000), 0);
	assert_int_equal(get_status(&s, "/api/v1/plans", NULL, 0), 200);

	assert_int_equal(pgcluster("stop"), 0);
	assert_int_equal(wait_status(&s, "/readyz", 503, 15000), 0);
	char ra[32];
	assert_int_equal(get_status(&s, "/api/v1/items/LC-T1", ra, sizeof(ra)), 503);
	assert_string_equal(ra, "2");
	struct th_resp r;
	assert_int_equal(th_http(&s, "GET", "/readyz", NULL, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "\"database_unavailable\""));
	th_resp_free(&r);
	assert_int_equal(get_status(&s, "/healthz", NULL, 0), 200); /* alive all the same */

	assert_int_equal(pgcluster("start"), 0);
	/* Reconnects by itself: backoff tops out at 5 s. */
	assert_int_equal(wait_status(&s, "/readyz", 200, 20000), 0);
	assert_int_equal(wait_status(&s, "/api/v1/items/LC-T1", 200, 5000), 0);
	assert_int_equal(th_server_stop(&s), 0);
}

static int connect_refused(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	int err = errno;
	close(fd);
	return rc < 0 && err == ECONNREFUSED;
}

/* A request held up in the database when SIGTERM comes is still answered; new
 * connections are refused meanwhile; then the process exits 0. */
static void test_sigterm_finishes_requests_in_flight(void **state)
{
	(void)state;
	struct th_server s;
	assert_int_equal(th_server_start(&s, "lifecycle_sigterm", NULL), 0);
	assert_int_equal(th_server_wait_ready(&s, 10000), 0);

	PGconn *pg = PQconnectdb(getenv("PAKN_DATABASE_URL"));
	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	PQclear(PQexec(pg, "BEGIN"));
	PGresult *lock = PQexec(pg, "LOCK TABLE plan_item IN ACCESS EXCLUSIVE MODE");
	assert_int_equal(PQresultStatus(lock), PGRES_COMMAND_OK);
	PQclear(lock);

	int fd = th_send(&s, "GET", "/api/v1/items/LC-T4", NULL, NULL, 0);
	assert_true(fd >= 0);
	usleep(300000);
	kill(s.pid, SIGTERM);
	usleep(500000);
	assert_true(th_server_alive(&s));     /* waiting for the request */
	assert_true(connect_refused(s.port)); /* but no longer accepting */

	PQclear(PQexec(pg, "COMMIT"));
	PQfinish(pg);
	struct th_resp r;
	assert_int_equal(th_recv(fd, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"LC-T4\""));
	th_resp_free(&r);
	assert_int_equal(th_server_stop(&s), 0); /* already exiting: reaps it with status 0 */
}

static void test_config_file_is_applied(void **state)
{
	(void)state;
	char path[] = "/tmp/pakn-conf-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char conf[] = "# test settings\nthreads = 1\nmax_body_bytes = 2048\n";
	assert_int_equal(write(fd, conf, sizeof(conf) - 1), (ssize_t)sizeof(conf) - 1);
	close(fd);
	char env[300];
	snprintf(env, sizeof(env), "PAKN_CONFIG=%s", path);
	const char *envs[] = {env, NULL};
	struct th_server s;
	assert_int_equal(th_server_start(&s, "lifecycle_config", envs), 0);
	char body[3000];
	memset(body, 'z', sizeof(body));
	struct th_resp r;
	assert_int_equal(th_http(&s, "POST", "/api/v1/items", NULL, body, 3000, &r), 0);
	assert_int_equal(r.status, 413);
	th_resp_free(&r);
	assert_int_equal(th_http(&s, "POST", "/api/v1/items", NULL, body, 1000, &r), 0);
	assert_int_equal(r.status, 405);
	th_resp_free(&r);
	assert_int_equal(th_server_stop(&s), 0);
	unlink(path);
}

static void test_bad_setting_is_refused(void **state)
{
	(void)state;
	const char *envs[] = {"PAKN_THREADS=lots", NULL};
	struct th_server s;
	assert_int_equal(th_server_start(&s, "lifecycle_badconf", envs), -1);
	FILE *f = fopen(s.log_path, "r");
	assert_non_null(f);
	char line[1024] = "";
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_non_null(strstr(line, "PAKN_THREADS"));
	assert_non_null(strstr(line, "\"level\":\"error\""));
}

/* A failure late in server_new (the workers, their database pools and listeners are built
 * when metrics_listen cannot be bound) ends the process with exit code 1 and the reason
 * logged; server_free takes the half-built server apart, and ASan's leak check (on in
 * make test) would turn a leak into a report and an abort instead of exit code 1. */
static void test_late_start_failure_frees_everything(void **state)
{
	(void)state;
	int taken = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(taken >= 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(taken, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(taken, 1), 0);
	socklen_t salen = sizeof(sa);
	assert_int_equal(getsockname(taken, (struct sockaddr *)&sa, &salen), 0);
	char metrics[64];
	snprintf(metrics, sizeof(metrics), "PAKN_METRICS_LISTEN=127.0.0.1:%d", ntohs(sa.sin_port));
	const char *envs[] = {metrics, NULL};
	struct th_server s;
	assert_int_equal(th_server_start(&s, "lifecycle_late_failure", envs), -1);
	close(taken);
	assert_int_equal(s.exit_status, 1);
	FILE *f = fopen(s.log_path, "r");
	assert_non_null(f);
	char line[1024];
	bool logged = false, leaked = false;
	while (fgets(line, sizeof(line), f)) {
		logged |= strstr(line, "\"level\":\"error\"") && strstr(line, "cannot listen");
		leaked |= strstr(line, "LeakSanitizer") != NULL;
	}
	fclose(f);
	assert_true(logged);
	assert_false(leaked);
}

/* Connections the server closes after a reply (HTTP/1.0, Connection: close, a refused
 * request) leave nothing behind that fires later: the server still answers after its
 * request timeout has passed. */
static void test_closed_connections_leave_no_timers(void **state)
{
	(void)state;
	const char *envs[] = {"PAKN_REQUEST_TIMEOUT=1", NULL};
	struct th_server s;
	assert_int_equal(th_server_start(&s, "lifecycle_close", envs), 0);
	static const char *const reqs[] = {
		"GET /healthz HTTP/1.0\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n",
		"GARBAGE\r\n\r\n",
		"POST /api/v1/feedback HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		struct th_resp r;
		assert_int_equal(th_recv(th_send_raw(&s, reqs[i], strlen(reqs[i])), &r), 0);
		th_resp_free(&r);
	}
	sleep(3);
	assert_true(th_server_alive(&s));
	assert_int_equal(get_status(&s, "/healthz", NULL, 0), 200);
	assert_int_equal(th_server_stop(&s), 0);
}

/* When the grace period runs out with a request still waiting on the database, the
 * server still exits cleanly. */
static void test_grace_period_runs_out(void **state)
{
	(void)state;
	const char *envs[] = {"PAKN_SHUTDOWN_GRACE=1", NULL};
	struct th_server s;
	assert_int_equal(th_server_start(&s, "lifecycle_grace", envs), 0);
	assert_int_equal(th_server_wait_ready(&s, 10000), 0);
	PGconn *pg = PQconnectdb(getenv("PAKN_DATABASE_URL"));
	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	PQclear(PQexec(pg, "BEGIN"));
	PQclear(PQexec(pg, "LOCK TABLE plan_item IN ACCESS EXCLUSIVE MODE"));
	int fd = th_send(&s, "GET", "/api/v1/items/LC-T9", NULL, NULL, 0);
	usleep(300000);
	assert_int_equal(th_server_stop(&s), 0);
	struct th_resp r;
	if (th_recv(fd, &r) == 0) {
		assert_int_equal(r.status, 503);
		th_resp_free(&r);
	}
	PQclear(PQexec(pg, "COMMIT"));
	PQfinish(pg);
	char *log = file_read(s.log_path, NULL);
	assert_null(strstr(log, "ERROR: AddressSanitizer"));
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readyz_follows_the_database),
		cmocka_unit_test(test_sigterm_finishes_requests_in_flight),
		cmocka_unit_test(test_config_file_is_applied),
		cmocka_unit_test(test_bad_setting_is_refused),
		cmocka_unit_test(test_late_start_failure_frees_everything),
		cmocka_unit_test(test_closed_connections_leave_no_timers),
		cmocka_unit_test(test_grace_period_runs_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
