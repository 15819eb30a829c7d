-- 024_assign_escalate.sql: assignment and escalation (issue 22, point 7; docs/moderation.md,
-- "Assignment, deadlines and escalation"): a feedback assigned to one official of an agency
-- that has it in scope; deadlines set per plan (its .meta file: action_days, answer_days;
-- NULL: response_deadline's); make-up working days (a Saturday declared a working day),
-- which the calendar honours; and the escalation of a feedback whose deadline passed.
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/officials.sql and deadlines.sql.

ALTER TABLE feedback ADD COLUMN IF NOT EXISTS assigned_to integer REFERENCES official;
-- The step whose deadline passed ('action': forwarded or accepted; 'answer') and when the
-- service found it; NULL: not escalated.
ALTER TABLE feedback ADD COLUMN IF NOT EXISTS escalated_step text
    CHECK (escalated_step IN ('action', 'answer'));
ALTER TABLE feedback ADD COLUMN IF NOT EXISTS escalated_at timestamptz;

CREATE INDEX IF NOT EXISTS feedback_assigned_idx ON feedback (assigned_to, log_index)
    WHERE assigned_to IS NOT NULL;
-- The periodic escalation (pakn_escalate) reads only these, in deadline order, so that a
-- pass that finds nothing is one index probe. The conditions are pakn_escalate's, word
-- for word.
CREATE INDEX IF NOT EXISTS feedback_escalate_action_idx ON feedback (due_action)
    WHERE first_action_at IS NULL AND escalated_step IS NULL;
CREATE INDEX IF NOT EXISTS feedback_escalate_answer_idx ON feedback (due_answer)
    WHERE state IN ('received', 'published', 'hidden')
          AND escalated_step IS DISTINCT FROM 'answer';
CREATE INDEX IF NOT EXISTS feedback_escalated_idx ON feedback (escalated_at)
    WHERE escalated_step IS NOT NULL;

-- A plan's own deadlines in working days; NULL: those of response_deadline.
ALTER TABLE plan ADD COLUMN IF NOT EXISTS action_days integer CHECK (action_days > 0);
ALTER TABLE plan ADD COLUMN IF NOT EXISTS answer_days integer CHECK (answer_days > 0);

-- Days off a weekend that are working days (a Saturday worked to bridge a holiday, by the
-- government's decision for the year). Edit this table when a year's decision is
-- published: the calendar follows (pakn_rebuild_calendar). None is listed for 2026: the
-- 2026 holidays of 005 need no make-up day.
CREATE TABLE IF NOT EXISTS make_up_day (
    day  date PRIMARY KEY,
    name text NOT NULL
);

-- 2027's statutory holidays on fixed dates (Labour Code 2019, art. 112). Tết, the Hùng
-- Kings' day and the second day of Quốc khánh follow the government's decision for 2027,
-- to be added when it is published.
INSERT INTO public_holiday (day, name) VALUES
    ('2027-01-01', 'Tết Dương lịch'),
    ('2027-04-30', 'Ngày Giải phóng miền Nam'), ('2027-05-01', 'Ngày Quốc tế Lao động'),
    ('2027-09-02', 'Quốc khánh')
ON CONFLICT DO NOTHING;

-- The calendar again, as pakn_rebuild_calendar now builds it (plain SQL: a migration runs
-- before the function files).
DELETE FROM work_day;
INSERT INTO work_day (day, working, n)
SELECT d, w, sum(w::int) OVER (ORDER BY d)
FROM (SELECT d::date AS d,
             (extract(isodow FROM d) < 6
              OR EXISTS (SELECT 1 FROM make_up_day m WHERE m.day = d::date))
             AND NOT EXISTS (SELECT 1 FROM public_holiday h WHERE h.day = d::date) AS w
      FROM generate_series(date '2020-01-01', date '2040-12-31', interval '1 day') d) c;

-- Their arguments change: the assignee (pakn_moderate, pakn_moderate_steps) and the
-- assigned_to filter (pakn_queue).
DROP FUNCTION IF EXISTS pakn_moderate_steps(integer, bigint, json, text, text, text, text,
                                            timestamptz, text, text);
DROP FUNCTION IF EXISTS pakn_moderate(integer, text, bigint, text, text[], text, text, text,
                                      text, text, timestamptz, text, text);
DROP FUNCTION IF EXISTS pakn_queue(integer, text, text, text, text, integer, date, date,
                                   bigint, integer);
