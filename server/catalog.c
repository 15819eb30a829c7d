/* catalog.c - owns the catalog read endpoints: parameter checks, then one statement whose
 * JSON result is the reply (http_db_json_cb). */
#include "catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define SEARCH_MAX_CHARS 200

void catalog_plans(struct http_req *req)
{
	if (http_query_check(req, NULL, 0, NULL))
		db_query(http_db(req), STMT_PLANS, NULL, http_db_json_cb, req);
}

static void get_by_code(struct http_req *req, enum db_stmt stmt)
{
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	/* Codes in the path that cannot exist get 404 without a query. */
	const char *code = http_param(req, "code");
	if (!http_is_code(code)) {
		http_reply_error(req, 404, "not_found", "Không tìm thấy. / Not found.", NULL);
		return;
	}
	db_query(http_db(req), stmt, &code, http_db_json_cb, req);
}

void catalog_plan(struct http_req *req)
{
	get_by_code(req, STMT_PLAN_GET);
}

void catalog_item(struct http_req *req)
{
	get_by_code(req, STMT_ITEM_GET);
}

void catalog_items(struct http_req *req)
{
	static const struct param_spec specs[] = {
		{"plan", PARAM_CODE, NULL, 0, 0, NULL},
		{"kind", PARAM_CHOICE, "task|indicator", 0, 0, NULL},
		{"section", PARAM_ROMAN, NULL, 0, 0, NULL},
		{"agency", PARAM_SLUG, NULL, 0, 0, NULL},
		{"q", PARAM_TEXT, NULL, 0, SEARCH_MAX_CHARS, NULL},
		{"limit", PARAM_INT, NULL, 1, 200, "50"},
		{"offset", PARAM_INT, NULL, 0, 100000, "0"},
	};
	const char *v[7];
	if (!http_query_check(req, specs, 7, v))
		return;
	/* Search compares folded words: "so hoa", "Số hóa" and "SỐ HOÁ" are the same; a query
	 * of nothing but spaces and punctuation is no query. */
	char *folded = v[4] ? text_search_key(v[4], strlen(v[4])) : NULL;
	const char *params[7] = {v[0], v[1], v[2], v[3], folded && *folded ? folded : NULL, v[5],
				 v[6]};
	db_query(http_db(req), STMT_ITEMS, params, http_db_json_cb, req);
	free(folded);
}

void catalog_agencies(struct http_req *req)
{
	static const struct param_spec specs[] = {{"plan", PARAM_CODE, NULL, 0, 0, NULL}};
	const char *plan;
	if (http_query_check(req, specs, 1, &plan))
		db_query(http_db(req), STMT_AGENCIES, &plan, http_db_json_cb, req);
}
