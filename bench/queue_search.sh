#!/bin/sh
# `make bench-queue-search`: the officials' queue search (pakn_queue, GET
# /api/v1/moderation/queue) on a large table. A throwaway cluster gets ROWS feedback rows
# (default 1,000,000) over 2026 and both plans' items, their text made of words of everyday
# feedback drawn at random, with "số hóa" in about 2% of rows and "cáp quang" in about
# 0.02%, states as a year of work leaves them. The trigram index is built after the load,
# as CREATE INDEX would on an upgrade. Then each case is asked REQUESTS times (default 500)
# through pgbench with a script of its own, as the official of the agency with the most
# items, and p50, p99 and the maximum per statement are printed from pgbench's
# per-transaction log; the EXPLAIN ANALYZE of each case follows. The statement is the one
# the service sends (server/db/db_stmts.c, "queue"); the HTTP layer adds the same as for
# any reply (bench/results/feed-*.md: /healthz). Writes bench/results/search-<date>.md.
set -eu
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
REQUESTS=${REQUESTS:-500}
BIN=build/release
. bench/cluster.sh

echo "bench-queue-search: generating $ROWS feedback rows..." >&2
start=$(date +%s)
psql "$PAKN_DATABASE_URL" -q -v ON_ERROR_STOP=1 <<SQL
SET pakn.rollup_deferred = on;
SET maintenance_work_mem = '256MB';
DROP INDEX feedback_search_trgm_idx;
CREATE TEMP TABLE due AS
SELECT d::date AS day, pakn_working_day_after(d, 5) AS action, pakn_working_day_after(d, 15) AS answer
FROM generate_series(timestamptz '2026-01-01 12:00+07', '2026-12-31 12:00+07', interval '1 day') d;
CREATE TEMP TABLE word AS
SELECT row_number() OVER () AS n, w FROM unnest(string_to_array(
  'đường giao thông xã huyện bản làng trường học trạm y tế bệnh viện cán bộ một cửa '
  'hồ sơ thủ tục đất đai nhà ở nước sạch điện lưới internet điện thoại dịch vụ công '
  'trực tuyến chậm nhanh tốt kém đề nghị kiến nghị phản ánh câu hỏi người dân doanh '
  'nghiệp nông nghiệp du lịch chợ rác thải môi trường an ninh trật tự học sinh giáo viên '
  'bảo hiểm xã hội lương hưu trợ cấp hộ nghèo vay vốn ngân hàng chính sách', ' ')) w;
INSERT INTO feedback (id, tracking_code, item_id, rating, kind, body, consent_publish,
                      consent_contact, state, submission_hash, secret_hash, log_index, key_id,
                      created_at, due_action, due_answer, first_action_at, handle, salt)
SELECT g, 'BENCH-' || g, items[1 + floor(random() * array_length(items, 1))::int],
       1 + floor(random() * 5)::int,
       (ARRAY['opinion','proposal','report','question'])[1 + floor(random() * 4)::int],
       x.body, random() < 0.5, false, x.state,
       md5(g::text), md5(g::text), g, 'bench', x.at, due.action, due.answer,
       CASE WHEN x.state <> 'received' THEN x.at + interval '2 days' END,
       md5('h' || g), decode(md5('s' || g) || md5('t' || g), 'hex')
FROM (SELECT g, timestamptz '2026-01-01 00:00+07' + (g::double precision / $ROWS) * interval '340 days' AS at,
             (CASE WHEN g % 50 = 7 THEN 'Số hóa ' WHEN g % 5000 = 11 THEN 'Cáp quang ' ELSE '' END)
             || (SELECT string_agg(w, ' ') FROM word
                 WHERE n IN (SELECT 1 + floor(random() * 72)::int + 0 * g
                             FROM generate_series(1, 10))) AS body,
             CASE WHEN g > $ROWS * 0.95 THEN (ARRAY['received','received','published','answered'])[1 + floor(random() * 4)::int]
                  ELSE (ARRAY['answered','answered','answered','closed','rejected','hidden','received'])[1 + floor(random() * 7)::int] END AS state
      FROM generate_series(1, $ROWS) g) x
JOIN due ON due.day = pakn_local_day(x.at),
     (SELECT array_agg(id ORDER BY id) AS items FROM plan_item) i;
INSERT INTO feedback_search (feedback_id, body_folded) SELECT id, pakn_fold(body) FROM feedback;
INSERT INTO feedback_day SELECT pakn_local_day(created_at), min(log_index), max(log_index)
FROM feedback GROUP BY 1;
CREATE INDEX feedback_search_trgm_idx ON feedback_search USING gin (body_folded gin_trgm_ops);
INSERT INTO official (username, display_name, roles, password_hash)
VALUES ('bench', 'bench', '{moderator}', 'x');
INSERT INTO official_agency (official_id, agency_id)
SELECT o.id, (SELECT x.agency_id FROM plan_item_agency x GROUP BY x.agency_id
              ORDER BY count(DISTINCT x.item_id) DESC, x.agency_id LIMIT 1)
FROM official o WHERE o.username = 'bench';
VACUUM ANALYZE feedback;
VACUUM ANALYZE feedback_search;
ANALYZE;
SQL
load_s=$(( $(date +%s) - start ))

q() { psql "$PAKN_DATABASE_URL" -Atc "$1"; }
oid=$(q "SELECT id FROM official WHERE username = 'bench'")
agency=$(q "SELECT a.code FROM agency a JOIN official_agency oa ON oa.agency_id = a.id WHERE oa.official_id = $oid")
in_scope=$(q "SELECT count(*) FROM feedback f WHERE pakn_in_scope($oid, f.id)")
deep=$((ROWS / 2))
item=$(q "SELECT it.code FROM plan_item it JOIN plan_item_agency x ON x.item_id = it.id
          JOIN official_agency oa ON oa.agency_id = x.agency_id WHERE oa.official_id = $oid
          ORDER BY it.id LIMIT 1")
plan=$(q "SELECT p.code FROM plan p JOIN plan_item it ON it.plan_id = p.id WHERE it.code = '$item'")

# name|status|agency|item|kind|rating_min|rating_max|from|to|q|plan|overdue|cursor|limit
cases="no filter: first page|||||||||||||50
received, oldest first|received||||||||||||50
common word (so hoa, 2%)|||||||||so hoa||||50
rare word (cap quang, 0.02%)|||||||||cap quang||||50
word in about half the rows (nghi)|||||||||nghi||||50
no match (xyzzy)|||||||||xyzzy||||50
so hoa + received + rating 1-2|received||||1|2|||so hoa||||50
so hoa, March (from/to)|||||||2026-03-01|2026-03-31|so hoa||||50
overdue|||||||||||true||50
overdue + so hoa|||||||||so hoa||true||50
kind + item + plan|||$item|question||||||$plan|||50
deep page (cursor at half)||||||||||||$deep|50
so hoa, deep page|||||||||so hoa|||$deep|50
limit 200|||||||||||||200"

out="bench/results/search-$(date +%Y-%m-%d).md"
lit() { [ -z "$1" ] && echo NULL || echo "'$1'"; }
stmt() {
	echo "SELECT pakn_queue($oid, $(lit "$2"), $(lit "$3"), $(lit "$4"), $(lit "$5"), $(lit "$6")::int, $(lit "$7")::int, $(lit "$8")::date, $(lit "$9")::date, $(lit "${10}"), $(lit "${11}"), $(lit "${12}")::boolean, $(lit "${13}")::bigint, ${14}, NULL::int)::text"
}
{
	echo "# Queue search benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
	echo
	echo "$ROWS feedback rows loaded and indexed in ${load_s} s; the official's scope is agency $agency, $in_scope rows. Item $item, plan $plan."
	echo "Machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start (shared with other work); PostgreSQL $(q 'SHOW server_version'); $REQUESTS runs per case, one connection (pgbench -n -M prepared), the whole statement including the JSON of the page."
	echo
	echo "| case | rows | p50 ms | p99 ms | max ms |"
	echo "| --- | --- | --- | --- | --- |"
} >"$out"
plans=$(mktemp)
echo "$cases" | while IFS='|' read -r name s a i k rmin rmax from to text pl od cur lim; do
	sql=$(stmt "$name" "$s" "$a" "$i" "$k" "$rmin" "$rmax" "$from" "$to" "$text" "$pl" "$od" "$cur" "$lim")
	echo "$sql;" >"$tmp/case.sql"
	rows=$(q "SELECT json_array_length(($sql)::json->'items')")
	(cd "$tmp" && rm -f pgbench_log.* && pgbench -n -M prepared -f case.sql -t "$REQUESTS" -l "$PAKN_DATABASE_URL" >/dev/null 2>&1)
	set -- $(cat "$tmp"/pgbench_log.* | awk '{print $3 / 1000}' | sort -n | awk '
		{ v[NR] = $1 } END { printf "%.2f %.2f %.2f\n", v[int(NR * 0.5 + 0.5)], v[int(NR * 0.99 + 0.5)], v[NR] }')
	echo "| $name | $rows | $1 | $2 | $3 |" >>"$out"
	printf '\n### %s\n\n```\n' "$name" >>"$plans"
	# The statement pakn_queue executes (the plan auto_explain logs for it), with its timing.
	psql "$PAKN_DATABASE_URL" -Atq 2>&1 >/dev/null <<PSQL | awk '/^LOG:  duration/ { if (keep) printf "%s", b; b = ""; keep = 0 }
		/WITH mine AS/ { keep = 1 } { b = b $0 "\n" } END { if (keep) printf "%s", b }' >>"$plans"
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_buffers = on;
SET client_min_messages = log;
$sql;
PSQL
	echo '```' >>"$plans"
done
{
	echo
	echo "## Plans (EXPLAIN ANALYZE of the statement pakn_queue runs, by auto_explain)"
	cat "$plans"
} >>"$out"
rm -f "$plans"
cat "$out"
