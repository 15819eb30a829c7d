-- 026_search_apart.sql: the folded text that the queue's search reads (025_search.sql) moves
-- out of the feedback row into a table of its own, filled after intake's commit. As a
-- stored column of feedback with a trigram index, every intake transaction folded each
-- text and added some hundred trigram entries to the index while it held the log's row lock
-- (tlog_state), which every intake worker waits for in turn: a batch of 100 rows took 3 ms
-- instead of 1 ms, and at 32 connections intake stored a third fewer submissions per second
-- (bench/results/receipts-2026-12-07.md, "Bisected"). pakn_search_fold
-- (sql/functions/officials.sql) now folds the rows committed since its last run, from the
-- checkpointer's each-second job and before any search, as pakn_rollup_fold counts them for
-- the metrics.
-- No foreign key: its check would lock the feedback rows, so the fold would wait for the
-- moderation actions that hold them while they wait for a lock the fold's job holds
-- (feedback is never deleted).
CREATE TABLE IF NOT EXISTS feedback_search (
    feedback_id bigint PRIMARY KEY,
    body_folded text NOT NULL
);

-- Rows with log indexes from `folded` up to tlog_state.size are not folded yet.
CREATE TABLE IF NOT EXISTS search_state (
    one    boolean PRIMARY KEY DEFAULT true CHECK (one),
    folded bigint NOT NULL
);
INSERT INTO search_state (folded) SELECT size FROM tlog_state ON CONFLICT DO NOTHING;

INSERT INTO feedback_search (feedback_id, body_folded)
SELECT f.id, pakn_fold(f.body) FROM feedback f, search_state s WHERE f.log_index < s.folded
ON CONFLICT DO NOTHING;
ALTER TABLE feedback DROP COLUMN IF EXISTS body_folded;
CREATE INDEX IF NOT EXISTS feedback_search_trgm_idx
    ON feedback_search USING gin (body_folded gin_trgm_ops);

-- The log indexes of each local day's feedback, first and last, so that a search by received
-- dates reads only those days' stretch of the queue (which is in log order) instead of
-- walking it from the start: on 1,000,000 rows a word within one month took 145 ms at p99
-- (bench/results/search-2026-12-07.md). Indexes follow commit order and dates the
-- transactions' start, so days may overlap a little at their edges; first and last are those
-- of the day's own rows, which is all the bound needs. Filled with the folded text.
CREATE TABLE IF NOT EXISTS feedback_day (
    day         date PRIMARY KEY,
    first_index bigint NOT NULL,
    last_index  bigint NOT NULL
);
INSERT INTO feedback_day (day, first_index, last_index)
SELECT (f.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, min(f.log_index), max(f.log_index)
FROM feedback f, search_state s WHERE f.log_index < s.folded GROUP BY 1
ON CONFLICT DO NOTHING;
