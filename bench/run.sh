#!/bin/sh
# `make bench`: throughput side by side in one run, on one machine, so the ratios mean
# something on a shared, noisy machine. A throwaway PostgreSQL, the service (release
# build), PostGraphile and a bare libevent server all start first; then, in ROUNDS rounds
# (default 5), for each of 8, 32 and 256 connections, one after another for DURATION
# seconds each (default 10):
#   intake    wrk POSTs varied Vietnamese submissions (bench/wrk/intake.lua); rows stored
#             are counted against the 201 replies;
#   peer      PostGraphile (bench/peer, from its lockfile) serving a createFeedback mutation
#             on the same table (bench/wrk/postgraphile.lua);
#   ceiling   pgbench inserting the same rows into the same table, one per transaction
#             (bench/pgbench/insert.sql) and ten per transaction (batch.sql);
# and reads: GET /api/v1/items/{code} and /api/v1/items?q=… against the bare libevent
# server (bench/hello.c), the HTTP ceiling, at 8 and 32 connections. Each ratio is taken
# within a round, between runs seconds apart, and the result is the median over the
# rounds: the machine's speed drifts over minutes. Also the service's CPU time per request
# (/proc/PID/stat), the whole machine's (/proc/stat) with the share of each run it waited
# for the disk or had its cores taken by the host, and the service's peak RSS, and what
# proving one submission costs (bench/receipt_cost.c, receipts v1 against v2). Writes
# bench/results/bench-<date>T<time>Z.md (UTC; several runs a day are kept side by side).
# Figures, not pass/fail.
set -eu
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-5}
BIN=build/release
tmp=$(mktemp -d /tmp/pakn-bench.XXXXXX)
chmod 755 "$tmp"
server=
hello=
peer=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null
	[ -n "$hello" ] && kill "$hello" 2>/dev/null
	[ -n "$peer" ] && kill "$peer" 2>/dev/null
	tools/pgcluster.sh stop "$tmp/pg"
	rm -rf "$tmp"
}
trap cleanup EXIT

tools/pgcluster.sh start "$tmp/pg"
PAKN_DATABASE_URL=$(tools/pgcluster.sh url "$tmp/pg")
export PAKN_DATABASE_URL
# PostgreSQL as deployed: deploy/postgresql/pakn.conf, included as operations.md says.
cp deploy/postgresql/pakn.conf "$tmp/pg/data/pakn.conf"
chmod 644 "$tmp/pg/data/pakn.conf"
echo "include 'pakn.conf'" >>"$tmp/pg/data/postgresql.conf"
# pgbench's 256 clients and the service's pool together need more than pakn.conf's 100.
psql "$PAKN_DATABASE_URL" -qc "ALTER SYSTEM SET max_connections = 400"
tools/pgcluster.sh stop "$tmp/pg"
tools/pgcluster.sh start "$tmp/pg"
"$BIN/paknctl" migrate sql >/dev/null
for plan in data/plans/*.txt; do "$BIN/paknctl" import-plan "$plan" >/dev/null; done
psql "$PAKN_DATABASE_URL" -qc "CREATE SEQUENCE bench_id START 1000000000"
# The WAL of a cluster that has been running: a fresh one has no segments to reuse, and
# PostgreSQL writes each new 16 MB segment full of zeros before using it, which held every
# commit back 45-80 ms each few seconds under load (docs/performance.md, item 9). A gigabyte
# written and checkpointed leaves that many segments to recycle, more than a run writes.
echo "bench: preparing the WAL..." >&2
psql "$PAKN_DATABASE_URL" -q \
	-c "CREATE TABLE bench_wal AS SELECT repeat('x', 1000) AS x FROM generate_series(1, 1000000)" \
	-c "DROP TABLE bench_wal" -c "CHECKPOINT"

cc -O2 bench/hello.c -o "$tmp/hello" $(pkg-config --cflags --libs libevent)
hello_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$tmp/hello" "$hello_port" &
hello=$!

# wrk's up to 256 connections all come from 127.0.0.1.
PAKN_LISTEN=127.0.0.1:0 PAKN_KEY_DIR="$tmp/keys" PAKN_INTAKE_RATE=100000 PAKN_INTAKE_BURST=100000 \
	PAKN_MAX_CONNECTIONS_PER_ADDRESS=1024 PAKN_LOG_LEVEL=warn "$BIN/pakn-server" >"$tmp/out" 2>"$tmp/server.log" &
server=$!
for _ in $(seq 1 100); do grep -q 'serving on' "$tmp/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*serving on //p' "$tmp/out")
until curl -sf "$url/readyz" >/dev/null; do sleep 0.1; done

ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
# The whole machine's ticks, one reading: "BUSY IOWAIT STEAL ALL", busy being user, nice,
# system, irq and softirq (not steal).
machine_stat() {
	awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $6, $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat
}
# busy BEFORE AFTER: the machine's busy ticks between two readings.
busy() { echo "$1 $2" | awk '{print $5 - $1}'; }
# share BEFORE AFTER: the I/O wait and steal between two readings, as "io % / steal %".
share() {
	echo "$1 $2" | awk '{ t = $8 - $4; if (t <= 0) { print "-"; exit }
		printf "%.1f / %.1f", ($6 - $2) * 100 / t, ($7 - $3) * 100 / t }'
}
# per_req TICKS: microseconds of CPU per request of the last wrk run ($total requests).
per_req() {
	awk -v t="$1" -v hz="$ticks" -v n="${total:-0}" \
		'BEGIN { if (n > 0) printf "%.1f", t / hz / n * 1e6; else print "-" }'
}
# Rows stored by the service (intake) or by the peer (postgraphile).
stored() {
	if [ "$1" = postgraphile ]; then which="= 'postgraphile'"; else which="NOT IN ('pgbench', 'postgraphile')"; fi
	psql "$PAKN_DATABASE_URL" -Atc "SELECT count(*) FROM feedback WHERE key_id $which"
}

# wrk NAME CONNECTIONS URL SCRIPT [SCRIPT ARGS...]: one table row.
run_wrk() {
	name=$1 conns=$2 target=$3 script=$4
	shift 4
	rows_before=$(stored "$name")
	cpu_before=$(cpu_ticks) machine_before=$(machine_stat)
	wrk -t2 -c"$conns" -d"${DURATION}s" -s "$script" "$target" -- "$@" >"$tmp/wrk.out" 2>&1 || true
	cpu_after=$(cpu_ticks) machine_after=$(machine_stat)
	rows=$(( $(stored "$name") - rows_before ))
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk.out")
	total=$(awk '/requests in/ {print $1}' "$tmp/wrk.out")
	set -- $(sed -n 's/^status 2xx=\([0-9]*\) 4xx=\([0-9]*\) 5xx=\([0-9]*\) 201=\([0-9]*\)$/\1 \2 \3 \4/p' "$tmp/wrk.out")
	s2=$1 s4=$2 s5=$3 s201=$4
	set -- $(sed -n 's/^latency p50=\([0-9.]*\) p99=\([0-9.]*\) max=\([0-9.]*\)$/\1 \2 \3/p' "$tmp/wrk.out")
	cpu_us=$(per_req $(( cpu_after - cpu_before )))
	machine_us=$(per_req "$(busy "$machine_before" "$machine_after")")
	stalls=$(share "$machine_before" "$machine_after")
	case $name in
	intake) stored_col="$rows (201: $s201)" ;;
	postgraphile) stored_col="$rows (stored per GraphQL: $s201)" ;;
	*) stored_col="-" ;;
	esac
	case $name in hello | postgraphile) cpu_us="-" ;; esac # not the service
	echo "| $round | $name | $conns | ${rps:-0} | $1 | $2 | $3 | $s2 / $s4 / $s5 | $stored_col | $cpu_us | $machine_us | $stalls |" >>"$tmp/table"
	eval "rps_${name}_${conns}_$round=\${rps:-0} p99_${name}_${conns}_$round=\${2:-0}"
	eval "machine_${name}_${conns}_$round=$machine_us"
}

# pgbench SCRIPT CLIENTS: transactions per second.
run_pgbench() {
	pgbench -n -c "$2" -j 2 -T "$DURATION" -f "$1" "$PAKN_DATABASE_URL" 2>/dev/null |
		awk '/^tps =/ {print $3}'
}

echo "bench: PostGraphile starting..." >&2
peer_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
socket_dir=$(psql "$PAKN_DATABASE_URL" -Atc "SHOW unix_socket_directories" | cut -d, -f1)
peer_url="postgres://pakn@$(printf %s "$socket_dir" | sed 's|/|%2F|g')/pakn"
GRAPHILE_ENV=production bench/peer/node_modules/.bin/postgraphile \
	-P postgraphile/presets/amber -c "$peer_url" -s public -n 127.0.0.1 -p "$peer_port" \
	>"$tmp/peer.log" 2>&1 &
peer=$!
until curl -sf -H 'Content-Type: application/json' -d '{"query":"{__typename}"}' \
	"http://127.0.0.1:$peer_port/graphql" >/dev/null; do
	kill -0 "$peer" 2>/dev/null || { cat "$tmp/peer.log" >&2; exit 1; }
	sleep 0.5
done
peer_version=$(node -p 'require("./bench/peer/node_modules/postgraphile/package.json").version')
first_item=$(psql "$PAKN_DATABASE_URL" -Atc "SELECT min(id) FROM plan_item")
items=$(psql "$PAKN_DATABASE_URL" -Atc "SELECT count(*) FROM plan_item")

: >"$tmp/table"
: >"$tmp/pgb"
for round in $(seq 1 "$ROUNDS"); do
	echo "bench: round $round of $ROUNDS, ${DURATION}s per run..." >&2
	for c in 8 32 256; do
		run_wrk intake "$c" "$url" bench/wrk/intake.lua
		run_wrk postgraphile "$c" "http://127.0.0.1:$peer_port" bench/wrk/postgraphile.lua \
			"$first_item" "$items" $((3000000000 + round * 100000000000 + c * 100000000))
		single=$(run_pgbench bench/pgbench/insert.sql "$c")
		batch=$(run_pgbench bench/pgbench/batch.sql "$c")
		echo "| $round | $c | $single | $batch |" >>"$tmp/pgb"
		eval "pgb_${c}_$round=\$single"
	done
	for c in 8 32; do
		run_wrk item "$c" "$url/api/v1/items/LC-T25" bench/wrk/get.lua
		run_wrk search "$c" "$url/api/v1/items?q=so+hoa&limit=10" bench/wrk/get.lua
		run_wrk hello "$c" "http://127.0.0.1:$hello_port/" bench/wrk/get.lua
	done
done
kill "$peer"
wait "$peer" 2>/dev/null || true
peer=
rss=$(awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$server/status")

# median A B: the median over the rounds of A_r ÷ B_r (B empty: of A_r), and the range.
median() {
	for r in $(seq 1 "$ROUNDS"); do
		eval "a=\${${1}_$r:-0} b=\${${2:-one}_$r:-1}"
		awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.2f\n", a / b }'
	done | sort -n | awk '{ v[NR] = $1 }
		END { if (!NR) { print "-"; exit }
		      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.2f (%.2f–%.2f)", m, v[1], v[NR] }'
}
out="bench/results/bench-$(date -u +%Y-%m-%dT%H%MZ).md"
{
	echo "# Throughput benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
	echo
	echo "Machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{print int($2/1048576)}') GiB, shared by every process below;"
	echo "PostgreSQL $(psql "$PAKN_DATABASE_URL" -Atc 'SHOW server_version'), $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2),"
	echo "$(pgbench --version), libevent $(pkg-config --modversion libevent),"
	echo "PostGraphile $peer_version (v5, amber preset) on Node.js $(node --version). ${DURATION} s per run, wrk with 2 threads."
	echo "PostgreSQL runs with deploy/postgresql/pakn.conf (shared_buffers 1 GB, wal_compression lz4,"
	echo "max_wal_size 2 GB), and its WAL is prepared as on a running system (1 GB of segments to recycle)."
	echo
	echo "## Ratios (the result)"
	echo
	echo "Each ratio is taken within a round, between runs a few seconds apart; shown is the"
	echo "median over the $ROUNDS rounds, with the lowest and highest in brackets."
	echo
	echo "| comparison | ratio | target |"
	echo "| --- | --- | --- |"
	echo "| intake req/s ÷ pgbench single-row insert tps, 32 connections | $(median rps_intake_32 pgb_32) | ≥ 1.0 |"
	echo "| intake req/s ÷ pgbench single-row insert tps, 8 connections | $(median rps_intake_8 pgb_8) | |"
	echo "| intake req/s ÷ pgbench single-row insert tps, 256 connections | $(median rps_intake_256 pgb_256) | |"
	echo "| intake req/s ÷ PostGraphile createFeedback req/s, 32 connections | $(median rps_intake_32 rps_postgraphile_32) | ≥ 5 |"
	echo "| intake req/s ÷ PostGraphile createFeedback req/s, 8 connections | $(median rps_intake_8 rps_postgraphile_8) | |"
	echo "| intake req/s ÷ PostGraphile createFeedback req/s, 256 connections | $(median rps_intake_256 rps_postgraphile_256) | |"
	echo "| GET /api/v1/items/{code} ÷ bare libevent, 32 connections | $(median rps_item_32 rps_hello_32) | ≥ 0.7 |"
	echo "| GET /api/v1/items?q= ÷ bare libevent, 32 connections | $(median rps_search_32 rps_hello_32) | ≥ 0.7 |"
	echo "| intake p99 latency at 32 connections, ms | $(median p99_intake_32) | ≤ 20 |"
	echo "| machine CPU per PostGraphile mutation ÷ per intake submission, 32 connections | $(median machine_postgraphile_32 machine_intake_32) | |"
	echo
	echo "Peak RSS of the service over the run (VmHWM): $rss MiB (target < 64 MiB)."
	echo
	echo "## Proving a submission (bench/receipt_cost.c)"
	echo
	echo "CPU time per submission on this machine: a version 1 receipt's own Ed25519 signature,"
	echo "against version 2's share of its batch's signed tree head, inclusion proofs and"
	echo "commitment (docs/tlog.md, \"Tree heads\"). Target: the signature ≤ 2 µs per"
	echo "submission at batches of 16 and more."
	echo
	build/release/receipt-cost
	echo
	echo "## HTTP (wrk)"
	echo
	echo "Rows stored can exceed the 201s counted: requests in flight when wrk stops are stored"
	echo "and answered, but wrk no longer counts them."
	echo "Machine CPU is the busy time of both cores over the run (the service or the peer,"
	echo "PostgreSQL, wrk: everything), divided by the requests answered: what the machine spends"
	echo "on one request, which depends less than req/s on how fast the machine runs that minute."
	echo "I/O wait and stolen are the shares of both cores' time over the run that waited for the"
	echo "disk and that the host gave to others: where a run's tail is long, look there first."
	echo
	echo "| round | run | connections | req/s | p50 ms | p99 ms | max ms | 2xx / 4xx / 5xx | rows stored | service CPU µs/req | machine CPU µs/req | I/O wait / stolen, % |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	cat "$tmp/table"
	echo
	echo "## The database alone (pgbench, same table and triggers)"
	echo
	echo "| round | clients | single-row INSERT … RETURNING, tps | 10-row INSERT, tps |"
	echo "| --- | --- | --- | --- |"
	cat "$tmp/pgb"
} >"$out"
cat "$out"
