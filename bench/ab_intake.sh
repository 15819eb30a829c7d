#!/bin/bash
# bench/ab_intake.sh REV [ROUNDS]: the service's CPU time per stored submission, this
# checkout against commit REV, in alternating rounds on one machine (so drift over minutes
# hits both alike). REV is built in a temporary worktree (release flags); each version gets
# its own database in one throwaway PostgreSQL, migrated by its own paknctl from its own
# sql/. Each round: start the server, wrk -c32 for 10 s with bench/wrk/intake.lua, read the
# server's utime + stime from /proc before and after, count the rows stored. Prints one
# line per run and the median of the rounds' ratios. Figures, not pass/fail; needs wrk.
set -eu
cd "$(dirname "$0")/.."
rev=${1:?usage: bench/ab_intake.sh REV [ROUNDS]}
rounds=${2:-5}
tmp=$(mktemp -d /tmp/pakn-ab.XXXXXX)
chmod 755 "$tmp"
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null
	tools/pgcluster.sh stop "$tmp/pg" >/dev/null 2>&1 || true
	git worktree remove --force "$tmp/old" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
make --no-print-directory build >/dev/null
git worktree add -q --detach "$tmp/old" "$rev"
make --no-print-directory -C "$tmp/old" binaries B=build/release MODE_FLAGS=-O2 >/dev/null
declare -A tree=([old]="$tmp/old" [new]="$(pwd)")
tools/pgcluster.sh start "$tmp/pg" >/dev/null
base=$(tools/pgcluster.sh url "$tmp/pg")
for v in old new; do
	psql "$base" -qc "CREATE DATABASE pakn_$v"
	url=${base/dbname=pakn/dbname=pakn_$v}
	(cd "${tree[$v]}" && PAKN_DATABASE_URL=$url build/release/paknctl migrate sql >/dev/null &&
		for p in data/plans/*.txt; do
			PAKN_DATABASE_URL=$url build/release/paknctl import-plan "$p" >/dev/null
		done)
done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tck=$(getconf CLK_TCK)
declare -A cpu
for round in $(seq "$rounds"); do
	for v in old new; do
		url=${base/dbname=pakn/dbname=pakn_$v}
		PAKN_DATABASE_URL=$url PAKN_LISTEN=127.0.0.1:$port PAKN_KEY_DIR=$tmp/keys_$v \
			PAKN_INTAKE_RATE=100000 PAKN_INTAKE_BURST=100000 \
			"${tree[$v]}/build/release/pakn-server" >"$tmp/server_$v.log" 2>&1 &
		server=$!
		for _ in $(seq 100); do curl -sf "127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
		before=$(psql "$url" -Atc "SELECT count(*) FROM feedback")
		read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$server/stat")
		wrk -t2 -c32 -d10s -s bench/wrk/intake.lua "http://127.0.0.1:$port" >"$tmp/wrk" 2>&1
		read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$server/stat")
		sleep 0.5
		rows=$(($(psql "$url" -Atc "SELECT count(*) FROM feedback") - before))
		kill "$server"
		wait "$server" 2>/dev/null || true
		server=
		us=$(python3 -c "print(round(($u1 + $s1 - $u0 - $s0) / $tck * 1e6 / max($rows, 1), 1))")
		cpu[$v]="${cpu[$v]:-} $us"
		echo "round $round  $v  rows $rows  req/s $(awk '/Requests\/sec/ {print $2}' "$tmp/wrk")  service CPU µs per row $us"
	done
done
# The machine's speed drifts over minutes: compare within a round, then take the median.
python3 - "$rev" "${cpu[old]}" "${cpu[new]}" <<'PY'
import statistics, sys
rev, old, new = sys.argv[1], list(map(float, sys.argv[2].split())), list(map(float, sys.argv[3].split()))
ratios = [n / o for o, n in zip(old, new)]
print("service CPU µs per stored submission, %s: %s; this checkout: %s" % (rev, old, new))
print("this checkout ÷ %s, per round: %s; median %.3f" % (
    rev, " ".join("%.3f" % r for r in ratios), statistics.median(ratios)))
PY
