/* pakn-witness - a transparency-log witness that another body runs (docs/witness.md): it
 * follows the logs it is told of, and cosigns a checkpoint only if it extends the last one
 * it cosigned for that log (C2SP tlog-witness over HTTP, tlog-cosignature v1 with Ed25519).
 * This file is its command line and HTTP; tools/witness.c decides and keeps the state.
 *
 *   pakn-witness keygen NAME FILE      makes a key file, prints its verifier key
 *   pakn-witness log-vkey ORIGIN KEY   a log's verifier key from its base64 Ed25519 key
 *   pakn-witness --listen ADDR:PORT --key FILE --state DIR --log ORIGIN=VKEY... [--name NAME]
 *
 * It faces the internet: every request is framed by the service's own filter
 * (http/http_limits.c: header and body deadlines, bounded headers and body), so a client
 * cannot hold it with a slow or a huge request. */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "core/log.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "http/http_limits.h"
#include "witness.h"

/* A request: "old N", 63 proof lines and a checkpoint with up to 16 post-quantum
 * signatures (signed-note asks verifiers to take 16) fit well under this. */
#define MAX_BODY (128 * 1024)
#define MAX_HEADERS 8192
#define HEADER_TIMEOUT_S 5
#define BODY_TIMEOUT_S 10
#define IDLE_TIMEOUT_S 30 /* a kept-alive connection with nothing to do */

static int usage(void)
{
	fprintf(stderr,
		"usage: pakn-witness keygen NAME FILE\n"
		"       pakn-witness log-vkey ORIGIN BASE64_PUBLIC_KEY\n"
		"       pakn-witness --listen ADDR:PORT --key FILE --state DIR --log ORIGIN=VKEY "
		"[--log ...] [--name NAME]\n"
		"NAME is the witness's key name (e.g. witness.example.org/pakn); ORIGIN a log's\n"
		"checkpoint origin and VKEY its Ed25519 verifier key (name+keyid+base64).\n");
	return 2;
}

static void reply(struct evhttp_request *req, int status, const char *content_type,
		  const char *body, size_t len)
{
	static const struct {
		int status;
		const char *reason;
	} reasons[] = {{200, "OK"},	   {400, "Bad Request"},	  {403, "Forbidden"},
		       {404, "Not Found"}, {405, "Method Not Allowed"},	  {408, "Request Timeout"},
		       {409, "Conflict"},  {413, "Payload Too Large"},	  {422, "Unprocessable Entity"},
		       {500, "Internal Server Error"}};
	const char *reason = "Error";
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			reason = reasons[i].reason;
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", content_type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	struct evbuffer *out = evbuffer_new();
	if (out)
		evbuffer_add(out, body, len);
	evhttp_send_reply(req, status, reason, out);
	if (out)
		evbuffer_free(out);
}

static void reply_text(struct evhttp_request *req, int status, const char *text)
{
	reply(req, status, "text/plain; charset=utf-8", text, strlen(text));
}

static void add_checkpoint(struct evhttp_request *req, struct witness *w)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	if (len > MAX_BODY) { /* the filter refuses these first; this is the belt */
		reply_text(req, 413, "body too large\n");
		return;
	}
	char *body = xmalloc(len + 1);
	evbuffer_remove(in, body, len);
	body[len] = '\0';
	struct sbuf out = {0};
	const char *content_type;
	int status = witness_add_checkpoint(w, body, len, (uint64_t)time(NULL), &out, &content_type);
	log_info(NULL, "add-checkpoint: %d %.*s", status, status == 200 ? 0 : 120,
		 out.data ? out.data : "");
	reply(req, status, content_type, out.data ? out.data : "", out.len);
	sbuf_free(&out);
	free(body);
}

/* GET /<hex SHA-256 of the origin>/checkpoint: the last checkpoint cosigned, for monitors. */
static bool monitoring_path(const char *path, char hex[65])
{
	if (strlen(path) != 1 + 64 + strlen("/checkpoint") || path[0] != '/' ||
	    strcmp(path + 65, "/checkpoint") != 0)
		return false;
	for (int i = 0; i < 64; i++) {
		char c = path[1 + i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		hex[i] = c;
	}
	hex[64] = '\0';
	return true;
}

static void handle(struct evhttp_request *req, void *arg)
{
	struct witness *w = arg;
	const char *uri = evhttp_request_get_uri(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	char hex[65];
	if (strncmp(uri, HTTP_REJECT_PREFIX, strlen(HTTP_REJECT_PREFIX)) == 0) {
		int status = atoi(uri + strlen(HTTP_REJECT_PREFIX));
		reply_text(req, status >= 400 && status < 600 ? status : 400, "request refused\n");
	} else if (strcmp(uri, "/add-checkpoint") == 0) {
		if (cmd == EVHTTP_REQ_POST)
			add_checkpoint(req, w);
		else
			reply_text(req, 405, "POST only\n");
	} else if (monitoring_path(uri, hex) && cmd == EVHTTP_REQ_GET) {
		struct sbuf out = {0};
		int status = witness_checkpoint(w, hex, &out);
		if (status == 200)
			reply(req, 200, "text/plain; charset=utf-8", out.data, out.len);
		else
			reply_text(req, 404, "no checkpoint of this log\n");
		sbuf_free(&out);
	} else {
		reply_text(req, 404, "not found\n");
	}
}

static void stop_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	log_info(NULL, "signal %d: stopping", (int)sig);
	event_base_loopexit(arg, NULL);
}

struct options {
	const char *listen, *key, *state, *name;
	const char *logs[WITNESS_MAX_LOGS * WITNESS_MAX_KEYS];
	int nlogs;
};

static int parse_options(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			return -1;
		if (strcmp(argv[i], "--listen") == 0)
			o->listen = v;
		else if (strcmp(argv[i], "--key") == 0)
			o->key = v;
		else if (strcmp(argv[i], "--state") == 0)
			o->state = v;
		else if (strcmp(argv[i], "--name") == 0)
			o->name = v;
		else if (strcmp(argv[i], "--log") == 0 &&
			 o->nlogs < (int)(sizeof(o->logs) / sizeof(o->logs[0])))
			o->logs[o->nlogs++] = v;
		else
			return -1;
		i++;
	}
	return o->listen && o->key && o->state && o->nlogs > 0 ? 0 : -1;
}

/* The witness with its key, logs and state, or NULL (said why). */
static struct witness *witness_open(const struct options *o)
{
	char name[TLOG_NAME_MAX], err[PATH_MAX + 200];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	struct stat st;
	if (witness_key_load(o->key, name, sk, err, sizeof(err)) < 0) {
		fprintf(stderr, "pakn-witness: %s\n", err);
		return NULL;
	}
	if (o->name && strcmp(o->name, name) != 0) {
		fprintf(stderr, "pakn-witness: %s is the key of '%s', not of '%s'\n", o->key, name,
			o->name);
		sodium_memzero(sk, sizeof(sk));
		return NULL;
	}
	if (stat(o->state, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "pakn-witness: --state %s is not a directory\n", o->state);
		sodium_memzero(sk, sizeof(sk));
		return NULL;
	}
	struct witness *w = witness_new(name, sk, o->state);
	sodium_memzero(sk, sizeof(sk));
	for (int i = 0; i < o->nlogs; i++)
		if (witness_add_log(w, o->logs[i], err, sizeof(err)) < 0)
			goto out_free;
	if (witness_load(w, err, sizeof(err)) < 0)
		goto out_free;
	return w;
out_free:
	fprintf(stderr, "pakn-witness: %s\n", err);
	witness_free(w);
	return NULL;
}

static int keygen(const char *name, const char *path)
{
	struct sbuf vkey = {0};
	char err[PATH_MAX + 200];
	if (witness_key_create(path, name, &vkey, err, sizeof(err)) < 0) {
		fprintf(stderr, "pakn-witness: %s\n", err);
		return 1;
	}
	printf("%s\n", vkey.data);
	sbuf_free(&vkey);
	return 0;
}

/* The vkey a witness is configured with, from what the log publishes (GET /api/v1/keys: its
 * public key; its checkpoints' first line: its origin, which is also its key's name). */
static int log_vkey(const char *origin, const char *b64)
{
	struct cosign_vkey k = {.type = COSIGN_TYPE_NOTE};
	size_t len;
	if (!cosign_name_ok(origin) ||
	    sodium_base642bin(k.pk, sizeof(k.pk), b64, strlen(b64), NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != sizeof(k.pk))
		return usage();
	snprintf(k.name, sizeof(k.name), "%s", origin);
	tlog_note_key_id(k.name, k.type, k.pk, k.key_id);
	struct sbuf out = {0};
	cosign_vkey_format(&out, &k);
	printf("%s\n", out.data);
	sbuf_free(&out);
	return 0;
}

static int serve(struct witness *w, const char *listen)
{
	const char *colon = strrchr(listen, ':');
	if (!colon)
		return usage();
	char host[256];
	snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
	int rc = 1;
	struct event_base *base = event_base_new();
	struct evhttp *http = base ? evhttp_new(base) : NULL;
	struct event *term = base ? evsignal_new(base, SIGTERM, stop_cb, base) : NULL;
	struct event *intr = base ? evsignal_new(base, SIGINT, stop_cb, base) : NULL;
	static struct http_limits limits = {MAX_HEADERS, MAX_BODY, HEADER_TIMEOUT_S, BODY_TIMEOUT_S,
					    4096};
	if (!http || !term || !intr || event_add(term, NULL) < 0 || event_add(intr, NULL) < 0)
		goto out_free;
	evhttp_set_timeout(http, IDLE_TIMEOUT_S);
	evhttp_set_max_body_size(http, MAX_BODY);
	evhttp_set_max_headers_size(http, MAX_HEADERS * 2); /* the filter's limit comes first */
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	evhttp_set_bevcb(http, http_limits_bevcb, &limits);
	evhttp_set_gencb(http, handle, w);
	struct evhttp_bound_socket *bound =
		evhttp_bind_socket_with_handle(http, host, (ev_uint16_t)atoi(colon + 1));
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	if (!bound || getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&ss,
				  &sslen) < 0) {
		fprintf(stderr, "pakn-witness: cannot listen on %s\n", listen);
		goto out_free;
	}
	int port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						  : ((struct sockaddr_in *)&ss)->sin_port);
	struct sbuf vkey = {0};
	witness_vkey(w, &vkey);
	log_info(NULL, "witness %s", vkey.data);
	sbuf_free(&vkey);
	/* Port 0 asks for a free port: say which (the tests read it). */
	printf("pakn-witness: serving on http://%s:%d\n", host, port);
	fflush(stdout);
	rc = event_base_dispatch(base) < 0 ? 1 : 0;
out_free:
	if (term)
		event_free(term);
	if (intr)
		event_free(intr);
	if (http)
		evhttp_free(http);
	if (base)
		event_base_free(base);
	return rc;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && strcmp(argv[1], "keygen") == 0)
		return argc == 4 ? keygen(argv[2], argv[3]) : usage();
	if (argc >= 2 && strcmp(argv[1], "log-vkey") == 0)
		return argc == 4 ? log_vkey(argv[2], argv[3]) : usage();
	struct options o = {0};
	if (parse_options(argc, argv, &o) < 0)
		return usage();
	struct witness *w = witness_open(&o);
	if (!w)
		return 1;
	int rc = serve(w, o.listen);
	witness_free(w);
	return rc;
}
