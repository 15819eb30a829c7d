#!/bin/sh
# `make fuzz`: runs each libFuzzer target named on the command line (build/fuzz/fuzz_<name>)
# for FUZZ_SECONDS from its seed corpus. The seeds (tests/fuzz/corpus/<name>/) are copied
# into build/fuzz/corpus/<name>/, which keeps what earlier runs found; the committed corpus
# is never written. An input that crashes or breaks a property is saved as
# build/fuzz/crashes/<name>-crash-<sha1>; each run's log is build/fuzz/logs/<name>.log.
# Prints one line per target (runs, exec/s, coverage) and exits 1 if any found something.
set -u
cd "$(dirname "$0")/../.." || exit 1
B=build/fuzz
SECONDS_EACH=${FUZZ_SECONDS:-60}
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p "$B/crashes" "$B/logs"
failed=""
for name in "$@"; do
	work="$B/corpus/$name"
	log="$B/logs/$name.log"
	mkdir -p "$work"
	cp tests/fuzz/corpus/"$name"/* "$work"/
	dict=""
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	# shellcheck disable=SC2086
	"$B/fuzz_$name" -max_total_time="$SECONDS_EACH" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$B/crashes/$name-" $dict "$work" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, ft \2, corpus \3/p')
	if [ "$rc" -eq 0 ]; then
		echo "fuzz $name: ok, ${runs:-?} runs in ${SECONDS_EACH}s, ${speed:-?} exec/s, ${cov:-?}"
	else
		echo "fuzz $name: FAILED (exit $rc), ${runs:-?} runs; log $log:"
		grep -E 'ERROR|SUMMARY|property does not hold|runtime error|Test unit written' "$log" | head -n 8
		failed="$failed $name"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: findings in:$failed"
	exit 1
fi
echo "fuzz: ${SECONDS_EACH}s each, nothing found"
