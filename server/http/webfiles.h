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
/* Seconds a browser keeps a file whose address carries its version (?v=): a year. */
#define WEBFILES_CACHE_VERSIONED 31536000

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
 * "/x/" when that is a page; otherwise the JSON 404 (or 405 for other methods on a file).
 * A file x with x.br or x.gz beside it (smaller) is sent in the coding the client's
 * Accept-Encoding prefers (br, gzip, identity) with Content-Encoding and Vary; each
 * coding has its own ETag. A page is sent in the reader's language (http_lang_is_en):
 * its English copy under /en/ when there is one; ?lang= also sets the cookie. */
void webfiles_serve(const struct webfiles *w, struct http_req *req);

/* webfiles_free(NULL) is safe. */
void webfiles_free(struct webfiles *w);

#endif
