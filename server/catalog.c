/* catalog.c - owns the catalog read endpoints: parameter checks, then one statement whose
 * JSON result is the reply (http_db_json_cb), kept in memory until the catalog changes
 * (reply_cache.h). */
#include "catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reply_cache.h"
#include "server.h"
#include "text.h"

#define SEARCH_MAX_CHARS 200
#define CACHE_SECONDS 60 /* what shared caches may keep, as http_db_json_cb */

struct pending {
	struct http_req *req;
	int64_t version;
	char key[];
};

static void made_cb(void *arg, PGresult *res, enum db_status status)
{
	struct pending *p = arg;
	if (status == DB_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		reply_cache_put(p->req->worker->replies, p->key, p->version, PQgetvalue(res, 0, 0),
				(size_t)PQgetlength(res, 0, 0));
	http_db_json_cb(p->req, res, status);
	free(p);
}

/* Replies with what stmt gives for params: from memory when it is there. */
static void reply_catalog(struct http_req *req, enum db_stmt stmt, const char *const *params,
			  int n)
{
	struct sbuf key = {0};
	sbuf_printf(&key, "%d", (int)stmt);
	for (int i = 0; i < n; i++) {
		sbuf_puts(&key, params[i] ? "\x1f" : "\x1e");
		sbuf_puts(&key, params[i] ? params[i] : "");
	}
	struct reply_cache *c = req->worker->replies;
	struct sbuf body = {0};
	if (reply_cache_get(c, key.data, &body)) {
		http_reply_json(req, 200, body.data, body.len, CACHE_SECONDS);
		sbuf_free(&body);
		sbuf_free(&key);
		return;
	}
	struct pending *p = malloc(sizeof(*p) + key.len + 1);
	if (!p)
		abort();
	p->req = req;
	p->version = reply_cache_version(c);
	memcpy(p->key, key.data, key.len + 1);
	sbuf_free(&key);
	db_query(http_read_db(req), stmt, params, made_cb, p);
}

void catalog_plans(struct http_req *req)
{
	if (http_query_check(req, NULL, 0, NULL))
		reply_catalog(req, STMT_PLANS, NULL, 0);
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
	reply_catalog(req, stmt, &code, 1);
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
		{"plan", PARAM_CODE, NULL, 0, 0, NULL, false},
		{"kind", PARAM_CHOICE, "task|indicator", 0, 0, NULL, false},
		{"section", PARAM_ROMAN, NULL, 0, 0, NULL, false},
		{"agency", PARAM_SLUG, NULL, 0, 0, NULL, false},
		{"q", PARAM_TEXT, NULL, 0, SEARCH_MAX_CHARS, NULL, false},
		{"limit", PARAM_INT, NULL, 1, 200, "50", false},
		{"offset", PARAM_INT, NULL, 0, 100000, "0", false},
	};
	const char *v[7];
	if (!http_query_check(req, specs, 7, v))
		return;
	/* Search compares folded words: "so hoa", "Số hóa" and "SỐ HOÁ" are the same; a query
	 * of nothing but spaces and punctuation is no query. */
	char *folded = v[4] ? text_search_key(v[4], strlen(v[4])) : NULL;
	const char *params[7] = {v[0], v[1], v[2], v[3], folded && *folded ? folded : NULL, v[5],
				 v[6]};
	reply_catalog(req, STMT_ITEMS, params, 7);
	free(folded);
}

void catalog_agencies(struct http_req *req)
{
	static const struct param_spec specs[] = {{"plan", PARAM_CODE, NULL, 0, 0, NULL, false}};
	const char *plan;
	if (http_query_check(req, specs, 1, &plan))
		reply_catalog(req, STMT_AGENCIES, &plan, 1);
}
