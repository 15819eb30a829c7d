/* webfiles.c - owns serving the web pages and their assets (see webfiles.h). */
#include "http/webfiles.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <event2/http.h>
#include <sodium.h>

#include "core/util.h"
#include "http/http.h"
#include "http/http_router.h"
#include "core/xalloc.h"

struct webfile {
	char *path; /* as requested: "/assets/site.css" */
	const char *type;
	char *data;
	size_t len;
	char etag[20]; /* "\"" + 16 hex digits of BLAKE2b + "\"" */
};

struct webfiles {
	struct webfile *files; /* sorted by path */
	size_t n;
	size_t bytes;
};

static const struct {
	const char *ext, *type;
} types[] = {
	{".html", "text/html; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".json", "application/json; charset=utf-8"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
	{".txt", "text/plain; charset=utf-8"},
	{".webmanifest", "application/manifest+json"},
	{".woff2", "font/woff2"},
};

static const char *type_of(const char *path)
{
	size_t len = strlen(path);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);
		if (len > e && strcmp(path + len - e, types[i].ext) == 0)
			return types[i].type;
	}
	return "application/octet-stream";
}

static int add_file(struct webfiles *w, const char *fs_path, const char *url_path, char *err,
		    size_t errlen)
{
	if (w->n == WEBFILES_MAX_FILES) {
		snprintf(err, errlen, "more than %d files", WEBFILES_MAX_FILES);
		return -1;
	}
	size_t len;
	char *data = file_read(fs_path, &len);
	if (!data) {
		snprintf(err, errlen, "%s: %s", fs_path, strerror(errno));
		return -1;
	}
	if (len > WEBFILES_MAX_FILE || w->bytes + len > WEBFILES_MAX_TOTAL) {
		snprintf(err, errlen, "%s: over the size limits of webfiles.h", fs_path);
		free(data);
		return -1;
	}
	struct webfile *f = &w->files[w->n++];
	f->path = xstrdup(url_path);
	f->type = type_of(url_path);
	f->data = data;
	f->len = len;
	uint8_t hash[8];
	crypto_generichash(hash, sizeof(hash), (const uint8_t *)data, len, NULL, 0);
	f->etag[0] = '"';
	sodium_bin2hex(f->etag + 1, 17, hash, sizeof(hash));
	f->etag[17] = '"';
	f->etag[18] = '\0';
	w->bytes += len;
	return 0;
}

/* Adds the files under fs_dir as url_dir + name, depth first. */
static int add_dir(struct webfiles *w, const char *fs_dir, const char *url_dir, int depth,
		   char *err, size_t errlen)
{
	if (depth > 8) {
		snprintf(err, errlen, "%s: nested too deep", fs_dir);
		return -1;
	}
	DIR *d = opendir(fs_dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", fs_dir, strerror(errno));
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char fs[4096], url[1024];
		struct stat st;
		if ((size_t)snprintf(fs, sizeof(fs), "%s/%s", fs_dir, e->d_name) >= sizeof(fs) ||
		    (size_t)snprintf(url, sizeof(url), "%s%s", url_dir, e->d_name) >= sizeof(url)) {
			snprintf(err, errlen, "%s: name too long", fs_dir);
			rc = -1;
		} else if (stat(fs, &st) < 0) {
			snprintf(err, errlen, "%s: %s", fs, strerror(errno));
			rc = -1;
		} else if (S_ISDIR(st.st_mode)) {
			strcat(url, "/");
			rc = add_dir(w, fs, url, depth + 1, err, errlen);
		} else if (S_ISREG(st.st_mode)) {
			rc = add_file(w, fs, url, err, errlen);
		}
	}
	closedir(d);
	return rc;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct webfile *)a)->path, ((const struct webfile *)b)->path);
}

struct webfiles *webfiles_load(const char *dir, char *err, size_t errlen)
{
	struct webfiles *w = xcalloc(1, sizeof(*w));
	w->files = xcalloc(WEBFILES_MAX_FILES, sizeof(*w->files));
	struct stat st;
	if (stat(dir, &st) < 0 && errno == ENOENT)
		return w;
	if (add_dir(w, dir, "/", 0, err, errlen) < 0) {
		webfiles_free(w);
		return NULL;
	}
	qsort(w->files, w->n, sizeof(*w->files), by_path);
	return w;
}

size_t webfiles_count(const struct webfiles *w)
{
	return w->n;
}

size_t webfiles_bytes(const struct webfiles *w)
{
	return w->bytes;
}

static const struct webfile *find(const struct webfiles *w, const char *path)
{
	struct webfile key = {.path = (char *)path};
	return w ? bsearch(&key, w->files, w->n, sizeof(*w->files), by_path) : NULL;
}

/* The file for a path: "/x/" means "/x/index.html", and "/a/x", a name without a dot, also
 * "/a/x.html" (a page beside its folder's index, such as /admin/intake). */
static const struct webfile *lookup(const struct webfiles *w, const char *path)
{
	size_t len = strlen(path);
	if (len == 0 || len > 900)
		return NULL;
	char index[1024];
	if (path[len - 1] != '/') {
		const struct webfile *f = find(w, path);
		if (!f && !strchr(strrchr(path, '/') ? strrchr(path, '/') : path, '.')) {
			snprintf(index, sizeof(index), "%s.html", path);
			f = find(w, index);
		}
		return f;
	}
	snprintf(index, sizeof(index), "%sindex.html", path);
	return find(w, index);
}

/* If-None-Match holds this ETag (or is "*"). */
static bool etag_matches(const char *inm, const char *etag)
{
	if (!inm)
		return false;
	if (strcmp(inm, "*") == 0)
		return true;
	const char *p = strstr(inm, etag);
	return p != NULL;
}

void webfiles_serve(const struct webfiles *w, struct http_req *req)
{
	const struct webfile *f = lookup(w, req->path);
	bool get = req->method == HTTP_GET || req->method == HTTP_HEAD;
	if (f && !get) {
		evhttp_add_header(evhttp_request_get_output_headers(req->ev), "Allow", "GET, HEAD");
		http_reply_code(req, HTTP_ERR_METHOD_NOT_ALLOWED, NULL);
		return;
	}
	if (!f) {
		char slash[1024];
		snprintf(slash, sizeof(slash), "%s/", req->path);
		if (get && strlen(req->path) < 900 && lookup(w, slash)) {
			evhttp_add_header(evhttp_request_get_output_headers(req->ev), "Location", slash);
			http_reply(req, 301, "text/plain; charset=utf-8", slash, strlen(slash), 0);
			return;
		}
		http_reply_code(req, HTTP_ERR_NO_SUCH_PATH, NULL);
		return;
	}
	struct evkeyvalq *out = evhttp_request_get_output_headers(req->ev);
	evhttp_add_header(out, "ETag", f->etag);
	if (etag_matches(http_header(req, "If-None-Match"), f->etag)) {
		http_reply(req, 304, f->type, "", 0, HTTP_CACHE_REVALIDATE);
		return;
	}
	http_reply(req, 200, f->type, f->data, f->len, HTTP_CACHE_REVALIDATE);
}

void webfiles_free(struct webfiles *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		free(w->files[i].path);
		free(w->files[i].data);
	}
	free(w->files);
	free(w);
}
