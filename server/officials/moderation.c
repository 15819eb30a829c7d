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
#include "officials/templates.h"
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
	return http_param_id(req, "id", FEEDBACK_ID_MAX);
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
	char oid[AUTH_ID_MAX];
	auth_official_id(req, oid);
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
	char oid[AUTH_ID_MAX];
	auth_official_id(req, oid);
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

/* The answer of in->doc: its "text" cleaned into in->text, or its "template" (a template's
 * id) into in->template_id; exactly one of them. */
static void parse_answer(struct moderation_input *in, json_object *fields)
{
	const char *text = json_member_string(in->doc, "text");
	json_object *tpl;
	if (!json_object_object_get_ex(in->doc, "template", &tpl) ||
	    json_object_is_type(tpl, json_type_null))
		tpl = NULL;
	if (text && tpl) {
		http_field_error(fields, "template", "conflict",
				 "text hoặc template, không cả hai. / text or template, not both.");
	} else if (tpl) {
		int64_t id = json_object_is_type(tpl, json_type_int) ? json_object_get_int64(tpl) : 0;
		if (id >= 1 && id <= TEMPLATE_ID_MAX)
			in->template_id = id;
		else
			http_field_error(fields, "template", "invalid_id",
					 "Mã số của một mẫu trả lời. / The id of an answer "
					 "template.");
	} else if (text) {
		in->text = intake_clean_text(fields, "text", text, BODY_MAX_CHARS, true, true);
	} else {
		http_field_error(fields, "text", "required",
				 "Cần nội dung trả lời. / The answer text is required.");
	}
}

int moderation_action_parse(const char *body, size_t len, struct moderation_input *in,
			    json_object *fields)
{
	memset(in, 0, sizeof(*in));
	in->doc = body ? json_parse_strict(body, len) : NULL;
	if (!in->doc || !json_object_is_type(in->doc, json_type_object))
		return 400;
	json_object *doc = in->doc;
	const char *action = json_member_string(doc, "action"),
		   *reason = json_member_string(doc, "reason"),
		   *note = json_member_string(doc, "note"),
		   *agency = json_member_string(doc, "agency"),
		   *official = json_member_string(doc, "official");
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
	if (t && takes(t, "answer"))
		parse_answer(in, fields);
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

const char *moderation_action_name(const struct moderation_input *in)
{
	return in->t->action;
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

char *moderation_steps(struct http_req *req, const struct moderation_input *in, const char *note)
{
	const struct transition *refused = NULL;
	json_object *steps = steps_json(in->t, req->official->roles, &refused);
	if (!steps) {
		log_warn(req->id, "denied: %s may not %s", req->official->roles_name, refused->action);
		char oid[AUTH_ID_MAX];
		auth_official_id(req, oid);
		const char *params[] = {oid, req->official->roles_name, NULL, "denied", in->t->action,
					note};
		db_query(http_db(req), STMT_AUDIT, params, NULL, NULL);
		return NULL;
	}
	char *text = xstrdup(json_object_to_json_string_ext(steps, JSON_C_TO_STRING_PLAIN));
	json_object_put(steps);
	return text;
}

/* One action on one feedback under way (moderation_apply): what it was asked, until done,
 * and what a second try needs when the first found duplicates to answer (pakn_moderate's
 * "sign"). */
struct apply {
	struct http_req *req;
	int64_t id;
	char fid[24];
	const struct moderation_input *in;
	const char *steps;
	moderation_done done;
	void *arg;
	char *text;              /* the answer (typed, or a filled template), or NULL */
	char at[32], sig[89];    /* the answer's time and signature; "" without one */
	json_object *signatures; /* {"<id>": signature} of the duplicates' answers */
	int tries;
};

/* The answers a duplicate gets from its original are signed like any answer, over its own
 * id; a link made meanwhile can ask once more, so a few tries before a 503. */
#define APPLY_SIGN_TRIES 3

/* Ends a: hands r to its caller. */
static void apply_finish(struct apply *a, struct moderation_result *r)
{
	struct http_req *req = a->req;
	moderation_done done = a->done;
	void *arg = a->arg;
	free(a->text);
	json_object_put(a->signatures);
	free(a);
	done(req, r, arg);
}

static void apply_fail(struct apply *a, enum db_reply_status status, enum http_error err,
		       json_object *fields)
{
	struct moderation_result r = {DB_OK, status, err, fields, NULL};
	apply_finish(a, &r);
}

static void apply_db_fail(struct apply *a, enum db_status db)
{
	struct moderation_result r = {db, DB_REPLY_MALFORMED, HTTP_ERR_COUNT, NULL, NULL};
	apply_finish(a, &r);
}

/* A problem with one field, as the 422 of the action names it. */
static json_object *field_problem(const char *field, const char *code, const char *message)
{
	json_object *fields = json_object_new_array();
	http_field_error(fields, field, code, message);
	return fields;
}

static void apply_send(struct apply *a);

/* Signs each of the reply's "answers" ([{"id", "text"}]) into a->signatures, at a->at
 * (now, when the action itself signs nothing). Returns false when the reply has none. */
static bool sign_duplicates(struct apply *a, json_object *doc)
{
	json_object *answers;
	if (!json_object_object_get_ex(doc, "answers", &answers) ||
	    !json_object_is_type(answers, json_type_array) || json_object_array_length(answers) == 0)
		return false;
	if (!a->at[0])
		utc_now(a->at);
	for (size_t i = 0; i < json_object_array_length(answers); i++) {
		json_object *d = json_object_array_get_idx(answers, i), *id;
		const char *text = json_member_string(d, "text");
		if (!json_object_object_get_ex(d, "id", &id) || !text)
			return false;
		char key[24], sig[89];
		snprintf(key, sizeof(key), "%" PRId64, json_object_get_int64(id));
		sign_answer(a->req->ctx->keys, json_object_get_int64(id), a->at, text, sig);
		json_object_object_add(a->signatures, key, json_object_new_string(sig));
	}
	return true;
}

static void moderate_cb(void *arg, PGresult *res, enum db_status status)
{
	struct apply *a = arg;
	if (status != DB_OK) {
		apply_db_fail(a, status);
		return;
	}
	struct db_reply reply;
	enum db_reply_status st = db_reply_parse(res, "pakn_moderate", a->req->id, &reply);
	switch (st) {
	case DB_REPLY_SIGN:
		if (++a->tries < APPLY_SIGN_TRIES && sign_duplicates(a, reply.doc)) {
			apply_send(a); /* a goes on */
			break;
		}
		/* This feedback alone: a bulk action goes on with the next. */
		log_warn(a->req->id, "moderation: the duplicates to answer kept changing");
		apply_fail(a, st, HTTP_ERR_BUSY, NULL);
		break;
	case DB_REPLY_HAS_DUPLICATES:
		apply_fail(a, st, HTTP_ERR_HAS_DUPLICATES, NULL);
		break;
	case DB_REPLY_OK: {
		sign_head(a->req, reply.doc);
		struct moderation_result r = {DB_OK, st, HTTP_ERR_COUNT, NULL, reply.doc};
		reply.doc = NULL; /* r holds it */
		apply_finish(a, &r);
		break;
	}
	case DB_REPLY_CONFLICT:
		apply_fail(a, st, HTTP_ERR_INVALID_TRANSITION, NULL);
		break;
	case DB_REPLY_NO_PUBLISH_CONSENT:
		apply_fail(a, st, HTTP_ERR_NO_PUBLISH_CONSENT, NULL);
		break;
	case DB_REPLY_UNKNOWN_AGENCY:
		apply_fail(a, st, HTTP_ERR_REQUEST_INVALID,
			   field_problem("agency", "unknown_agency",
					 "Không có cơ quan này. / No such agency."));
		break;
	case DB_REPLY_UNKNOWN_OFFICIAL:
		apply_fail(a, st, HTTP_ERR_REQUEST_INVALID,
			   field_problem("official", "unknown_official",
					 "Không có cán bộ này trong cơ quan xử lý phản ánh. / No "
					 "official of an agency handling this feedback has that "
					 "name."));
		break;
	case DB_REPLY_NOT_FOUND:
		log_warn(a->req->id, "denied: official %d, feedback %s out of scope",
			 a->req->official->id, a->fid);
		apply_fail(a, st, HTTP_ERR_NOT_FOUND, NULL);
		break;
	default: /* logged by db_reply_parse */
		apply_db_fail(a, DB_FAILED);
		break;
	}
	db_reply_free(&reply);
}

/* Sends the action as a holds it: its answer (a->text, signed), the duplicates' signatures
 * a second try carries. */
static void apply_send(struct apply *a)
{
	const struct moderation_input *in = a->in;
	char oid[AUTH_ID_MAX], of[24];
	auth_official_id(a->req, oid);
	snprintf(of, sizeof(of), "%" PRId64, in->of);
	bool signs = a->at[0] != '\0';
	const char *params[13] = {oid, a->fid, a->steps, in->reason, in->note, in->agency, a->text,
				  signs ? a->at : NULL,
				  signs ? keys_current(a->req->ctx->keys)->id : NULL,
				  a->text ? a->sig : NULL, in->official, in->of ? of : NULL,
				  json_object_to_json_string_ext(a->signatures, JSON_C_TO_STRING_PLAIN)};
	db_query(http_db(a->req), STMT_MODERATE, params, moderate_cb, a);
}

/* Sends the action with text as its answer (NULL: none; a copy is kept), signed here. */
static void apply_moderate(struct apply *a, const char *text)
{
	if (text) {
		a->text = xstrdup(text);
		utc_now(a->at);
		sign_answer(a->req->ctx->keys, a->id, a->at, a->text, a->sig);
	}
	apply_send(a);
}

static json_object *unknown_template(void)
{
	return field_problem("template", "unknown_template",
			     "Không có mẫu trả lời này trong các cơ quan của bạn. / No answer "
			     "template of your agencies has this id.");
}

/* The template's text and this feedback's values are in: the answer is the filled text,
 * checked as a typed answer is. */
static void fill_cb(void *arg, PGresult *res, enum db_status status)
{
	struct apply *a = arg;
	if (status != DB_OK) {
		apply_db_fail(a, status);
		return;
	}
	struct db_reply reply;
	enum db_reply_status st = db_reply_parse(res, "pakn_template_fill", a->req->id, &reply);
	json_object *text, *values;
	switch (st) {
	case DB_REPLY_OK: {
		if (!json_object_object_get_ex(reply.doc, "text", &text) ||
		    !json_object_object_get_ex(reply.doc, "values", &values)) {
			log_error(a->req->id, "db: pakn_template_fill answered no text or values");
			apply_db_fail(a, DB_FAILED);
			break;
		}
		char *filled = template_fill(json_object_get_string(text), values,
					     INTAKE_TEXT_MAX_BYTES(BODY_MAX_CHARS));
		json_object *fields = json_object_new_array();
		char *answer = intake_clean_text(fields, "template", filled, BODY_MAX_CHARS, true, true);
		free(filled);
		if (answer) {
			json_object_put(fields);
			apply_moderate(a, answer);
			free(answer); /* apply_moderate copied it */
		} else {
			apply_fail(a, DB_REPLY_OK, HTTP_ERR_REQUEST_INVALID, fields);
		}
		break;
	}
	case DB_REPLY_UNKNOWN_TEMPLATE:
		apply_fail(a, st, HTTP_ERR_REQUEST_INVALID, unknown_template());
		break;
	case DB_REPLY_NOT_FOUND: /* the denial is audited */
		log_warn(a->req->id, "denied: official %d, feedback %s out of scope",
			 a->req->official->id, a->fid);
		apply_fail(a, st, HTTP_ERR_NOT_FOUND, NULL);
		break;
	default: /* logged by db_reply_parse */
		apply_db_fail(a, DB_FAILED);
		break;
	}
	db_reply_free(&reply);
}

void moderation_apply(struct http_req *req, int64_t id, const struct moderation_input *in,
		      const char *steps, moderation_done done, void *arg)
{
	struct apply *a = xcalloc(1, sizeof(*a));
	*a = (struct apply){.req = req, .id = id, .in = in, .steps = steps, .done = done, .arg = arg,
			    .signatures = json_object_new_object()};
	snprintf(a->fid, sizeof(a->fid), "%" PRId64, id);
	if (!in->template_id) {
		apply_moderate(a, in->text);
		return;
	}
	char oid[AUTH_ID_MAX], tid[24];
	auth_official_id(req, oid);
	snprintf(tid, sizeof(tid), "%" PRId64, in->template_id);
	/* A denial names the action's first step, as pakn_moderate_steps' would. */
	const char *first = in->t->steps[0] ? in->t->steps[0] : in->t->action;
	const char *params[] = {oid, req->official->roles_name, a->fid, tid, first};
	db_query(http_db(req), STMT_TEMPLATE_FILL, params, fill_cb, a);
}

void moderation_result_release(struct moderation_result *r)
{
	json_object_put(r->doc);
	json_object_put(r->fields);
	r->doc = r->fields = NULL;
}

/* The single action's body and steps, kept until its reply. */
struct action {
	struct moderation_input in;
	char *steps;
};

static void action_free(struct action *a)
{
	moderation_input_free(&a->in);
	free(a->steps);
	free(a);
}

static void action_done(struct http_req *req, struct moderation_result *r, void *arg)
{
	if (r->db != DB_OK) {
		http_reply_db_error(req, r->db);
	} else if (r->err != HTTP_ERR_COUNT) {
		if (r->err == HTTP_ERR_BUSY)
			http_set_retry_after(req, HTTP_RETRY_AFTER_BUSY);
		http_reply_code(req, r->err, r->fields);
		r->fields = NULL; /* http_reply_code put it */
	} else {
		const char *text = json_object_to_json_string_ext(r->doc, JSON_C_TO_STRING_PLAIN);
		http_reply_json(req, 200, text, strlen(text), 0);
	}
	moderation_result_release(r);
	action_free(arg);
}

static void action_next(struct http_req *req)
{
	size_t len;
	const char *body = http_body(req, &len);
	struct action *a = xcalloc(1, sizeof(*a));
	json_object *fields = json_object_new_array();
	int status = moderation_action_parse(body, len, &a->in, fields);
	if (status == 0 && a->in.of == path_id(req)) {
		http_field_error(fields, "of", "self",
				 "Không thể gắn góp ý là trùng với chính nó. / Feedback cannot be "
				 "linked as a duplicate of itself.");
		status = 422;
	}
	if (status == 400) {
		http_reply_code(req, HTTP_ERR_NOT_JSON_OBJECT, NULL);
		json_object_put(fields);
		action_free(a);
		return;
	}
	if (status == 422) {
		http_reply_code(req, HTTP_ERR_REQUEST_INVALID, fields); /* takes fields */
		action_free(a);
		return;
	}
	json_object_put(fields);
	char fid[24];
	snprintf(fid, sizeof(fid), "%" PRId64, path_id(req));
	a->steps = moderation_steps(req, &a->in, fid);
	if (!a->steps) {
		http_reply_code(req, HTTP_ERR_FORBIDDEN, NULL);
		action_free(a);
		return;
	}
	moderation_apply(req, path_id(req), &a->in, a->steps, action_done, a);
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
	char oid[AUTH_ID_MAX], fid[24];
	auth_official_id(req, oid);
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
		const char *enc = json_member_string(reply.doc, "personal_enc");
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
