-- dashboard_seed.sql - feedback for tests/browser/dashboard.test.mjs, stored as if taken in
-- over the last three quarters (ids and log indexes far above intake's, as
-- tests/integration/test_metrics_api.c stores its rows; the row trigger counts them at
-- once): both plans, tasks and indicators, four kinds, some groups too small to settle,
-- every other one answered by the official named :'official'. The quarter before this one
-- has 12 ratings on each of six items, the one before that 3 on each of two others, this
-- quarter's first day a few more, so that each period shows different figures. Quarters
-- are Vietnam's, as the metrics count them.
WITH q AS (SELECT date_trunc('quarter', now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS this),
    plan_rows (code, n, at) AS (
        SELECT v.code, v.n, ((q.this + v.months * interval '1 month' + v.days * interval '1 day')::date
                             + time '09:00') AT TIME ZONE 'Asia/Ho_Chi_Minh'
        FROM q, (VALUES ('LC-T1', 12, -3, 3), ('LC-T2', 12, -3, 10), ('LC-T3', 12, -2, 0),
                        ('DB-T-II.1', 12, -3, 5), ('DB-I03', 12, -2, 17), ('DB-T-V.3', 12, -1, 7),
                        ('LC-T5', 3, -6, 2), ('DB-T-III.2', 3, -5, 6),
                        ('LC-T7', 4, 0, 0), ('DB-I03', 2, 0, 0)) v(code, n, months, days)),
    rows AS (
        SELECT row_number() OVER (ORDER BY r.code, r.at, g.k) AS n, r.code,
               r.at + (g.k - 1) * interval '10 minutes' AS at
        FROM plan_rows r, generate_series(1, r.n) g(k))
INSERT INTO feedback (id, tracking_code, item_id, rating, kind, body, consent_publish,
                      consent_contact, state, submission_hash, secret_hash, log_index, key_id,
                      created_at, handle, salt)
SELECT 800000000 + n, 'TEST-DASH-' || n, it.id, 1 + (n * 3 + n / 4) % 5,
       (ARRAY['opinion', 'proposal', 'report', 'question'])[1 + n % 4],
       'Góp ý thử số ' || n, false, false, 'received', '', '', 800000000 + n, '', at,
       md5('dash' || n), sha256(convert_to('dash' || n, 'UTF8'))
FROM rows JOIN plan_item it ON it.code = rows.code;

-- Every other one acted on the next day and answered after 1 to 9 days.
INSERT INTO feedback_response (feedback_id, official_id, text, answered_at, key_id, signature)
SELECT f.id, o.id, 'Trả lời thử', f.created_at + (f.id % 9 + 1) * interval '1 day', '', ''
FROM feedback f, official o
WHERE f.tracking_code LIKE 'TEST-DASH-%' AND f.id % 2 = 0 AND o.username = :'official';
UPDATE feedback SET state = 'answered', first_action_at = created_at + interval '1 day'
WHERE tracking_code LIKE 'TEST-DASH-%' AND id % 2 = 0;
