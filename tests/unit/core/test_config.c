/* test_config.c - tests server/core/config.c: defaults, the config file, the environment and
 * the errors an operator sees. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"

/* Every variable config_load reads. */
static const char *const env_vars[] = {
	"PAKN_CONFIG",           "PAKN_LISTEN",          "PAKN_DATABASE_URL",
	"PAKN_THREADS",          "PAKN_DB_CONNECTIONS",  "PAKN_REQUEST_TIMEOUT",
	"PAKN_MAX_BODY_BYTES",   "PAKN_MAX_HEADER_BYTES", "PAKN_SHUTDOWN_GRACE",
	"PAKN_LOG_LEVEL",
	"PAKN_MAX_CONNECTIONS",  "PAKN_MAX_CONNECTIONS_PER_ADDRESS",
};

/* Each test starts and ends with none of them set, so cases are independent. */
static int clear_env(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
		unsetenv(env_vars[i]);
	return 0;
}

/* A temporary config file holding text; the path is static, the caller removes it. */
static const char *write_config(const char *text)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/pakn_test_config_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t len = strlen(text);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

/* Loads text as a config file; returns config_load's result. */
static int load_text(const char *text, struct config *cfg, char *err, size_t errlen)
{
	const char *path = write_config(text);
	int rc = config_load(cfg, path, err, errlen);
	unlink(path);
	return rc;
}

static void assert_defaults(const struct config *cfg)
{
	assert_string_equal(cfg->listen, "127.0.0.1:8080");
	assert_string_equal(cfg->database_url, "dbname=pakn");
	assert_int_equal(cfg->threads, 0);
	assert_int_equal(cfg->db_connections, 2);
	assert_int_equal(cfg->request_timeout, 10);
	assert_int_equal(cfg->max_body_bytes, 65536);
	assert_int_equal(cfg->max_header_bytes, 8192);
	assert_int_equal(cfg->shutdown_grace, 10);
	assert_int_equal(cfg->max_connections, 0); /* derived from the open-files limit */
	assert_int_equal(cfg->max_connections_per_address, 64);
	assert_int_equal(cfg->log_level, LOG_INFO);
}

static void test_defaults(void **state)
{
	(void)state;
	struct config cfg;
	char err[256] = "";
	memset(&cfg, 0x5A, sizeof(cfg));
	assert_int_equal(config_load(&cfg, NULL, err, sizeof(err)), 0);
	assert_defaults(&cfg);
	/* an empty path means no file */
	assert_int_equal(config_load(&cfg, "", err, sizeof(err)), 0);
	assert_defaults(&cfg);
}

static void test_file_applied(void **state)
{
	(void)state;
	struct config cfg;
	char err[256] = "";
	int rc = load_text("# PAKN-57 settings\n"
			   "\n"
			   "listen=0.0.0.0:9090\n"
			   "   threads   =   4   \n"
			   "\t# indented comment\n"
			   "database_url = host=/tmp dbname=pakn_test\n"
			   "max_body_bytes = 1024\n"
			   "max_header_bytes=1048576\n"
			   "request_timeout = 3600\n"
			   "log_level = debug\n"
			   "   \n",
			   &cfg, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_string_equal(cfg.listen, "0.0.0.0:9090");
	assert_int_equal(cfg.threads, 4);
	/* '=' and inner spaces in a value are kept */
	assert_string_equal(cfg.database_url, "host=/tmp dbname=pakn_test");
	assert_int_equal(cfg.max_body_bytes, 1024);
	assert_int_equal(cfg.max_header_bytes, 1048576);
	assert_int_equal(cfg.request_timeout, 3600);
	assert_int_equal(cfg.log_level, LOG_DEBUG);
	/* untouched keys keep their defaults */
	assert_int_equal(cfg.db_connections, 2);
	assert_int_equal(cfg.shutdown_grace, 10);
}

static void test_file_from_pakn_config(void **state)
{
	(void)state;
	const char *path = write_config("threads = 8\n");
	struct config cfg;
	char err[256] = "";
	setenv("PAKN_CONFIG", path, 1);
	assert_int_equal(config_load(&cfg, NULL, err, sizeof(err)), 0);
	assert_int_equal(cfg.threads, 8);
	/* an explicit path wins over PAKN_CONFIG */
	const char *other = write_config("threads = 16\n");
	char other_path[64];
	snprintf(other_path, sizeof(other_path), "%s", other);
	assert_int_equal(config_load(&cfg, other_path, err, sizeof(err)), 0);
	assert_int_equal(cfg.threads, 16);
	unlink(other_path);
	unlink(getenv("PAKN_CONFIG"));
	unsetenv("PAKN_CONFIG");
}

static void test_env_overrides_file(void **state)
{
	(void)state;
	setenv("PAKN_LISTEN", "127.0.0.1:0", 1);
	setenv("PAKN_THREADS", "2", 1);
	setenv("PAKN_LOG_LEVEL", "error", 1);
	setenv("PAKN_MAX_BODY_BYTES", "16777216", 1);
	struct config cfg;
	char err[256] = "";
	int rc = load_text("listen = 0.0.0.0:9090\nthreads = 4\nlog_level = debug\n"
			   "shutdown_grace = 0\n",
			   &cfg, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_string_equal(cfg.listen, "127.0.0.1:0");
	assert_int_equal(cfg.threads, 2);
	assert_int_equal(cfg.log_level, LOG_ERROR);
	assert_int_equal(cfg.max_body_bytes, 16777216);
	assert_int_equal(cfg.shutdown_grace, 0); /* from the file, no variable set */
	clear_env(NULL);

	/* without the variables the file's values come back */
	rc = load_text("listen = 0.0.0.0:9090\nthreads = 4\n", &cfg, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_string_equal(cfg.listen, "0.0.0.0:9090");
	assert_int_equal(cfg.threads, 4);
}

static void test_env_without_file(void **state)
{
	(void)state;
	setenv("PAKN_DATABASE_URL", "dbname=other", 1);
	setenv("PAKN_DB_CONNECTIONS", "64", 1);
	setenv("PAKN_MAX_CONNECTIONS", "5000", 1);
	setenv("PAKN_MAX_CONNECTIONS_PER_ADDRESS", "8", 1);
	struct config cfg;
	char err[256] = "";
	assert_int_equal(config_load(&cfg, NULL, err, sizeof(err)), 0);
	assert_string_equal(cfg.database_url, "dbname=other");
	assert_int_equal(cfg.db_connections, 64);
	assert_int_equal(cfg.max_connections, 5000);
	assert_int_equal(cfg.max_connections_per_address, 8);
	assert_string_equal(cfg.listen, "127.0.0.1:8080");
	clear_env(NULL);
}

/* --- errors: a table of file contents and what err must mention ---------------------- */

struct file_error_case {
	const char *text;
	const char *mentions[3]; /* substrings err must contain */
};

static const struct file_error_case file_errors[] = {
	{"threads = 2\n\n# c\nlisten_addr = x\n", {"listen_addr", ":4:", "unknown"}},
	{"threads = many\n", {"threads", "many", ":1:"}},
	{"threads = 257\n", {"threads", "0 to 256"}},
	{"threads = -1\n", {"threads", "-1"}},
	{"threads = 4x\n", {"threads", "4x"}},
	{"threads =\n", {"threads", ":1:"}},
	{"threads = 99999999999999999999\n", {"threads"}},
	{"db_connections = 0\n", {"db_connections", "1 to 64"}},
	{"max_body_bytes = 1023\n", {"max_body_bytes", "1023"}},
	{"max_body_bytes = 16777217\n", {"max_body_bytes"}},
	{"max_header_bytes = 100\n", {"max_header_bytes"}},
	{"request_timeout = 0\n", {"request_timeout"}},
	{"shutdown_grace = 601\n", {"shutdown_grace"}},
	{"max_connections = -1\n", {"max_connections", "0 to 1000000"}},
	{"max_connections_per_address = 0\n", {"max_connections_per_address", "1 to 1000000"}},
	{"log_level = verbose\n", {"log_level", "verbose"}},
	{"log_level = INFO\n", {"log_level", "INFO"}},
	{"log_level =\n", {"log_level"}},
	{"listen 127.0.0.1:80\n", {":1:", "key = value"}},
	{"www_root = static\n", {"www_root", "unknown"}}, /* a setting that does not exist */
};

static void test_file_errors_table(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(file_errors) / sizeof(file_errors[0]); i++) {
		const struct file_error_case *c = &file_errors[i];
		struct config cfg;
		char err[512] = "";
		int rc = load_text(c->text, &cfg, err, sizeof(err));
		if (rc != -1) {
			print_error("\"%s\": loaded (rc %d), want -1\n", c->text, rc);
			failures++;
			continue;
		}
		for (int k = 0; k < 3 && c->mentions[k]; k++) {
			if (!strstr(err, c->mentions[k])) {
				print_error("\"%s\": err \"%s\" does not mention \"%s\"\n", c->text, err,
					    c->mentions[k]);
				failures++;
			}
		}
	}
	assert_int_equal(failures, 0);
}

static void test_value_too_long(void **state)
{
	(void)state;
	struct config cfg;
	char err[512] = "";
	/* CONFIG_STR_MAX - 1 bytes fit */
	char *text = malloc(CONFIG_STR_MAX + 64);
	int n = snprintf(text, 32, "database_url = ");
	memset(text + n, 's', CONFIG_STR_MAX - 1);
	strcpy(text + n + CONFIG_STR_MAX - 1, "\n");
	assert_int_equal(load_text(text, &cfg, err, sizeof(err)), 0);
	assert_int_equal(strlen(cfg.database_url), CONFIG_STR_MAX - 1);
	/* one more does not */
	memset(text + n, 's', CONFIG_STR_MAX);
	strcpy(text + n + CONFIG_STR_MAX, "\n");
	assert_int_equal(load_text(text, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "database_url"));
	assert_non_null(strstr(err, "longer"));

	/* the same through the environment */
	text[n + CONFIG_STR_MAX] = '\0';
	setenv("PAKN_DATABASE_URL", text + n, 1);
	assert_int_equal(config_load(&cfg, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "PAKN_DATABASE_URL"));
	clear_env(NULL);
	free(text);
}

static void test_env_errors(void **state)
{
	(void)state;
	static const struct {
		const char *var, *value;
	} cases[] = {
		{"PAKN_THREADS", "lots"},
		{"PAKN_THREADS", ""},
		{"PAKN_REQUEST_TIMEOUT", "0"},
		{"PAKN_MAX_HEADER_BYTES", "1048577"},
		{"PAKN_LOG_LEVEL", "trace"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config cfg;
		char err[512] = "";
		setenv(cases[i].var, cases[i].value, 1);
		int rc = config_load(&cfg, NULL, err, sizeof(err));
		unsetenv(cases[i].var);
		if (rc != -1 || !strstr(err, cases[i].var)) {
			print_error("%s=\"%s\": rc %d, err \"%s\"\n", cases[i].var, cases[i].value, rc,
				    err);
			fail();
		}
	}
}

static void test_missing_file(void **state)
{
	(void)state;
	struct config cfg;
	char err[512] = "";
	assert_int_equal(config_load(&cfg, "/nonexistent/pakn.conf", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/pakn.conf"));
	setenv("PAKN_CONFIG", "/nonexistent/from-env.conf", 1);
	assert_int_equal(config_load(&cfg, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/from-env.conf"));
	clear_env(NULL);
}

static void test_config_set(void **state)
{
	(void)state;
	struct config cfg;
	char err[256] = "";
	assert_int_equal(config_load(&cfg, NULL, err, sizeof(err)), 0);
	assert_int_equal(config_set(&cfg, "threads", "12", err, sizeof(err)), 0);
	assert_int_equal(cfg.threads, 12);
	assert_int_equal(config_set(&cfg, "log_level", "warn", err, sizeof(err)), 0);
	assert_int_equal(cfg.log_level, LOG_WARN);
	assert_int_equal(config_set(&cfg, "nope", "1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nope"));
	/* a refused value leaves the setting alone */
	assert_int_equal(config_set(&cfg, "threads", "abc", err, sizeof(err)), -1);
	assert_int_equal(cfg.threads, 12);
	assert_int_equal(config_set(&cfg, "log_level", "loud", err, sizeof(err)), -1);
	assert_int_equal(cfg.log_level, LOG_WARN);
}

/* A comment line is ignored whatever its length. */
static void test_long_comment_ignored(void **state)
{
	(void)state;
	struct config cfg;
	char err[512] = "";
	size_t pad = CONFIG_STR_MAX + 128 - 2; /* the tail starts a new fgets() chunk */
	char *text = malloc(pad + 64);
	text[0] = '#';
	memset(text + 1, 'c', pad);
	strcpy(text + 1 + pad, " threads = 7\nlisten = 127.0.0.1:1\n");
	int rc = load_text(text, &cfg, err, sizeof(err));
	free(text);
	assert_int_equal(rc, 0);
	assert_int_equal(cfg.threads, 0);
	assert_string_equal(cfg.listen, "127.0.0.1:1");
}

/* public_origin is a scheme and a host, kept without a trailing "/"; anything else stops
 * the start with a message naming it. */
static void test_public_origin(void **state)
{
	(void)state;
	struct config cfg;
	char err[256] = "";
	assert_int_equal(config_load(&cfg, NULL, err, sizeof(err)), 0);
	assert_string_equal(cfg.public_origin, "");
	static const char *const ok[][2] = {
		{"https://gopy.example.gov.vn/", "https://gopy.example.gov.vn"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(config_set(&cfg, "public_origin", ok[i][0], err, sizeof(err)), 0);
		assert_string_equal(cfg.public_origin, ok[i][1]);
	}
	static const char *const bad[] = {"gopy.example.gov.vn", "ftp://host", "https://",
					  "https://host/gopy", "https://a b", "https://h\"><x>"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(config_set(&cfg, "public_origin", bad[i], err, sizeof(err)), -1);
		assert_non_null(strstr(err, "public_origin"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, clear_env, clear_env),
		cmocka_unit_test_setup_teardown(test_file_applied, clear_env, clear_env),
		cmocka_unit_test_setup_teardown(test_file_from_pakn_config, clear_env, clear_env),
		cmocka_unit_test_setup_teardown(test_env_overrides_file, clear_env, clear_env),
		cmocka_unit_test_setup_teardown(test_env_without_file, clear_env, clear_env),
		cmocka_unit_test_setup_teardown(test_file_errors_table, clear_env, clear_env),
		cmocka_unit_test_setup_teardown(test_value_too_long, clear_env, clear_env),
		cmocka_unit_test_setup_teardown(test_env_errors, clear_env, clear_env),
		cmocka_unit_test_setup_teardown(test_missing_file, clear_env, clear_env),
		cmocka_unit_test_setup_teardown(test_config_set, clear_env, clear_env),
		cmocka_unit_test_setup_teardown(test_long_comment_ignored, clear_env, clear_env),
		cmocka_unit_test_setup_teardown(test_public_origin, clear_env, clear_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
