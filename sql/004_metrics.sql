-- 004_metrics.sql: the satisfaction rollup. Ratings are counted per item, local day
-- (Asia/Ho_Chi_Minh) and kind, by triggers on feedback, so the counts change in the same
-- transaction as the intake batch or the moderation action that changes them. Rejected
-- feedback does not count; hidden feedback keeps its rating. docs/metrics.md.

-- grain 'D': per local day (day is that day); grain 'M': per local month (day is its first
-- day). A year is at most 120 x 12 x 4 month rows against 175,200 day rows, so queries take
-- whole months at grain 'M' and only the days of partial months at grain 'D'.
CREATE TABLE IF NOT EXISTS feedback_rollup (
    grain   char(1) NOT NULL CHECK (grain IN ('D', 'M')),
    item_id integer NOT NULL REFERENCES plan_item,
    day     date NOT NULL,
    kind    text NOT NULL,
    r1      integer NOT NULL DEFAULT 0,
    r2      integer NOT NULL DEFAULT 0,
    r3      integer NOT NULL DEFAULT 0,
    r4      integer NOT NULL DEFAULT 0,
    r5      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, item_id, day, kind)
);
CREATE INDEX IF NOT EXISTS feedback_rollup_day_idx ON feedback_rollup (grain, day);

-- Adds p_delta ratings of p_rating at both grains.
CREATE OR REPLACE FUNCTION pakn_daily_add(p_item integer, p_at timestamptz, p_kind text,
                                          p_rating integer, p_delta integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO feedback_rollup AS t (grain, item_id, day, kind, r1, r2, r3, r4, r5)
    SELECT g.grain, p_item, g.day, p_kind,
           CASE WHEN p_rating = 1 THEN p_delta ELSE 0 END,
           CASE WHEN p_rating = 2 THEN p_delta ELSE 0 END,
           CASE WHEN p_rating = 3 THEN p_delta ELSE 0 END,
           CASE WHEN p_rating = 4 THEN p_delta ELSE 0 END,
           CASE WHEN p_rating = 5 THEN p_delta ELSE 0 END
    FROM (SELECT (p_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS local) l,
         LATERAL (VALUES ('D', l.local), ('M', date_trunc('month', l.local)::date)) g(grain, day)
    ON CONFLICT (grain, item_id, day, kind) DO UPDATE SET
        r1 = t.r1 + EXCLUDED.r1, r2 = t.r2 + EXCLUDED.r2, r3 = t.r3 + EXCLUDED.r3,
        r4 = t.r4 + EXCLUDED.r4, r5 = t.r5 + EXCLUDED.r5
$$;

CREATE OR REPLACE FUNCTION pakn_daily_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state <> 'rejected' THEN
        PERFORM pakn_daily_add(OLD.item_id, OLD.created_at, OLD.kind, OLD.rating, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state <> 'rejected' THEN
        PERFORM pakn_daily_add(NEW.item_id, NEW.created_at, NEW.kind, NEW.rating, 1);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS feedback_rollup_ins ON feedback;
CREATE TRIGGER feedback_rollup_ins AFTER INSERT ON feedback
    FOR EACH ROW EXECUTE FUNCTION pakn_daily_trigger();
DROP TRIGGER IF EXISTS feedback_rollup_upd ON feedback;
CREATE TRIGGER feedback_rollup_upd AFTER UPDATE OF state, rating, item_id, kind, created_at
    ON feedback FOR EACH ROW
    WHEN ((OLD.state = 'rejected') IS DISTINCT FROM (NEW.state = 'rejected')
          OR OLD.rating <> NEW.rating OR OLD.item_id <> NEW.item_id
          OR OLD.kind <> NEW.kind OR OLD.created_at <> NEW.created_at)
    EXECUTE FUNCTION pakn_daily_trigger();
DROP TRIGGER IF EXISTS feedback_rollup_del ON feedback;
CREATE TRIGGER feedback_rollup_del AFTER DELETE ON feedback
    FOR EACH ROW EXECUTE FUNCTION pakn_daily_trigger();

-- Rows stored before this migration.
INSERT INTO feedback_rollup (grain, item_id, day, kind, r1, r2, r3, r4, r5)
SELECT g.grain, f.item_id, g.day, f.kind,
       count(*) FILTER (WHERE rating = 1), count(*) FILTER (WHERE rating = 2),
       count(*) FILTER (WHERE rating = 3), count(*) FILTER (WHERE rating = 4),
       count(*) FILTER (WHERE rating = 5)
FROM feedback f,
     LATERAL (SELECT (f.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS local) l,
     LATERAL (VALUES ('D', l.local), ('M', date_trunc('month', l.local)::date)) g(grain, day)
WHERE f.state <> 'rejected'
GROUP BY 1, 2, 3, 4
ON CONFLICT DO NOTHING;

-- The label of the period a local day falls in.
CREATE OR REPLACE FUNCTION pakn_period(p_period text, p_day date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_period
        WHEN 'month' THEN to_char(p_day, 'YYYY-MM')
        WHEN 'quarter' THEN to_char(p_day, 'YYYY') || '-Q' || to_char(p_day, 'Q')
        ELSE to_char(p_day, 'YYYY') END
$$;

-- Satisfaction per group and period (docs/metrics.md): one row each, columns as the CSV.
-- CSAT is the share of ratings 4 and 5; its 95% Wilson interval uses z = 1.959964.
CREATE OR REPLACE FUNCTION pakn_satisfaction(p_group text, p_period text, p_plan text,
                                             p_from date, p_to date, p_min integer)
RETURNS TABLE (group_code text, group_title text, period text, count bigint, mean numeric,
               r1 bigint, r2 bigint, r3 bigint, r4 bigint, r5 bigint, csat numeric,
               csat_low numeric, csat_high numeric, insufficient_data boolean)
LANGUAGE sql STABLE AS $$
    WITH bounds AS (
        -- Whole months in [from, to] come from grain 'M', the rest from grain 'D'.
        SELECT coalesce(date_trunc('month', p_from - 1)::date + interval '1 month',
                        date '0001-01-01')::date AS m_from,
               coalesce(date_trunc('month', p_to + 1)::date, date '9999-01-01') AS m_to),
    counts AS (
        SELECT m.item_id, m.day, m.kind, m.r1, m.r2, m.r3, m.r4, m.r5
        FROM feedback_rollup m, bounds b
        WHERE m.grain = 'M' AND m.day >= b.m_from AND m.day < b.m_to
        UNION ALL
        SELECT d.item_id, d.day, d.kind, d.r1, d.r2, d.r3, d.r4, d.r5
        FROM feedback_rollup d, bounds b
        WHERE d.grain = 'D' AND (d.day < b.m_from OR d.day >= b.m_to)
          AND (p_from IS NULL OR d.day >= p_from)
          AND (p_to IS NULL OR d.day <= p_to)),
    base AS (
        SELECT d.*, it.code AS item_code, it.title AS item_title, p.code AS plan_code,
               s.kind AS section_kind, s.code AS section_code, s.title AS section_title
        FROM counts d
        JOIN plan_item it ON it.id = d.item_id
        JOIN plan p ON p.id = it.plan_id
        JOIN plan_section s ON s.id = it.section_id
        WHERE (p_plan IS NULL OR p.code = p_plan)),
    keyed AS (
        SELECT CASE p_group
                   WHEN 'item' THEN b.item_code
                   WHEN 'section' THEN b.plan_code || ':' || b.section_kind || ':' || b.section_code
                   WHEN 'plan' THEN b.plan_code
                   WHEN 'kind' THEN b.kind END AS gcode,
               CASE p_group
                   WHEN 'item' THEN b.item_title
                   WHEN 'section' THEN b.section_title
                   WHEN 'plan' THEN (SELECT title FROM plan WHERE code = b.plan_code)
                   WHEN 'kind' THEN b.kind END AS gtitle,
               pakn_period(p_period, b.day) AS period, b.r1, b.r2, b.r3, b.r4, b.r5
        FROM base b WHERE p_group <> 'agency'
        UNION ALL
        SELECT a.code, a.name, pakn_period(p_period, b.day), b.r1, b.r2, b.r3, b.r4, b.r5
        FROM base b
        JOIN plan_item_agency x ON x.item_id = b.item_id AND x.role = 'lead'
        JOIN agency a ON a.id = x.agency_id
        WHERE p_group = 'agency'),
    summed AS (
        SELECT gcode, max(gtitle) AS gtitle, period, sum(r1) AS r1, sum(r2) AS r2,
               sum(r3) AS r3, sum(r4) AS r4, sum(r5) AS r5
        FROM keyed GROUP BY gcode, period),
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
