#!/bin/sh
# `make run`: the database (a private cluster in var/pg unless PAKN_DATABASE_URL is set),
# migrations, the plan catalog, then the server in the foreground (which makes its key
# directory, var/keys by default, on first start).
# Ctrl-C stops the server (and the private cluster); the data stays in var/.
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-build/release}

if [ -z "${PAKN_DATABASE_URL:-}" ]; then
	tools/pgcluster.sh start var/pg
	PAKN_DATABASE_URL=$(tools/pgcluster.sh url var/pg)
	export PAKN_DATABASE_URL
	trap 'tools/pgcluster.sh stop var/pg' EXIT
	# Ctrl-C reaches the server too, which stops by itself; the script then stops the
	# cluster and ends with the server's status.
	trap ':' INT TERM
fi

"$BIN/paknctl" migrate sql
for plan in data/plans/*.txt; do
	"$BIN/paknctl" import-plan "$plan"
done
# Not exec: the trap above must stop the cluster after the server exits.
"$BIN/pakn-server" "$@"
