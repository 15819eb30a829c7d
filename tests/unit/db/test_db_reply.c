/* test_db_reply.c - tests server/db/db_reply.c: every status a SQL function writes becomes
 * its enum with the reply's text and object; a reply that is not one JSON object with a known
 * status (no row, NULL, two rows or columns, broken or trailing JSON, a status that is not a
 * string, an unknown one, a word only elsewhere in the text) is DB_REPLY_MALFORMED, with
 * nothing owned and nothing leaked; and every status sql/functions/ writes as a literal is
 * one db_reply knows. The PGresults are built in memory (PQsetvalue). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_reply.h"

#define JSON_OID 114

/* A result of rows x cols json cells, each text (NULL: SQL NULL). */
static PGresult *result_of(int rows, int cols, const char *text)
{
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	assert_non_null(res);
	PGresAttDesc attrs[2];
	memset(attrs, 0, sizeof(attrs));
	for (int c = 0; c < cols; c++) {
		attrs[c].name = c ? "b" : "a";
		attrs[c].typid = JSON_OID;
		attrs[c].typlen = -1;
		attrs[c].atttypmod = -1;
	}
	assert_true(PQsetResultAttrs(res, cols, attrs));
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < cols; c++)
			assert_true(PQsetvalue(res, r, c, (char *)text, text ? (int)strlen(text) : -1));
	return res;
}

static const struct {
	const char *reply;
	enum db_reply_status status;
} cases[] = {
	/* as json_build_object writes them */
	{"{\"status\" : \"ok\", \"rating\" : 4}", DB_REPLY_OK},
	{"{\"status\" : \"not_found\"}", DB_REPLY_NOT_FOUND},
	{"{\"status\" : \"conflict\", \"state\" : \"closed\"}", DB_REPLY_CONFLICT},
	{"{\"status\" : \"unknown_agency\", \"state\" : \"received\"}", DB_REPLY_UNKNOWN_AGENCY},
	{"{\"status\" : \"no_consent\"}", DB_REPLY_NO_CONSENT},
	{"{\"status\" : \"no_answer\"}", DB_REPLY_NO_ANSWER},
	{"{\"status\" : \"already_rated\"}", DB_REPLY_ALREADY_RATED},
	{"{\"status\" : \"created\", \"log_index\" : 7}", DB_REPLY_CREATED},
	{"{\"id\": 3, \"status\": \"existing\"}", DB_REPLY_EXISTING},
	{"{\"status\" : \"unknown_item\"}", DB_REPLY_UNKNOWN_ITEM},
	{"{\"status\" : \"item_unanswerable\"}", DB_REPLY_ITEM_UNANSWERABLE},
	{"{\"status\" : \"has_duplicates\", \"state\" : \"received\"}", DB_REPLY_HAS_DUPLICATES},
	{"{\"status\": \"sign\", \"answers\": [{\"id\": 9, \"text\": \"ok\"}]}", DB_REPLY_SIGN},
	{"{\"status\" : \"unknown_template\"}", DB_REPLY_UNKNOWN_TEMPLATE},
	{"{\"status\" : \"too_many\"}", DB_REPLY_TOO_MANY},
	/* the words sniffing found: in another member, the status still decides */
	{"{\"status\" : \"not_found\", \"note\" : \"ok\"}", DB_REPLY_NOT_FOUND},
	{"{\"note\" : \"ok\", \"status\" : \"no_answer\"}", DB_REPLY_NO_ANSWER},
	/* not the contract */
	{"", DB_REPLY_MALFORMED},
	{"{", DB_REPLY_MALFORMED},
	{"null", DB_REPLY_MALFORMED},
	{"\"ok\"", DB_REPLY_MALFORMED},
	{"[{\"status\" : \"ok\"}]", DB_REPLY_MALFORMED},
	{"{}", DB_REPLY_MALFORMED},
	{"{\"note\" : \"ok\"}", DB_REPLY_MALFORMED},
	{"{\"status\" : 1}", DB_REPLY_MALFORMED},
	{"{\"status\" : null}", DB_REPLY_MALFORMED},
	{"{\"status\" : [\"ok\"]}", DB_REPLY_MALFORMED},
	{"{\"status\" : \"OK\"}", DB_REPLY_MALFORMED},
	{"{\"status\" : \"ok \"}", DB_REPLY_MALFORMED},
	{"{\"status\" : \"weird\"}", DB_REPLY_MALFORMED},
	{"{\"status\" : \"malformed\"}", DB_REPLY_MALFORMED},
	{"{\"status\" : \"ok\"} {}", DB_REPLY_MALFORMED},
	{"{\"status\" : \"ok\",}", DB_REPLY_MALFORMED},
	{"{'status' : 'ok'}", DB_REPLY_MALFORMED},
	{"{\"status\" : \"ok\", \"x\" : \"\xff\"}", DB_REPLY_MALFORMED},
};

static void test_statuses(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		PGresult *res = result_of(1, 1, cases[i].reply);
		struct db_reply reply;
		enum db_reply_status got = db_reply_parse(res, "pakn_test", NULL, &reply);
		if (got != cases[i].status)
			fail_msg("case %zu (%s): %s, wanted %s", i, cases[i].reply,
				 db_reply_status_name(got), db_reply_status_name(cases[i].status));
		assert_int_equal(reply.status, got);
		if (got != DB_REPLY_MALFORMED) {
			/* the text is the database's, byte for byte, for replies passed on as is */
			assert_non_null(reply.doc);
			assert_int_equal(reply.len, strlen(cases[i].reply));
			assert_memory_equal(reply.text, cases[i].reply, reply.len);
			json_object *st;
			assert_true(json_object_object_get_ex(reply.doc, "status", &st));
			assert_string_equal(db_reply_status_name(got), json_object_get_string(st));
			assert_int_equal(db_reply_status_of(reply.doc), got);
		}
		db_reply_free(&reply);
		assert_null(reply.doc);
		assert_string_equal(reply.text, "");
		PQclear(res);
	}
}

static void test_not_one_cell(void **state)
{
	(void)state;
	struct db_reply reply;
	const char *ok = "{\"status\" : \"ok\"}";
	PGresult *shapes[] = {result_of(0, 1, NULL), result_of(1, 1, NULL), result_of(2, 1, ok),
			      result_of(1, 2, ok), NULL};
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		assert_int_equal(db_reply_parse(shapes[i], "pakn_test", NULL, &reply), DB_REPLY_MALFORMED);
		assert_null(reply.doc);
		assert_string_equal(reply.text, "");
		assert_int_equal(reply.len, 0);
		db_reply_free(&reply);
		assert_null(db_reply_object(shapes[i], "pakn_test", NULL));
		PQclear(shapes[i]);
	}
}

static void test_object_without_status(void **state)
{
	(void)state;
	/* pakn_tlog_advance, pakn_intake_batch: an object is all the contract says */
	PGresult *res = result_of(1, 1, "{\"size\" : 3, \"root\" : \"AA==\", \"last\" : null}");
	json_object *doc = db_reply_object(res, "pakn_tlog_advance", NULL), *v;
	assert_non_null(doc);
	assert_true(json_object_object_get_ex(doc, "size", &v));
	assert_int_equal(json_object_get_int(v), 3);
	assert_int_equal(db_reply_status_of(doc), DB_REPLY_MALFORMED);
	json_object_put(doc);
	PQclear(res);
	res = result_of(1, 1, "[1, 2]");
	assert_null(db_reply_object(res, "pakn_test", NULL));
	PQclear(res);
}

static void test_status_of_rows(void **state)
{
	(void)state;
	assert_int_equal(db_reply_status_of(NULL), DB_REPLY_MALFORMED);
	json_object *s = json_object_new_string("ok");
	assert_int_equal(db_reply_status_of(s), DB_REPLY_MALFORMED);
	json_object_put(s);
	json_object *row = json_object_new_object();
	json_object_object_add(row, "status", json_object_new_string("unknown_item"));
	assert_int_equal(db_reply_status_of(row), DB_REPLY_UNKNOWN_ITEM);
	json_object_put(row);
	assert_string_equal(db_reply_status_name(DB_REPLY_ALREADY_RATED), "already_rated");
	assert_string_equal(db_reply_status_name((enum db_reply_status)99), "malformed");
	db_reply_free(NULL);
}

/* The statuses written as literals in the function files: json_build_object('status', 'x')
 * and '{"status": "x"}'. The tests run from the top of the tree (tests/run.sh). */
static void test_sql_statuses_known(void **state)
{
	(void)state;
	static const char *const patterns[][2] = {{"'status', '", "'"}, {"\"status\": \"", "\""}};
	FILE *order = fopen("sql/functions/ORDER", "r");
	assert_non_null(order);
	char name[128];
	int found = 0;
	while (fgets(name, sizeof(name), order)) {
		name[strcspn(name, "\n")] = '\0';
		if (!*name || *name == '#')
			continue;
		char path[160];
		snprintf(path, sizeof(path), "sql/functions/%s", name);
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		char line[1024];
		while (fgets(line, sizeof(line), f)) {
			for (size_t k = 0; k < 2; k++) {
				for (char *p = line; (p = strstr(p, patterns[k][0])); ) {
					p += strlen(patterns[k][0]);
					size_t n = strcspn(p, patterns[k][1]);
					char status[64];
					snprintf(status, sizeof(status), "%.*s", (int)n, p);
					json_object *row = json_object_new_object();
					json_object_object_add(row, "status", json_object_new_string(status));
					if (db_reply_status_of(row) == DB_REPLY_MALFORMED)
						fail_msg("%s: status \"%s\" unknown to db_reply.c", path, status);
					json_object_put(row);
					found++;
				}
			}
		}
		fclose(f);
	}
	fclose(order);
	assert_true(found >= 10); /* the scan sees them: 14 when written */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_not_one_cell),
		cmocka_unit_test(test_object_without_status),
		cmocka_unit_test(test_status_of_rows),
		cmocka_unit_test(test_sql_statuses_known),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
