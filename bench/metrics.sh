#!/bin/sh
# `make bench-metrics`: a throwaway cluster with N feedback rows (default 1,000,000) at
# random over 2026, both plans' items, the four kinds and the five ratings (so the rollup is
# as large as a year can make it) and answers, then the metrics endpoints timed over HTTP, each
# query run 7 times (the median is reported). Writes bench/results/metrics-<date>.md.
set -eu
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
BIN=build/release
. bench/cluster.sh

echo "bench-metrics: generating $ROWS feedback rows with their answers..." >&2
start=$(date +%s)
# Loaded with triggers off (session_replication_role = replica), then the rollups built in
# one pass by pakn_rollup_rebuild(), which the tests hold equal to what the triggers keep.
# The shape: 5% rejected; 92% acted on within 8 days; 75% of the rest answered after 1 to
# 1,024 hours (log-uniform), 60% of answers rated; nothing dated after now.
psql "$PAKN_DATABASE_URL" -q -v ON_ERROR_STOP=1 <<SQL
SET session_replication_role = replica;
INSERT INTO official (username, display_name, roles, password_hash)
VALUES ('bench', 'bench', '{responder}', 'x');
CREATE TEMP TABLE due AS
SELECT d::date AS day, pakn_working_day_after(d, 5) AS action, pakn_working_day_after(d, 15) AS answer
FROM generate_series(timestamptz '2026-01-01 12:00+07', '2026-12-31 12:00+07', interval '1 day') d;
INSERT INTO feedback (id, tracking_code, item_id, rating, kind, body, consent_publish,
                      consent_contact, state, submission_hash, secret_hash, log_index, key_id,
                      created_at, due_action, due_answer, first_action_at)
SELECT g, 'BENCH-' || g, items[1 + floor(random() * 120)::int], 1 + floor(random() * 5)::int,
       (ARRAY['opinion','proposal','report','question'])[1 + floor(random() * 4)::int],
       'x', false, false, CASE WHEN random() < 0.05 THEN 'rejected' ELSE 'received' END,
       '', '', g, '', x.at, due.action, due.answer,
       CASE WHEN random() < 0.92 AND x.act < now() THEN x.act END
FROM (SELECT g, at, at + random() * interval '8 days' AS act
      FROM (SELECT g, timestamptz '2026-01-01 00:00+07' + random() * interval '365 days' AS at
            FROM generate_series(1, $ROWS) g) r) x
JOIN due ON due.day = pakn_local_day(x.at),
     (SELECT array_agg(id ORDER BY id) AS items FROM plan_item) i;
INSERT INTO feedback_response (feedback_id, official_id, text, answered_at, key_id, signature,
                               rating)
SELECT id, (SELECT id FROM official WHERE username = 'bench'), 'x', answered_at, '', '',
       CASE WHEN random() < 0.6 THEN 1 + floor(random() * 5)::int END
FROM (SELECT id, state, created_at + power(2, random() * 10) * interval '1 hour' AS answered_at
      FROM feedback) f
WHERE state <> 'rejected' AND random() < 0.75 AND answered_at < now();
SET session_replication_role = DEFAULT;
SELECT pakn_rollup_rebuild();
ANALYZE;
SQL
load_s=$(( $(date +%s) - start ))

log="$tmp/server.log"
PAKN_LISTEN=127.0.0.1:0 PAKN_KEY_DIR="$tmp/keys" "$BIN/pakn-server" >"$tmp/out" 2>"$log" &
server=$!
for _ in $(seq 1 100); do grep -q 'serving on' "$tmp/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*serving on //p' "$tmp/out")
until curl -sf "$url/readyz" >/dev/null; do sleep 0.1; done

median_ms() {
	for _ in 1 2 3 4 5 6 7; do
		curl -s -o /dev/null -w '%{time_total}\n' "$url$1"
	done | sort -n | sed -n 4p | awk '{printf "%.1f", $1 * 1000}'
}

out="bench/results/metrics-$(date +%Y-%m-%d).md"
{
	echo "# Metrics benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
	echo
	echo "$ROWS feedback rows (5% rejected) over 2026 and 120 items; loaded and rolled up in ${load_s} s."
	echo "Machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{print int($2/1048576)}') GiB; PostgreSQL $(psql "$PAKN_DATABASE_URL" -Atc 'SHOW server_version');"
	psql "$PAKN_DATABASE_URL" -At <<'SQL'
SELECT format('%s answered, %s acted on; rollup rows (day, month, quarter, year): counts %s, answer-time buckets %s; %s pending cells.',
              (SELECT count(*) FROM feedback_response),
              (SELECT count(*) FROM feedback WHERE first_action_at IS NOT NULL),
              (SELECT string_agg(n::text, ', ' ORDER BY position(grain IN 'DMQY'))
               FROM (SELECT grain, count(*) AS n FROM feedback_rollup GROUP BY grain) c),
              (SELECT string_agg(n::text, ', ' ORDER BY position(grain IN 'DMQY'))
               FROM (SELECT grain, count(*) AS n FROM answer_time_rollup GROUP BY grain) c),
              (SELECT count(*) FROM response_pending));
SQL
	echo "Each figure is the median of 7 requests over HTTP (curl, loopback), whole reply."
	echo
	echo "| query | median ms |"
	echo "| --- | --- |"
	for q in \
		"group_by=item&period=quarter" \
		"group_by=item&plan=LC-2026&period=month" \
		"group_by=agency&period=quarter" \
		"group_by=section&period=year" \
		"group_by=plan&period=month" \
		"group_by=kind&period=quarter&from=2026-04-01&to=2026-06-30" \
		"group_by=item&period=month&from=2026-01-02&to=2026-12-30" \
		"group_by=item&period=quarter&format=csv"; do
		echo "| \`/api/v1/metrics/satisfaction?$q\` | $(median_ms "/api/v1/metrics/satisfaction?$q") |"
	done
	for q in \
		"metrics/responses?group_by=plan" \
		"metrics/responses?group_by=item&from=2026-04-01&to=2026-06-30" \
		"metrics/responses?group_by=agency" \
		"metrics/responses?group_by=kind&from=2026-02-10&to=2026-10-20&format=csv" \
		"metrics/responses?group_by=item&from=2026-01-02&to=2026-12-30" \
		"reports/quarterly?plan=DB-2026&quarter=2026-Q2"; do
		echo "| \`/api/v1/$q\` | $(median_ms "/api/v1/$q") |"
	done
} >"$out"
cat "$out"
