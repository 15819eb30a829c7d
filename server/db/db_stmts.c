/* db_stmts.c - the statement catalog (see db_stmts.h). Every JSON reply is built by the
 * database so the C side only passes text through. */
#include "db/db_stmts.h"

const struct db_stmt_def db_stmts[STMT_COUNT] = {
	[STMT_PING] = {"ping", "SELECT 1", 0},

	[STMT_PLANS] = {"plans",
		"SELECT json_build_object('plans', coalesce(json_agg(pakn_plan_doc(id) ORDER BY code),"
		" '[]'))::text FROM plan", 0},

	[STMT_PLAN_GET] = {"plan_get", "SELECT pakn_plan_doc(id)::text FROM plan WHERE code = $1", 1},

	/* q is folded text, matched as a phrase at the start of a word: "so hoa" finds
	 * "số hóa" (digitisation) but not "sở" and "hóa" apart. Every match, in order, one
	 * stored document a row: catalog.c keeps them once and cuts the pages (catalog_page.h).
	 * $6 is the scope (item, section, plan or all); a plan's own item has no section.
	 * In each plan its tasks come before its indicators (docs/catalog.md, "Order"). */
	[STMT_ITEMS] = {"items",
		"SELECT coalesce(it.doc::text, 'null')"
		" FROM plan_item it"
		" JOIN plan p ON p.id = it.plan_id"
		" LEFT JOIN plan_section s ON s.id = it.section_id"
		" WHERE ($1::text IS NULL OR p.code = $1)"
		"   AND ($6::text = 'all' OR it.scope = $6)"
		"   AND ($2::text IS NULL OR it.kind = $2)"
		"   AND ($3::text IS NULL OR s.code = $3)"
		"   AND ($4::text IS NULL OR EXISTS ("
		"         SELECT 1 FROM plan_item_agency x JOIN agency a ON a.id = x.agency_id"
		"         WHERE x.item_id = it.id AND a.code = $4))"
		"   AND ($5::text IS NULL OR strpos(' ' || it.search_text, ' ' || $5) > 0)"
		" ORDER BY p.code, array_position(ARRAY['plan', 'section', 'item'], it.scope),"
		"   it.kind = 'indicator', it.position", 6},

	[STMT_ITEM_GET] = {"item_get", "SELECT doc::text FROM plan_item WHERE code = $1", 1},

	[STMT_AGENCIES] = {"agencies",
		"SELECT json_build_object('agencies', coalesce(json_agg(json_build_object("
		"    'code', a.code, 'name', a.name, 'province', a.province,"
		"    'items', (SELECT json_agg(json_build_object('code', it.code, 'role', x.role)"
		"                              ORDER BY p.code, it.position)"
		"              FROM plan_item_agency x"
		"              JOIN plan_item it ON it.id = x.item_id"
		"              JOIN plan p ON p.id = it.plan_id"
		"              WHERE x.agency_id = a.id AND it.scope = 'item'"
		"                AND ($1::text IS NULL OR p.code = $1)))"
		"  ORDER BY a.province, a.name), '[]'))::text"
		" FROM agency a"
		" WHERE $1::text IS NULL OR EXISTS ("
		"   SELECT 1 FROM plan_item_agency x JOIN plan_item it ON it.id = x.item_id"
		"   JOIN plan p ON p.id = it.plan_id WHERE x.agency_id = a.id AND p.code = $1)", 1},

	/* No row: no such item; false: no agency answers it (pakn_intake_batch refuses it). */
	[STMT_ITEM_EXISTS] = {"item_exists",
		"SELECT EXISTS (SELECT 1 FROM plan_item_agency x WHERE x.item_id = it.id)"
		" FROM plan_item it WHERE it.code = $1", 1},

	[STMT_RESERVE_IDS] = {"reserve_ids", "SELECT nextval('feedback_id_block')", 0},

	/* One statement, so one transaction: its reply arrives after the commit. */
	[STMT_INTAKE] = {"intake", "SELECT pakn_intake_batch($1::json)::text", 1},

	[STMT_FEEDBACK_STATUS] = {"feedback_status",
		"SELECT pakn_feedback_status($1)::text", 1},

	/* A session is good while not revoked, not past its end, used within the idle time
	 * (browser sessions), and its official not disabled; using it moves last_seen_at. */
	[STMT_SESSION_CHECK] = {"session_check",
		"UPDATE official_session s SET last_seen_at = now()"
		" FROM official o"
		" WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()"
		"   AND (s.kind = 'bearer' OR s.last_seen_at > now() - make_interval(secs => $2::int))"
		"   AND o.id = s.official_id AND NOT o.disabled"
		" RETURNING o.id, array_to_string(o.roles, ','), o.username, o.display_name, s.kind, s.id,"
		"   (SELECT coalesce(json_agg(a.code ORDER BY a.code), '[]')"
		"    FROM official_agency oa JOIN agency a ON a.id = oa.agency_id"
		"    WHERE oa.official_id = o.id)::text,"
		"   s.second_factor_at IS NOT NULL,"
		"   EXISTS (SELECT 1 FROM official_totp t"
		"           WHERE t.official_id = o.id AND t.enrolled_at IS NOT NULL)", 2},

	[STMT_LOGIN_FETCH] = {"login_fetch",
		"SELECT id, password_hash, array_to_string(roles, ',') FROM official"
		" WHERE username = $1 AND NOT disabled", 1},

	[STMT_LOGIN_OK] = {"login_ok",
		"WITH pw AS (UPDATE official SET password_hash = coalesce($4, password_hash)"
		"            WHERE id = $1::int RETURNING array_to_string(roles, ',') AS roles),"
		" s AS (INSERT INTO official_session (official_id, kind, token_hash, expires_at)"
		"       VALUES ($1::int, 'browser', $2, now() + make_interval(secs => $3::int))"
		"       RETURNING id)"
		" SELECT s.id, pakn_audit($1::int, pw.roles, NULL, 'login', NULL, NULL, NULL, NULL),"
		"   EXISTS (SELECT 1 FROM official_totp t"
		"           WHERE t.official_id = $1::int AND t.enrolled_at IS NOT NULL)"
		" FROM s, pw", 4},

	[STMT_AUDIT] = {"audit",
		"SELECT pakn_audit($1::int, $2, $3::bigint, $4, $5, $6, NULL, NULL)", 6},

	[STMT_LOGOUT] = {"logout",
		"WITH r AS (UPDATE official_session SET revoked_at = now()"
		"           WHERE id = $1::bigint AND revoked_at IS NULL RETURNING id)"
		" SELECT count(*) FROM r, LATERAL (SELECT pakn_audit($2::int, $3, NULL, 'logout',"
		"   NULL, NULL, NULL, NULL)) a", 3},

	/* The second factor: sql/functions/second_factor.sql. */
	[STMT_TOTP_BEGIN] = {"totp_begin", "SELECT pakn_totp_begin($1::int, $2)::text", 2},
	[STMT_TOTP_FETCH] = {"totp_fetch",
		"SELECT secret_enc, enrolled_at IS NOT NULL FROM official_totp"
		" WHERE official_id = $1::int", 1},
	[STMT_TOTP_ACCEPT] = {"totp_accept",
		"SELECT pakn_totp_accept($1::int, $2, $3::bigint, $4::bigint, $5::text[])::text", 5},
	[STMT_RECOVERY_USE] = {"recovery_use",
		"SELECT pakn_recovery_use($1::int, $2, $3::bigint, $4)::text", 4},

	/* The steps of one action (pakn_moderate_steps), all or none. */
	[STMT_MODERATE] = {"moderate",
		"SELECT pakn_moderate_steps($1::int, $2::bigint, $3::json, $4, $5, $6, $7,"
		" $8::timestamptz, $9, $10, $11, $12::bigint, $13::json)::text", 13},

	[STMT_QUEUE] = {"queue",
		"SELECT pakn_queue($1::int, $2, $3, $4, $5, $6::int, $7::int, $8::date, $9::date, $10,"
		" $11, $12::boolean, $13::bigint, $14::int, $15::int)::text", 15},

	[STMT_OVERDUE] = {"overdue", "SELECT pakn_overdue($1::int, $2::bigint, $3::int)::text", 3},

	[STMT_HISTORY] = {"history", "SELECT pakn_history($1::int, $2, $3::bigint)::text", 3},

	[STMT_CONTACT] = {"contact", "SELECT pakn_contact($1::int, $2, $3::bigint)::text", 3},

	[STMT_SIMILAR] = {"similar", "SELECT pakn_similar_list($1::int, $2, $3::bigint)::text", 3},

	[STMT_EXPORT] = {"export",
		"SELECT * FROM pakn_export($1::int, $2, $3, $4, $5, $6, $7::int, $8::date, $9::date,"
		" $10::int, $11::boolean, $12)", 12},

	/* Answer templates: sql/functions/templates.sql. */
	[STMT_TEMPLATE_LIST] = {"template_list", "SELECT pakn_template_list($1::int)::text", 1},
	[STMT_TEMPLATE_SAVE] = {"template_save",
		"SELECT pakn_template_save($1::int, $2, $3::int, $4, $5, $6)::text", 6},
	[STMT_TEMPLATE_DELETE] = {"template_delete",
		"SELECT pakn_template_delete($1::int, $2, $3::int)::text", 3},
	[STMT_TEMPLATE_FILL] = {"template_fill",
		"SELECT pakn_template_fill($1::int, $2, $3::bigint, $4::int, $5)::text", 5},

	[STMT_PUBLIC_FEED] = {"public_feed",
		"SELECT pakn_public_feed($1, $2, $3::bigint, $4::int)::text", 4},

	[STMT_RATE_ANSWER] = {"rate_answer",
		"SELECT pakn_rate_answer($1, $2, $3::int)::text", 3},

	[STMT_SATISFACTION] = {"satisfaction",
		"SELECT * FROM pakn_satisfaction($1, $2, $3, $4::date, $5::date, $6::int)", 6},

	[STMT_RESPONSES] = {"responses",
		"SELECT * FROM pakn_responses($1, $2, $3::date, $4::date,"
		" coalesce($5::date, pakn_local_day(now())))", 5},

	[STMT_QUARTERLY] = {"quarterly",
		"SELECT * FROM pakn_quarterly($1, $2::date,"
		" pakn_local_day(now()), $3::int)", 3},

	[STMT_METRICS_FOLD] = {"metrics_fold",
		"SELECT pakn_rollup_fold(), p.title, p.province"
		" FROM (VALUES (1)) one LEFT JOIN plan p ON p.code = $1", 1},
	[STMT_EACH_SECOND] = {"each_second",
		"SELECT pakn_rollup_fold(), pakn_intake_expire(), pakn_escalate(100)", 0},
	[STMT_SEARCH_FOLD] = {"search_fold", "SELECT pakn_search_fold()", 0},
	[STMT_SIMILAR_SCAN] = {"similar_scan", "SELECT pakn_similar_scan(50)", 0},

	[STMT_CATALOG_VERSION] = {"catalog_version", "SELECT v FROM catalog_version", 0},

	[STMT_TLOG_ADVANCE] = {"tlog_advance", "SELECT pakn_tlog_advance()::text", 0},
	[STMT_TLOG_CONSISTENCY] = {"tlog_consistency",
		"SELECT pakn_tlog_consistency($1::bigint, $2::bigint)::text", 2},
	[STMT_TLOG_INCLUSION] = {"tlog_inclusion",
		"SELECT pakn_tlog_inclusion($1::bigint, $2::bigint)::text", 2},
	[STMT_TLOG_ENTRIES] = {"tlog_entries",
		"SELECT pakn_tlog_entries($1::bigint, $2::bigint)::text", 2},
	[STMT_TLOG_PUBLISH] = {"tlog_publish",
		"INSERT INTO tlog_checkpoint (size, root, note) VALUES ($1::bigint,"
		" decode($2, 'base64'), $3) ON CONFLICT (size) DO NOTHING", 3},
	[STMT_TLOG_CHECKPOINT] = {"tlog_checkpoint",
		"SELECT c.note || coalesce((SELECT string_agg(w.line, '' ORDER BY w.witness, w.key_id)"
		" FROM tlog_cosignature w WHERE w.size = c.size), '')"
		" FROM tlog_checkpoint c ORDER BY c.size DESC LIMIT 1", 0},
	[STMT_TLOG_COSIGNATURE_STORE] = {"tlog_cosignature_store",
		"INSERT INTO tlog_cosignature (size, witness, key_id, line, signed_at)"
		" VALUES ($1::bigint, $2, $3, $4, to_timestamp($5::bigint))"
		" ON CONFLICT (size, witness, key_id) DO UPDATE"
		" SET line = EXCLUDED.line, signed_at = EXCLUDED.signed_at", 5},
};
