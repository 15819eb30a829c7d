/* moderation.c - owns the transition table and the officials' moderation endpoints. */
#include "officials/moderation.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <sodium.h>

#include "core/config.h"
#include "core/log.h"
#include "core/text.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "crypto/personal.h"
#include "db/db.h"
#include "db/db_reply.h"
#include "http/http_db.h"
#include "http/http_params.h"
#include "intake/intake.h"
#include "officials/auth.h"
#include "tlog/tlog_head.h"

#define NOTE_MAX_CHARS 1000
#define ASSIGNEE_MAX_BYTES 64 /* a username's longest (auth.c) */

/* The states of a feedback (sql/002_feedback.sql):
 *   received   stored, not yet looked at
 *   published  published, not yet answered: in the public feed
 *   rejected   not published: spam, abuse, off topic, duplicate, personal data, other
 *   hidden     text withheld (rating still counts), e.g. for personal data
 *   answered   the agency's official answer is there; in the public feed only if published
 *   closed     nothing more will happen
 * Whether a feedback was published is kept apart (feedback.published_at): answering does
 * not wait for it, and the answer of an unpublished feedback is the submitter's alone (the
 * tracking page). Publishing needs the sender's consent, and an answered feedback is
 * published once (pakn_moderate, sql/functions/officials.sql).
 * Every action, who may take it, the states it applies to and the state it leads to. A
 * state not listed is a 409 and changes nothing. A hidden feedback must be published again
 * before it is answered or closed: both would make it public. Publishing a hidden feedback
 * that has an answer makes it answered again. An action made of steps is those actions in
 * order, all or none, each audited and logged as its own; the official needs a role that
 * may take each step. docs/moderation.md has the same table, and the integration test
 * reads it from there. */
static const struct transition {
	const char *action;
	unsigned roles;
	const char *from; /* PostgreSQL text[] literal */
	const char *to;   /* NULL: unchanged */
	const char *steps[3]; /* a compound action: these actions, NULL-ended; else {NULL} */
} transitions[] = {
	{"publish", ROLE_MODERATOR, "{received,hidden,answered}", "published", {NULL}},
	{"reject", ROLE_MODERATOR, "{received}", "rejected", {NULL}},
	{"hide", ROLE_MODERATOR, "{received,published,answered}", "hidden", {NULL}},
	{"forward", ROLE_MODERATOR | ROLE_RESPONDER, "{received,published,hidden}", NULL, {NULL}},
	{"answer", ROLE_RESPONDER, "{received,published}", "answered", {NULL}},
	{"close", ROLE_MODERATOR | ROLE_RESPONDER, "{published,answered}", "closed", {NULL}},
	{"publish_answer", 0, NULL, NULL, {"publish", "answer", NULL}},
	/* Assignment changes no state: it names who in the agency does the next step. */
	{"assign", ROLE_MODERATOR, "{received,published,hidden,answered}", NULL, {NULL}},
	{"unassign", ROLE_MODERATOR, "{received,published,hidden,answered,rejected,closed}", NULL,
	 {NULL}},
	/* Linking changes no state either; the original may be in any state but rejected, and
	 * answering it answers the duplicate (docs/moderation.md, "Duplicates"). */
	{"link_duplicate", ROLE_MODERATOR | ROLE_RESPONDER, "{received,published,hidden}", NULL,
	 {NULL}},
	{"unlink_duplicate", ROLE_MODERATOR | ROLE_RESPONDER,
	 "{received,published,hidden,answered,rejected,closed}", NULL, {NULL}},
};

static const char *const reasons[] = {"spam", "abuse", "off_topic", "duplicate",
				      "personal_data", "other", NULL};

static const struct transition *transition_find(const char *action)
{
	for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
		if (strcmp(transitions[i].action, action) == 0)
			return &transitions[i];
	return NULL;
}

/* Does t take action, itself or as one of its steps? */
static bool takes(const struct transition *t, const char *action)
{
	if (strcmp(t->action, action) == 0)
		return true;
	for (const char *const *step = t->steps; *step; step++)
		if (strcmp(*step, action) == 0)
			return true;
	return false;
}

static bool is_reason(const char *r)
{
	for (const char *const *p = reasons; *p; p++)
		if (strcmp(*p, r) == 0)
			return true;
	return false;
}

/* The feedback id from the path, or 0. */
static int64_t path_id(const struct http_req *req)
{
	const char *s = http_param(req, "id");
	if (!s || !*s || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
		return 0;
	return strtoll(s, NULL, 10);
}

static void not_found(struct http_req *req)
{
	http_reply_code(req, HTTP_ERR_NOT_FOUND, NULL);
}

/* The database found no such feedback within the official's agencies: the same 404 as for
 * no feedback at all, so scope is not revealed, and a line for the operator. */
static void out_of_scope(struct http_req *req, const char *what)
{
	log_warn(req->id, "denied: official %d, %s out of scope", req->official->id, what);
	not_found(req);
}

static void official_id(const struct http_req *req, char out[16])
{
	snprintf(out, 16, "%d", req->official->id);
}

/* --- queue ---------------------------------------------------------------------------- */

/* The queue's filters (docs/moderation.md, "Search and filters"), in this order: first
 * those it shares with the export (MODERATION_FILTER_SPECS), then its own. */
enum queue_param {
	QP_STATUS, QP_AGENCY, QP_ITEM, QP_KIND, QP_RATING, QP_FROM, QP_TO, /* shared */
	QP_PLAN, QP_RATING_MIN, QP_RATING_MAX, QP_Q, QP_OVERDUE, QP_ASSIGNED_TO, QP_CURSOR,
	QP_LIMIT, QP_COUNT
};

/* A search of fewer characters has no trigram to find in the index: it would read every row
 * in scope. More than QUEUE_Q_MAX is no longer a search for words. */
#define QUEUE_Q_MIN 3
#define QUEUE_Q_MAX 100

static const struct param_spec queue_specs[QP_COUNT] = {
	MODERATION_FILTER_SPECS,
	[QP_PLAN] = {"plan", PARAM_CODE, NULL, 0, 0, NULL, false},
	[QP_RATING_MIN] = {"rating_min", PARAM_INT, NULL, 1, 5, NULL, false},
	[QP_RATING_MAX] = {"rating_max", PARAM_INT, NULL, 1, 5, NULL, false},
	[QP_Q] = {"q", PARAM_TEXT, NULL, 0, QUEUE_Q_MAX, NULL, false},
	[QP_OVERDUE] = {"overdue", PARAM_CHOICE, "true|false", 0, 0, NULL, false},
	[QP_ASSIGNED_TO] = {"assigned_to", PARAM_CHOICE, "me", 0, 0, NULL, false},
	[QP_CURSOR] = {"cursor", PARAM_INT, NULL, 0, INT64_MAX / 2, NULL, false},
	[QP_LIMIT] = {"limit", PARAM_INT, NULL, 1, 200, "50", false},
};

/* The checks that span two parameters, or that PARAM_TEXT does not make: each problem is
 * added to fields. rating is one rating, rating_min and rating_max a range: not both. */
static void queue_check_combined(const char **v, json_object *fields)
{
	if (v[QP_RATING] && (v[QP_RATING_MIN] || v[QP_RATING_MAX]))
		http_field_error(fields, "rating", "conflict",
				 "rating hoặc rating_min/rating_max, không cả hai. / rating or "
				 "rating_min/rating_max, not both.");
	if (v[QP_RATING_MIN] && v[QP_RATING_MAX] && atoi(v[QP_RATING_MIN]) > atoi(v[QP_RATING_MAX]))
		http_field_error(fields, "rating_min", "invalid_range",
				 "rating_min lớn hơn rating_max. / rating_min is above rating_max.");
	if (v[QP_FROM] && v[QP_TO] && strcmp(v[QP_FROM], v[QP_TO]) > 0) /* YYYY-MM-DD */
		http_field_error(fields, "from", "invalid_range",
				 "from sau to. / from is after to.");
	if (v[QP_Q]) {
		size_t n = utf8_length((const uint8_t *)v[QP_Q], strlen(v[QP_Q]));
		if (n < QUEUE_Q_MIN)
			http_field_error(fields, "q", "too_short",
					 "Tìm ít nhất 3 ký tự. / Search for at least 3 characters.");
	}
}

static void queue_next(struct http_req *req)
{
	const char *v[QP_COUNT];
	if (!http_query_check(req, queue_specs, QP_COUNT, v))
		return;
	json_object *fields = json_object_new_array();
	queue_check_combined(v, fields);
	if (json_object_array_length(fields) > 0) {
		http_reply_code(req, HTTP_ERR_INVALID_PARAMETER, fields);
		return;
	}
	json_object_put(fields);
	char oid[16];
	official_id(req, oid);
	const char *rmin = v[QP_RATING] ? v[QP_RATING] : v[QP_RATING_MIN];
	const char *rmax = v[QP_RATING] ? v[QP_RATING] : v[QP_RATING_MAX];
	const char *params[15] = {oid, v[QP_STATUS], v[QP_AGENCY], v[QP_ITEM], v[QP_KIND],
				  rmin, rmax, v[QP_FROM], v[QP_TO], v[QP_Q], v[QP_PLAN],
				  v[QP_OVERDUE], v[QP_CURSOR], v[QP_LIMIT],
				  v[QP_ASSIGNED_TO] ? oid : NULL};
	db_query(http_db(req), STMT_QUEUE, params, http_db_json_fresh_cb, req);
}

void moderation_queue(struct http_req *req)
{
	auth_require(req, ROLE_MODERATOR | ROLE_RESPONDER, queue_next);
}

/* --- overdue -------------------------------------------------------------------------- */

static void overdue_next(struct http_req *req)
{
	static const struct param_spec specs[] = {
		{"cursor", PARAM_INT, NULL, 0, INT64_MAX / 2, NULL, false},
		{"limit", PARAM_INT, NULL, 1, 500, "200", false},
	};
	const char *v[2];
	if (!http_query_check(req, specs, 2, v))
		return;
	char oid[16];
	official_id(req, oid);
	const char *params[3] = {oid, v[0], v[1]};
	db_query(http_db(req), STMT_OVERDUE, params, http_db_json_fresh_cb, req);
}

/* The agency's admin sees who is late too (pakn_overdue shows it no feedback text). */
void moderation_overdue(struct http_req *req)
{
	auth_require(req, ROLE_ADMIN | ROLE_MODERATOR | ROLE_RESPONDER, overdue_next);
}

/* --- actions -------------------------------------------------------------------------- */

/* The action's transaction ended with a signed tree head: doc's "log" (what
 * pakn_tlog_append answered, from the action's first entry on) becomes {"index",
 * "checkpoint", "proof"}, the last entry proven in that head (docs/tlog.md, "Tree heads"),
 * and each of doc's "steps" (an action of several) gets its own entry's. */
static void sign_head(struct http_req *req, json_object *doc)
{
	json_object *log, *start, *steps = NULL;
	if (!json_object_object_get_ex(doc, "log", &log) || !log ||
	    !json_object_object_get_ex(log, "start", &start))
		return;
	json_object_object_get_ex(doc, "steps", &steps);
	size_t nsteps = steps ? json_object_array_length(steps) : 0;
	uint64_t first = (uint64_t)json_object_get_int64(start);
	struct tlog_head h;
	json_object *proven = NULL;
	if (tlog_head_from_json(&h, log, req->ctx->cfg->log_origin, keys_current(req->ctx->keys)) ==
	    0) {
		for (size_t i = 0; i < nsteps; i++)
			json_object_object_add(json_object_array_get_idx(steps, i), "log",
					       tlog_head_proof_json(&h, first + i));
		proven = tlog_head_proof_json(&h, first + (nsteps ? nsteps - 1 : 0));
		tlog_head_free(&h);
	}
	json_object_object_add(doc, "log", proven); /* replaces it; null if it made no head */
}

/* Signs an official answer like a receipt: docs/moderation.md gives the bytes. */
static void sign_answer(const struct keyring *kr, int64_t id, const char *at, const char *text,
			char sig_b64[89])
{
	uint8_t h[32];
	char hex[65], msg[512];
	crypto_generichash(h, sizeof(h), (const uint8_t *)text, strlen(text), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	const struct signing_key *k = keys_current(kr);
	int n = snprintf(msg, sizeof(msg),
			 "pakn57-answer-v1\nfeedback_id:%" PRId64 "\nanswered_at:%s\n"
			 "text_blake2b:%s\nkey_id:%s\n",
			 id, at, hex, k->id);
	uint8_t sig[crypto_sign_BYTES];
	crypto_sign_detached(sig, NULL, (const uint8_t *)msg, (size_t)n, k->sk);
	sodium_bin2base64(sig_b64, 89, sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
}

static void utc_now(char out[32])
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%06ldZ", (long)tv.tv_usec);
}

static const char *member(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

/* A feedback id member of o: a positive JSON integer, else 0 (-1 when absent). */
static int64_t member_id(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return -1;
	if (!json_object_is_type(v, json_type_int))
		return 0;
	int64_t id = json_object_get_int64(v);
	return id > 0 && id < INT64_MAX ? id : 0;
}

int moderation_action_parse(const char *body, size_t len, struct moderation_input *in,
			    json_object *fields)
{
	memset(in, 0, sizeof(*in));
	in->doc = body ? json_parse_strict(body, len) : NULL;
	if (!in->doc || !json_object_is_type(in->doc, json_type_object))
		return 400;
	const char *action = member(in->doc, "action"), *reason = member(in->doc, "reason"),
		   *note = member(in->doc, "note"), *agency = member(in->doc, "agency"),
		   *text = member(in->doc, "text"), *official = member(in->doc, "official");
	const struct transition *t = action ? transition_find(action) : NULL;
	if (!t)
		http_field_error(fields, "action", "invalid_choice",
				 "publish, reject, hide, forward, answer, close, publish_answer, assign, "
				 "unassign, link_duplicate hoặc unlink_duplicate. / One of publish, "
				 "reject, hide, forward, answer, close, publish_answer, assign, unassign, "
				 "link_duplicate, unlink_duplicate.");
	bool needs_reason = t && (takes(t, "reject") || takes(t, "hide"));
	if (needs_reason && (!reason || !is_reason(reason)))
		http_field_error(fields, "reason", reason ? "invalid_choice" : "required",
				 "spam, abuse, off_topic, duplicate, personal_data hoặc other. / One "
				 "of spam, abuse, off_topic, duplicate, personal_data, other.");
	bool forward = t && takes(t, "forward");
	if (forward && (!agency || !text_is_agency_code(agency)))
		http_field_error(fields, "agency", agency ? "invalid_code" : "required",
				 "Mã cơ quan, ví dụ lc-so-khoa-hoc-va-cong-nghe. / An agency code.");
	bool assign = t && takes(t, "assign");
	if (assign && (!official || !*official || strlen(official) > ASSIGNEE_MAX_BYTES))
		http_field_error(fields, "official", official ? "invalid_username" : "required",
				 "Tên đăng nhập của cán bộ. / The official's username.");
	bool link = t && takes(t, "link_duplicate");
	int64_t of = link ? member_id(in->doc, "of") : 0;
	if (link && of <= 0)
		http_field_error(fields, "of", of < 0 ? "required" : "invalid_id",
				 "Số hiệu (id) của góp ý gốc. / The id of the original feedback.");
	if (t && takes(t, "answer")) {
		if (text)
			in->text = intake_clean_text(fields, "text", text, BODY_MAX_CHARS, true, true);
		else
			http_field_error(fields, "text", "required",
					 "Cần nội dung trả lời. / The answer text is required.");
	}
	if (note)
		in->note = intake_clean_text(fields, "note", note, NOTE_MAX_CHARS, false, false);
	if (json_object_array_length(fields) > 0)
		return 422;
	in->t = t;
	in->reason = needs_reason ? reason : NULL;
	in->agency = forward ? agency : NULL;
	in->official = assign ? official : NULL;
	in->of = link ? of : 0;
	return 0;
}

void moderation_input_free(struct moderation_input *in)
{
	free(in->text);
	free(in->note);
	json_object_put(in->doc);
	memset(in, 0, sizeof(*in));
}

/* The steps of action t as pakn_moderate_steps takes them: [{"action", "role", "from", "to"}],
 * each with the roles the official holds that may take it. NULL when the official may not
 * take one of them (the first such is in *refused). */
static json_object *steps_json(const struct transition *t, unsigned held,
			       const struct transition **refused)
{
	const struct transition *list[sizeof(t->steps) / sizeof(t->steps[0])];
	size_t n = 0;
	if (!t->steps[0])
		list[n++] = t;
	for (const char *const *step = t->steps; *step; step++) {
		list[n] = transition_find(*step);
		assert(list[n] && !list[n]->steps[0]); /* a step is a simple action of the table */
		n++;
	}
	json_object *steps = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		const struct transition *s = list[i];
		if (!(s->roles & held)) {
			*refused = s;
			json_object_put(steps);
			return NULL;
		}
		char role[AUTH_ROLES_MAX];
		auth_roles_format(s->roles & held, role);
		json_object *step = json_object_new_object();
		json_object_object_add(step, "action", json_object_new_string(s->action));
		json_object_object_add(step, "role", json_object_new_string(role));
		json_object_object_add(step, "from", json_object_new_string(s->from));
		json_object_object_add(step, "to", s->to ? json_object_new_string(s->to) : NULL);
		json_object_array_add(steps, step);
	}
	return steps;
}

/* One action on its way through the database: what a second try needs when the first
 * found duplicates to answer (pakn_moderate's "sign"). Freed with its reply. */
struct action_call {
	struct http_req *req;
	struct moderation_input in;
	char *steps;             /* pakn_moderate_steps' p_steps */
	char fid[24];
	char at[32], sig[89];    /* the answer's time and, for an answer, its signature; "" */
	json_object *signatures; /* {"<id>": signature} of the duplicates' answers */
	int tries;
};

/* The answers a duplicate gets from its original are signed like any answer, over its own
 * id; a link made meanwhile can ask once more, so a few tries before a 503. */
#define ACTION_SIGN_TRIES 3

static void action_call_free(struct action_call *c)
{
	moderation_input_free(&c->in);
	free(c->steps);
	json_object_put(c->signatures);
	free(c);
}

static void action_done_cb(void *arg, PGresult *res, enum db_status status);

static void action_send(struct action_call *c)
{
	struct http_req *req = c->req;
	char oid[16], of[24];
	official_id(req, oid);
	snprintf(of, sizeof(of), "%" PRId64, c->in.of);
	bool signs = c->at[0] != '\0';
	const char *params[13] = {oid, c->fid, c->steps, c->in.reason, c->in.note, c->in.agency,
				  c->in.text, signs ? c->at : NULL,
				  signs ? keys_current(req->ctx->keys)->id : NULL,
				  c->in.text ? c->sig : NULL, c->in.official, c->in.of ? of : NULL,
				  json_object_to_json_string_ext(c->signatures, JSON_C_TO_STRING_PLAIN)};
	db_query(http_db(req), STMT_MODERATE, params, action_done_cb, c);
}

/* Signs each of the reply's "answers" ([{"id", "text"}]) into c->signatures, at c->at
 * (now, when the action itself signs nothing). Returns false when the reply has none. */
static bool sign_duplicates(struct action_call *c, json_object *doc)
{
	json_object *answers;
	if (!json_object_object_get_ex(doc, "answers", &answers) ||
	    !json_object_is_type(answers, json_type_array) || json_object_array_length(answers) == 0)
		return false;
	if (!c->at[0])
		utc_now(c->at);
	for (size_t i = 0; i < json_object_array_length(answers); i++) {
		json_object *a = json_object_array_get_idx(answers, i), *id;
		const char *text = member(a, "text");
		if (!json_object_object_get_ex(a, "id", &id) || !text)
			return false;
		char key[24], sig[89];
		snprintf(key, sizeof(key), "%" PRId64, json_object_get_int64(id));
		sign_answer(c->req->ctx->keys, json_object_get_int64(id), c->at, text, sig);
		json_object_object_add(c->signatures, key, json_object_new_string(sig));
	}
	return true;
}

static void action_done_cb(void *arg, PGresult *res, enum db_status status)
{
	struct action_call *c = arg;
	struct http_req *req = c->req;
	if (status != DB_OK) {
		http_reply_db_error(req, status);
		action_call_free(c);
		return;
	}
	struct db_reply reply;
	switch (db_reply_parse(res, "pakn_moderate", req->id, &reply)) {
	case DB_REPLY_SIGN:
		if (++c->tries < ACTION_SIGN_TRIES && sign_duplicates(c, reply.doc)) {
			db_reply_free(&reply);
			action_send(c); /* c goes on */
			return;
		}
		log_warn(req->id, "moderation: the duplicates to answer kept changing");
		http_reply_db_error(req, DB_UNAVAILABLE);
		break;
	case DB_REPLY_HAS_DUPLICATES:
		http_reply_code(req, HTTP_ERR_HAS_DUPLICATES, NULL);
		break;
	case DB_REPLY_OK: {
		sign_head(req, reply.doc);
		const char *text = json_object_to_json_string_ext(reply.doc, JSON_C_TO_STRING_PLAIN);
		http_reply_json(req, 200, text, strlen(text), 0);
		break;
	}
	case DB_REPLY_CONFLICT:
		http_reply_code(req, HTTP_ERR_INVALID_TRANSITION, NULL);
		break;
	case DB_REPLY_NO_PUBLISH_CONSENT:
		http_reply_code(req, HTTP_ERR_NO_PUBLISH_CONSENT, NULL);
		break;
	case DB_REPLY_UNKNOWN_AGENCY: {
		json_object *fields = json_object_new_array();
		http_field_error(fields, "agency", "unknown_agency",
				 "Không có cơ quan này. / No such agency.");
		http_reply_code(req, HTTP_ERR_REQUEST_INVALID, fields);
		break;
	}
	case DB_REPLY_UNKNOWN_OFFICIAL: {
		json_object *fields = json_object_new_array();
		http_field_error(fields, "official", "unknown_official",
				 "Không có cán bộ này trong cơ quan xử lý phản ánh. / No official of "
				 "an agency handling this feedback has that name.");
		http_reply_code(req, HTTP_ERR_REQUEST_INVALID, fields);
		break;
	}
	case DB_REPLY_NOT_FOUND:
		out_of_scope(req, "feedback");
		break;
	default: /* logged by db_reply_parse */
		http_reply_db_error(req, DB_FAILED);
		break;
	}
	db_reply_free(&reply);
	action_call_free(c);
}

static void action_next(struct http_req *req)
{
	int64_t id = path_id(req);
	size_t len;
	const char *body = http_body(req, &len);
	struct moderation_input in;
	json_object *fields = json_object_new_array();
	json_object *steps = NULL;
	int status = moderation_action_parse(body, len, &in, fields);
	if (status == 0 && in.of == id)
		http_field_error(fields, "of", "self",
				 "Không thể gắn góp ý là trùng với chính nó. / Feedback cannot be "
				 "linked as a duplicate of itself.");
	if (status == 400) {
		http_reply_code(req, HTTP_ERR_NOT_JSON_OBJECT, NULL);
		goto out;
	}
	if (status == 422 || json_object_array_length(fields) > 0) {
		http_reply_code(req, HTTP_ERR_REQUEST_INVALID, fields);
		fields = NULL; /* http_reply_code put it */
		goto out;
	}
	const struct transition *t = in.t, *refused = NULL;
	char oid[16], fid[24];
	official_id(req, oid);
	snprintf(fid, sizeof(fid), "%" PRId64, id);
	steps = steps_json(t, req->official->roles, &refused);
	if (!steps) {
		log_warn(req->id, "denied: %s may not %s", req->official->roles_name, refused->action);
		const char *params[] = {oid, req->official->roles_name, NULL, "denied", t->action, fid};
		db_query(http_db(req), STMT_AUDIT, params, NULL, NULL);
		http_reply_code(req, HTTP_ERR_FORBIDDEN, NULL);
		goto out;
	}
	struct action_call *c = xcalloc(1, sizeof(*c));
	c->req = req;
	c->in = in; /* c owns what in held */
	memset(&in, 0, sizeof(in));
	c->steps = xstrdup(json_object_to_json_string_ext(steps, JSON_C_TO_STRING_PLAIN));
	snprintf(c->fid, sizeof(c->fid), "%s", fid);
	c->signatures = json_object_new_object();
	if (c->in.text) {
		utc_now(c->at);
		sign_answer(req->ctx->keys, id, c->at, c->in.text, c->sig);
	}
	action_send(c);
out:
	json_object_put(steps);
	json_object_put(fields);
	moderation_input_free(&in);
}

/* The routes under /api/v1/moderation/{id}/: no query, an id, then a moderator or a
 * responder signed in. */
static void for_feedback(struct http_req *req, void (*next)(struct http_req *req))
{
	if (!http_query_check(req, NULL, 0, NULL))
		return;
	if (path_id(req) == 0) {
		not_found(req);
		return;
	}
	auth_require(req, ROLE_MODERATOR | ROLE_RESPONDER, next);
}

/* A statement on one feedback row, as the signed-in official: (official, role, feedback). */
static void query_as_official(struct http_req *req, enum db_stmt stmt, db_cb cb)
{
	char oid[16], fid[24];
	official_id(req, oid);
	snprintf(fid, sizeof(fid), "%" PRId64, path_id(req));
	const char *params[] = {oid, req->official->roles_name, fid};
	db_query(http_db(req), stmt, params, cb, req);
}

void moderation_action(struct http_req *req)
{
	for_feedback(req, action_next);
}

/* --- history, similar feedback and contact ------------------------------------------- */

static void history_next(struct http_req *req)
{
	query_as_official(req, STMT_HISTORY, http_db_json_fresh_cb);
}

void moderation_history(struct http_req *req)
{
	for_feedback(req, history_next);
}

static void similar_next(struct http_req *req)
{
	query_as_official(req, STMT_SIMILAR, http_db_json_fresh_cb);
}

void moderation_similar(struct http_req *req)
{
	for_feedback(req, similar_next);
}

static void contact_cb(void *arg, PGresult *res, enum db_status status)
{
	struct http_req *req = arg;
	if (status != DB_OK) {
		http_reply_db_error(req, status);
		return;
	}
	struct db_reply reply;
	switch (db_reply_parse(res, "pakn_contact", req->id, &reply)) {
	case DB_REPLY_NO_CONSENT:
		http_reply_code(req, HTTP_ERR_NO_CONSENT, NULL);
		break;
	case DB_REPLY_OK: {
		const char *enc = member(reply.doc, "personal_enc");
		char *plain = enc ? personal_decrypt(req->ctx->keys, path_id(req), enc) : NULL;
		if (plain)
			http_reply_json(req, 200, plain, strlen(plain), 0);
		else
			http_reply_db_error(req, DB_FAILED);
		free(plain);
		break;
	}
	case DB_REPLY_NOT_FOUND:
		out_of_scope(req, "contact");
		break;
	default: /* logged by db_reply_parse */
		http_reply_db_error(req, DB_FAILED);
		break;
	}
	db_reply_free(&reply);
}

bool moderation_may_read_contact(const struct official *o)
{
	return (o->roles & (ROLE_MODERATOR | ROLE_RESPONDER)) != 0;
}

static void contact_next(struct http_req *req)
{
	if (!moderation_may_read_contact(req->official)) {
		http_reply_code(req, HTTP_ERR_FORBIDDEN, NULL);
		return;
	}
	query_as_official(req, STMT_CONTACT, contact_cb);
}

void moderation_contact(struct http_req *req)
{
	for_feedback(req, contact_next);
}
