/* tlog_witness.c - owns the requests to the witnesses and the cosignatures they return (see
 * tlog_witness.h). Each witness goes through: idle -> (proof fetched) -> add-checkpoint sent
 * -> stored, or failed and paused; a 409 tells the size the witness has, and the request is
 * made once more with the proof from that size. */
#include "tlog/tlog_witness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/http.h>
#include <json-c/json.h>

#include "core/log.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "db/db_reply.h"

#define WITNESS_DEADLINE_S 10  /* a whole request, connection to last byte */
#define WITNESS_REPLY_MAX 16384 /* a few signature lines */
#define WITNESS_PAUSE_MAX_S 60 /* the longest wait before retrying a failing witness */

struct peer {
	struct tlog_witnesses *set;
	struct tlog_witness_conf conf;
	char host[256], host_header[280], path[TLOG_WITNESS_URL_MAX];
	int port;
	struct evhttp_connection *conn;
	struct evhttp_request *req; /* in flight, or NULL */
	struct event *deadline;
	bool busy;          /* a round (proof, request, store) is under way */
	bool size_known;    /* known_size is what the witness last cosigned */
	uint64_t known_size;
	uint64_t done_size; /* the newest size it cosigned for this instance */
	bool retried;       /* this round has had its one retry after a 409 */
	int failures;       /* in a row: the pause before the next round doubles with each */
	double retry_at;
	uint64_t size; /* the round's checkpoint */
	char *note;
};

struct tlog_witnesses {
	struct event_base *base;
	struct db_pool *db;
	struct evdns_base *dns;
	struct event *timer; /* each second: rounds for witnesses that have a newer checkpoint */
	uint64_t size;       /* the newest checkpoint, to be cosigned */
	char *note;
	int n;
	struct peer peers[TLOG_MAX_WITNESSES];
};

int tlog_witness_conf_parse(const char *setting, struct tlog_witness_conf *out, int max,
			    char *err, size_t errlen)
{
	int n = 0;
	char *copy = xstrdup(setting), *save = NULL, sub[160];
	for (char *tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		char *eq = strchr(tok, '=');
		struct evhttp_uri *uri = NULL;
		if (n == max) {
			snprintf(err, errlen, "witnesses: more than %d", max);
			goto out_fail;
		}
		if (eq)
			*eq = '\0';
		if (eq && strlen(tok) < TLOG_WITNESS_URL_MAX)
			uri = evhttp_uri_parse(tok);
		bool url_ok = uri && evhttp_uri_get_scheme(uri) && evhttp_uri_get_host(uri) &&
			      strcmp(evhttp_uri_get_scheme(uri), "http") == 0 &&
			      !evhttp_uri_get_query(uri) && !evhttp_uri_get_fragment(uri);
		if (uri)
			evhttp_uri_free(uri);
		if (!url_ok) {
			snprintf(err, errlen, "witnesses: '%s' is not URL=VKEY with an http:// URL", tok);
			goto out_fail;
		}
		int parsed = cosign_vkey_parse(eq + 1, &out[n].key, sub, sizeof(sub));
		if (parsed < 0 || out[n].key.type != COSIGN_TYPE_V1) {
			snprintf(err, errlen, "witnesses: %s: %s", tok,
				 parsed < 0 ? sub : "not a witness key (type 0x04)");
			goto out_fail;
		}
		snprintf(out[n].url, sizeof(out[n].url), "%s", tok);
		n++;
	}
	free(copy);
	return n;
out_fail:
	free(copy);
	return -1;
}

static void round_start(struct peer *p);

/* The round ends; a failure pauses the witness, longer each time, and makes it ask the
 * witness's size again (it may have been told another instance's checkpoint). */
static void round_end(struct peer *p, bool ok)
{
	if (p->deadline)
		evtimer_del(p->deadline);
	p->req = NULL;
	p->busy = false;
	free(p->note);
	p->note = NULL;
	if (ok) {
		p->failures = 0;
		return;
	}
	p->size_known = false;
	p->failures++;
	int pause = p->failures >= 6 ? WITNESS_PAUSE_MAX_S : 1 << p->failures;
	p->retry_at = now_seconds() + (pause < WITNESS_PAUSE_MAX_S ? pause : WITNESS_PAUSE_MAX_S);
}

static void stored_cb(void *arg, PGresult *res, enum db_status status)
{
	(void)res;
	struct peer *p = arg;
	if (status == DB_OK) {
		p->done_size = p->size;
		log_info(NULL, "log: checkpoint of %" PRIu64 " entries cosigned by %s", p->size,
			 p->conf.key.name);
	}
	round_end(p, status == DB_OK);
}

/* A 200: the body's signature lines, of which one must be this witness's good cosignature
 * of the checkpoint sent. */
static void cosigned(struct peer *p, struct evbuffer *body)
{
	size_t len = evbuffer_get_length(body);
	struct sbuf note = {0};
	sbuf_puts(&note, p->note);
	size_t at = note.len;
	if (len > 0)
		sbuf_append(&note, (const char *)evbuffer_pullup(body, -1), len);
	char line[TLOG_NAME_MAX + 160], err[200];
	uint64_t ts = 0;
	int r = memchr(note.data + at, '\0', len)
			? -1
			: cosign_note_check(note.data, &p->conf.key, &ts, line, sizeof(line), err,
					    sizeof(err));
	sbuf_free(&note);
	if (r != 1) {
		log_warn(NULL, "log: witness %s answered without a good cosignature of %s: %s",
			 p->conf.url, p->conf.key.name, r < 0 ? "a line does not verify" : err);
		round_end(p, false);
		return;
	}
	p->known_size = p->size;
	p->size_known = true;
	char size[24], stamp[24], key_id[9];
	snprintf(size, sizeof(size), "%" PRIu64, p->size);
	snprintf(stamp, sizeof(stamp), "%" PRIu64, ts);
	strcat(line, "\n");
	sodium_bin2hex(key_id, sizeof(key_id), p->conf.key.key_id, 4);
	const char *params[] = {size, p->conf.key.name, key_id, line, stamp};
	db_query(p->set->db, STMT_TLOG_COSIGNATURE_STORE, params, stored_cb, p);
}

/* A 409 names the size the witness has: one more try from there. */
static bool conflict(struct peer *p, struct evhttp_request *req)
{
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(body);
	const char *type = evhttp_find_header(evhttp_request_get_input_headers(req),
					      "Content-Type");
	const char *text = len > 0 && len < 24 ? (const char *)evbuffer_pullup(body, -1) : NULL;
	uint64_t size;
	if (p->retried || !type || strncmp(type, "text/x.tlog.size", 16) != 0 || !text ||
	    text[len - 1] != '\n' || !tlog_parse_u64(text, len - 1, &size))
		return false;
	p->retried = true;
	p->size_known = true;
	p->known_size = size;
	return true;
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	round_start(arg);
}

static void response_cb(struct evhttp_request *req, void *arg)
{
	struct peer *p = arg;
	p->req = NULL;
	int code = req ? evhttp_request_get_response_code(req) : 0;
	if (code == 200) {
		cosigned(p, evhttp_request_get_input_buffer(req));
	} else if (code == 409 && conflict(p, req)) {
		/* Not from inside libevent's callback: the connection is still finishing. */
		if (event_base_once(p->set->base, -1, EV_TIMEOUT, retry_cb, p, NULL) < 0)
			round_end(p, false);
	} else {
		if (code == 422)
			log_error(NULL, "log: witness %s refuses the checkpoint of %" PRIu64 " entries as "
					"not extending the one it cosigned: it saw another view of "
					"this log (paknctl log audit)",
				  p->conf.url, p->size);
		else
			log_warn(NULL, "log: witness %s: %s %d", p->conf.url,
				 code ? "answered" : "no answer (down, refused or too slow)", code);
		round_end(p, false);
	}
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct peer *p = arg;
	if (!p->req)
		return;
	evhttp_cancel_request(p->req); /* its callback will not run */
	log_warn(NULL, "log: witness %s took more than %d s", p->conf.url, WITNESS_DEADLINE_S);
	round_end(p, false);
}

static void post(struct peer *p, uint64_t old, const uint8_t (*proof)[TLOG_HASH], int n)
{
	struct evhttp_request *req = evhttp_request_new(response_cb, p);
	struct sbuf body = {0};
	cosign_request_format(&body, old, proof, n, p->note);
	struct evkeyvalq *h = req ? evhttp_request_get_output_headers(req) : NULL;
	if (!req || evhttp_add_header(h, "Host", p->host_header) < 0 ||
	    evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8") < 0 ||
	    evbuffer_add(evhttp_request_get_output_buffer(req), body.data, body.len) < 0) {
		if (req)
			evhttp_request_free(req);
		sbuf_free(&body);
		round_end(p, false);
		return;
	}
	sbuf_free(&body);
	if (evhttp_make_request(p->conn, req, EVHTTP_REQ_POST, p->path) < 0) { /* req is freed */
		round_end(p, false);
		return;
	}
	p->req = req;
	struct timeval tv = {WITNESS_DEADLINE_S, 0};
	evtimer_add(p->deadline, &tv);
}

int tlog_consistency_from_reply(PGresult *res, enum db_status status,
				uint8_t (*proof)[TLOG_HASH], int max)
{
	json_object *doc = status == DB_OK ? db_reply_object(res, "pakn_tlog_consistency", NULL)
					   : NULL,
		    *list;
	int n = doc && json_object_object_get_ex(doc, "proof", &list)
			? tlog_proof_from_json(list, proof, max)
			: -1;
	json_object_put(doc);
	return n;
}

static void proof_cb(void *arg, PGresult *res, enum db_status status)
{
	struct peer *p = arg;
	uint8_t proof[COSIGN_MAX_PROOF][TLOG_HASH];
	int n = tlog_consistency_from_reply(res, status, proof, COSIGN_MAX_PROOF);
	if (n < 0) {
		round_end(p, false);
		return;
	}
	post(p, p->known_size, (const uint8_t(*)[TLOG_HASH])proof, n);
}

/* Sends the round's checkpoint, with a proof from the size the witness has (0 at first: its
 * 409 then says which). */
static void round_start(struct peer *p)
{
	uint64_t old = p->size_known ? p->known_size : 0;
	if (old > p->size) { /* another instance's newer checkpoint is there already */
		round_end(p, true);
		p->done_size = p->size;
		return;
	}
	if (old == 0 || old == p->size) {
		post(p, old, NULL, 0);
		return;
	}
	char from[24], to[24];
	snprintf(from, sizeof(from), "%" PRIu64, old);
	snprintf(to, sizeof(to), "%" PRIu64, p->size);
	const char *params[] = {from, to};
	db_query(p->set->db, STMT_TLOG_CONSISTENCY, params, proof_cb, p);
}

static void kick(struct peer *p)
{
	struct tlog_witnesses *ws = p->set;
	if (p->busy || !ws->note || p->done_size >= ws->size || now_seconds() < p->retry_at)
		return;
	p->busy = true;
	p->retried = false;
	p->size = ws->size;
	p->note = xstrdup(ws->note);
	round_start(p);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct tlog_witnesses *ws = arg;
	for (int i = 0; i < ws->n; i++)
		kick(&ws->peers[i]);
}

void tlog_witnesses_send(struct tlog_witnesses *ws, uint64_t size, const char *note)
{
	if (!ws || ws->n == 0 || size <= ws->size)
		return;
	free(ws->note);
	ws->note = xstrdup(note);
	ws->size = size;
	for (int i = 0; i < ws->n; i++)
		kick(&ws->peers[i]);
}

static int peer_init(struct tlog_witnesses *ws, struct peer *p, char *err, size_t errlen)
{
	p->set = ws;
	struct evhttp_uri *uri = evhttp_uri_parse(p->conf.url);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	if (!uri) {
		snprintf(err, errlen, "witnesses: cannot read %s", p->conf.url);
		return -1;
	}
	snprintf(p->host, sizeof(p->host), "%s", evhttp_uri_get_host(uri));
	p->port = evhttp_uri_get_port(uri) > 0 ? evhttp_uri_get_port(uri) : 80;
	if (p->port == 80)
		snprintf(p->host_header, sizeof(p->host_header), "%s", evhttp_uri_get_host(uri));
	else
		snprintf(p->host_header, sizeof(p->host_header), "%s:%d", evhttp_uri_get_host(uri),
			 p->port);
	size_t plen = path ? strlen(path) : 0;
	while (plen > 0 && path[plen - 1] == '/')
		plen--;
	snprintf(p->path, sizeof(p->path), "%.*s/add-checkpoint", (int)plen, path ? path : "");
	evhttp_uri_free(uri);
	p->conn = evhttp_connection_base_new(ws->base, ws->dns, p->host, (unsigned short)p->port);
	p->deadline = evtimer_new(ws->base, deadline_cb, p);
	if (!p->conn || !p->deadline) {
		snprintf(err, errlen, "out of memory for the witnesses");
		return -1;
	}
	evhttp_connection_set_timeout(p->conn, WITNESS_DEADLINE_S);
	evhttp_connection_set_retries(p->conn, 0);
	evhttp_connection_set_max_body_size(p->conn, WITNESS_REPLY_MAX);
	evhttp_connection_set_max_headers_size(p->conn, WITNESS_REPLY_MAX);
	return 0;
}

struct tlog_witnesses *tlog_witnesses_new(struct event_base *base, struct db_pool *db,
					  const char *setting, char *err, size_t errlen)
{
	struct tlog_witnesses *ws = xcalloc(1, sizeof(*ws));
	struct tlog_witness_conf conf[TLOG_MAX_WITNESSES];
	ws->base = base;
	ws->db = db;
	int n = tlog_witness_conf_parse(setting, conf, TLOG_MAX_WITNESSES, err, errlen);
	if (n < 0)
		goto out_free;
	if (n == 0)
		return ws;
	/* Names are resolved without blocking the loop. */
	ws->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	ws->timer = timer_every(base, 1, tick_cb, ws);
	if (!ws->dns || !ws->timer) {
		snprintf(err, errlen, "witnesses: cannot start the resolver or the timer");
		goto out_free;
	}
	for (int i = 0; i < n; i++) {
		ws->peers[i].conf = conf[i];
		ws->n++;
		if (peer_init(ws, &ws->peers[i], err, errlen) < 0)
			goto out_free;
	}
	return ws;
out_free:
	tlog_witnesses_free(ws);
	return NULL;
}

void tlog_witnesses_free(struct tlog_witnesses *ws)
{
	if (!ws)
		return;
	for (int i = 0; i < ws->n; i++) {
		struct peer *p = &ws->peers[i];
		if (p->conn)
			evhttp_connection_free(p->conn); /* frees a request in flight, no callback */
		if (p->deadline)
			event_free(p->deadline);
		free(p->note);
	}
	if (ws->timer)
		event_free(ws->timer);
	if (ws->dns)
		evdns_base_free(ws->dns, 0);
	free(ws->note);
	free(ws);
}
