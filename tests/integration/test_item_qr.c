/* test_item_qr.c - GET /api/v1/items/{code}/qr.svg as a client sees it: the deep link it
 * draws (from public_origin, else a plain Host header, never a hostile one), its type and
 * caching, and the error shape for codes that name nothing. (That the drawing is the QR
 * code of its link is tests/unit/core/test_qr_svg.c's.) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct th_server plain, public;
static const char *const public_env[] = {"PAKN_PUBLIC_ORIGIN=https://gopy.example.gov.vn/",
					 NULL};

static int group_setup(void **state)
{
	(void)state;
	if (th_server_start(&plain, "item_qr", NULL) < 0 ||
	    th_server_start(&public, "item_qr_public", public_env) < 0)
		return -1;
	return th_server_wait_ready(&plain, 10000) < 0 ? -1 : th_server_wait_ready(&public, 10000);
}

static int group_teardown(void **state)
{
	(void)state;
	int a = th_server_stop(&plain), b = th_server_stop(&public);
	return a == 0 && b == 0 ? 0 : -1;
}

static void expect_svg_of(const struct th_resp *r, const char *link)
{
	assert_int_equal(r->status, 200);
	assert_string_equal(th_header(r, "Content-Type"), "image/svg+xml; charset=utf-8");
	assert_true(strncmp(r->body, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
	char title[256];
	snprintf(title, sizeof(title), "<title>%s</title>", link);
	assert_non_null(strstr(r->body, title));
	assert_non_null(strstr(r->body, "<path fill=\"#000\" d=\"M"));
}

static void test_link_from_public_origin(void **state)
{
	(void)state;
	struct th_resp r;
	assert_int_equal(th_http(&public, "GET", "/api/v1/items/LC-T25/qr.svg", NULL, NULL, 0, &r),
			 0);
	/* The setting's trailing "/" is not doubled. */
	expect_svg_of(&r, "https://gopy.example.gov.vn/?item=LC-T25");
	assert_non_null(strstr(th_header(&r, "Cache-Control"), "max-age=60"));
	th_resp_free(&r);

	/* Whatever Host the request names. */
	static const char raw[] = "GET /api/v1/items/DB-I03/qr.svg HTTP/1.1\r\n"
				  "Host: evil.example\r\nConnection: close\r\n\r\n";
	assert_int_equal(th_recv(th_send_raw(&public, raw, sizeof(raw) - 1), &r), 0);
	expect_svg_of(&r, "https://gopy.example.gov.vn/?item=DB-I03");
	th_resp_free(&r);
}

static void test_link_from_host(void **state)
{
	(void)state;
	struct th_resp r;
	assert_int_equal(th_http(&plain, "GET", "/api/v1/items/DB-T-V.3.4/qr.svg", NULL, NULL, 0,
				 &r), 0);
	expect_svg_of(&r, "http://127.0.0.1/?item=DB-T-V.3.4");
	/* Built from what the asker sent: no shared cache may keep it for others. */
	assert_string_equal(th_header(&r, "Cache-Control"), "no-store");
	th_resp_free(&r);
}

/* A Host that is not a plain host name is never drawn into a link. */
static void test_hostile_host(void **state)
{
	(void)state;
	static const char *const hosts[] = {
		"evil.example/phish?x=", "a b", "\"><script>", "user@evil.example",
		"evil.example:99999x", "", "[::1", "-evil",
	};
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		char raw[256];
		int n = snprintf(raw, sizeof(raw), "GET /api/v1/items/LC-T25/qr.svg HTTP/1.1\r\n"
				 "Host: %s\r\nConnection: close\r\n\r\n", hosts[i]);
		struct th_resp r;
		assert_int_equal(th_recv(th_send_raw(&plain, raw, (size_t)n), &r), 0);
		if (r.status != 400)
			fprintf(stderr, "Host: %s -> %d %s\n", hosts[i], r.status, r.body);
		assert_int_equal(r.status, 400);
		assert_null(strstr(r.body, "<svg"));
		th_resp_free(&r);
	}
}

static void test_unknown_codes(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"/api/v1/items/XX-T1/qr.svg",   /* no such item */
		"/api/v1/items/lc-t25/qr.svg",  /* not a code: lower case */
		"/api/v1/items/LC%20T25/qr.svg", /* not a code: a space */
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct th_resp r;
		assert_int_equal(th_http(&plain, "GET", paths[i], NULL, NULL, 0, &r), 0);
		assert_int_equal(r.status, 404);
		assert_non_null(strstr(th_header(&r, "Content-Type"), "application/json"));
		json_object *doc = th_json(&r);
		assert_string_equal(th_str(doc, "error", "code", NULL), "not_found");
		assert_non_null(th_str(doc, "error", "request_id", NULL));
		json_object_put(doc);
		th_resp_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_from_public_origin),
		cmocka_unit_test(test_link_from_host),
		cmocka_unit_test(test_hostile_host),
		cmocka_unit_test(test_unknown_codes),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
