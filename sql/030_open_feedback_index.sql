-- 030_open_feedback_index.sql: the open feedback (received, published, hidden) in log order,
-- the queue's work list. A search for a word among received feedback with a rating range
-- walked the whole queue in log order past the closed rows, which a year of work leaves in
-- front (p99 54 ms at 1,000,000 rows, bench/results/search-2026-12-07.md); the overdue list
-- reads only open feedback too. Intake's rows enter it (all are received), one more b-tree
-- entry a row.
CREATE INDEX IF NOT EXISTS feedback_open_idx ON feedback (log_index)
    WHERE state IN ('received', 'published', 'hidden');
