/* db_stmts.c - the statement catalog (see db_stmts.h). Every JSON reply is built by the
 * database so the C side only passes text through. */
#include "db_stmts.h"

const struct db_stmt_def db_stmts[STMT_COUNT] = {
	[STMT_PING] = {"ping", "SELECT 1", 0},

	[STMT_PLANS] = {"plans",
		"SELECT json_build_object('plans', coalesce(json_agg(pakn_plan_doc(id) ORDER BY code),"
		" '[]'))::text FROM plan", 0},

	[STMT_PLAN_GET] = {"plan_get", "SELECT pakn_plan_doc(id)::text FROM plan WHERE code = $1", 1},

	/* q is folded text, matched as a phrase at the start of a word: "so hoa" finds
	 * "số hóa" (digitisation) but not "sở" and "hóa" apart. */
	[STMT_ITEMS] = {"items",
		"WITH m AS ("
		"  SELECT it.doc, p.code AS plan_code, it.position"
		"  FROM plan_item it"
		"  JOIN plan p ON p.id = it.plan_id"
		"  JOIN plan_section s ON s.id = it.section_id"
		"  WHERE ($1::text IS NULL OR p.code = $1)"
		"    AND ($2::text IS NULL OR it.kind = $2)"
		"    AND ($3::text IS NULL OR s.code = $3)"
		"    AND ($4::text IS NULL OR EXISTS ("
		"          SELECT 1 FROM plan_item_agency x JOIN agency a ON a.id = x.agency_id"
		"          WHERE x.item_id = it.id AND a.code = $4))"
		"    AND ($5::text IS NULL OR strpos(' ' || it.search_text, ' ' || $5) > 0))"
		"SELECT json_build_object("
		"  'items', coalesce((SELECT json_agg(pg.doc ORDER BY pg.plan_code, pg.position)"
		"                     FROM (SELECT * FROM m ORDER BY plan_code, position"
		"                           LIMIT $6::integer OFFSET $7::integer) pg), '[]'),"
		"  'total', (SELECT count(*) FROM m),"
		"  'limit', $6::integer,"
		"  'offset', $7::integer)::text", 7},

	[STMT_ITEM_GET] = {"item_get", "SELECT doc::text FROM plan_item WHERE code = $1", 1},

	[STMT_AGENCIES] = {"agencies",
		"SELECT json_build_object('agencies', coalesce(json_agg(json_build_object("
		"    'code', a.code, 'name', a.name, 'province', a.province,"
		"    'items', (SELECT json_agg(json_build_object('code', it.code, 'role', x.role)"
		"                              ORDER BY p.code, it.position)"
		"              FROM plan_item_agency x"
		"              JOIN plan_item it ON it.id = x.item_id"
		"              JOIN plan p ON p.id = it.plan_id"
		"              WHERE x.agency_id = a.id AND ($1::text IS NULL OR p.code = $1)))"
		"  ORDER BY a.province, a.name), '[]'))::text"
		" FROM agency a"
		" WHERE $1::text IS NULL OR EXISTS ("
		"   SELECT 1 FROM plan_item_agency x JOIN plan_item it ON it.id = x.item_id"
		"   JOIN plan p ON p.id = it.plan_id WHERE x.agency_id = a.id AND p.code = $1)", 1},

	[STMT_ITEM_EXISTS] = {"item_exists", "SELECT 1 FROM plan_item WHERE code = $1", 1},

	[STMT_RESERVE_IDS] = {"reserve_ids", "SELECT nextval('feedback_id_block')", 0},

	/* One statement, so one transaction: its reply arrives after the commit. */
	[STMT_INTAKE] = {"intake", "SELECT pakn_intake($1::json)::text", 1},

	[STMT_FEEDBACK_STATUS] = {"feedback_status",
		"SELECT pakn_feedback_status($1)::text", 1},
};
