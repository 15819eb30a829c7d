#!/bin/sh
# Installs the Debian 12 packages the build and `make run` need (with the argument `test`,
# also what `make test` needs: Chromium for the browser tests and docker-compose to check
# the compose file; with `scale`, PgBouncer and nginx for `make test-scale`; with `bench`,
# wrk for `make bench`; with `fuzz`, clang and its libFuzzer runtime for `make fuzz`),
# and nothing else. It is
# idempotent: when every package is already there it returns at once, so the Makefile can
# call it before every build. Node.js and npm (for the web pages' npm packages) are taken
# from the machine when it has them, else from Debian.
set -eu

PACKAGES="
build-essential
pkg-config
libevent-dev
libpq-dev
libjson-c-dev
libsodium-dev
liboath-dev
libqrencode-dev
libcmocka-dev
postgresql-15
curl
python3-nacl
brotli
"
[ "${1:-}" = test ] && PACKAGES="$PACKAGES chromium fonts-dejavu-core docker-compose"
# make test-valgrind (make test-tsan needs only gcc's libtsan2, which build-essential brings)
[ "${1:-}" = test ] && PACKAGES="$PACKAGES valgrind"
[ "${1:-}" = scale ] && PACKAGES="$PACKAGES pgbouncer nginx openssl"
[ "${1:-}" = bench ] && PACKAGES="$PACKAGES wrk"
[ "${1:-}" = fuzz ] && PACKAGES="$PACKAGES clang libclang-rt-14-dev"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing Debian packages:$missing" >&2
	echo "install-deps: run as root (or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
