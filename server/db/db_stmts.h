/* db_stmts.h - every SQL statement the service sends, by name. The text is in db_stmts.c;
 * the functions they call are in sql/functions/, the tables in sql/0NN_*.sql. Statements
 * are sent unnamed (PQsendQueryParams), which works through PgBouncer in transaction
 * mode. */
#ifndef PAKN_DB_STMTS_H
#define PAKN_DB_STMTS_H

enum db_stmt {
	STMT_PING,     /* () -> 1 */
	STMT_PLANS,    /* () -> {"plans": [...]} */
	STMT_PLAN_GET, /* (code) -> plan JSON, or no row */
	STMT_ITEMS,    /* (plan, kind, section, agency, folded q, scope) -> item JSON a row, in order */
	STMT_ITEM_GET, /* (code) -> item JSON, or no row */
	STMT_AGENCIES, /* (plan) -> {"agencies": [...]} */
	STMT_ITEM_EXISTS,    /* (code) -> a row if the item exists */
	STMT_RESERVE_IDS,    /* () -> the first of 256 feedback ids */
	STMT_INTAKE,         /* (batch json) -> {committed_at, rows}: functions/intake.sql */
	STMT_FEEDBACK_STATUS, /* (tracking code) -> status JSON, or no row */
	STMT_SESSION_CHECK,  /* (token hash, idle s) -> id, role, username, name, kind, session, agencies,
			      * second factor passed, enrolled */
	STMT_LOGIN_FETCH,    /* (username) -> id, password hash, or no row */
	STMT_LOGIN_OK,       /* (official, token hash, lifetime s, new password hash|NULL) -> session id,
			      * audit id, enrolled in a second factor */
	STMT_AUDIT,          /* (official|NULL, role, feedback|NULL, action, reason, note) -> id */
	STMT_LOGOUT,         /* (session id, official, role) -> revoked */
	STMT_TOTP_BEGIN,     /* (official, sealed secret) -> JSON: see pakn_totp_begin() */
	STMT_TOTP_FETCH,     /* (official) -> sealed secret, enrolled; or no row */
	STMT_TOTP_ACCEPT,    /* (official, role, session, step, recovery hashes|NULL) -> JSON */
	STMT_RECOVERY_USE,   /* (official, role, session, code hash) -> JSON */
	STMT_MODERATE,       /* see pakn_moderate() */
	STMT_QUEUE,          /* see pakn_queue() */
	STMT_OVERDUE,        /* (official, after, limit) -> JSON: see pakn_overdue() */
	STMT_HISTORY,        /* (official, role, feedback) -> JSON or NULL */
	STMT_CONTACT,        /* (official, role, feedback) -> JSON */
	STMT_SIMILAR,        /* (official, role, feedback) -> JSON or NULL: pakn_similar_list() */
	STMT_EXPORT,         /* see pakn_export(): rows, and one audit event */
	STMT_TEMPLATE_LIST,  /* (official) -> JSON: see pakn_template_list() */
	STMT_TEMPLATE_SAVE,  /* (official, role, id|NULL, agency, title, text) -> JSON */
	STMT_TEMPLATE_DELETE, /* (official, role, id) -> JSON */
	STMT_TEMPLATE_FILL,  /* (official, role, feedback, template, action) -> JSON */
	STMT_PUBLIC_FEED,    /* (item, agency, before id, limit) -> JSON */
	STMT_RATE_ANSWER,    /* (tracking code, secret hash, rating) -> JSON */
	STMT_SATISFACTION,   /* (group, period, plan, from, to, min count) -> rows */
	STMT_RESPONSES,      /* (group, plan, from, to, as of) -> rows */
	STMT_QUARTERLY,      /* (plan, first day of the quarter, min count) -> rows */
	STMT_METRICS_FOLD,   /* (plan or null) -> log indexes folded (functions/rollups.sql), the
			      * plan's title and province (null: no such plan) */
	STMT_EACH_SECOND,    /* () -> the fold, expired duplicate look-ups, then escalations */
	STMT_SEARCH_FOLD,    /* () -> texts folded for search (after STMT_EACH_SECOND) */
	STMT_SIMILAR_SCAN,   /* () -> feedback scanned for similar ones (after STMT_SEARCH_FOLD) */
	STMT_CATALOG_VERSION, /* () -> the catalog's version (reply_cache.h) */
	STMT_TLOG_ADVANCE,     /* () -> JSON: size, root, last checkpoint (tlog_publish.c) */
	STMT_TLOG_CONSISTENCY, /* (from, to) -> JSON proof */
	STMT_TLOG_INCLUSION,   /* (index, size) -> JSON proof */
	STMT_TLOG_ENTRIES,     /* (start, end) -> JSON */
	STMT_TLOG_PUBLISH,     /* (size, root base64, note) */
	STMT_TLOG_CHECKPOINT,  /* () -> the newest signed note, with its cosignatures */
	STMT_TLOG_COSIGNATURE_STORE, /* (size, witness, key id hex, line, timestamp) (tlog_witness.c) */
	STMT_COUNT
};

struct db_stmt_def {
	const char *name;
	const char *sql;
	int nparams;
};

extern const struct db_stmt_def db_stmts[STMT_COUNT];

#endif
