/* test_reply_cache.c - tests server/db/reply_cache.c: kept replies are found under their key;
 * when the byte bound is reached the oldest make room (a client asking for ever new searches
 * once filled it, and nothing more was kept until the next import); a reply made under an
 * older version, or larger than the bound, is not kept; a new version drops everything. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "db/reply_cache.h"

static bool has(struct reply_cache *c, const char *key, const char *body)
{
	struct sbuf got = {0};
	bool hit = reply_cache_get(c, key, &got);
	bool same = hit && got.len == strlen(body) && memcmp(got.data, body, got.len) == 0;
	sbuf_free(&got);
	return same;
}

static bool has_key(struct reply_cache *c, const char *key)
{
	struct sbuf got = {0};
	bool hit = reply_cache_get(c, key, &got);
	sbuf_free(&got);
	return hit;
}

static void test_oldest_make_room(void **state)
{
	(void)state;
	/* room for ten entries of 2-byte keys and 8-byte bodies */
	struct reply_cache *c = reply_cache_new(100);
	assert_non_null(c);
	reply_cache_set_version(c, 1);
	char key[16];
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "%02d", i % 100);
		reply_cache_put(c, key, 1, "12345678", 8);
		assert_true(has(c, key, "12345678"));
	}
	/* the last ten kept, the one before them dropped */
	for (int i = 90; i < 100; i++) {
		snprintf(key, sizeof(key), "%02d", i);
		assert_true(has_key(c, key));
	}
	assert_false(has_key(c, "89"));
	assert_false(has_key(c, "00"));
	/* a larger one takes the room of as many as it needs */
	reply_cache_put(c, "big", 1, "0123456789012345678901234567890", 31);
	assert_true(has_key(c, "big"));
	assert_false(has_key(c, "93"));
	assert_true(has_key(c, "94"));
	reply_cache_free(c);
}

static void test_not_kept(void **state)
{
	(void)state;
	struct reply_cache *c = reply_cache_new(100);
	assert_non_null(c);
	reply_cache_put(c, "a", 0, "x", 1); /* version not known yet */
	assert_false(has_key(c, "a"));
	reply_cache_set_version(c, 7);
	reply_cache_put(c, "a", 6, "x", 1); /* made before the version moved */
	assert_false(has_key(c, "a"));
	reply_cache_put(c, "b", 7, "y", 1);
	char huge[200];
	memset(huge, 'z', sizeof(huge));
	reply_cache_put(c, "c", 7, huge, sizeof(huge)); /* larger than the bound: refused */
	assert_false(has_key(c, "c"));
	assert_true(has(c, "b", "y")); /* and nothing dropped for it */
	reply_cache_put(c, "b", 7, "other", 5); /* already kept: the first stays */
	assert_true(has(c, "b", "y"));
	reply_cache_set_version(c, 8);
	assert_false(has_key(c, "b"));
	reply_cache_put(c, "b", 8, "y2", 2);
	assert_true(has(c, "b", "y2"));
	reply_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oldest_make_room),
		cmocka_unit_test(test_not_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
