-- 007_response_rollup.sql: the response figures from rollups too, so they no longer read
-- every feedback row of the range (docs/metrics.md, "How it stays fast").
--
-- Each feedback, with its answer if it has one, contributes a fixed set of counts; the
-- triggers below take away what a row contributed before a change and add what it
-- contributes after, in the same transaction as the change. Three tables hold the counts:
--   feedback_rollup     ratings (004) and the response counts, per grain, item, day and kind;
--   answer_time_rollup  how many answers took how long, in logarithmic hour buckets, per
--                       item, and answer_time_kind_rollup the same per plan and kind (an
--                       item's buckets split by kind would be four times as many rows);
--   response_pending    feedback still waiting for a first action or an answer, by the
--                       deadline it carries (only these depend on the day a report is made).

ALTER TABLE feedback_rollup
    ADD COLUMN IF NOT EXISTS received          integer NOT NULL DEFAULT 0,  -- rejected too
    ADD COLUMN IF NOT EXISTS answered          integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS acted_late        integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS answered_late     integer NOT NULL DEFAULT 0,  -- not rejected
    ADD COLUMN IF NOT EXISTS answer_ratings    integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS answer_rating_sum integer NOT NULL DEFAULT 0;

-- Four grains now: a row of grain 'D', 'M', 'Q' or 'Y' counts the local day, month,
-- quarter or year that starts on its `day`. A query takes each part of its range from the
-- coarsest grain that fits it (pakn_range_parts), so it reads a few hundred rows per item
-- and not one per day.
ALTER TABLE feedback_rollup DROP CONSTRAINT IF EXISTS feedback_rollup_grain_check;
ALTER TABLE feedback_rollup ADD CONSTRAINT feedback_rollup_grain_check
    CHECK (grain IN ('D', 'M', 'Q', 'Y'));

CREATE OR REPLACE FUNCTION pakn_grains(p_day date) RETURNS TABLE (grain char(1), day date)
LANGUAGE sql IMMUTABLE AS $$
    VALUES ('D', p_day), ('M', date_trunc('month', p_day)::date),
           ('Q', date_trunc('quarter', p_day)::date), ('Y', date_trunc('year', p_day)::date)
$$;

-- Answer times: bucket b holds times t (hours) with floor(8 * log2(1 + t)) = b, so a bucket
-- is 9% wider than the one before and a percentile read from the buckets is off by less
-- than half a bucket's width.
CREATE TABLE IF NOT EXISTS answer_time_rollup (
    grain   char(1) NOT NULL CHECK (grain IN ('D', 'M', 'Q', 'Y')),
    item_id integer NOT NULL REFERENCES plan_item,
    day     date NOT NULL,
    bucket  smallint NOT NULL CHECK (bucket >= 0),
    n       integer NOT NULL,
    PRIMARY KEY (grain, item_id, day, bucket)
);
CREATE INDEX IF NOT EXISTS answer_time_rollup_day_idx ON answer_time_rollup (grain, day);
CREATE TABLE IF NOT EXISTS answer_time_kind_rollup (
    grain   char(1) NOT NULL CHECK (grain IN ('D', 'M', 'Q', 'Y')),
    plan_id integer NOT NULL REFERENCES plan,
    kind    text NOT NULL,
    day     date NOT NULL,
    bucket  smallint NOT NULL CHECK (bucket >= 0),
    n       integer NOT NULL,
    PRIMARY KEY (grain, plan_id, kind, day, bucket)
);
CREATE INDEX IF NOT EXISTS answer_time_kind_rollup_day_idx ON answer_time_kind_rollup (grain, day);

-- what: 'A' waits for its first action (due_action), 'R' for its answer (due_answer; not
-- rejected). Rows that reach 0 are deleted, so the table is as large as the backlog.
CREATE TABLE IF NOT EXISTS response_pending (
    item_id integer NOT NULL REFERENCES plan_item,
    day     date NOT NULL,
    kind    text NOT NULL,
    what    char(1) NOT NULL CHECK (what IN ('A', 'R')),
    due     date NOT NULL,  -- 'infinity' past the end of the working-day calendar
    n       integer NOT NULL,
    PRIMARY KEY (item_id, day, kind, what, due)
);

CREATE OR REPLACE FUNCTION pakn_local_day(p_at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE AS $$ SELECT (p_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date $$;

CREATE OR REPLACE FUNCTION pakn_hours_bucket(p_hours double precision) RETURNS smallint
LANGUAGE sql IMMUTABLE AS $$ SELECT floor(8 * log(2, 1 + greatest(p_hours, 0)::numeric))::smallint $$;

-- Adds rows of counts to feedback_rollup (a row that is there already gets the counts
-- added to its own).
CREATE OR REPLACE FUNCTION pakn_rollup_merge(p_rows feedback_rollup[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO feedback_rollup AS t SELECT * FROM unnest(p_rows)
    ON CONFLICT (grain, item_id, day, kind) DO UPDATE SET
        r1 = t.r1 + EXCLUDED.r1, r2 = t.r2 + EXCLUDED.r2, r3 = t.r3 + EXCLUDED.r3,
        r4 = t.r4 + EXCLUDED.r4, r5 = t.r5 + EXCLUDED.r5,
        received = t.received + EXCLUDED.received, answered = t.answered + EXCLUDED.answered,
        acted_late = t.acted_late + EXCLUDED.acted_late,
        answered_late = t.answered_late + EXCLUDED.answered_late,
        answer_ratings = t.answer_ratings + EXCLUDED.answer_ratings,
        answer_rating_sum = t.answer_rating_sum + EXCLUDED.answer_rating_sum
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

-- On feedback: the row's contribution with its answer as it stands.
CREATE OR REPLACE FUNCTION pakn_rollup_feedback_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r feedback_response;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        SELECT * INTO r FROM feedback_response WHERE feedback_id = OLD.id;
        PERFORM pakn_rollup_add(OLD, r.answered_at, r.rating, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pakn_rollup_add(NEW, r.answered_at, r.rating, 1);
    END IF;
    RETURN NULL;
END
$$;

-- On feedback_response: the feedback's contribution before and after the answer changed.
CREATE OR REPLACE FUNCTION pakn_rollup_response_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    f feedback;
BEGIN
    SELECT * INTO f FROM feedback WHERE id = coalesce(NEW.feedback_id, OLD.feedback_id);
    IF NOT FOUND THEN
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

DROP TRIGGER IF EXISTS feedback_rollup_ins ON feedback;
DROP TRIGGER IF EXISTS feedback_rollup_upd ON feedback;
DROP TRIGGER IF EXISTS feedback_rollup_del ON feedback;
DROP FUNCTION IF EXISTS pakn_daily_trigger();
DROP FUNCTION IF EXISTS pakn_daily_add(integer, timestamptz, text, integer, integer);

CREATE TRIGGER feedback_rollup_ins AFTER INSERT ON feedback FOR EACH ROW
    WHEN (current_setting('pakn.rollup_deferred', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION pakn_rollup_feedback_trigger();
CREATE TRIGGER feedback_rollup_upd AFTER UPDATE OF state, rating, item_id, kind, created_at,
    first_action_at, due_action, due_answer ON feedback FOR EACH ROW
    WHEN ((OLD.state = 'rejected') IS DISTINCT FROM (NEW.state = 'rejected')
          OR (OLD.rating, OLD.item_id, OLD.kind, OLD.created_at)
             IS DISTINCT FROM (NEW.rating, NEW.item_id, NEW.kind, NEW.created_at)
          OR (OLD.first_action_at, OLD.due_action, OLD.due_answer)
             IS DISTINCT FROM (NEW.first_action_at, NEW.due_action, NEW.due_answer))
    EXECUTE FUNCTION pakn_rollup_feedback_trigger();
CREATE TRIGGER feedback_rollup_del AFTER DELETE ON feedback
    FOR EACH ROW EXECUTE FUNCTION pakn_rollup_feedback_trigger();

DROP TRIGGER IF EXISTS feedback_response_rollup ON feedback_response;
CREATE TRIGGER feedback_response_rollup AFTER INSERT OR DELETE OR UPDATE OF answered_at, rating
    ON feedback_response FOR EACH ROW
    EXECUTE FUNCTION pakn_rollup_response_trigger();

-- What each feedback with an id in p_ids contributes, with its answer if any.
CREATE OR REPLACE FUNCTION pakn_rollup_src(p_ids bigint[])
RETURNS TABLE (item_id integer, plan_id integer, kind text, counted boolean, rating smallint,
               day date, acted_late boolean, waits_action boolean, due_action date,
               due_answer date, answered_at timestamptz, answer_rating smallint,
               answered_late boolean, bucket smallint)
LANGUAGE sql STABLE AS $$
    SELECT f.item_id, it.plan_id, f.kind, f.state <> 'rejected', f.rating,
           pakn_local_day(f.created_at), pakn_local_day(f.first_action_at) > f.due_action,
           f.first_action_at IS NULL, f.due_action, f.due_answer, r.answered_at, r.rating,
           pakn_local_day(r.answered_at) > f.due_answer,
           pakn_hours_bucket(extract(epoch FROM r.answered_at - f.created_at) / 3600)
    FROM feedback f JOIN plan_item it ON it.id = f.item_id
    LEFT JOIN feedback_response r ON r.feedback_id = f.id
    WHERE f.id = ANY (p_ids)
$$;

-- Adds what the feedback with ids in p_ids contribute, set-based: the same rules as
-- pakn_rollup_add stated a second time, for whole batches (no temporary table: sessions
-- may be shared through PgBouncer). The intake batch uses it (one
-- pass for the batch instead of one per row), so does pakn_rollup_rebuild, and the tests
-- compare what the two statements of the rules give.
CREATE OR REPLACE FUNCTION pakn_rollup_add_set(p_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pakn_rollup_merge(ARRAY(
        SELECT ROW(g.grain, s.item_id, g.day, s.kind,
                   count(*) FILTER (WHERE counted AND rating = 1),
                   count(*) FILTER (WHERE counted AND rating = 2),
                   count(*) FILTER (WHERE counted AND rating = 3),
                   count(*) FILTER (WHERE counted AND rating = 4),
                   count(*) FILTER (WHERE counted AND rating = 5), count(*), count(answered_at),
                   count(*) FILTER (WHERE acted_late),
                   count(*) FILTER (WHERE counted AND answered_late),
                   count(answer_rating), coalesce(sum(answer_rating), 0))::feedback_rollup
        FROM pakn_rollup_src(p_ids) s, pakn_grains(s.day) g
        GROUP BY g.grain, s.item_id, g.day, s.kind));
    INSERT INTO answer_time_rollup AS t (grain, item_id, day, bucket, n)
    SELECT g.grain, s.item_id, g.day, s.bucket, count(*)
    FROM pakn_rollup_src(p_ids) s, pakn_grains(s.day) g
    WHERE s.answered_at IS NOT NULL
    GROUP BY 1, 2, 3, 4
    ON CONFLICT (grain, item_id, day, bucket) DO UPDATE SET n = t.n + EXCLUDED.n;
    INSERT INTO answer_time_kind_rollup AS t (grain, plan_id, kind, day, bucket, n)
    SELECT g.grain, s.plan_id, s.kind, g.day, s.bucket, count(*)
    FROM pakn_rollup_src(p_ids) s, pakn_grains(s.day) g
    WHERE s.answered_at IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (grain, plan_id, kind, day, bucket) DO UPDATE SET n = t.n + EXCLUDED.n;
    INSERT INTO response_pending AS t (item_id, day, kind, what, due, n)
    SELECT s.item_id, s.day, s.kind, w.what, coalesce(w.due, 'infinity'), count(*)
    FROM pakn_rollup_src(p_ids) s,
         LATERAL (VALUES ('A', s.due_action, s.waits_action),
                         ('R', s.due_answer, s.answered_at IS NULL AND s.counted)) w(what, due, waiting)
    WHERE w.waiting
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (item_id, day, kind, what, due) DO UPDATE SET n = t.n + EXCLUDED.n;
END
$$;

-- The tables recomputed from the feedback and answers: for the rows stored before this
-- migration, for bulk loads made with triggers off (bench/metrics.sh), and for checking
-- (docs/metrics.md).
CREATE OR REPLACE FUNCTION pakn_rollup_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE feedback_rollup, answer_time_rollup, answer_time_kind_rollup, response_pending;
    PERFORM pakn_rollup_add_set(ARRAY(SELECT id FROM feedback));
END
$$;

-- An intake batch (server/intake_queue.c): pakn_intake (002) stores the rows with the
-- insert trigger told to stand aside, then the batch goes into the rollups in one pass.
-- The setting is local to the transaction.
CREATE OR REPLACE FUNCTION pakn_intake_batch(batch json) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    result json;
BEGIN
    PERFORM set_config('pakn.rollup_deferred', 'on', true);
    result := pakn_intake(batch);
    PERFORM set_config('pakn.rollup_deferred', 'off', true);
    PERFORM pakn_rollup_add_set(ARRAY(SELECT (e->>'id')::bigint
                                      FROM json_array_elements(result) e
                                      WHERE e->>'status' = 'created'));
    RETURN result;
END
$$;
SELECT pakn_rollup_rebuild();

-- [p_from, p_to] (null: open) cut into runs of whole years, quarters, months and single
-- days, each run as [d_from, d_to) of the coarsest grain that fits and is no coarser than
-- p_coarsest ('M' when figures are wanted per month, and so on).
CREATE OR REPLACE FUNCTION pakn_range_parts(p_from date, p_to date, p_coarsest char)
RETURNS TABLE (grain char(1), d_from date, d_to date)
LANGUAGE plpgsql IMMUTABLE ROWS 4 AS $$
DECLARE
    units  text[] := ARRAY['year', 'quarter', 'month'];
    grains text[] := ARRAY['Y', 'Q', 'M'];
    steps  interval[] := ARRAY[interval '1 year', interval '3 months', interval '1 month'];
    c      date := coalesce(p_from, date '1970-01-01');
    e      date := coalesce(p_to, date '2199-12-31') + 1;
    g      char(1);
    nxt    date;
BEGIN
    WHILE c < e LOOP
        g := 'D';
        FOR i IN position(p_coarsest IN 'YQM') .. 3 LOOP
            nxt := (c + steps[i])::date;
            IF c = date_trunc(units[i], c)::date AND nxt <= e THEN
                g := grains[i];
                EXIT;
            END IF;
        END LOOP;
        IF g = 'D' THEN
            nxt := c + 1;
        END IF;
        IF grain IS DISTINCT FROM g THEN
            IF grain IS NOT NULL THEN
                RETURN NEXT;
            END IF;
            grain := g;
            d_from := c;
        END IF;
        d_to := nxt;
        c := nxt;
    END LOOP;
    IF grain IS NOT NULL THEN
        RETURN NEXT;
    END IF;
END
$$;

-- The rollup rows that make up [p_from, p_to], no coarser than p_coarsest.
CREATE OR REPLACE FUNCTION pakn_rollup_rows(p_from date, p_to date, p_coarsest char)
RETURNS SETOF feedback_rollup LANGUAGE sql STABLE AS $$
    SELECT t.* FROM pakn_range_parts(p_from, p_to, p_coarsest) r
    JOIN feedback_rollup t ON t.grain = r.grain AND t.day >= r.d_from AND t.day < r.d_to
$$;

-- The group each (item, kind) of the plan (or of every plan) counts in; an item counts for
-- each of its lead agencies. The kinds are feedback.kind's.
CREATE OR REPLACE FUNCTION pakn_groups(p_group text, p_plan text)
RETURNS TABLE (item_id integer, kind text, gcode text, gtitle text)
LANGUAGE sql STABLE AS $$
    SELECT it.id, k.kind,
           CASE p_group WHEN 'item' THEN it.code
                        WHEN 'section' THEN p.code || ':' || s.kind || ':' || s.code
                        WHEN 'plan' THEN p.code WHEN 'kind' THEN k.kind
                        WHEN 'agency' THEN a.code END,
           CASE p_group WHEN 'item' THEN it.title WHEN 'section' THEN s.title
                        WHEN 'plan' THEN p.title WHEN 'kind' THEN k.kind
                        WHEN 'agency' THEN a.name END
    FROM plan_item it
    JOIN plan p ON p.id = it.plan_id
    JOIN plan_section s ON s.id = it.section_id
    CROSS JOIN unnest(ARRAY['opinion', 'proposal', 'report', 'question']) k(kind)
    LEFT JOIN plan_item_agency x ON p_group = 'agency' AND x.item_id = it.id AND x.role = 'lead'
    LEFT JOIN agency a ON a.id = x.agency_id
    WHERE (p_plan IS NULL OR p.code = p_plan) AND (p_group <> 'agency' OR a.id IS NOT NULL)
$$;

-- The p_q quantile of answer times from summed buckets (ascending), as percentile_cont
-- would give it if each bucket's n answers were spread evenly across the bucket:
-- the k-th (0-based) of them at lower + width * (k + 0.5) / n.
CREATE OR REPLACE FUNCTION pakn_bucket_quantile(p_q numeric, p_buckets smallint[],
                                                p_counts bigint[]) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    total bigint := 0;
    pos   numeric;
    lo    numeric;
    hi    numeric;
    seen  bigint := 0;
    i     integer;
    k     bigint;
    v     numeric[] := '{}';
BEGIN
    SELECT sum(c) INTO total FROM unnest(p_counts) c;
    IF total IS NULL OR total = 0 THEN
        RETURN NULL;
    END IF;
    pos := p_q * (total - 1);
    -- The values at positions floor(pos) and ceil(pos).
    FOREACH k IN ARRAY ARRAY[floor(pos)::bigint, ceil(pos)::bigint] LOOP
        seen := 0;
        FOR i IN 1 .. array_length(p_buckets, 1) LOOP
            IF k < seen + p_counts[i] THEN
                lo := power(2::numeric, p_buckets[i] / 8.0) - 1;
                hi := power(2::numeric, (p_buckets[i] + 1) / 8.0) - 1;
                v := v || (lo + (hi - lo) * (k - seen + 0.5) / p_counts[i]);
                EXIT;
            END IF;
            seen := seen + p_counts[i];
        END LOOP;
    END LOOP;
    RETURN v[1] + (pos - floor(pos)) * (v[2] - v[1]);
END
$$;

-- The three metrics functions turn JIT off: planned as a whole they look costly enough for
-- PostgreSQL to compile them, which took 1.4 s for the quarterly review that then ran in
-- 50 ms. (A function with SET is not inlined into its caller; these need not be.)
--
-- Response figures per group (docs/metrics.md), from the rollup tables: their work grows
-- with items, days and the backlog, not with the number of feedback rows.
CREATE OR REPLACE FUNCTION pakn_responses(p_group text, p_plan text, p_from date, p_to date,
                                          p_as_of date)
RETURNS TABLE (group_code text, group_title text, count bigint, answered bigint,
               answer_rate numeric, median_hours numeric, p90_hours numeric,
               action_overdue bigint, answer_overdue bigint, answer_ratings bigint,
               answer_rating_mean numeric)
LANGUAGE sql STABLE SET jit = off AS $$
    WITH g AS (SELECT * FROM pakn_groups(p_group, p_plan)),
    totals AS (
        SELECT g.gcode, max(g.gtitle) AS gtitle, sum(t.received) AS received,
               sum(t.answered) AS answered, sum(t.acted_late) AS acted_late,
               sum(t.answered_late) AS answered_late, sum(t.answer_ratings) AS ratings,
               sum(t.answer_rating_sum) AS rating_sum
        FROM pakn_rollup_rows(p_from, p_to, 'Y') t JOIN g ON g.item_id = t.item_id AND g.kind = t.kind
        GROUP BY g.gcode
        HAVING sum(t.received) > 0),
    buckets AS (
        SELECT gcode, array_agg(bucket ORDER BY bucket) AS buckets,
               array_agg(n ORDER BY bucket) AS counts
        FROM (SELECT i.gcode, h.bucket, sum(h.n) AS n
              FROM pakn_range_parts(p_from, p_to, 'Y') r
              JOIN answer_time_rollup h
                ON h.grain = r.grain AND h.day >= r.d_from AND h.day < r.d_to
              JOIN (SELECT DISTINCT item_id, gcode FROM g) i ON i.item_id = h.item_id
              WHERE p_group <> 'kind'
              GROUP BY i.gcode, h.bucket
              UNION ALL
              SELECT h.kind, h.bucket, sum(h.n)
              FROM pakn_range_parts(p_from, p_to, 'Y') r
              JOIN answer_time_kind_rollup h
                ON h.grain = r.grain AND h.day >= r.d_from AND h.day < r.d_to
              JOIN plan p ON p.id = h.plan_id
              WHERE p_group = 'kind' AND (p_plan IS NULL OR p.code = p_plan)
              GROUP BY h.kind, h.bucket) s
        WHERE n > 0
        GROUP BY gcode),
    overdue AS (
        SELECT g.gcode, sum(p.n) FILTER (WHERE p.what = 'A') AS action,
               sum(p.n) FILTER (WHERE p.what = 'R') AS answer
        FROM response_pending p JOIN g ON g.item_id = p.item_id AND g.kind = p.kind
        WHERE p.due < p_as_of AND (p_from IS NULL OR p.day >= p_from)
          AND (p_to IS NULL OR p.day <= p_to)
        GROUP BY g.gcode)
    SELECT t.gcode, t.gtitle, t.received, t.answered, round(t.answered::numeric / t.received, 4),
           round(pakn_bucket_quantile(0.5, b.buckets, b.counts), 1),
           round(pakn_bucket_quantile(0.9, b.buckets, b.counts), 1),
           (t.acted_late + coalesce(o.action, 0))::bigint,
           (t.answered_late + coalesce(o.answer, 0))::bigint,
           t.ratings::bigint,
           round(t.rating_sum::numeric / nullif(t.ratings, 0), 4)
    FROM totals t
    LEFT JOIN buckets b ON b.gcode = t.gcode
    LEFT JOIN overdue o ON o.gcode = t.gcode
    ORDER BY t.gcode
$$;

-- Satisfaction (004) on the same groups and range selection; same columns and rules.
CREATE OR REPLACE FUNCTION pakn_satisfaction(p_group text, p_period text, p_plan text,
                                             p_from date, p_to date, p_min integer)
RETURNS TABLE (group_code text, group_title text, period text, count bigint, mean numeric,
               r1 bigint, r2 bigint, r3 bigint, r4 bigint, r5 bigint, csat numeric,
               csat_low numeric, csat_high numeric, insufficient_data boolean)
LANGUAGE sql STABLE SET jit = off AS $$
    WITH g AS (SELECT * FROM pakn_groups(p_group, p_plan)),
    summed AS (
        SELECT g.gcode, max(g.gtitle) AS gtitle, pakn_period(p_period, t.day) AS period,
               sum(t.r1) AS r1, sum(t.r2) AS r2, sum(t.r3) AS r3, sum(t.r4) AS r4,
               sum(t.r5) AS r5
        FROM pakn_rollup_rows(p_from, p_to, upper(left(p_period, 1))) t
        JOIN g ON g.item_id = t.item_id AND g.kind = t.kind
        GROUP BY g.gcode, 3
        HAVING sum(t.r1 + t.r2 + t.r3 + t.r4 + t.r5) > 0),
    -- Grouped by item within one plan, items without feedback show as 0 for each period.
    periods AS (
        SELECT DISTINCT period FROM summed
        UNION
        SELECT pakn_period(p_period, d::date)
        FROM generate_series(p_from, p_to, interval '1 day') d
        WHERE p_from IS NOT NULL AND p_to IS NOT NULL),
    filled AS (
        SELECT * FROM summed
        UNION ALL
        SELECT it.code, it.title, pr.period, 0, 0, 0, 0, 0
        FROM plan_item it JOIN plan p ON p.id = it.plan_id
        CROSS JOIN (SELECT period FROM periods UNION SELECT NULL WHERE NOT EXISTS (SELECT 1 FROM periods)) pr
        WHERE p_group = 'item' AND p.code = p_plan
          AND NOT EXISTS (SELECT 1 FROM summed s WHERE s.gcode = it.code
                          AND s.period IS NOT DISTINCT FROM pr.period)),
    stats AS (
        SELECT f.*, (f.r1 + f.r2 + f.r3 + f.r4 + f.r5)::numeric AS n,
               (f.r4 + f.r5)::numeric AS good
        FROM filled f)
    SELECT gcode, gtitle, period, n::bigint,
           CASE WHEN n > 0 THEN round((r1 + 2 * r2 + 3 * r3 + 4 * r4 + 5 * r5) / n, 4) END,
           r1, r2, r3, r4, r5,
           round(k.p, 4),
           CASE WHEN n > 0 THEN round((k.p + k.z2 / (2 * n)
                 - k.z * sqrt(k.p * (1 - k.p) / n + k.z2 / (4 * n * n))) / (1 + k.z2 / n), 4) END,
           CASE WHEN n > 0 THEN round((k.p + k.z2 / (2 * n)
                 + k.z * sqrt(k.p * (1 - k.p) / n + k.z2 / (4 * n * n))) / (1 + k.z2 / n), 4) END,
           n < p_min
    FROM stats,
         LATERAL (SELECT CASE WHEN n > 0 THEN good / n END AS p, 1.959964::numeric AS z,
                         1.959964::numeric * 1.959964 AS z2) k
    ORDER BY gcode, period
$$;

-- The quarterly review (006) with each of its six figure sets computed once, not once per
-- row of the quarter's figures.
CREATE OR REPLACE FUNCTION pakn_quarterly(p_plan text, p_quarter date, p_today date,
                                          p_min integer)
RETURNS TABLE (level text, code text, title text, count bigint, mean numeric, csat numeric,
               insufficient_data boolean, answer_rate numeric, overdue bigint,
               previous_count bigint, previous_mean numeric, previous_csat numeric,
               count_change bigint, mean_change numeric, csat_change numeric)
LANGUAGE sql STABLE SET jit = off AS $$
    WITH q AS (
        SELECT p_quarter AS q_from, (p_quarter + interval '3 months' - interval '1 day')::date AS q_to,
               (p_quarter - interval '3 months')::date AS p_from, (p_quarter - 1) AS p_to),
    lv AS (SELECT unnest(ARRAY['item', 'agency']) AS level),
    cur AS (SELECT lv.level, s.* FROM q, lv,
                   pakn_satisfaction(lv.level, 'quarter', p_plan, q.q_from, q.q_to, p_min) s),
    prev AS (SELECT lv.level, s.* FROM q, lv,
                    pakn_satisfaction(lv.level, 'quarter', p_plan, q.p_from, q.p_to, p_min) s),
    resp AS (SELECT lv.level, r.* FROM q, lv,
                    pakn_responses(lv.level, p_plan, q.q_from, q.q_to, least(q.q_to, p_today)) r)
    SELECT s.level, s.group_code, s.group_title, s.count, s.mean, s.csat, s.insufficient_data,
           r.answer_rate, coalesce(r.action_overdue + r.answer_overdue, 0),
           coalesce(ps.count, 0), ps.mean, ps.csat,
           s.count - coalesce(ps.count, 0), s.mean - ps.mean, s.csat - ps.csat
    FROM cur s
    LEFT JOIN prev ps ON ps.level = s.level AND ps.group_code = s.group_code
    LEFT JOIN resp r ON r.level = s.level AND r.group_code = s.group_code
    ORDER BY s.level DESC, s.group_code
$$;
