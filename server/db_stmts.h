/* db_stmts.h - every SQL statement the service sends, by name. The text is in db_stmts.c;
 * the tables and functions they use are in sql/. Statements are sent unnamed
 * (PQsendQueryParams), which works through PgBouncer in transaction mode. */
#ifndef PAKN_DB_STMTS_H
#define PAKN_DB_STMTS_H

enum db_stmt {
	STMT_PING,     /* () -> 1 */
	STMT_PLANS,    /* () -> {"plans": [...]} */
	STMT_PLAN_GET, /* (code) -> plan JSON, or no row */
	STMT_ITEMS,    /* (plan, kind, section, agency, folded q, limit, offset) -> {"items",...} */
	STMT_ITEM_GET, /* (code) -> item JSON, or no row */
	STMT_AGENCIES, /* (plan) -> {"agencies": [...]} */
	STMT_ITEM_EXISTS,    /* (code) -> a row if the item exists */
	STMT_RESERVE_IDS,    /* () -> the first of 256 feedback ids */
	STMT_INTAKE,         /* (batch json) -> one result per row, see sql/002_feedback.sql */
	STMT_FEEDBACK_STATUS, /* (tracking code) -> status JSON, or no row */
	STMT_COUNT
};

struct db_stmt_def {
	const char *name;
	const char *sql;
	int nparams;
};

extern const struct db_stmt_def db_stmts[STMT_COUNT];

#endif
