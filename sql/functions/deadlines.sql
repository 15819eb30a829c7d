-- deadlines.sql: the working-day calendar and each feedback's deadlines (tables:
-- 005_responses.sql): the calendar rebuilt when a holiday changes, the deadlines fixed when a
-- feedback arrives, the moment of its first moderation action. docs/metrics.md.

-- work_day from public_holiday: working days numbered in order, 2020 to 2040, weekends and
-- holidays skipped; a day off carries the number of the working day before.
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

CREATE OR REPLACE FUNCTION pakn_calendar_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pakn_rebuild_calendar();
    RETURN NULL;
END
$$;

-- Editing public_holiday (when a year's decision is published) rebuilds the calendar.
CREATE OR REPLACE TRIGGER public_holiday_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON public_holiday FOR EACH STATEMENT EXECUTE FUNCTION pakn_calendar_trigger();

-- The working day that is `days` working days after the local date of `at` (a feedback that
-- arrives on a day off counts from the next working day). PL/pgSQL keeps its plan for the
-- session; as a LANGUAGE sql function with sub-selects it was planned on every call.
CREATE OR REPLACE FUNCTION pakn_working_day_after(p_at timestamptz, p_days integer) RETURNS date
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT w.day FROM work_day w
            WHERE w.working
              AND w.n = (SELECT n FROM work_day
                         WHERE day = pakn_local_day(p_at)) + p_days);
END
$$;

-- A feedback's deadlines, fixed when it arrives from the deadlines then in force.
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

-- Intake gives the deadlines, computed once per batch; the trigger fills them for any other
-- insert.
CREATE OR REPLACE TRIGGER feedback_due BEFORE INSERT ON feedback FOR EACH ROW
    WHEN (NEW.due_action IS NULL OR NEW.due_answer IS NULL)
    EXECUTE FUNCTION pakn_due_trigger();

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

CREATE OR REPLACE TRIGGER moderation_first_action AFTER INSERT ON moderation_event
    FOR EACH ROW EXECUTE FUNCTION pakn_first_action_trigger();
