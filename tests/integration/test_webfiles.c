/* test_webfiles.c - the web pages as a browser gets them from server/http/webfiles.c: the page
 * for "/", a directory's page with and without its slash, ETag and 304, HEAD, hidden and
 * missing files as the JSON 404, other methods as the JSON 405, and the security headers
 * on every page. The served tree is a temporary directory made here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct th_server srv;
static char dir[256];

static const char index_html[] = "<!doctype html><html lang=\"vi\"><title>Góp ý</title></html>\n";
static const char admin_html[] = "<!doctype html><title>Quản trị</title>\n";
static const char site_css[] = "body{font-family:system-ui}\n";

static void write_file(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/www", getenv("PAKN_TEST_TMP"));
	if (th_run("mkdir -p %s/admin %s/assets", dir, dir) != 0)
		return -1;
	write_file("index.html", index_html);
	write_file("admin/index.html", admin_html);
	write_file("admin/intake.html", admin_html); /* a page beside its folder's index */
	write_file("assets/site.css", site_css);
	write_file(".secret", "not served\n");
	char env_dir[300];
	snprintf(env_dir, sizeof(env_dir), "PAKN_STATIC_DIR=%s", dir);
	const char *env[] = {env_dir, NULL};
	return th_server_start(&srv, "webfiles", env) < 0 ? -1 : th_server_wait_ready(&srv, 10000);
}

static int group_teardown(void **state)
{
	(void)state;
	return th_server_stop(&srv) == 0 ? 0 : -1;
}

static void test_pages_and_assets(void **state)
{
	(void)state;
	static const struct {
		const char *path, *type, *body;
	} cases[] = {
		{"/", "text/html; charset=utf-8", index_html},
		{"/index.html", "text/html; charset=utf-8", index_html},
		{"/admin/", "text/html; charset=utf-8", admin_html},
		{"/admin/intake", "text/html; charset=utf-8", admin_html},
		{"/admin/intake.html", "text/html; charset=utf-8", admin_html},
		{"/assets/site.css", "text/css; charset=utf-8", site_css},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct th_resp r;
		assert_int_equal(th_http(&srv, "GET", cases[i].path, NULL, NULL, 0, &r), 0);
		assert_int_equal(r.status, 200);
		assert_string_equal(th_header(&r, "Content-Type"), cases[i].type);
		assert_string_equal(r.body, cases[i].body);
		assert_string_equal(th_header(&r, "Cache-Control"), "no-cache");
		assert_non_null(strstr(th_header(&r, "Content-Security-Policy"), "script-src 'self'"));
		assert_null(strstr(th_header(&r, "Content-Security-Policy"), "unsafe-inline"));
		assert_string_equal(th_header(&r, "X-Content-Type-Options"), "nosniff");
		assert_non_null(th_header(&r, "ETag"));
		th_resp_free(&r);
	}
}

static void test_directory_without_slash_redirects(void **state)
{
	(void)state;
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", "/admin", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 301);
	assert_string_equal(th_header(&r, "Location"), "/admin/");
	th_resp_free(&r);
	/* Not a page: no redirect. */
	assert_int_equal(th_http(&srv, "GET", "/assets", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	th_resp_free(&r);
}

static void test_etag_gives_304(void **state)
{
	(void)state;
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", "/assets/site.css", NULL, NULL, 0, &r), 0);
	char etag[64];
	snprintf(etag, sizeof(etag), "%s", th_header(&r, "ETag"));
	th_resp_free(&r);
	char hdr[128];
	snprintf(hdr, sizeof(hdr), "If-None-Match: %s\r\n", etag);
	assert_int_equal(th_http(&srv, "GET", "/assets/site.css", hdr, NULL, 0, &r), 0);
	assert_int_equal(r.status, 304);
	assert_int_equal(r.body_len, 0);
	th_resp_free(&r);
	/* Another file's tag does not match. */
	assert_int_equal(th_http(&srv, "GET", "/", hdr, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
}

static void test_head(void **state)
{
	(void)state;
	struct th_resp r;
	assert_int_equal(th_http(&srv, "HEAD", "/assets/site.css", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	char len[16];
	snprintf(len, sizeof(len), "%zu", strlen(site_css));
	assert_string_equal(th_header(&r, "Content-Length"), len);
	assert_int_equal(r.body_len, 0);
	th_resp_free(&r);
}

static void test_missing_hidden_and_wrong_method(void **state)
{
	(void)state;
	static const char *const missing[] = {"/.secret", "/nope.html", "/admin/x", "/../etc/passwd",
					      "/assets/"};
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		struct th_resp r;
		assert_int_equal(th_http(&srv, "GET", missing[i], NULL, NULL, 0, &r), 0);
		assert_int_equal(r.status, 404);
		assert_non_null(strstr(th_header(&r, "Content-Type"), "application/json"));
		assert_non_null(strstr(r.body, "\"not_found\""));
		th_resp_free(&r);
	}
	struct th_resp r;
	assert_int_equal(th_http(&srv, "POST", "/assets/site.css", "Content-Type: text/plain\r\n",
				 "x", 1, &r),
			 0);
	assert_int_equal(r.status, 405);
	assert_string_equal(th_header(&r, "Allow"), "GET, HEAD");
	assert_non_null(strstr(r.body, "\"method_not_allowed\""));
	th_resp_free(&r);
}

static void test_api_index_moved(void **state)
{
	(void)state;
	struct th_resp r;
	assert_int_equal(th_http(&srv, "GET", "/api/v1", NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"/api/v1/plans\""));
	th_resp_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_and_assets),
		cmocka_unit_test(test_directory_without_slash_redirects),
		cmocka_unit_test(test_etag_gives_304),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_missing_hidden_and_wrong_method),
		cmocka_unit_test(test_api_index_moved),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
