/* webfiles.h - the web pages and their assets: every file under static_dir read into
 * memory at start-up, then served by path from any worker (read-only once loaded), so no
 * request ever touches the file system or blocks on it. */
#ifndef PAKN_WEBFILES_H
#define PAKN_WEBFILES_H

#include <stddef.h>

struct http_req;
struct webfiles;

/* Limits on what is loaded: the pages are small, a surprise is a mistake. */
#define WEBFILES_MAX_FILES 512
#define WEBFILES_MAX_FILE (4u << 20)   /* bytes */
#define WEBFILES_MAX_TOTAL (32u << 20) /* bytes */

/* Reads every regular file under dir (names starting with '.' skipped). A missing dir
 * gives an empty set (the API still runs). Returns NULL with a message in err when a
 * file cannot be read or a limit is passed. */
struct webfiles *webfiles_load(const char *dir, char *err, size_t errlen);

/* Number of files loaded. */
size_t webfiles_count(const struct webfiles *w);

/* Total bytes loaded. */
size_t webfiles_bytes(const struct webfiles *w);

/* Answers a request no API route matched: for GET and HEAD the file at req->path
 * ("/x/" is "/x/index.html"), 304 when If-None-Match holds its ETag, 301 from "/x" to
 * "/x/" when that is a page; otherwise the JSON 404 (or 405 for other methods on a file). */
void webfiles_serve(const struct webfiles *w, struct http_req *req);

/* webfiles_free(NULL) is safe. */
void webfiles_free(struct webfiles *w);

#endif
