-- metrics.sql: the figures (docs/metrics.md): satisfaction, response times and deadlines,
-- and the quarterly review, read from the rollups (rollups.sql). A query takes each part of
-- its range from the coarsest grain that fits it (pakn_range_parts), so it reads a few
-- hundred rows per item and not one per day.

-- The label of the period a local day falls in.
CREATE OR REPLACE FUNCTION pakn_period(p_period text, p_day date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_period
        WHEN 'month' THEN to_char(p_day, 'YYYY-MM')
        WHEN 'quarter' THEN to_char(p_day, 'YYYY') || '-Q' || to_char(p_day, 'Q')
        ELSE to_char(p_day, 'YYYY') END
$$;

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
-- each of its lead agencies. The kinds are feedback.kind's. Feedback on a whole section
-- (its own item, scope 'section') counts in its section; feedback on the whole plan (scope
-- 'plan', no section) in a row of its own, <plan>:plan, when grouped by section
-- (docs/metrics.md). gscope says which of these a row of item or section groups is.
CREATE OR REPLACE FUNCTION pakn_groups(p_group text, p_plan text)
RETURNS TABLE (item_id integer, kind text, gcode text, gtitle text, gscope text)
LANGUAGE sql STABLE AS $$
    SELECT it.id, k.kind,
           CASE p_group WHEN 'item' THEN it.code
                        WHEN 'section' THEN CASE WHEN s.id IS NULL THEN p.code || ':plan'
                                                 ELSE p.code || ':' || s.kind || ':' || s.code END
                        WHEN 'plan' THEN p.code WHEN 'kind' THEN k.kind
                        WHEN 'agency' THEN a.code END,
           CASE p_group WHEN 'item' THEN it.title WHEN 'section' THEN coalesce(s.title, p.title)
                        WHEN 'plan' THEN p.title WHEN 'kind' THEN k.kind
                        WHEN 'agency' THEN a.name END,
           CASE p_group WHEN 'item' THEN it.scope
                        WHEN 'section' THEN CASE WHEN s.id IS NULL THEN 'plan' ELSE 'section' END
                        END
    FROM plan_item it
    JOIN plan p ON p.id = it.plan_id
    LEFT JOIN plan_section s ON s.id = it.section_id
    CROSS JOIN unnest(ARRAY['opinion', 'proposal', 'report', 'question', 'initiative',
                            'solution']) k(kind)
    -- By agency: the item's lead agencies; feedback on a whole plan or section counts for
    -- the plan's default agency, which answers it (an item without a lead stays out, as
    -- the review's "by lead agency" has always said).
    LEFT JOIN plan_item_agency x ON p_group = 'agency' AND x.item_id = it.id
                                AND (x.role = 'lead' OR (x.role = 'plan_default' AND it.scope <> 'item'))
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
-- Response figures per group (docs/metrics.md): how many, how many answered, how fast
-- (median and 90th percentile, hours), how many past their deadlines as of p_as_of (a local
-- date), and how the submitters rated the answers; rejected feedback needs no answer. From
-- the rollup tables: their work grows with items, days and the backlog, not with the
-- number of feedback rows. scope: as pakn_groups' gscope.
CREATE OR REPLACE FUNCTION pakn_responses(p_group text, p_plan text, p_from date, p_to date,
                                          p_as_of date)
RETURNS TABLE (group_code text, group_title text, count bigint, answered bigint,
               answer_rate numeric, median_hours numeric, p90_hours numeric,
               action_overdue bigint, answer_overdue bigint, answer_ratings bigint,
               answer_rating_mean numeric, scope text)
LANGUAGE sql STABLE SET jit = off AS $$
    WITH g AS (SELECT * FROM pakn_groups(p_group, p_plan)),
    totals AS (
        SELECT g.gcode, max(g.gtitle) AS gtitle, max(g.gscope) AS gscope,
               sum(t.received) AS received,
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
           round(t.rating_sum::numeric / nullif(t.ratings, 0), 4),
           t.gscope
    FROM totals t
    LEFT JOIN buckets b ON b.gcode = t.gcode
    LEFT JOIN overdue o ON o.gcode = t.gcode
    ORDER BY t.gcode
$$;

-- Satisfaction per group and period (docs/metrics.md), on the same groups and range
-- selection: one row each, columns as the CSV. Rejected feedback does not count; hidden
-- feedback keeps its rating. CSAT is the share of ratings 4 and 5; its 95% Wilson interval
-- uses z = 1.959964. scope: as pakn_groups' gscope.
CREATE OR REPLACE FUNCTION pakn_satisfaction(p_group text, p_period text, p_plan text,
                                             p_from date, p_to date, p_min integer)
RETURNS TABLE (group_code text, group_title text, period text, count bigint, mean numeric,
               r1 bigint, r2 bigint, r3 bigint, r4 bigint, r5 bigint, csat numeric,
               csat_low numeric, csat_high numeric, insufficient_data boolean, scope text)
LANGUAGE sql STABLE SET jit = off AS $$
    WITH g AS (SELECT * FROM pakn_groups(p_group, p_plan)),
    summed AS (
        SELECT g.gcode, max(g.gtitle) AS gtitle, pakn_period(p_period, t.day) AS period,
               sum(t.r1) AS r1, sum(t.r2) AS r2, sum(t.r3) AS r3, sum(t.r4) AS r4,
               sum(t.r5) AS r5, max(g.gscope) AS gscope
        FROM pakn_rollup_rows(p_from, p_to, upper(left(p_period, 1))) t
        JOIN g ON g.item_id = t.item_id AND g.kind = t.kind
        GROUP BY g.gcode, 3
        HAVING sum(t.r1 + t.r2 + t.r3 + t.r4 + t.r5) > 0),
    -- Grouped by item within one plan, items without feedback show as 0 for each period:
    -- the plan's and its sections' own items too.
    periods AS (
        SELECT DISTINCT period FROM summed
        UNION
        SELECT pakn_period(p_period, d::date)
        FROM generate_series(p_from, p_to, interval '1 day') d
        WHERE p_from IS NOT NULL AND p_to IS NOT NULL),
    filled AS (
        SELECT * FROM summed
        UNION ALL
        SELECT it.code, it.title, pr.period, 0, 0, 0, 0, 0, it.scope
        FROM plan_item it JOIN plan p ON p.id = it.plan_id
        CROSS JOIN (SELECT period FROM periods UNION SELECT NULL WHERE NOT EXISTS (SELECT 1 FROM periods)) pr
        -- every task and indicator, silence as 0; the whole plan's and sections' own rows
        -- only once someone wrote on them (13 rows of nothing would bury the items)
        WHERE p_group = 'item' AND p.code = p_plan AND it.scope = 'item'
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
           n < p_min, gscope
    FROM stats,
         LATERAL (SELECT CASE WHEN n > 0 THEN good / n END AS p, 1.959964::numeric AS z,
                         1.959964::numeric * 1.959964 AS z2) k
    ORDER BY gcode, period
$$;

-- The quarterly review of a plan (docs/metrics.md): per item and per lead agency, the
-- quarter's feedback, satisfaction, answer rate, overdue feedback, and the change against
-- the quarter before; each of its six figure sets computed once, not once per row of the
-- quarter's figures.
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
