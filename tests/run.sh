#!/bin/sh
# `make test`: a throwaway PostgreSQL cluster, migrations, both seed plans, the include
# layers (tools/check_layers.py), then every unit and integration test binary built with
# AddressSanitizer and UndefinedBehaviorSanitizer, then the integration tests a second time
# on an upgraded database (made by the migrations of before sql/functions/, then the current
# ones; suites named "upgraded: test_..."), the check that an older database migrates to the
# same schema as a new one (tests/sql/upgrade.sh), then the browser tests (Chromium against
# the ASan server). TESTS=<name> runs one binary, on both databases if it is an integration
# test. Prints one closing line:
# "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
# make test-valgrind and make test-tsan run the same binaries from another build
# (PAKN_TEST_BUILD), the server under PAKN_SERVER_WRAPPER (tests/integration/harness.h).
BIN=${PAKN_TEST_BUILD:-build/asan}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

PAKN_TEST_TMP=$(mktemp -d /tmp/pakn-test.XXXXXX)
chmod 755 "$PAKN_TEST_TMP"
export PAKN_TEST_TMP
export PAKN_TEST_PGDIR="$PAKN_TEST_TMP/pg"
export PAKN_SERVER_BIN="$BIN/pakn-server"
export PAKNCTL_BIN="$BIN/paknctl"
export PAKN_VERIFY_BIN="$BIN/pakn-verify"
export PAKN_WITNESS_BIN="$BIN/pakn-witness"
export PAKN_KEY_DIR="$PAKN_TEST_TMP/keys"
# make test-tsan: ThreadSanitizer writes its reports to files (tsan.<pid>), not into the
# server's stderr, whose log lines the tests read; run_suite fails a suite that leaves one.
if [ -n "${TSAN_OPTIONS:-}" ]; then
	export TSAN_OPTIONS="$TSAN_OPTIONS log_path=$PAKN_TEST_TMP/tsan"
fi
cleanup() {
	tools/pgcluster.sh stop "$PAKN_TEST_PGDIR"
	rm -rf "$PAKN_TEST_TMP"
}
trap cleanup EXIT

tools/pgcluster.sh start "$PAKN_TEST_PGDIR" || exit 1
PAKN_DATABASE_URL=$(tools/pgcluster.sh url "$PAKN_TEST_PGDIR")
export PAKN_DATABASE_URL

# The current migrations and both seed plans, into the database of PAKN_DATABASE_URL.
seed() {
	"$PAKNCTL_BIN" migrate sql >/dev/null || return 1
	for plan in data/plans/*.txt; do
		"$PAKNCTL_BIN" import-plan "$plan" >/dev/null || return 1
	done
}
seed || exit 1

passed=0
failed=0
skipped=0
failed_names=""
# Runs one suite (name, then the command) and counts its TAP lines: cmocka's, and
# node --test's top-level ones (subtests are indented).
run_suite() {
	name=$1
	shift
	out="$PAKN_TEST_TMP/$(printf '%s' "$name" | tr -c 'A-Za-z0-9_.-' _).out"
	CMOCKA_MESSAGE_OUTPUT=TAP timeout 900 "$@" >"$out" 2>&1
	rc=$?
	ok=$(grep -c '^ok ' "$out")
	bad=$(grep '^not ok ' "$out" | grep -vc '# SKIP')
	skip=$(grep -c '^not ok .*# SKIP' "$out")
	skipped=$((skipped + skip))
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad=1 # crashed, sanitizer report, or a failed group setup
	fi
	for report in "$PAKN_TEST_TMP"/tsan.*; do
		[ -f "$report" ] || continue
		[ "$bad" -eq 0 ] && bad=1
		cat "$report" >>"$out"
		rm -f "$report"
	done
	passed=$((passed + ok))
	failed=$((failed + bad))
	if [ "$bad" -gt 0 ]; then
		failed_names="$failed_names $name"
		echo "FAIL $name (exit $rc)"
		cat "$out"
		for log in "$PAKN_TEST_TMP"/*.log; do
			[ -f "$log" ] && { echo "--- server log $log"; tail -50 "$log"; }
		done
	else
		echo "ok   $name ($ok)"
	fi
	rm -f "$PAKN_TEST_TMP"/*.log
}

# The include layers of docs/architecture.md, and no include cycles (tools/check_layers.py).
case "${TESTS:-layers}" in
layers)
	run_suite layers python3 tools/check_layers.py
	;;
esac
# docs/test-vectors/ is what tools/gen_test_vectors.py computes from the docs (test_vectors
# checks the C code against the files).
case "${TESTS:-vectors_fresh}" in
vectors_fresh)
	run_suite vectors_fresh sh -c '/usr/bin/python3 tools/gen_test_vectors.py --check &&
		echo "ok 1 - docs/test-vectors/ is what tools/gen_test_vectors.py writes"'
	;;
esac
# TESTS=metrics_api runs one binary (TESTS="a b" several); TESTS=browser only the browser
# tests. A unit test is named by its file whatever its folder: TESTS=moderation runs
# tests/unit/officials/test_moderation.c (the Makefile builds it as build/<mode>/tests/).
integration=""
for name in ${TESTS:-ALL}; do
	[ "$name" = ALL ] && name='*'
	for t in "$BIN"/tests/test_$name; do
		[ -x "$t" ] || continue
		run_suite "$(basename "$t")" "$t"
		[ -f "tests/integration/$(basename "$t").c" ] && integration="$integration $t"
	done
done
# The integration tests that ran above, again on a database made by the migrations of
# before sql/functions/ (tests/sql/lib.sh), then the current `paknctl migrate` and the seed
# plans: an upgraded install must behave as a new one. Its suites are named "upgraded: ...";
# without that old commit (a shallow clone) the pass counts as skipped.
upgraded_pass() {
	err="$PAKN_TEST_TMP/upgraded_db.err"
	url=$(. tests/sql/lib.sh && db_url pakn_upgraded)
	# test_tlog_api makes a database of its own: a copy of this one, not a new one.
	(. tests/sql/lib.sh && old_db pakn_upgraded && PAKN_DATABASE_URL=$url && seed &&
		psql_on postgres -c "CREATE DATABASE pakn_upgraded_seeded TEMPLATE pakn_upgraded") \
		>"$err" 2>&1
	case $? in
	0) ;;
	77)
		run_suite "upgraded: database" echo "not ok 1 - the commit before sql/functions/" \
			"is not in this checkout (a shallow clone?): the integration tests did not run" \
			"on an upgraded database # SKIP"
		return
		;;
	*)
		run_suite "upgraded: database" sh -c 'cat "$1"; exit 1' sh "$err"
		return
		;;
	esac
	for t in $integration; do
		run_suite "upgraded: $(basename "$t")" env PAKN_DATABASE_URL="$url" \
			PAKN_TEST_DB_TEMPLATE=pakn_upgraded_seeded "$t"
	done
}
# make test-valgrind and make test-tsan look at the process, not the schema: they skip it
# (PAKN_TEST_UPGRADED=0).
[ -n "$integration" ] && [ "${PAKN_TEST_UPGRADED:-1}" = 1 ] && upgraded_pass
# The deployment's compose file is what docker-compose accepts (no container engine runs on
# the build machines, so this is as far as it can be checked here).
case "${TESTS:-compose}" in
compose)
	run_suite compose sh -c 'docker-compose -f docker-compose.yml config -q &&
		echo "ok 1 - docker-compose config accepts docker-compose.yml"'
	;;
esac
# A database migrated before sql/functions/ existed ends up the same as a new one
# (tests/sql/upgrade.sh), so the tests above hold for both.
case "${TESTS:-sql_upgrade}" in
sql_upgrade)
	run_suite sql_upgrade tests/sql/upgrade.sh
	run_suite sql_upgrade_v2 tests/sql/upgrade_v2.sh
	run_suite sql_upgrade_031 tests/sql/upgrade_031.sh
	;;
esac
# The systemd unit is one systemd accepts, and its sandbox rates "OK" (exposure below 2 on
# systemd-analyze's scale of 10); the unit's binary path points at the one just built.
case "${TESTS:-systemd}" in
systemd)
	unit="$PAKN_TEST_TMP/pakn.service"
	sed "s|/usr/bin/pakn-server|$(pwd)/build/release/pakn-server|" deploy/systemd/pakn.service >"$unit"
	run_suite systemd sh -c "command -v systemd-analyze >/dev/null ||
		{ echo 'not ok 1 - systemd-analyze is not installed # SKIP'; exit 0; }
		systemd-analyze verify '$unit' && echo 'ok 1 - systemd-analyze verify' &&
		systemd-analyze security --offline=yes '$unit' | tail -1 |
		awk '{ if (\$(NF-1) + 0 < 2) print \"ok 2 - exposure \" \$(NF-1); else { print \"not ok 2 - exposure \" \$(NF-1); exit 1 } }'"
	;;
esac
# The pages in Chromium (tests/browser/*.test.mjs), one file at a time, each its own suite
# (so each has run_suite's time limit: all in one outgrew it on a busy machine).
case "${TESTS:-browser}" in
browser*)
	for file in tests/browser/*.test.mjs; do
		[ -e "$file" ] && run_suite "browser: $(basename "$file" .test.mjs)" node --test \
			--test-reporter=tap --test-concurrency=1 --test-timeout=180000 "$file"
	done
	;;
esac

[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
