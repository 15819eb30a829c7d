# Sourced, from the checkout's root, by tests/sql/upgrade.sh and tests/run.sh: the databases
# of the cluster tests/run.sh started, and one made the way paknctl made it before
# sql/functions/ existed, which both upgrade and then check (the first by pg_dump, the
# second by running the integration tests on it).
: "${PAKN_TEST_PGDIR:?run from tests/run.sh}"
BEFORE=5682d45d89259971db1cea3781dd8904f91f7b34 # the last commit with functions in 0NN_*.sql
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

db_url() { tools/pgcluster.sh url "$PAKN_TEST_PGDIR" | sed "s/dbname=pakn/dbname=$1/"; }
psql_on() {
	db=$1
	shift
	PGOPTIONS='-c client_min_messages=warning' "$PGBIN/psql" "$(db_url "$db")" -X -q \
		-v ON_ERROR_STOP=1 "$@"
}
new_db() { psql_on postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null; }

# Database $1 as the old paknctl left it: the numbered migrations as they were at BEFORE,
# functions and all, each file in its own transaction and recorded. Returns 77 when BEFORE
# is not in this checkout (a shallow clone), 1 with the failing file on stderr.
old_db() {
	git cat-file -e "$BEFORE^{commit}" 2>/dev/null || return 77
	new_db "$1" || return 1
	psql_on "$1" -c "CREATE TABLE schema_migrations (version text PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now())" >/dev/null || return 1
	for f in $(git ls-tree --name-only "$BEFORE" sql/ | grep -E '/[0-9]{3}_[^/]*\.sql$'); do
		git show "$BEFORE:$f" | psql_on "$1" -1 -f - \
			-c "INSERT INTO schema_migrations (version) VALUES ('$(basename "$f" .sql)')" \
			>/dev/null || { echo "$f at $BEFORE does not apply" >&2; return 1; }
	done
}

# Database $2 as the service left it at commit $1: its numbered migrations, each in its own
# transaction and recorded, then its function files in the order of its functions/ORDER.
# Returns 1 with the failing file on stderr.
db_at() {
	new_db "$2" || return 1
	psql_on "$2" -c "CREATE TABLE schema_migrations (version text PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now())" >/dev/null || return 1
	for f in $(git ls-tree --name-only "$1" sql/ | grep -E '/[0-9]{3}_[^/]*\.sql$'); do
		git show "$1:$f" | psql_on "$2" -1 -f - \
			-c "INSERT INTO schema_migrations (version) VALUES ('$(basename "$f" .sql)')" \
			>/dev/null || { echo "migration $f at $1 does not apply" >&2; return 1; }
	done
	for f in $(git show "$1:sql/functions/ORDER" | grep -v -e '^#' -e '^$'); do
		git show "$1:sql/functions/$f" | psql_on "$2" -1 -f - >/dev/null ||
			{ echo "function file $f at $1 does not apply" >&2; return 1; }
	done
}
