-- 005_responses.sql: what response metrics need: when a feedback was first acted on, a
-- working-day calendar (weekends and the public holidays below skipped), and each
-- feedback's deadlines, fixed when it arrives. docs/metrics.md.
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/deadlines.sql.

ALTER TABLE feedback ADD COLUMN IF NOT EXISTS first_action_at timestamptz;
ALTER TABLE feedback ADD COLUMN IF NOT EXISTS due_action date;  -- local date
ALTER TABLE feedback ADD COLUMN IF NOT EXISTS due_answer date;

-- Vietnamese public holidays (Labour Code 2019, art. 112, and the government's decision for
-- each year's Tết and bridges). Edit this table when a year's decision is published: the
-- calendar follows.
CREATE TABLE IF NOT EXISTS public_holiday (
    day  date PRIMARY KEY,
    name text NOT NULL
);
INSERT INTO public_holiday (day, name) VALUES
    ('2026-01-01', 'Tết Dương lịch'),
    ('2026-02-16', 'Tết Nguyên đán'), ('2026-02-17', 'Tết Nguyên đán'),
    ('2026-02-18', 'Tết Nguyên đán'), ('2026-02-19', 'Tết Nguyên đán'),
    ('2026-02-20', 'Tết Nguyên đán'),
    ('2026-04-27', 'Giỗ Tổ Hùng Vương (nghỉ bù)'),
    ('2026-04-30', 'Ngày Giải phóng miền Nam'), ('2026-05-01', 'Ngày Quốc tế Lao động'),
    ('2026-09-01', 'Quốc khánh'), ('2026-09-02', 'Quốc khánh')
ON CONFLICT DO NOTHING;

-- Working days numbered in order; a day off carries the number of the working day before.
CREATE TABLE IF NOT EXISTS work_day (
    day     date PRIMARY KEY,
    working boolean NOT NULL,
    n       integer NOT NULL
);
CREATE INDEX IF NOT EXISTS work_day_n_idx ON work_day (n) WHERE working;

-- The calendar's first fill; pakn_rebuild_calendar (sql/functions/deadlines.sql) fills it
-- again whenever public_holiday changes.
INSERT INTO work_day (day, working, n)
SELECT d, w, sum(w::int) OVER (ORDER BY d)
FROM (SELECT d::date AS d,
             extract(isodow FROM d) < 6 AND NOT EXISTS (SELECT 1 FROM public_holiday h
                                                        WHERE h.day = d::date) AS w
      FROM generate_series(date '2020-01-01', date '2040-12-31', interval '1 day') d) c
ON CONFLICT DO NOTHING;

-- The deadlines in force: one row, set by the service's configuration through
-- `paknctl` or SQL (docs/metrics.md).
CREATE TABLE IF NOT EXISTS response_deadline (
    one         boolean PRIMARY KEY DEFAULT true CHECK (one),
    action_days integer NOT NULL CHECK (action_days > 0),  -- forwarded or accepted within
    answer_days integer NOT NULL CHECK (answer_days > 0)   -- answered within
);
INSERT INTO response_deadline VALUES (true, 5, 15) ON CONFLICT DO NOTHING;

-- Rows stored before this migration, with the deadlines of pakn_working_day_after.
UPDATE feedback f
SET due_action = (SELECT w.day FROM work_day t JOIN work_day w ON w.working AND w.n = t.n + 5
                  WHERE t.day = (f.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date),
    due_answer = (SELECT w.day FROM work_day t JOIN work_day w ON w.working AND w.n = t.n + 15
                  WHERE t.day = (f.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date)
WHERE due_action IS NULL;

