/* catalog.c - owns the catalog read endpoints: parameter checks, then one statement whose
 * JSON result is the reply (http_db_json_cb), kept in memory until the catalog changes
 * (reply_cache.h); a search's items are kept once for all its pages (catalog_page.h). */
#include "catalog/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_page.h"
#include "core/log.h"
#include "core/text.h"
#include "db/db.h"
#include "db/reply_cache.h"
#include "http/http_db.h"
#include "http/http_params.h"
#include "core/xalloc.h"

#define SEARCH_MAX_CHARS 200
#define CACHE_SECONDS 60 /* what shared caches may keep, as http_db_json_cb */

/* A search's list is kept for every page of it; limit and offset say which page to send. */
struct page {
	int64_t limit, offset;
};

struct pending {
	struct http_req *req;
	int64_t version;
	bool paged; /* the result is a search's items (catalog_page.h), not the reply */
	struct page page;
	char key[];
};

/* One page cut from a packed list (catalog_page.h) into body; ok is false when the list is
 * not one. */
struct cut {
	struct page page;
	struct sbuf body;
	size_t list_len;
	bool ok;
};

static void cut_page(const char *list, size_t len, void *arg)
{
	struct cut *c = arg;
	c->ok = catalog_page_write(list, len, c->page.limit, c->page.offset, &c->body);
	c->list_len = len;
}

static void reply_cut(struct http_req *req, struct cut *c)
{
	if (c->ok) {
		http_reply_json(req, 200, c->body.data, c->body.len, CACHE_SECONDS);
	} else {
		log_error(req->id, "a kept list of items is not one (%zu bytes)", c->list_len);
		http_reply_db_error(req, DB_FAILED);
	}
	sbuf_free(&c->body);
}

/* Sends one page of a packed list. */
static void reply_page(struct http_req *req, const char *list, size_t len, struct page page)
{
	struct cut c = {.page = page};
	cut_page(list, len, &c);
	reply_cut(req, &c);
}

static void paged_made_cb(struct pending *p, PGresult *res, enum db_status status)
{
	if (status != DB_OK) {
		http_reply_db_error(p->req, status);
		return;
	}
	size_t n = (size_t)PQntuples(res);
	const char **docs = xmalloc(sizeof(*docs) * (n ? n : 1));
	size_t *lens = xmalloc(sizeof(*lens) * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		docs[i] = PQgetvalue(res, (int)i, 0);
		lens[i] = (size_t)PQgetlength(res, (int)i, 0);
	}
	struct sbuf list = {0};
	catalog_page_pack(&list, docs, lens, n);
	free(docs);
	free(lens);
	reply_cache_put(p->req->ctx->replies, p->key, p->version, list.data, list.len);
	reply_page(p->req, list.data, list.len, p->page);
	sbuf_free(&list);
}

static void made_cb(void *arg, PGresult *res, enum db_status status)
{
	struct pending *p = arg;
	if (p->paged) {
		paged_made_cb(p, res, status);
	} else {
		if (status == DB_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
			reply_cache_put(p->req->ctx->replies, p->key, p->version,
					PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
		http_db_json_cb(p->req, res, status);
	}
	free(p);
}

/* Replies with what stmt gives for params: from memory when it is there. With page, the
 * statement gives a search's items, one document a row, kept whole and cut into the page. */
static void reply_catalog(struct http_req *req, enum db_stmt stmt, const char *const *params,
			  int n, const struct page *page)
{
	struct sbuf key = {0};
	sbuf_printf(&key, "%d", (int)stmt);
	for (int i = 0; i < n; i++) {
		sbuf_puts(&key, params[i] ? "\x1f" : "\x1e");
		sbuf_puts(&key, params[i] ? params[i] : "");
	}
	struct reply_cache *c = req->ctx->replies;
	/* A page is cut from the kept list where it lies: only the page is copied. */
	struct cut cut = {.page = page ? *page : (struct page){0, 0}};
	struct sbuf body = {0};
	bool hit = page ? reply_cache_read(c, key.data, cut_page, &cut)
			: reply_cache_get(c, key.data, &body);
	if (hit) {
		if (page)
			reply_cut(req, &cut);
		else
			http_reply_json(req, 200, body.data, body.len, CACHE_SECONDS);
		sbuf_free(&body);
		sbuf_free(&key);
		return;
	}
	struct pending *p = xmalloc(sizeof(*p) + key.len + 1);
	p->req = req;
	p->version = reply_cache_version(c);
	p->paged = page != NULL;
	p->page = page ? *page : (struct page){0, 0};
	memcpy(p->key, key.data, key.len + 1);
	sbuf_free(&key);
	db_query(http_read_db(req), stmt, params, made_cb, p);
}

void catalog_plans(struct http_req *req)
{
	if (http_query_check(req, NULL, 0, NULL))
		reply_catalog(req, STMT_PLANS, NULL, 0, NULL);
}

static void get_by_code(struct http_req *req, enum db_stmt stmt)
{
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	/* Codes in the path that cannot exist get 404 without a query. */
	const char *code = http_param(req, "code");
	if (!code || !text_is_item_code(code)) {
		http_reply_code(req, HTTP_ERR_NOT_FOUND, NULL);
		return;
	}
	reply_catalog(req, stmt, &code, 1, NULL);
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
		/* Items of one scope (docs/catalog.md): real items unless asked. */
		{"scope", PARAM_CHOICE, "item|section|plan|all", 0, 0, "item", false},
	};
	const char *v[8];
	if (!http_query_check(req, specs, 8, v))
		return;
	/* Search compares folded words: "so hoa", "Số hóa" and "SỐ HOÁ" are the same; a query
	 * of nothing but spaces and punctuation is no query. */
	char *folded = v[4] ? text_search_key(v[4], strlen(v[4])) : NULL;
	const char *params[6] = {v[0], v[1], v[2], v[3], folded && *folded ? folded : NULL, v[7]};
	/* http_query_check has bounded both (PARAM_INT, min and max above). */
	struct page page = {strtoll(v[5], NULL, 10), strtoll(v[6], NULL, 10)};
	reply_catalog(req, STMT_ITEMS, params, 6, &page);
	free(folded);
}

void catalog_agencies(struct http_req *req)
{
	static const struct param_spec specs[] = {{"plan", PARAM_CODE, NULL, 0, 0, NULL, false}};
	const char *plan;
	if (http_query_check(req, specs, 1, &plan))
		reply_catalog(req, STMT_AGENCIES, &plan, 1, NULL);
}
