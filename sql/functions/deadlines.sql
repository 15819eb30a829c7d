-- deadlines.sql: the working-day calendar and each feedback's deadlines (tables:
-- 005_responses.sql, 024_assign_escalate.sql): the calendar rebuilt when a holiday or a
-- make-up day changes, the deadlines fixed when a feedback arrives (its plan's, or the
-- service's), the moment of its first moderation action, and the escalation of a feedback
-- whose deadline passed. docs/metrics.md, docs/moderation.md.

-- work_day from public_holiday and make_up_day: working days numbered in order, 2020 to
-- 2040, weekends and holidays skipped, make-up days (a Saturday declared a working day)
-- counted; a day off carries the number of the working day before.
CREATE OR REPLACE FUNCTION pakn_rebuild_calendar() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM work_day;
    INSERT INTO work_day (day, working, n)
    SELECT d, w, sum(w::int) OVER (ORDER BY d)
    FROM (SELECT d::date AS d,
                 (extract(isodow FROM d) < 6
                  OR EXISTS (SELECT 1 FROM make_up_day m WHERE m.day = d::date))
                 AND NOT EXISTS (SELECT 1 FROM public_holiday h WHERE h.day = d::date) AS w
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
CREATE OR REPLACE TRIGGER make_up_day_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON make_up_day FOR EACH STATEMENT EXECUTE FUNCTION pakn_calendar_trigger();

-- The working day that is `days` working days after day p_day (a feedback that arrives on
-- a day off counts from the next working day). PL/pgSQL keeps its plan for the session; as
-- a LANGUAGE sql function with sub-selects it was planned on every call.
CREATE OR REPLACE FUNCTION pakn_working_day_from(p_day date, p_days integer) RETURNS date
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT w.day FROM work_day w
            WHERE w.working
              AND w.n = (SELECT n FROM work_day WHERE day = p_day) + p_days);
END
$$;

-- The same from the local date of `at`.
CREATE OR REPLACE FUNCTION pakn_working_day_after(p_at timestamptz, p_days integer) RETURNS date
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN pakn_working_day_from(pakn_local_day(p_at), p_days);
END
$$;

-- A feedback's deadlines, fixed when it arrives from the deadlines then in force: its
-- plan's (the .meta file's action_days, answer_days), else the service's; counted from
-- the day it reached the agency (received_on, for feedback an official entered: the
-- citizen's day, not the day of typing), else from the day it was stored.
CREATE OR REPLACE FUNCTION pakn_due_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    a integer;
    r integer;
BEGIN
    SELECT coalesce(pl.action_days, d.action_days), coalesce(pl.answer_days, d.answer_days)
    INTO a, r
    FROM response_deadline d
    LEFT JOIN plan_item it ON it.id = NEW.item_id
    LEFT JOIN plan pl ON pl.id = it.plan_id;
    NEW.due_action := pakn_working_day_from(
        coalesce(NEW.received_on, pakn_local_day(NEW.created_at)), a);
    NEW.due_answer := pakn_working_day_from(
        coalesce(NEW.received_on, pakn_local_day(NEW.created_at)), r);
    RETURN NEW;
END
$$;

-- Intake gives the deadlines, computed once per batch (and leaves them to this trigger for
-- an item of a plan with its own); the trigger fills them for any other insert.
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

-- Escalates, oldest deadline first, at most p_limit feedback whose deadline passed without
-- the step: 'action' (due_action, a working day, is over and nothing was done) or 'answer'
-- (due_answer is over and it is neither answered, rejected nor closed). Each deadline
-- escalates once: the row records the step and time, and one audit event (action
-- 'escalate', reason the step, no official) says so. The conditions are those of the
-- partial indexes of 024_assign_escalate.sql, so a pass that finds nothing reads two index
-- pages; the UPDATE checks them again under the row lock, so two services running it at
-- once still escalate once. Returns how many it escalated. Escalation is not a log entry:
-- it is no one's decision but what the clock makes of the entries already there (a
-- submission's time, and no action since), which anyone holding the log can recompute.
CREATE OR REPLACE FUNCTION pakn_escalate(p_limit integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    today date := pakn_local_day(now());
    c     record;
    st    text;
    n     integer := 0;
BEGIN
    FOR c IN
        SELECT id, step FROM (
            (SELECT f.id, 'action' AS step, f.due_action AS due FROM feedback f
             WHERE f.first_action_at IS NULL AND f.escalated_step IS NULL
               AND f.due_action < today
             ORDER BY f.due_action LIMIT p_limit)
            UNION ALL
            (SELECT f.id, 'answer', f.due_answer FROM feedback f
             WHERE f.state IN ('received', 'published', 'hidden')
               AND f.escalated_step IS DISTINCT FROM 'answer'
               AND f.due_answer < today
             ORDER BY f.due_answer LIMIT p_limit)) late
        ORDER BY due, step LIMIT p_limit
    LOOP
        -- A row an action holds is escalated next time: waiting for it here, with the
        -- audit head held since the row before, could deadlock with that action.
        PERFORM 1 FROM feedback WHERE id = c.id FOR UPDATE SKIP LOCKED;
        CONTINUE WHEN NOT FOUND;
        UPDATE feedback f SET escalated_step = c.step, escalated_at = now()
        WHERE f.id = c.id
          AND CASE c.step
                  WHEN 'action' THEN f.first_action_at IS NULL AND f.escalated_step IS NULL
                                     AND f.due_action < today
                  ELSE f.state IN ('received', 'published', 'hidden')
                       AND f.escalated_step IS DISTINCT FROM 'answer' AND f.due_answer < today
              END
        RETURNING f.state INTO st;
        IF FOUND THEN
            PERFORM pakn_audit(NULL, NULL, c.id, 'escalate', c.step, NULL, st, st);
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END
$$;
