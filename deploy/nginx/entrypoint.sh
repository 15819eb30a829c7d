#!/bin/sh
# The nginx image's start (deploy/Dockerfile, target nginx): the site for the instances named
# in PAKN_UPSTREAMS (space-separated host:port), a self-signed certificate unless one is
# mounted at /etc/nginx/pakn-tls, then nginx in the foreground.
set -eu
args=
for u in ${PAKN_UPSTREAMS:?set PAKN_UPSTREAMS}; do args="$args --upstream $u"; done
# shellcheck disable=SC2086
/usr/share/pakn/nginx/render.sh /etc/nginx/conf.d/pakn.conf $args \
	--www /usr/share/pakn/www --tls /etc/nginx/pakn-tls
exec nginx -g 'daemon off;'
