#!/bin/sh
# `make bench-export`: GET /api/v1/moderation/export on a large table. A throwaway cluster
# gets ROWS feedback rows (default 1,000,000) over 2026 and both plans' items, each with a
# body of about BODY characters (default 300) of Vietnamese text, 1% answered. A
# moderator of the agency with the most items then exports, TIMES times each (default 3):
# everything (cut at export_max_rows, 50,000), one month, one item, as CSV and as JSON.
# Printed: the rows, the bytes, the time of each (best and worst), the server's peak
# resident memory (VmHWM) before and after, and the plan of the statement's scope query
# (EXPLAIN ANALYZE of what pakn_export runs). Writes bench/results/export-<date>.md.
set -eu
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
BODY=${BODY:-300}
TIMES=${TIMES:-3}
BIN=build/release
. bench/cluster.sh
trap 'exit 143' TERM INT # so that cluster.sh's EXIT trap removes the cluster

echo "bench-export: generating $ROWS feedback rows..." >&2
start=$(date +%s)
psql "$PAKN_DATABASE_URL" -q -v ON_ERROR_STOP=1 <<SQL
SET pakn.rollup_deferred = on;
INSERT INTO official (username, display_name, role, password_hash)
VALUES ('bench', 'bench', 'responder', 'x');
CREATE TEMP TABLE due AS
SELECT d::date AS day, pakn_working_day_after(d, 5) AS action, pakn_working_day_after(d, 15) AS answer
FROM generate_series(timestamptz '2026-01-01 12:00+07', '2026-12-31 12:00+07', interval '1 day') d;
INSERT INTO feedback (id, tracking_code, item_id, rating, kind, body, consent_publish,
                      consent_contact, state, submission_hash, secret_hash, log_index, key_id,
                      created_at, due_action, due_answer, handle, salt)
SELECT g, 'BENCH-' || g, items[1 + floor(random() * array_length(items, 1))::int],
       1 + floor(random() * 5)::int,
       (ARRAY['opinion','proposal','report','question'])[1 + floor(random() * 4)::int],
       left('Ý kiến số ' || g || ': ' || repeat('Đề nghị số hóa hồ sơ, "một cửa" liên thông; ', 1 + $BODY / 40), $BODY),
       random() < 0.5, false,
       CASE WHEN g % 100 = 0 THEN 'answered'
            ELSE (ARRAY['received','published','rejected','hidden'])[1 + floor(random() * 4)::int] END,
       md5(g::text), md5(g::text), g, 'bench', x.at, due.action, due.answer,
       md5(g::text), sha256(g::text::bytea)
FROM (SELECT g, timestamptz '2026-01-01 00:00+07' + (g::double precision / $ROWS) * interval '364 days' AS at
      FROM generate_series(1, $ROWS) g) x
JOIN due ON due.day = pakn_local_day(x.at),
     (SELECT array_agg(id ORDER BY id) AS items FROM plan_item) i;
INSERT INTO feedback_response (feedback_id, official_id, text, answered_at, key_id, signature)
SELECT id, (SELECT id FROM official WHERE username = 'bench'), 'Sở đã tiếp nhận và sẽ trả lời.',
       created_at + interval '3 days', 'bench', 'x'
FROM feedback WHERE state = 'answered';
VACUUM ANALYZE feedback;
ANALYZE;
SQL
load_s=$(( $(date +%s) - start ))

q() { psql "$PAKN_DATABASE_URL" -Atc "$1"; }
agency=$(q "SELECT a.code FROM agency a JOIN plan_item_agency x ON x.agency_id = a.id
            GROUP BY a.code ORDER BY count(DISTINCT x.item_id) DESC, a.code LIMIT 1")
ids=$(q "SELECT array_agg(id) FROM agency WHERE code = '$agency'")
in_scope=$(q "SELECT count(*) FROM pakn_agency_feedback('$ids')")
item=$(q "SELECT it.code FROM plan_item it JOIN plan_item_agency x ON x.item_id = it.id
          JOIN agency a ON a.id = x.agency_id WHERE a.code = '$agency' ORDER BY it.position LIMIT 1")
echo "bench-bench-export-57" | "$BIN/paknctl" official add bench.export --role moderator --agency "$agency" >/dev/null
token=$("$BIN/paknctl" token create bench.export --label bench 2>/dev/null)

PAKN_LISTEN=127.0.0.1:0 PAKN_KEY_DIR="$tmp/keys" PAKN_LOG_LEVEL=warn "$BIN/pakn-server" \
	>"$tmp/out" 2>"$tmp/server.log" &
server=$!
for _ in $(seq 1 100); do grep -q 'serving on' "$tmp/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*serving on //p' "$tmp/out")
until curl -sf "$url/readyz" >/dev/null; do sleep 0.1; done
hwm() { awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$server/status"; }
hwm_start=$(hwm)

out="bench/results/export-$(date +%Y-%m-%d).md"
{
	echo "# Export benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
	echo
	echo "$ROWS feedback rows (bodies of about $BODY characters), loaded in ${load_s} s. A moderator of $agency, whose scope holds $in_scope rows; item $item."
	echo "Machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start; PostgreSQL $(q 'SHOW server_version'); release build; each line $TIMES times, one at a time."
	echo
	echo "| export | rows | bytes | best s | worst s |"
	echo "| --- | --- | --- | --- | --- |"
	for query in "format=csv" "format=json" "format=csv&from=2026-03-01&to=2026-03-31" \
		"format=csv&item=$item" "format=csv&status=answered&rating=5"; do
		best= worst=
		for _ in $(seq 1 "$TIMES"); do
			set -- $(curl -s -o /dev/null -D "$tmp/head" -H "Authorization: Bearer $token" \
				-w '%{http_code} %{size_download} %{time_total}' "$url/api/v1/moderation/export?$query")
			[ "$1" = 200 ] || { echo "export?$query: HTTP $1" >&2; exit 1; }
			bytes=$2
			best=$(echo "${best:-$3} $3" | awk '{ print ($1 < $2 ? $1 : $2) }')
			worst=$(echo "${worst:-$3} $3" | awk '{ print ($1 > $2 ? $1 : $2) }')
		done
		rows=$(tr -d '\r' <"$tmp/head" | sed -n 's/^X-Export-Rows: //p')
		cut=$(tr -d '\r' <"$tmp/head" | sed -n 's/^X-Export-Truncated: //p')
		[ "$cut" = true ] && rows="$rows (cut)"
		echo "| \`$query\` | $rows | $bytes | $best | $worst |"
	done
	echo
	echo "Server's peak resident memory: $hwm_start MiB after start, $(hwm) MiB after the exports."
	echo
	echo "The page query of pakn_export (no filter; the export then reads these rows whole), EXPLAIN ANALYZE:"
	echo
	echo '```'
	q "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
	   SELECT f.id, f.log_index FROM pakn_agency_feedback('$ids') f
	   ORDER BY f.log_index LIMIT 50001"
	echo '```'
} >"$out"
cat "$out"
