/* catalog_qr.c - owns an item's QR code: its deep link and the reply drawing it (see
 * catalog_qr.h). */
#include "catalog/catalog_qr.h"

#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "db/db.h"
#include "http/http_ctx.h"
#include "http/http_db.h"
#include "http/http_params.h"

/* A link from public_origin is the same for every request: shared caches may keep it as
 * they keep catalog replies. One built from the Host header is the asker's alone. */
#define QR_CACHE_SECONDS 60

struct qr_pending {
	struct http_req *req;
	bool shared; /* the link came from public_origin */
	char link[];
};

bool catalog_qr_link(const char *configured, const char *host, const char *code,
		     struct sbuf *out)
{
	if (!http_link_origin(configured, host, out))
		return false;
	/* Item codes are A-Z, 0-9, '-' and '.' (text_is_item_code): nothing to escape. */
	sbuf_cat(out, "/?item=", code, NULL);
	return true;
}

static void exists_cb(void *arg, PGresult *res, enum db_status status)
{
	struct qr_pending *p = arg;
	if (status != DB_OK) {
		http_reply_db_error(p->req, status);
	} else if (PQntuples(res) == 0) {
		http_reply_code(p->req, HTTP_ERR_NOT_FOUND, NULL);
	} else {
		http_reply_qr(p->req, p->link, p->shared ? QR_CACHE_SECONDS : 0);
	}
	free(p);
}

void catalog_qr(struct http_req *req)
{
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	const char *code = http_param(req, "code");
	if (!code || !text_is_item_code(code)) {
		http_reply_code(req, HTTP_ERR_NOT_FOUND, NULL);
		return;
	}
	const char *configured = req->ctx->cfg->public_origin;
	struct sbuf link = {0};
	if (!catalog_qr_link(configured, http_header(req, "Host"), code, &link)) {
		http_reply_code(req, HTTP_ERR_BAD_REQUEST, NULL);
		return;
	}
	struct qr_pending *p = xmalloc(sizeof(*p) + link.len + 1);
	p->req = req;
	p->shared = *configured != '\0';
	memcpy(p->link, link.data, link.len + 1);
	sbuf_free(&link);
	db_query(http_read_db(req), STMT_ITEM_EXISTS, &code, exists_cb, p);
}
