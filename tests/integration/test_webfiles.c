/* test_webfiles.c - the web pages as a browser gets them from server/http/webfiles.c: the page
 * for "/", a directory's page with and without its slash, ETag and 304, HEAD, hidden and
 * missing files as the JSON 404, other methods as the JSON 405, the security headers
 * on every page, the precompressed copies chosen by Accept-Encoding (each with its ETag),
 * versioned addresses kept a year, and the English copy of a page by ?lang= or cookie. The served tree is a temporary directory made here. */
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
/* A file with precompressed copies: webfiles.c sends them as they are (it does not
 * decompress), so short stand-ins show which copy was chosen. */
static const char app_js[] = "console.log('the file as written, longer than its copies');\n";
static const char app_js_gz[] = "GZIP COPY";
static const char app_js_br[] = "BR COPY";
/* A copy as long as its file is not worth sending: it stays a file of its own. */
static const char big_gz[] = "not smaller";
static const char index_en[] = "<!doctype html><html lang=\"en\"><title>Feedback</title></html>\n";

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
	write_file("assets/app.js", app_js);
	write_file("assets/app.js.gz", app_js_gz);
	write_file("assets/app.js.br", app_js_br);
	write_file("assets/small.txt", "tiny");
	write_file("assets/small.txt.gz", big_gz);
	if (th_run("mkdir -p %s/en", dir) != 0)
		return -1;
	write_file("en/index.html", index_en);
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

/* GET path with extra request headers; the caller frees r. */
static void get(const char *path, const char *headers, struct th_resp *r)
{
	assert_int_equal(th_http(&srv, "GET", path, headers, NULL, 0, r), 0);
}

static void test_coding_negotiation(void **state)
{
	(void)state;
	static const struct {
		const char *accept, *encoding, *body; /* encoding NULL: none sent */
	} cases[] = {
		{NULL, NULL, app_js},
		{"Accept-Encoding: gzip, deflate, br\r\n", "br", app_js_br},
		{"Accept-Encoding: gzip\r\n", "gzip", app_js_gz},
		{"Accept-Encoding: br;q=0, gzip\r\n", "gzip", app_js_gz},
		{"Accept-Encoding: gzip;q=0, br;q=0\r\n", NULL, app_js},
		{"Accept-Encoding: *\r\n", "br", app_js_br},
		{"Accept-Encoding: identity\r\n", NULL, app_js},
		{"Accept-Encoding: deflate\r\n", NULL, app_js},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct th_resp r;
		get("/assets/app.js", cases[i].accept, &r);
		assert_int_equal(r.status, 200);
		assert_string_equal(r.body, cases[i].body);
		if (cases[i].encoding)
			assert_string_equal(th_header(&r, "Content-Encoding"), cases[i].encoding);
		else
			assert_null(th_header(&r, "Content-Encoding"));
		assert_string_equal(th_header(&r, "Content-Type"), "text/javascript; charset=utf-8");
		assert_string_equal(th_header(&r, "Vary"), "Accept-Encoding");
		th_resp_free(&r);
	}
	/* A copy is not a file of its own; one that is not smaller stays one. */
	struct th_resp r;
	get("/assets/app.js.gz", NULL, &r);
	assert_int_equal(r.status, 404);
	th_resp_free(&r);
	get("/assets/small.txt.gz", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, big_gz);
	th_resp_free(&r);
	get("/assets/small.txt", "Accept-Encoding: gzip\r\n", &r);
	assert_string_equal(r.body, "tiny");
	assert_null(th_header(&r, "Content-Encoding"));
	assert_null(th_header(&r, "Vary"));
	th_resp_free(&r);
}

/* Each copy has its own ETag: a cache holding the brotli copy gets 304 for it, and a
 * client that takes only gzip gets the gzip copy, not a 304 for bytes it cannot read. */
static void test_etag_per_coding(void **state)
{
	(void)state;
	static const char *const accept[] = {NULL, "Accept-Encoding: gzip\r\n",
					     "Accept-Encoding: br\r\n"};
	char etags[3][64];
	for (int i = 0; i < 3; i++) {
		struct th_resp r;
		get("/assets/app.js", accept[i], &r);
		snprintf(etags[i], sizeof(etags[i]), "%s", th_header(&r, "ETag"));
		th_resp_free(&r);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(etags[i], etags[j]);
	}
	char hdr[160];
	snprintf(hdr, sizeof(hdr), "Accept-Encoding: gzip, br\r\nIf-None-Match: %s\r\n", etags[2]);
	struct th_resp r;
	get("/assets/app.js", hdr, &r);
	assert_int_equal(r.status, 304);
	assert_int_equal(r.body_len, 0);
	assert_string_equal(th_header(&r, "ETag"), etags[2]);
	assert_string_equal(th_header(&r, "Vary"), "Accept-Encoding");
	th_resp_free(&r);
	snprintf(hdr, sizeof(hdr), "Accept-Encoding: gzip\r\nIf-None-Match: %s\r\n", etags[2]);
	get("/assets/app.js", hdr, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, app_js_gz);
	th_resp_free(&r);
}

/* An address carrying the file's own version may be kept a year; any other, no-cache. */
static void test_versioned_address_is_kept(void **state)
{
	(void)state;
	struct th_resp r;
	get("/assets/app.js", NULL, &r);
	char path[128];
	const char *etag = th_header(&r, "ETag"); /* "\"" + 16 hex + "\"" */
	snprintf(path, sizeof(path), "/assets/app.js?v=%.16s", etag + 1);
	th_resp_free(&r);
	get(path, "Accept-Encoding: br\r\n", &r);
	assert_string_equal(th_header(&r, "Cache-Control"), "public, max-age=31536000");
	assert_string_equal(r.body, app_js_br);
	th_resp_free(&r);
	get("/assets/app.js?v=0000000000000000", NULL, &r);
	assert_string_equal(th_header(&r, "Cache-Control"), "no-cache");
	th_resp_free(&r);
}

static void test_language(void **state)
{
	(void)state;
	static const struct {
		const char *path, *headers, *body, *set_cookie;
	} cases[] = {
		{"/", NULL, index_html, NULL},
		{"/", "Cookie: pakn_lang=en\r\n", index_en, NULL},
		{"/", "Cookie: other=1; pakn_lang=en\r\n", index_en, NULL},
		{"/", "Cookie: pakn_lang=vi\r\n", index_html, NULL},
		{"/", "Cookie: pakn_lang=english\r\n", index_html, NULL},
		{"/?lang=en", NULL, index_en,
		 "pakn_lang=en; Path=/; Max-Age=31536000; SameSite=Lax"},
		{"/?lang=vi", "Cookie: pakn_lang=en\r\n", index_html,
		 "pakn_lang=vi; Path=/; Max-Age=31536000; SameSite=Lax"},
		{"/?lang=fr", "Cookie: pakn_lang=en\r\n", index_en, NULL},
		{"/admin/", "Cookie: pakn_lang=en\r\n", admin_html, NULL}, /* no English copy */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct th_resp r;
		get(cases[i].path, cases[i].headers, &r);
		assert_int_equal(r.status, 200);
		assert_string_equal(r.body, cases[i].body);
		assert_string_equal(th_header(&r, "Vary"), "Cookie");
		if (cases[i].set_cookie)
			assert_string_equal(th_header(&r, "Set-Cookie"), cases[i].set_cookie);
		else
			assert_null(th_header(&r, "Set-Cookie"));
		th_resp_free(&r);
	}
	/* Assets are the same in both languages. */
	struct th_resp r;
	get("/assets/site.css?lang=en", "Cookie: pakn_lang=en\r\n", &r);
	assert_string_equal(r.body, site_css);
	assert_null(th_header(&r, "Set-Cookie"));
	assert_null(th_header(&r, "Vary"));
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
		cmocka_unit_test(test_coding_negotiation),
		cmocka_unit_test(test_etag_per_coding),
		cmocka_unit_test(test_versioned_address_is_kept),
		cmocka_unit_test(test_language),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
