-- rollups.sql: the counts behind the metrics (tables: 004_metrics.sql,
-- 007_response_rollup.sql, 011_intake_set.sql), kept by triggers for every change but
-- intake's, whose rows the fold counts after their commit. docs/metrics.md, "How it stays
-- fast".
--
-- Each feedback, with its answer if it has one, contributes a fixed set of counts; the
-- triggers take away what a row contributed before a change and add what it contributes
-- after, in the same transaction as the change. Three tables hold the counts:
--   feedback_rollup     ratings and response counts, per grain, item, day and kind;
--   answer_time_rollup  how many answers took how long, in logarithmic hour buckets, per
--                       item, and answer_time_kind_rollup the same per plan and kind (an
--                       item's buckets split by kind would be four times as many rows);
--   response_pending    feedback still waiting for a first action or an answer, by the
--                       deadline it carries (only these depend on the day a report is made).
-- A row of grain 'D', 'M', 'Q' or 'Y' counts the local day, month, quarter or year that
-- starts on its `day`.
--
-- Which rows wait for the fold: intake stores each batch's rows with log indexes taken from
-- tlog_state under its row lock, so every index below the committed size is committed, in
-- order. The rows with rollup_state.folded <= log_index < tlog_state.size are the ones not
-- yet counted; the moderation events that share the index space are not feedback and are
-- simply not found. Every other insert into feedback is counted at once by the row
-- trigger. Readers fold first (pakn_rollup_fold, from the metrics handlers), so figures
-- are exact; on a replica, which cannot write, they are those of the last fold on the
-- primary, which the checkpointer makes each second (server/tlog/tlog_publish.c).

-- The four rows a local day counts in: its day, month, quarter and year.
CREATE OR REPLACE FUNCTION pakn_grains(p_day date) RETURNS TABLE (grain char(1), day date)
LANGUAGE sql IMMUTABLE AS $$
    VALUES ('D', p_day), ('M', date_trunc('month', p_day)::date),
           ('Q', date_trunc('quarter', p_day)::date), ('Y', date_trunc('year', p_day)::date)
$$;

-- Answer times: bucket b holds times t (hours) with floor(8 * log2(1 + t)) = b, so a bucket
-- is 9% wider than the one before and a percentile read from the buckets is off by less
-- than half a bucket's width.
CREATE OR REPLACE FUNCTION pakn_hours_bucket(p_hours double precision) RETURNS smallint
LANGUAGE sql IMMUTABLE AS $$ SELECT floor(8 * log(2, 1 + greatest(p_hours, 0)::numeric))::smallint $$;

-- Adds rows of counts to feedback_rollup (a row that is there already gets the counts
-- added to its own). PL/pgSQL keeps the INSERT's plan for the session.
CREATE OR REPLACE FUNCTION pakn_rollup_merge(p_rows feedback_rollup[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO feedback_rollup AS t SELECT * FROM unnest(p_rows)
    ON CONFLICT (grain, item_id, day, kind) DO UPDATE SET
        r1 = t.r1 + EXCLUDED.r1, r2 = t.r2 + EXCLUDED.r2, r3 = t.r3 + EXCLUDED.r3,
        r4 = t.r4 + EXCLUDED.r4, r5 = t.r5 + EXCLUDED.r5,
        received = t.received + EXCLUDED.received, answered = t.answered + EXCLUDED.answered,
        acted_late = t.acted_late + EXCLUDED.acted_late,
        answered_late = t.answered_late + EXCLUDED.answered_late,
        answer_ratings = t.answer_ratings + EXCLUDED.answer_ratings,
        answer_rating_sum = t.answer_rating_sum + EXCLUDED.answer_rating_sum;
END
$$;

-- Adds p_sign times what feedback f, answered at p_answered (or not) and the answer rated
-- p_answer_rating (or not), contributes to the tables: the rules, one row at a time.
CREATE OR REPLACE FUNCTION pakn_rollup_add(f feedback, p_answered timestamptz,
                                           p_answer_rating smallint, p_sign integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    d        date := pakn_local_day(f.created_at);
    counted  boolean := f.state <> 'rejected';
    rating   integer := CASE WHEN counted THEN f.rating ELSE 0 END;
    time_bucket smallint;
BEGIN
    PERFORM pakn_rollup_merge(ARRAY(
        SELECT ROW(g.grain, f.item_id, g.day, f.kind,
                   p_sign * (rating = 1)::int, p_sign * (rating = 2)::int,
                   p_sign * (rating = 3)::int, p_sign * (rating = 4)::int,
                   p_sign * (rating = 5)::int, p_sign,
                   p_sign * (p_answered IS NOT NULL)::int,
                   p_sign * coalesce(pakn_local_day(f.first_action_at) > f.due_action, false)::int,
                   p_sign * coalesce(counted AND pakn_local_day(p_answered) > f.due_answer, false)::int,
                   p_sign * (p_answer_rating IS NOT NULL)::int,
                   p_sign * coalesce(p_answer_rating, 0))::feedback_rollup
        FROM pakn_grains(d) g));

    IF p_answered IS NOT NULL THEN
        time_bucket := pakn_hours_bucket(extract(epoch FROM p_answered - f.created_at) / 3600);
        INSERT INTO answer_time_rollup AS t (grain, item_id, day, bucket, n)
        SELECT g.grain, f.item_id, g.day, time_bucket, p_sign FROM pakn_grains(d) g
        ON CONFLICT (grain, item_id, day, bucket) DO UPDATE SET n = t.n + EXCLUDED.n;
        INSERT INTO answer_time_kind_rollup AS t (grain, plan_id, kind, day, bucket, n)
        SELECT g.grain, it.plan_id, f.kind, g.day, time_bucket, p_sign
        FROM pakn_grains(d) g, plan_item it WHERE it.id = f.item_id
        ON CONFLICT (grain, plan_id, kind, day, bucket) DO UPDATE SET n = t.n + EXCLUDED.n;
    END IF;

    INSERT INTO response_pending AS t (item_id, day, kind, what, due, n)
    SELECT f.item_id, d, f.kind, w.what, coalesce(w.due, 'infinity'), p_sign
    FROM (VALUES ('A', f.due_action, f.first_action_at IS NULL),
                 ('R', f.due_answer, p_answered IS NULL AND counted)) w(what, due, waiting)
    WHERE w.waiting
    ON CONFLICT (item_id, day, kind, what, due) DO UPDATE SET n = t.n + EXCLUDED.n;
    IF p_sign < 0 THEN
        DELETE FROM response_pending
        WHERE item_id = f.item_id AND day = d AND kind = f.kind AND n = 0;
    END IF;
END
$$;

-- What each feedback contributes to the rollups, for any way of choosing rows; the
-- answer time's bucket (a numeric logarithm) only for an answer.
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

-- What each feedback with an id in p_ids contributes.
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

-- Adds the contributions of p_rows to the rollups in one pass: the same rules as
-- pakn_rollup_add stated a second time, for whole sets (no temporary table: sessions may be
-- shared through PgBouncer); the tests compare what the two statements of the rules give.
-- The rows are counted per item, kind and day before those counts go into their four
-- grains: a fold brings thousands of rows for a few hundred days' rows.
CREATE OR REPLACE FUNCTION pakn_rollup_add_rows(p_rows pakn_rollup_row[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pakn_rollup_merge(ARRAY(
        SELECT ROW(g.grain, d.item_id, g.day, d.kind, sum(d.r1), sum(d.r2), sum(d.r3),
                   sum(d.r4), sum(d.r5), sum(d.received), sum(d.answered), sum(d.acted_late),
                   sum(d.answered_late), sum(d.answer_ratings), sum(d.answer_rating_sum))::feedback_rollup
        FROM (SELECT item_id, day, kind,
                     count(*) FILTER (WHERE counted AND rating = 1) AS r1,
                     count(*) FILTER (WHERE counted AND rating = 2) AS r2,
                     count(*) FILTER (WHERE counted AND rating = 3) AS r3,
                     count(*) FILTER (WHERE counted AND rating = 4) AS r4,
                     count(*) FILTER (WHERE counted AND rating = 5) AS r5,
                     count(*) AS received, count(answered_at) AS answered,
                     count(*) FILTER (WHERE acted_late) AS acted_late,
                     count(*) FILTER (WHERE counted AND answered_late) AS answered_late,
                     count(answer_rating) AS answer_ratings,
                     coalesce(sum(answer_rating), 0) AS answer_rating_sum
              FROM unnest(p_rows) GROUP BY 1, 2, 3) d, pakn_grains(d.day) g
        GROUP BY g.grain, d.item_id, g.day, d.kind));
    INSERT INTO answer_time_rollup AS t (grain, item_id, day, bucket, n)
    SELECT g.grain, s.item_id, g.day, s.bucket, count(*)
    FROM unnest(p_rows) s, pakn_grains(s.day) g
    WHERE s.answered_at IS NOT NULL
    GROUP BY 1, 2, 3, 4
    ON CONFLICT (grain, item_id, day, bucket) DO UPDATE SET n = t.n + EXCLUDED.n;
    INSERT INTO answer_time_kind_rollup AS t (grain, plan_id, kind, day, bucket, n)
    SELECT g.grain, s.plan_id, s.kind, g.day, s.bucket, count(*)
    FROM unnest(p_rows) s, pakn_grains(s.day) g
    WHERE s.answered_at IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (grain, plan_id, kind, day, bucket) DO UPDATE SET n = t.n + EXCLUDED.n;
    INSERT INTO response_pending AS t (item_id, day, kind, what, due, n)
    SELECT s.item_id, s.day, s.kind, w.what, coalesce(w.due, 'infinity'), count(*)
    FROM unnest(p_rows) s,
         LATERAL (VALUES ('A', s.due_action, s.waits_action),
                         ('R', s.due_answer, s.answered_at IS NULL AND s.counted)) w(what, due, waiting)
    WHERE w.waiting
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (item_id, day, kind, what, due) DO UPDATE SET n = t.n + EXCLUDED.n;
END
$$;

-- The same for the feedback with ids in p_ids, read from the tables.
CREATE OR REPLACE FUNCTION pakn_rollup_add_set(p_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pakn_rollup_add_rows(ARRAY(SELECT s::pakn_rollup_row FROM pakn_rollup_src(p_ids) s));
END
$$;

-- Whether a feedback row with index p_log_index waits for the fold. A change to such a row
-- leaves the rollups alone: the fold counts the row as it then is. FOR SHARE makes a change
-- wait for a fold in progress and then see where it ended, and makes a fold wait for the
-- changes that decided to leave their rows to it.
CREATE OR REPLACE FUNCTION pakn_rollup_waits(p_log_index bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    from_ix bigint;
BEGIN
    SELECT folded INTO from_ix FROM rollup_state WHERE one FOR SHARE;
    RETURN p_log_index >= from_ix AND p_log_index < (SELECT size FROM tlog_state WHERE one);
END
$$;

-- Counts the rows that wait, read as one range of log indexes (one scan of
-- feedback_log_index_key over rows stored in that order), and answers how many log indexes
-- it passed. Does nothing on a replica or in a read-only transaction.
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

-- The tables recomputed from the feedback and answers: for bulk loads made with triggers
-- off (bench/metrics.sh), and for checking (docs/metrics.md). The recount leaves the rows
-- that wait to the fold, like the triggers: those are the rows with an index from the size
-- it starts with up to the size its statement sees.
CREATE OR REPLACE FUNCTION pakn_rollup_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    to_ix bigint;
BEGIN
    PERFORM 1 FROM rollup_state WHERE one FOR UPDATE;
    SELECT size INTO to_ix FROM tlog_state WHERE one;
    TRUNCATE feedback_rollup, answer_time_rollup, answer_time_kind_rollup, response_pending;
    PERFORM pakn_rollup_add_set(ARRAY(
        SELECT f.id FROM feedback f, tlog_state t
        WHERE t.one AND NOT (f.log_index >= to_ix AND f.log_index < t.size)));
    UPDATE rollup_state SET folded = to_ix WHERE one;
END
$$;

-- On feedback: the row's contribution with its answer as it stands, taken away before the
-- change and added after; a row that waits for the fold is left to it.
CREATE OR REPLACE FUNCTION pakn_rollup_feedback_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r feedback_response;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF pakn_rollup_waits(OLD.log_index) THEN
            RETURN NULL;
        END IF;
        SELECT * INTO r FROM feedback_response WHERE feedback_id = OLD.id;
        PERFORM pakn_rollup_add(OLD, r.answered_at, r.rating, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pakn_rollup_add(NEW, r.answered_at, r.rating, 1);
    END IF;
    RETURN NULL;
END
$$;

-- Intake's own rows are left to the fold: pakn_intake_batch sets pakn.rollup_deferred.
CREATE OR REPLACE TRIGGER feedback_rollup_ins AFTER INSERT ON feedback FOR EACH ROW
    WHEN (current_setting('pakn.rollup_deferred', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION pakn_rollup_feedback_trigger();
CREATE OR REPLACE TRIGGER feedback_rollup_upd AFTER UPDATE OF state, rating, item_id, kind, created_at,
    first_action_at, due_action, due_answer ON feedback FOR EACH ROW
    WHEN ((OLD.state = 'rejected') IS DISTINCT FROM (NEW.state = 'rejected')
          OR (OLD.rating, OLD.item_id, OLD.kind, OLD.created_at)
             IS DISTINCT FROM (NEW.rating, NEW.item_id, NEW.kind, NEW.created_at)
          OR (OLD.first_action_at, OLD.due_action, OLD.due_answer)
             IS DISTINCT FROM (NEW.first_action_at, NEW.due_action, NEW.due_answer))
    EXECUTE FUNCTION pakn_rollup_feedback_trigger();
CREATE OR REPLACE TRIGGER feedback_rollup_del AFTER DELETE ON feedback
    FOR EACH ROW EXECUTE FUNCTION pakn_rollup_feedback_trigger();

-- On feedback_response: the feedback's contribution before and after the answer changed.
CREATE OR REPLACE FUNCTION pakn_rollup_response_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    f feedback;
BEGIN
    SELECT * INTO f FROM feedback WHERE id = coalesce(NEW.feedback_id, OLD.feedback_id);
    IF NOT FOUND OR pakn_rollup_waits(f.log_index) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM pakn_rollup_add(f, OLD.answered_at, OLD.rating, -1);
    ELSE
        PERFORM pakn_rollup_add(f, NULL, NULL, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pakn_rollup_add(f, NEW.answered_at, NEW.rating, 1);
    ELSE
        PERFORM pakn_rollup_add(f, NULL, NULL, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER feedback_response_rollup AFTER INSERT OR DELETE OR UPDATE OF answered_at, rating
    ON feedback_response FOR EACH ROW
    EXECUTE FUNCTION pakn_rollup_response_trigger();
