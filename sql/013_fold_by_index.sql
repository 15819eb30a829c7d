-- 013_fold_by_index.sql: the fold (011) reads the rows that wait as one range of log
-- indexes instead of as a list of their ids. The list was probed into feedback's primary
-- key one id at a time; the range is one scan of feedback_log_index_key over rows stored
-- in that order. Measured on 43,700 waiting rows: reading them 222 ms before, 84 ms after;
-- the fold as a whole 240-280 ms before, about 110 ms after. It runs each second beside
-- intake, which feels it (docs/intake.md, "Speed").

-- What each feedback contributes to the rollups (007, 011), for any way of choosing rows.
CREATE OR REPLACE VIEW pakn_rollup_source AS
    SELECT f.id, f.log_index,
           f.item_id, it.plan_id, f.kind, f.state <> 'rejected' AS counted, f.rating,
           pakn_local_day(f.created_at) AS day,
           pakn_local_day(f.first_action_at) > f.due_action AS acted_late,
           f.first_action_at IS NULL AS waits_action, f.due_action, f.due_answer,
           r.answered_at, r.rating AS answer_rating,
           pakn_local_day(r.answered_at) > f.due_answer AS answered_late,
           CASE WHEN r.answered_at IS NOT NULL
                THEN pakn_hours_bucket(extract(epoch FROM r.answered_at - f.created_at) / 3600)
           END AS bucket
    FROM feedback f JOIN plan_item it ON it.id = f.item_id
    LEFT JOIN feedback_response r ON r.feedback_id = f.id;

CREATE OR REPLACE FUNCTION pakn_rollup_src(p_ids bigint[])
RETURNS TABLE (item_id integer, plan_id integer, kind text, counted boolean, rating smallint,
               day date, acted_late boolean, waits_action boolean, due_action date,
               due_answer date, answered_at timestamptz, answer_rating smallint,
               answered_late boolean, bucket smallint)
LANGUAGE sql STABLE AS $$
    SELECT item_id, plan_id, kind, counted, rating, day, acted_late, waits_action, due_action,
           due_answer, answered_at, answer_rating, answered_late, bucket
    FROM pakn_rollup_source WHERE id = ANY (p_ids)
$$;

-- As 011, reading the rows by their log indexes.
CREATE OR REPLACE FUNCTION pakn_rollup_fold() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    from_ix bigint;
    to_ix   bigint;
BEGIN
    IF pg_is_in_recovery() OR current_setting('transaction_read_only')::boolean THEN
        RETURN 0;
    END IF;
    -- Without a lock first: a reader with nothing to fold writes nothing.
    SELECT s.folded, t.size INTO from_ix, to_ix FROM rollup_state s, tlog_state t;
    IF from_ix >= to_ix THEN
        RETURN 0;
    END IF;
    SELECT folded INTO from_ix FROM rollup_state WHERE one FOR UPDATE;
    -- Each statement reads a newer snapshot: every index below this size is committed and
    -- seen by the next one.
    SELECT size INTO to_ix FROM tlog_state WHERE one;
    IF from_ix >= to_ix THEN
        RETURN 0;
    END IF;
    PERFORM pakn_rollup_add_rows(ARRAY(
        SELECT ROW(item_id, plan_id, kind, counted, rating, day, acted_late, waits_action,
                   due_action, due_answer, answered_at, answer_rating, answered_late,
                   bucket)::pakn_rollup_row
        FROM pakn_rollup_source WHERE log_index >= from_ix AND log_index < to_ix));
    UPDATE rollup_state SET folded = to_ix WHERE one;
    RETURN to_ix - from_ix;
END
$$;
