#!/bin/sh
# tools/dev-server.sh PORT [stop]: a throwaway server for working on the web pages: a
# private cluster and key directory in /tmp/pakn-dev-PORT, migrations and both plans, the
# server in the background on 127.0.0.1:PORT serving build/www. `make www` after editing
# static/ and then `tools/dev-server.sh PORT restart` picks the files up (they are read at
# start). `stop` ends the server and the cluster; the data stays until /tmp is cleaned.
set -eu
cd "$(dirname "$0")/.."
port=${1:?usage: tools/dev-server.sh PORT [stop|restart]}
dir=/tmp/pakn-dev-$port
mkdir -p "$dir"
chmod 755 "$dir"

stop_server() {
	if [ -f "$dir/server.pid" ]; then
		kill "$(cat "$dir/server.pid")" 2>/dev/null || true
		rm -f "$dir/server.pid"
		sleep 0.5
	fi
}

case "${2:-start}" in
stop)
	stop_server
	tools/pgcluster.sh stop "$dir/pg"
	exit 0
	;;
restart) stop_server ;;
start) ;;
*) echo "usage: tools/dev-server.sh PORT [stop|restart]" >&2; exit 2 ;;
esac

make --no-print-directory build >/dev/null
tools/pgcluster.sh start "$dir/pg" >/dev/null
PAKN_DATABASE_URL=$(tools/pgcluster.sh url "$dir/pg")
export PAKN_DATABASE_URL
build/release/paknctl migrate sql >/dev/null
for plan in data/plans/*.txt; do build/release/paknctl import-plan "$plan" >/dev/null; done

stop_server
PAKN_LISTEN=127.0.0.1:$port PAKN_KEY_DIR=$dir/keys PAKN_STATIC_DIR=build/www \
	nohup build/release/pakn-server >"$dir/server.out" 2>"$dir/server.log" &
echo $! >"$dir/server.pid"
for _ in $(seq 1 50); do
	curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
	sleep 0.1
done
cat <<EOF
serving http://127.0.0.1:$port/ (log: $dir/server.log)
database: PAKN_DATABASE_URL="$PAKN_DATABASE_URL"
an official (password from standard input):
  echo 'mật khẩu dài 12+' | PAKN_DATABASE_URL="$PAKN_DATABASE_URL" build/release/paknctl official add mod.test --role moderator --name 'Cán bộ thử' --agency lc-so-khoa-hoc-va-cong-nghe
EOF
