#!/bin/sh
# The numbered migrations make tables, sql/functions/ every function, trigger and view
# (sql/README.md). Checks, in the cluster tests/run.sh started, that a database migrated
# before that split (the migrations as they were at BEFORE, applied the way paknctl
# applied them then, functions and all) ends up, once the current `paknctl migrate sql`
# has run on it, the same as a new database: pg_dump of both, schema and data
# (schema_migrations' rows apart), must match. Identical function bodies, triggers and
# views make identical behaviour; tests/run.sh also runs the integration tests on such a
# database (made by the same old_db of tests/sql/lib.sh). Also checks the rule as the files read (no body in a
# numbered migration, each function defined once), that a second migrate changes nothing,
# and that the comparison sees a function file left out. Prints TAP lines.
set -u
cd "$(dirname "$0")/../.."
: "${PAKNCTL_BIN:?run from tests/run.sh}"
. tests/sql/lib.sh
work=$(mktemp -d "${PAKN_TEST_TMP:-/tmp}/sql-upgrade.XXXXXX")
trap 'rm -rf "$work"' EXIT
migrate() { PAKN_DATABASE_URL=$(db_url "$1") "$PAKNCTL_BIN" migrate "$2" >"$work/$1.migrate" 2>&1; }
# Everything but schema_migrations' rows, without the lines that differ between any two
# dumps (comments, and the random key of \restrict).
dump() {
	"$PGBIN/pg_dump" "$(db_url "$1")" --exclude-table-data=schema_migrations |
		grep -v -e '^--' -e '^\\restrict' -e '^\\unrestrict' -e '^$' >"$work/$2"
}
n=0
check() { # description, then the two dumps that must be the same
	n=$((n + 1))
	if cmp -s "$work/$2" "$work/$3"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		diff -u "$work/$2" "$work/$3" | head -60 | sed 's/^/# /'
	fi
}

# The rule of sql/README.md, as the files read, with its one exception: pakn_fold, the
# function an index is built on, lives beside that index (025_search.sql).
n=1
if grep -HE '^[[:space:]]*CREATE[[:space:]]+(OR[[:space:]]+REPLACE[[:space:]]+)?(FUNCTION|PROCEDURE|VIEW|TRIGGER)' \
	sql/[0-9][0-9][0-9]_*.sql | grep -v '^sql/025_search.sql:CREATE OR REPLACE FUNCTION pakn_fold(' |
	cut -d: -f1 | sort -u | grep . >"$work/bodies"; then
	echo "not ok $n - numbered migrations define what belongs in sql/functions/:" $(cat "$work/bodies")
else
	echo "ok $n - the numbered migrations define no function, trigger or view"
fi
n=2
grep -hoE '^CREATE OR REPLACE (FUNCTION|VIEW) [a-z_0-9]+' sql/functions/*.sql | sort | uniq -d >"$work/twice"
if [ -s "$work/twice" ]; then
	echo "not ok $n - defined more than once in sql/functions/:" $(cut -d' ' -f5 "$work/twice")
else
	echo "ok $n - each function and view of sql/functions/ is defined once"
fi

new_db check_fresh
migrate check_fresh sql || { echo "not ok 3 - migrate a new database"; cat "$work/check_fresh.migrate"; exit 1; }
dump check_fresh fresh.sql
migrate check_fresh sql || { echo "not ok 3 - migrate it again"; cat "$work/check_fresh.migrate"; exit 1; }
dump check_fresh fresh_again.sql
check "a second migrate changes nothing" fresh.sql fresh_again.sql

# The database as the old paknctl left it (tests/sql/lib.sh).
old_db check_upgraded 2>"$work/old.err"
case $? in
0) ;;
77)
	echo "not ok 4 - commit $BEFORE is not in this checkout (a shallow clone?) # SKIP"
	exit 0
	;;
*)
	echo "not ok 4 - make a database as paknctl at $BEFORE did"
	sed 's/^/# /' "$work/old.err"
	exit 1
	;;
esac
migrate check_upgraded sql || { echo "not ok 4 - migrate the upgraded database"; cat "$work/check_upgraded.migrate"; exit 1; }
dump check_upgraded upgraded.sql
check "a database migrated at ${BEFORE%"${BEFORE#???????}"} is the same as a new one after migrate" \
	fresh.sql upgraded.sql

# The comparison is not blind: without the last file of ORDER, a new database differs.
cp -r sql "$work/short"
last=$(grep -v -e '^#' -e '^$' "$work/short/functions/ORDER" | tail -1)
rm "$work/short/functions/$last"
grep -v "^$last\$" sql/functions/ORDER >"$work/short/functions/ORDER"
new_db check_short
migrate check_short "$work/short" || { echo "not ok 5 - migrate without $last"; cat "$work/check_short.migrate"; exit 1; }
dump check_short short.sql
n=$((n + 1))
if cmp -s "$work/short.sql" "$work/upgraded.sql"; then
	echo "not ok $n - without functions/$last the upgraded database still looks the same"
else
	echo "ok $n - without functions/$last the comparison fails"
fi
psql_on postgres -c "DROP DATABASE check_fresh" -c "DROP DATABASE check_upgraded" \
	-c "DROP DATABASE check_short" >/dev/null
