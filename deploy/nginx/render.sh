#!/bin/sh
# render.sh OUT [option VALUE]... - writes nginx's PAKN-57 site (deploy/nginx/pakn.conf.in)
# to OUT, and a self-signed certificate into the TLS directory if it holds none.
#   --upstream HOST:PORT   an instance (repeat for each)
#   --http LISTEN          default 80          --https LISTEN   default 443
#   --www DIR              default /usr/share/pakn/www
#   --tls DIR              default /etc/nginx/pakn-tls
#   --intake-rate R        default 30r/m       --intake-burst N default 10
#   --api-rate R           default 20r/s       --api-burst N    default 40
#   --conn-per-address N   default 32 (open connections per client address)
#   --brotli-static auto|on|off  default auto: on when Debian's nginx loads the module
#                          (libnginx-mod-http-brotli-static in /etc/nginx/modules-enabled)
set -eu
out=${1:?usage: render.sh OUT [--upstream HOST:PORT]...}
shift
here=$(cd "$(dirname "$0")" && pwd)
upstreams= http=80 https=443 www=/usr/share/pakn/www tls=/etc/nginx/pakn-tls
intake_rate=30r/m intake_burst=10 api_rate=20r/s api_burst=40 conn_per_address=32
brotli=auto
while [ $# -gt 1 ]; do
	case $1 in
	--upstream) upstreams="$upstreams    server $2 max_fails=1 fail_timeout=5s;\n" ;;
	--http) http=$2 ;;
	--https) https=$2 ;;
	--www) www=$2 ;;
	--tls) tls=$2 ;;
	--intake-rate) intake_rate=$2 ;;
	--intake-burst) intake_burst=$2 ;;
	--api-rate) api_rate=$2 ;;
	--api-burst) api_burst=$2 ;;
	--conn-per-address) conn_per_address=$2 ;;
	--brotli-static) brotli=$2 ;;
	*) echo "render.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2
done
[ -n "$upstreams" ] || { echo "render.sh: at least one --upstream" >&2; exit 2; }
mkdir -p "$tls"
if [ ! -s "$tls/cert.pem" ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=pakn57" \
		-keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null
	chmod 600 "$tls/key.pem"
fi
# brotli_static only where the module is loaded (Debian: libnginx-mod-http-brotli-static);
# without it nginx would refuse the directive, and the .gz copies are still sent.
if [ "$brotli" = on ] || { [ "$brotli" = auto ] &&
	ls /etc/nginx/modules-enabled/*brotli-static*.conf >/dev/null 2>&1; }; then
	brotli_static='brotli_static on;'
else
	brotli_static='# brotli_static: module not installed (libnginx-mod-http-brotli-static)'
fi
printf '%b' "$upstreams" >"$out.upstreams"
sed -e "/@UPSTREAMS@/{r $out.upstreams
d}" -e "s|@HTTP_LISTEN@|$http|" -e "s|@HTTPS_LISTEN@|$https|" -e "s|@WWW@|$www|" \
	-e "s|@TLS_DIR@|$tls|" -e "s|@INTAKE_RATE@|$intake_rate|" -e "s|@INTAKE_BURST@|$intake_burst|" \
	-e "s|@API_RATE@|$api_rate|" -e "s|@API_BURST@|$api_burst|" \
	-e "s|@CONN_PER_ADDRESS@|$conn_per_address|" -e "s|@BROTLI_STATIC@|$brotli_static|" \
	"$here/pakn.conf.in" >"$out"
rm -f "$out.upstreams"
