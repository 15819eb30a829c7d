#!/bin/sh
# A database holding plans and feedback from before sql/031_plan_scope.sql (the plans' and
# sections' own items, the kinds initiative and solution; docs/catalog.md) is migrated by the
# current paknctl: then its plans have the same own items, links and documents as plans
# imported on a new database (the migration writes what pakn_import_plan writes), every
# document says its scope, the old feedback and its items are untouched, feedback on the
# new items and of the new kinds is stored and counted, and importing again or migrating
# again changes nothing. Prints TAP.
set -u
cd "$(dirname "$0")/../.."
: "${PAKNCTL_BIN:?run from tests/run.sh}"
. tests/sql/lib.sh
V=367147d # the last commit before sql/031_plan_scope.sql
git cat-file -e "$V^{commit}" 2>/dev/null || {
	echo "ok 1 - # SKIP commit $V is not in this checkout (a shallow clone?)"
	exit 0
}
old=pakn_before_031
new=pakn_after_031
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
q() { psql_on "$1" -At -c "$2"; }
same() { # what, database query; the same on both databases
	a=$(q $old "$2")
	b=$(q $new "$2")
	[ "$a" = "$b" ] && [ -n "$a" ] && ok "$1" || fail "$1" "upgraded: $(echo "$a" | head -c 600)" \
		"new:      $(echo "$b" | head -c 600)"
}
import() {
	for p in data/plans/*.txt; do
		PAKN_DATABASE_URL=$(db_url "$1") "$PAKNCTL_BIN" import-plan "$p" >/dev/null || return 1
	done
}
migrate() { PAKN_DATABASE_URL=$(db_url "$1") "$PAKNCTL_BIN" migrate sql >/dev/null; }
# One intake batch row: $1 id, $2 item, $3 kind.
row() {
	h=$(printf 'submission %s' "$1" | sha256sum | cut -c1-64)
	printf '{"id":%s,"tracking_code":"UPUP-UPUP-UPUP-UP%02d-0","item_code":"%s","rating":4,
		"kind":"%s","body":"Góp ý %s","consent_publish":false,"consent_contact":false,
		"submission_hash":"%s","secret_hash":"%s","key_id":"0123456789abcdef",
		"handle":"%s","salt":"%s","commitment":"%s"}' "$1" "$1" "$2" "$3" "$1" "$h" "$h" \
		"$(echo "$h" | cut -c1-32)" "$h" "$h"
}
# What the batch $2 (rows) did, row by row, on database $1.
stored() {
	q "$1" "SELECT string_agg(r->>'status', ' ')
		FROM json_array_elements(pakn_intake_batch('[$2]'::json)->'rows') r"
}

# Before: the service at $V, its plans imported, feedback on two items.
err="${PAKN_TEST_TMP:-/tmp}/before_031.err"
db_at "$V" $old 2>"$err" && import $old 2>>"$err" ||
	{ fail "a database at $V holding both plans" "$(cat "$err")"; exit 1; }
[ "$(stored $old "$(row 1 LC-T25 opinion),$(row 2 DB-I03 proposal)")" = "created created" ] ||
	{ fail "feedback stored at $V"; exit 1; }
items_before=$(q $old "SELECT string_agg(id || '=' || code, ' ' ORDER BY id) FROM plan_item")
feedback_before=$(q $old "SELECT string_agg(f.tracking_code || '>' || it.code || ':' || f.kind, ' '
	ORDER BY f.id) FROM feedback f JOIN plan_item it ON it.id = f.item_id")

migrate $old || { fail "the current migrate on it"; exit 1; }
new_db $new && migrate $new && import $new || { fail "a new database with both plans"; exit 1; }

same "the plans' and sections' own items are those an import makes" \
	"SELECT string_agg(concat_ws('|', p.code, it.code, it.scope, it.kind, it.number, it.title,
		it.position, it.search_text, s.code, it.deadline_kind), E'\n' ORDER BY it.code)
	 FROM plan_item it JOIN plan p ON p.id = it.plan_id
	 LEFT JOIN plan_section s ON s.id = it.section_id WHERE it.scope <> 'item'"
same "and answered by the same agency" \
	"SELECT string_agg(it.code || ' ' || a.code || ' ' || x.role, E'\n' ORDER BY it.code)
	 FROM plan_item it JOIN plan_item_agency x ON x.item_id = it.id
	 JOIN agency a ON a.id = x.agency_id WHERE it.scope <> 'item'"
same "every item's document is what a new database stores, scope included" \
	"SELECT string_agg(code || ' ' || doc::text, E'\n' ORDER BY code) FROM plan_item"
same "the plans' documents too" \
	"SELECT string_agg(pakn_plan_doc(id)::jsonb - 'imported_at' #>> '{}', E'\n' ORDER BY code)
	 FROM plan"
[ "$(q $old "SELECT count(*) FROM plan_item WHERE doc->>'scope' IS NULL")" = 0 ] &&
	[ "$(q $old "SELECT count(*) FROM plan_item WHERE scope = 'plan'")" = 2 ] &&
	ok "two whole-plan items, no document without its scope" ||
	fail "whole-plan items or documents"
[ "$(q $old "SELECT string_agg(id || '=' || code, ' ' ORDER BY id) FROM plan_item
	WHERE scope = 'item'")" = "$items_before" ] &&
	ok "the real items keep their ids" || fail "real items changed"
[ "$(q $old "SELECT string_agg(f.tracking_code || '>' || it.code || ':' || f.kind, ' '
	ORDER BY f.id) FROM feedback f JOIN plan_item it ON it.id = f.item_id")" = "$feedback_before" ] &&
	ok "the old feedback keeps its items" || fail "old feedback changed"

# After: feedback on the new items, of the new kinds, stored and counted.
got=$(stored $old \
	"$(row 3 LC-2026 initiative),$(row 4 LC-T-V solution),$(row 5 DB-I-II initiative)")
[ "$got" = "created created created" ] && ok "feedback on LC-2026, LC-T-V, DB-I-II stored" ||
	fail "feedback on the new items" "$got"
q $old "SELECT pakn_rollup_fold()" >/dev/null
got=$(q $old "SELECT string_agg(group_code || '=' || count || ':' || scope, ' ' ORDER BY group_code)
	FROM pakn_satisfaction('section', 'year', 'LC-2026', NULL, NULL, 1)")
case " $got " in
*" LC-2026:plan=1:plan LC-2026:task:V=1:section "*) ok "counted by section: $got" ;;
*) fail "counted by section" "$got" ;;
esac
got=$(q $old "SELECT string_agg(group_code || '=' || count, ' ' ORDER BY group_code)
	FROM pakn_satisfaction('kind', 'year', NULL, NULL, NULL, 1)")
case " $got " in
*" initiative=2 "*"solution=1 "*) ok "counted by kind: $got" ;;
*) fail "counted by kind" "$got" ;;
esac

# Again: nothing moves.
own="SELECT string_agg(id || '=' || code, ' ' ORDER BY id) FROM plan_item WHERE scope <> 'item'"
own_before=$(q $old "$own")
version=$(q $old "SELECT v FROM catalog_version")
migrate $old && [ "$(q $old "SELECT v FROM catalog_version")" = "$version" ] &&
	ok "a second migrate changes nothing" || fail "a second migrate moved the catalog"
import $old && [ "$(q $old "$own")" = "$own_before" ] &&
	ok "importing again keeps the own items' ids" || fail "import again" "$(q $old "$own")"
psql_on postgres -c "DROP DATABASE $old" -c "DROP DATABASE $new" >/dev/null
echo "1..$n"
