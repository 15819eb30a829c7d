-- 004_metrics.sql: the satisfaction rollup. Ratings are counted per item, local day
-- (Asia/Ho_Chi_Minh) and kind, by triggers on feedback, so the counts change in the same
-- transaction as the intake batch or the moderation action that changes them. Rejected
-- feedback does not count; hidden feedback keeps its rating. docs/metrics.md.
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/rollups.sql and metrics.sql.

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
