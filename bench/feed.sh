#!/bin/sh
# `make bench-feed`: the public feed (GET /api/v1/feedback) on a large table. A throwaway
# cluster gets ROWS feedback rows (default 1,000,000) over 2026 and both plans' items, of
# which PUBLIC percent (default 1) are public (published or answered, with consent; half of
# those answered), the rest received, rejected or hidden, with or without consent. Rows go
# in as intake stores them: one INSERT with the constraints and triggers in force, the
# rollups left to the fold (pakn.rollup_deferred), which this benchmark does not run. Then
# the feed is asked, REQUESTS times (default 2000) over CONCURRENCY keep-alive connections
# (default 1: the latency a reader sees, not the machine's throughput), for the first page and for a deep page (a cursor near the oldest rows), with
# no filter, with an item and with an agency (the one with the most items), and p50, p99 and
# the maximum are printed (bench/feed_latency.mjs); first the same for /healthz, which does
# no work, as what the machine itself adds (on a shared machine, most of a tail). NICE=-10
# (as root) runs PostgreSQL, the service and the client at that priority, so that on a
# machine shared with other work the figure is the service's own latency, as on a machine
# of its own; the header says which. Writes bench/results/feed-<date>.md.
set -eu
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
PUBLIC=${PUBLIC:-1}
REQUESTS=${REQUESTS:-2000}
CONCURRENCY=${CONCURRENCY:-1}
NICE=${NICE:-}
# Only in a subshell (&, $(...)): it becomes the command, so $! is the command's pid.
at_priority() { if [ -n "$NICE" ]; then exec nice -n "$NICE" "$@"; else exec "$@"; fi; }
BIN=build/release
. bench/cluster.sh
# Backends are forked by the postmaster and inherit its priority.
[ -n "$NICE" ] && renice -n "$NICE" -p "$(head -1 "$tmp/pg/data/postmaster.pid")" >/dev/null

echo "bench-feed: generating $ROWS feedback rows, $PUBLIC% public..." >&2
start=$(date +%s)
psql "$PAKN_DATABASE_URL" -q -v ON_ERROR_STOP=1 <<SQL
SET pakn.rollup_deferred = on;
INSERT INTO official (username, display_name, roles, password_hash)
VALUES ('bench', 'bench', '{responder}', 'x');
CREATE TEMP TABLE due AS
SELECT d::date AS day, pakn_working_day_after(d, 5) AS action, pakn_working_day_after(d, 15) AS answer
FROM generate_series(timestamptz '2026-01-01 12:00+07', '2026-12-31 12:00+07', interval '1 day') d;
INSERT INTO feedback (id, tracking_code, item_id, rating, kind, body, consent_publish,
                      consent_contact, state, submission_hash, secret_hash, log_index, key_id,
                      created_at, due_action, due_answer, published_at)
SELECT g, 'BENCH-' || g, items[1 + floor(random() * array_length(items, 1))::int],
       1 + floor(random() * 5)::int,
       (ARRAY['opinion','proposal','report','question'])[1 + floor(random() * 4)::int],
       'Ý kiến số ' || g, x.public OR random() < 0.5, false,
       CASE WHEN x.public THEN (ARRAY['published','answered'])[1 + floor(random() * 2)::int]
            ELSE (ARRAY['received','received','rejected','hidden'])[1 + floor(random() * 4)::int] END,
       md5(g::text), md5(g::text), g, 'bench', x.at, due.action, due.answer,
       CASE WHEN x.public THEN x.at + interval '1 day' END
FROM (SELECT g, random() * 100 < $PUBLIC AS public,
             timestamptz '2026-01-01 00:00+07' + (g::double precision / $ROWS) * interval '364 days' AS at
      FROM generate_series(1, $ROWS) g) x
JOIN due ON due.day = pakn_local_day(x.at),
     (SELECT array_agg(id ORDER BY id) AS items FROM plan_item) i;
INSERT INTO feedback_response (feedback_id, official_id, text, answered_at, key_id, signature)
SELECT id, (SELECT id FROM official WHERE username = 'bench'), 'Trả lời', created_at + interval '3 days',
       'bench', 'x'
FROM feedback WHERE state = 'answered';
-- As autovacuum leaves a table that has stood a while: statistics and the visibility map.
VACUUM ANALYZE feedback;
ANALYZE;
SQL
load_s=$(( $(date +%s) - start ))

PAKN_LISTEN=127.0.0.1:0 PAKN_KEY_DIR="$tmp/keys" PAKN_LOG_LEVEL=warn at_priority "$BIN/pakn-server" \
	>"$tmp/out" 2>"$tmp/server.log" &
server=$!
for _ in $(seq 1 100); do grep -q 'serving on' "$tmp/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*serving on //p' "$tmp/out")
until curl -sf "$url/readyz" >/dev/null; do sleep 0.1; done

# The filters' values and a cursor near the oldest public rows, from the data.
q() { psql "$PAKN_DATABASE_URL" -Atc "$1"; }
item=$(q "SELECT it.code FROM plan_item it JOIN feedback f ON f.item_id = it.id
          GROUP BY it.code ORDER BY count(*) DESC, it.code LIMIT 1")
agency=$(q "SELECT a.code FROM agency a JOIN plan_item_agency x ON x.agency_id = a.id
            GROUP BY a.code ORDER BY count(DISTINCT x.item_id) DESC, a.code LIMIT 1")
agency_items=$(q "SELECT count(DISTINCT x.item_id) FROM plan_item_agency x JOIN agency a
                  ON a.id = x.agency_id WHERE a.code = '$agency'")
public=$(q "SELECT count(*) FROM feedback WHERE state IN ('published', 'answered', 'closed')
            AND consent_publish AND published_at IS NOT NULL")
deep=$((ROWS / 50))

out="bench/results/feed-$(date +%Y-%m-%d).md"
{
	echo "# Public feed benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
	echo
	echo "$ROWS feedback rows, $public public, loaded in ${load_s} s. Item $item; agency $agency ($agency_items items)."
	echo "Deep pages start below log index $deep (the oldest 2% of rows)."
	echo "Machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start; PostgreSQL $(q 'SHOW server_version'); $REQUESTS requests per line over $CONCURRENCY keep-alive connections (bench/feed_latency.mjs), whole replies; priority ${NICE:-as started} (NICE)."
	echo
	echo "| request | p50 ms | p99 ms | max ms | not 200 |"
	echo "| --- | --- | --- | --- | --- |"
	for path in \
		"/healthz" \
		"/api/v1/feedback" \
		"/api/v1/feedback?cursor=$deep" \
		"/api/v1/feedback?item=$item" \
		"/api/v1/feedback?item=$item&cursor=$deep" \
		"/api/v1/feedback?agency=$agency" \
		"/api/v1/feedback?agency=$agency&cursor=$deep" \
		"/api/v1/feedback?agency=$agency&limit=200"; do
		set -- $(at_priority node bench/feed_latency.mjs "$url$path" "$REQUESTS" "$CONCURRENCY")
		echo "| \`$path\` | $1 | $2 | $3 | $4 |"
	done
} >"$out"
cat "$out"
