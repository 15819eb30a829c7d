#!/bin/sh
# Run once by the postgres image when it creates the primary's data directory
# (/docker-entrypoint-initdb.d): the settings of deploy/postgresql/pakn.conf, and the
# replica's right to stream (as the pakn user, with its password, from the compose network).
set -eu
echo "include '/etc/postgresql/pakn.conf'" >>"$PGDATA/postgresql.conf"
echo "host replication pakn all scram-sha-256" >>"$PGDATA/pg_hba.conf"
