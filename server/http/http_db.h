/* http_db.h - a request's database: the worker's pools, and the replies for a statement's
 * outcome (the database unavailable or refusing, one JSON cell as the reply). */
#ifndef PAKN_HTTP_DB_H
#define PAKN_HTTP_DB_H

#include "db/db.h"

struct http_req;

/* The worker's database pool. */
struct db_pool *http_db(const struct http_req *req);

/* The pool for public reads (catalog, public feed, metrics and reports): a replica when
 * read_database_url is set. What a client has just written (its feedback's status, the
 * officials' queue) is read from the primary. */
struct db_pool *http_read_db(const struct http_req *req);

/* The reply for a database outcome that is not a result: 503 with Retry-After when the
 * database is unavailable, 500 when it refused the statement. */
void http_reply_db_error(struct http_req *req, enum db_status db_status);

/* A db_cb for statements that return one JSON text cell: replies it with 200 (public,
 * cacheable for a minute), 404 when there is no row or a NULL, or the database error. */
void http_db_json_cb(void *arg, PGresult *res, enum db_status status);

/* The same, for replies that change (no caching). */
void http_db_json_fresh_cb(void *arg, PGresult *res, enum db_status status);

/* The same, for public replies that change now and then: kept by the browser, asked again
 * each time with their ETag (http_reply_json_revalidate). */
void http_db_json_revalidate_cb(void *arg, PGresult *res, enum db_status status);

#endif
