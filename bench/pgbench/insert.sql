-- The ceiling for intake: one feedback row per transaction, as the service would store it
-- (same table, same triggers), with INSERT … RETURNING.
\set r random(1, 5)
\set item random(1, 120)
INSERT INTO feedback (id, tracking_code, item_id, rating, kind, body, consent_publish,
                      consent_contact, submission_hash, secret_hash, log_index, key_id, created_at)
SELECT n, 'PGB-' || n, (SELECT min(id) FROM plan_item) + :item - 1, :r, 'opinion',
       'Đề nghị số hóa toàn bộ hồ sơ thủ tục hành chính ở cấp xã trong năm nay.',
       false, false, md5(n::text), '', n, 'pgbench', now()
FROM (SELECT nextval('bench_id') AS n) s
RETURNING id;
