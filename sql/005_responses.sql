-- 005_responses.sql: what response metrics need: when a feedback was first acted on, a
-- working-day calendar (weekends and the public holidays below skipped), and each
-- feedback's deadlines, fixed when it arrives. docs/metrics.md.

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

CREATE OR REPLACE FUNCTION pakn_rebuild_calendar() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM work_day;
    INSERT INTO work_day (day, working, n)
    SELECT d, w, sum(w::int) OVER (ORDER BY d)
    FROM (SELECT d::date AS d,
                 extract(isodow FROM d) < 6 AND NOT EXISTS (SELECT 1 FROM public_holiday h
                                                            WHERE h.day = d::date) AS w
          FROM generate_series(date '2020-01-01', date '2040-12-31', interval '1 day') d) c;
$$;
SELECT pakn_rebuild_calendar();

CREATE OR REPLACE FUNCTION pakn_calendar_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pakn_rebuild_calendar();
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS public_holiday_changed ON public_holiday;
CREATE TRIGGER public_holiday_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON public_holiday FOR EACH STATEMENT EXECUTE FUNCTION pakn_calendar_trigger();

-- The working day that is `days` working days after the local date of `at` (a feedback that
-- arrives on a day off counts from the next working day).
CREATE OR REPLACE FUNCTION pakn_working_day_after(p_at timestamptz, p_days integer) RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT w.day FROM work_day w
    WHERE w.working
      AND w.n = (SELECT n FROM work_day WHERE day = (p_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date)
                + p_days
$$;

-- The deadlines in force: one row, set by the service's configuration through
-- `paknctl` or SQL (docs/metrics.md).
CREATE TABLE IF NOT EXISTS response_deadline (
    one         boolean PRIMARY KEY DEFAULT true CHECK (one),
    action_days integer NOT NULL CHECK (action_days > 0),  -- forwarded or accepted within
    answer_days integer NOT NULL CHECK (answer_days > 0)   -- answered within
);
INSERT INTO response_deadline VALUES (true, 5, 15) ON CONFLICT DO NOTHING;

CREATE OR REPLACE FUNCTION pakn_due_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    d response_deadline;
BEGIN
    SELECT * INTO d FROM response_deadline;
    NEW.due_action := pakn_working_day_after(NEW.created_at, d.action_days);
    NEW.due_answer := pakn_working_day_after(NEW.created_at, d.answer_days);
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS feedback_due ON feedback;
CREATE TRIGGER feedback_due BEFORE INSERT ON feedback
    FOR EACH ROW EXECUTE FUNCTION pakn_due_trigger();
UPDATE feedback SET due_action = pakn_working_day_after(created_at, 5),
                    due_answer = pakn_working_day_after(created_at, 15)
WHERE due_action IS NULL;

-- The first moderation action (publish, reject, hide, forward, answer, close) is the
-- "forwarded or accepted" moment.
CREATE OR REPLACE FUNCTION pakn_first_action_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.feedback_id IS NOT NULL AND NEW.action IN
           ('publish', 'reject', 'hide', 'forward', 'answer', 'close') THEN
        UPDATE feedback SET first_action_at = NEW.at
        WHERE id = NEW.feedback_id AND first_action_at IS NULL;
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS moderation_first_action ON moderation_event;
CREATE TRIGGER moderation_first_action AFTER INSERT ON moderation_event
    FOR EACH ROW EXECUTE FUNCTION pakn_first_action_trigger();

-- Response figures per group (docs/metrics.md): how many, how many answered, how fast
-- (median and 90th percentile, hours), how many past their deadlines as of p_as_of (a local
-- date), and how the submitters rated the answers. Rejected feedback needs no answer.
CREATE OR REPLACE FUNCTION pakn_responses(p_group text, p_plan text, p_from date, p_to date,
                                          p_as_of date)
RETURNS TABLE (group_code text, group_title text, count bigint, answered bigint,
               answer_rate numeric, median_hours numeric, p90_hours numeric,
               action_overdue bigint, answer_overdue bigint, answer_ratings bigint,
               answer_rating_mean numeric)
LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT fb.*, it.code AS item_code, it.title AS item_title, p.code AS plan_code,
               p.title AS plan_title, s.kind AS section_kind, s.code AS section_code,
               s.title AS section_title, r.answered_at, r.rating AS answer_rating,
               (fb.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day
        FROM feedback fb
        JOIN plan_item it ON it.id = fb.item_id
        JOIN plan p ON p.id = it.plan_id
        JOIN plan_section s ON s.id = it.section_id
        LEFT JOIN feedback_response r ON r.feedback_id = fb.id
        WHERE (p_plan IS NULL OR p.code = p_plan)
          AND (p_from IS NULL OR fb.created_at >= p_from::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh')
          AND (p_to IS NULL OR fb.created_at < (p_to + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh')),
    keyed AS (
        SELECT CASE p_group WHEN 'item' THEN item_code
                            WHEN 'section' THEN plan_code || ':' || section_kind || ':' || section_code
                            WHEN 'plan' THEN plan_code WHEN 'kind' THEN kind END AS gcode,
               CASE p_group WHEN 'item' THEN item_title WHEN 'section' THEN section_title
                            WHEN 'plan' THEN plan_title WHEN 'kind' THEN kind END AS gtitle, f.*
        FROM f WHERE p_group <> 'agency'
        UNION ALL
        SELECT a.code, a.name, f.*
        FROM f JOIN plan_item_agency x ON x.item_id = f.item_id AND x.role = 'lead'
        JOIN agency a ON a.id = x.agency_id
        WHERE p_group = 'agency')
    SELECT gcode, max(gtitle), count(*), count(answered_at),
           round(count(answered_at)::numeric / count(*), 4),
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM answered_at - created_at) / 3600))::numeric, 1),
           round((percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM answered_at - created_at) / 3600))::numeric, 1),
           count(*) FILTER (WHERE coalesce((first_action_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date,
                                           p_as_of + 1) > due_action
                                  AND (first_action_at IS NOT NULL OR p_as_of > due_action)),
           count(*) FILTER (WHERE state <> 'rejected'
                                  AND coalesce((answered_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date,
                                               p_as_of + 1) > due_answer
                                  AND (answered_at IS NOT NULL OR p_as_of > due_answer)),
           count(answer_rating),
           round(avg(answer_rating), 4)
    FROM keyed
    GROUP BY gcode
    ORDER BY gcode
$$;
