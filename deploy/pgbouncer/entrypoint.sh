#!/bin/sh
# The PgBouncer image's start (deploy/Dockerfile, target pgbouncer): the user list from the
# database password secret, never from the image, then PgBouncer in the foreground.
set -eu
umask 077
printf '"pakn" "%s"\n' "$(cat /run/secrets/db_password)" >/var/run/postgresql/pgbouncer-users.txt
exec pgbouncer /etc/pgbouncer/pgbouncer.ini
