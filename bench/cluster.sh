# bench/cluster.sh: sourced by the benchmarks that need a throwaway PostgreSQL. Makes $tmp,
# starts a cluster in $tmp/pg, exports PAKN_DATABASE_URL, migrates it and imports both
# plans with $BIN/paknctl; on exit kills $server (the benchmark sets it to the service's pid
# once it starts one) and removes everything.
tmp=$(mktemp -d /tmp/pakn-bench.XXXXXX)
chmod 755 "$tmp"
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null
	tools/pgcluster.sh stop "$tmp/pg"
	rm -rf "$tmp"
}
trap cleanup EXIT

tools/pgcluster.sh start "$tmp/pg"
PAKN_DATABASE_URL=$(tools/pgcluster.sh url "$tmp/pg")
export PAKN_DATABASE_URL
"$BIN/paknctl" migrate sql >/dev/null
for plan in data/plans/*.txt; do "$BIN/paknctl" import-plan "$plan" >/dev/null; done
