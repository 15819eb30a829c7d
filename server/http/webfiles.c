/* webfiles.c - owns serving the web pages and their assets (see webfiles.h). */
#include "http/webfiles.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "core/util.h"
#include "http/accept_encoding.h"
#include "http/http.h"
#include "http/http_router.h"
#include "core/xalloc.h"

/* One coding of a file's bytes, with its own ETag (a cache keeps one per coding). */
struct variant {
	char *data; /* NULL: the file has no copy in this coding */
	size_t len;
	char etag[HTTP_ETAG_SIZE]; /* http_etag */
};

struct webfile {
	char *path; /* as requested: "/assets/site.css" */
	const char *type;
	struct variant v[CODING_COUNT]; /* v[CODING_IDENTITY] always present */
	bool gone; /* a precompressed copy folded into its file's variants */
};

/* The English copies of the pages (tools/build_pages.py) live under this folder, served
 * in place of a page when its reader chose English. */
#define ENGLISH_DIR "/en"

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

static void set_variant(struct variant *v, char *data, size_t len)
{
	v->data = data;
	v->len = len;
	http_etag(v->etag, data, len);
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
	set_variant(&f->v[CODING_IDENTITY], data, len);
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

static const struct webfile *find(const struct webfiles *w, const char *path);

/* `make www` writes x.br and x.gz beside x when they are smaller: each becomes a variant
 * of x instead of a file of its own. One that is not smaller, or has no x, stays a file. */
static void fold_codings(struct webfiles *w)
{
	static const struct {
		const char *ext;
		enum coding c;
	} exts[] = {{".br", CODING_BR}, {".gz", CODING_GZIP}};
	for (size_t i = 0; i < w->n; i++) {
		struct webfile *f = &w->files[i];
		size_t len = strlen(f->path);
		for (size_t e = 0; e < sizeof(exts) / sizeof(exts[0]); e++) {
			if (len <= 3 || strcmp(f->path + len - 3, exts[e].ext) != 0)
				continue;
			char base[1024];
			snprintf(base, sizeof(base), "%.*s", (int)(len - 3), f->path);
			struct webfile *of = (struct webfile *)find(w, base);
			if (!of || of->v[exts[e].c].data ||
			    f->v[CODING_IDENTITY].len >= of->v[CODING_IDENTITY].len)
				continue;
			of->v[exts[e].c] = f->v[CODING_IDENTITY];
			f->v[CODING_IDENTITY].data = NULL;
			f->gone = true;
		}
	}
	size_t kept = 0;
	for (size_t i = 0; i < w->n; i++) {
		if (w->files[i].gone)
			free(w->files[i].path);
		else
			w->files[kept++] = w->files[i];
	}
	w->n = kept;
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
	fold_codings(w);
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

static bool is_page(const struct webfile *f)
{
	return strncmp(f->type, "text/html", 9) == 0;
}

/* The page in the reader's language: the English copy when English is chosen and there
 * is one, else the page as written. */
static const struct webfile *in_language(const struct webfiles *w, struct http_req *req,
					  const struct webfile *f)
{
	bool english_already = strncmp(f->path, ENGLISH_DIR "/", sizeof(ENGLISH_DIR)) == 0;
	if (!is_page(f) || english_already || !http_lang_is_en(req))
		return f;
	char en[1024];
	snprintf(en, sizeof(en), ENGLISH_DIR "%s", f->path);
	const struct webfile *e = find(w, en);
	return e ? e : f;
}

/* ?lang=en|vi is remembered for a year (docs/web.md, "Language"). */
static void remember_language(struct http_req *req, struct evkeyvalq *out)
{
	const char *q = query_get(&req->query, "lang");
	if (q && (strcmp(q, "en") == 0 || strcmp(q, "vi") == 0)) {
		char cookie[96];
		snprintf(cookie, sizeof(cookie),
			 HTTP_LANG_COOKIE "=%s; Path=/; Max-Age=31536000; SameSite=Lax", q);
		evhttp_add_header(out, "Set-Cookie", cookie);
	}
}

/* The smallest copy the client takes: br, then gzip, then the bytes as written. */
static enum coding choose_coding(const struct webfile *f, struct http_req *req)
{
	unsigned ok = accept_encoding_parse(http_header(req, "Accept-Encoding"));
	for (enum coding c = 0; c < CODING_IDENTITY; c++)
		if (f->v[c].data && (ok & (1u << c)))
			return c;
	return CODING_IDENTITY;
}

/* How long a browser keeps the file without asking. Pages and unversioned addresses:
 * no-cache (kept, but revalidated by ETag each time, so a new build shows at once). An
 * address carrying ?v= with the file's own hash (tools/build_pages.py writes it into the
 * pages) names these bytes for ever: a year. */
static int cache_seconds_of(const struct webfile *f, struct http_req *req)
{
	const char *v = query_get(&req->query, "v");
	const char *etag = f->v[CODING_IDENTITY].etag;
	if (v && !is_page(f) && strlen(v) == 16 && strncmp(v, etag + 1, 16) == 0)
		return WEBFILES_CACHE_VERSIONED;
	return HTTP_CACHE_REVALIDATE;
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
	bool page = is_page(f);
	f = in_language(w, req, f);
	if (page)
		remember_language(req, out);
	enum coding c = choose_coding(f, req);
	const struct variant *v = &f->v[c];
	bool coded = f->v[CODING_BR].data || f->v[CODING_GZIP].data;
	/* Caches keep one copy per coding, and one per language of a page. */
	if (coded || page)
		evhttp_add_header(out, "Vary",
				  coded && page ? "Accept-Encoding, Cookie"
						: coded ? "Accept-Encoding" : "Cookie");
	evhttp_add_header(out, "ETag", v->etag);
	int cache = cache_seconds_of(f, req);
	if (http_etag_matches(req, v->etag)) {
		http_reply(req, 304, f->type, "", 0, cache);
		return;
	}
	if (accept_encoding_name(c))
		evhttp_add_header(out, "Content-Encoding", accept_encoding_name(c));
	http_reply(req, 200, f->type, v->data, v->len, cache);
}

void webfiles_free(struct webfiles *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		free(w->files[i].path);
		for (int c = 0; c < CODING_COUNT; c++)
			free(w->files[i].v[c].data);
	}
	free(w->files);
	free(w);
}
