#!/bin/sh
# A private PostgreSQL 15 cluster in a directory: initdb on first use, a Unix socket in the
# directory (no TCP port), trust authentication for the socket only. Used by `make run`
# (var/pg) and `make test` (a throwaway directory).
#
#   tools/pgcluster.sh start DIR   create if missing, start, create database pakn
#   tools/pgcluster.sh stop DIR    fast shutdown
#   tools/pgcluster.sh url DIR     print the libpq connection string
#
# PostgreSQL refuses to run as root; as root the cluster runs as the 'postgres' user (made
# by Debian's postgresql-common), which then owns DIR. If that user cannot reach DIR (a
# checkout under /root, mode 0700), the cluster lives in /var/lib/pakn57/ and DIR is a
# symbolic link to it, so the data still sits "in" DIR for the scripts.
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:?usage: pgcluster.sh start|stop|url DIR}
dir=${2:?usage: pgcluster.sh start|stop|url DIR}
if [ "$cmd" = start ] && [ "$(id -u)" -eq 0 ] && [ ! -e "$dir" ]; then
	mkdir -p "$dir"
	chown postgres: "$dir"
	if ! runuser -u postgres -- test -w "$dir"; then
		rmdir "$dir"
		real="/var/lib/pakn57/$(printf '%s' "$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")" |
			sha256sum | cut -c1-16)"
		mkdir -p "$real"
		ln -s "$real" "$dir"
	fi
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

url() {
	printf "host='%s/run' dbname=pakn user=pakn" "$dir"
}

case "$cmd" in
start)
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$dir"
		if ! runuser -u postgres -- test -w "$dir"; then
			echo "pgcluster: user postgres cannot reach $dir; remove it and start again" \
				"(it will then live in /var/lib/pakn57), or set PAKN_DATABASE_URL" >&2
			exit 1
		fi
	fi
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_owner "$PGBIN/initdb" -D "$dir/data" -U pakn --auth=trust -E UTF8 \
			--locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; exit 1; }
		as_owner mkdir -p "$dir/run"
		cat >>"$dir/data/postgresql.conf" <<CONF
# Added by tools/pgcluster.sh: socket only, in the cluster's own directory.
listen_addresses = ''
unix_socket_directories = '$dir/run'
unix_socket_permissions = 0700
synchronous_commit = on
max_connections = 200
CONF
	fi
	if ! as_owner "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start \
			>/dev/null || { tail -20 "$dir/postgres.log" >&2; exit 1; }
	fi
	if ! "$PGBIN/psql" "$(url | sed 's/dbname=pakn/dbname=postgres/')" -Atqc \
		"SELECT 1 FROM pg_database WHERE datname = 'pakn'" | grep -q 1; then
		"$PGBIN/createdb" -h "$dir/run" -U pakn pakn
	fi
	;;
stop)
	if [ -f "$dir/data/PG_VERSION" ]; then
		as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	;;
url)
	url
	echo
	;;
*)
	echo "usage: pgcluster.sh start|stop|url DIR" >&2
	exit 2
	;;
esac
