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
CREATE TABLE IF NOT EXISTS feedback_search (
    feedback_id bigint PRIMARY KEY REFERENCES feedback (id) ON DELETE CASCADE,
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
