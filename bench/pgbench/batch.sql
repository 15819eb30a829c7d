-- Ten feedback rows per transaction: what batching alone gives the database.
\set item random(1, 120)
INSERT INTO feedback (id, tracking_code, item_id, rating, kind, body, consent_publish,
                      consent_contact, submission_hash, secret_hash, log_index, key_id, created_at)
SELECT n, 'PGB-' || n, (SELECT min(id) FROM plan_item) + :item - 1, 1 + n % 5, 'opinion',
       'Đề nghị số hóa toàn bộ hồ sơ thủ tục hành chính ở cấp xã trong năm nay.',
       false, false, md5(n::text), '', n, 'pgbench', now()
FROM (SELECT nextval('bench_id') AS n FROM generate_series(1, 10)) s
RETURNING id;
