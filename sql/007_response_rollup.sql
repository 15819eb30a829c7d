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
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/rollups.sql and metrics.sql.

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

-- 004's rating triggers and their functions, replaced by those of
-- sql/functions/rollups.sql (same trigger names).
DROP TRIGGER IF EXISTS feedback_rollup_ins ON feedback;
DROP TRIGGER IF EXISTS feedback_rollup_upd ON feedback;
DROP TRIGGER IF EXISTS feedback_rollup_del ON feedback;
DROP FUNCTION IF EXISTS pakn_daily_trigger();
DROP FUNCTION IF EXISTS pakn_daily_add(integer, timestamptz, text, integer, integer);

-- When this file was first applied it ended with SELECT pakn_rollup_rebuild(), recounting
-- the rows stored before it. That function now exists only once the migrations are done: a
-- database that held feedback and had not reached 007 runs it once after `paknctl migrate`
-- (sql/README.md). A new database has nothing to recount.

