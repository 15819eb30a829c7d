-- 016_public_feed_index.sql: the public feed reads an index of the public rows only.
--
-- pakn_public_feed (003) walked feedback's log_index index backwards and tested every row
-- for being public: with few rows public (moderation publishes a small share), a page, and
-- above all a filtered page or a deep cursor, read most of the table (0.3 s at 131,000 rows,
-- and 16 clients asking slowed everything else on the database). Now the public rows have
-- partial indexes of their own, ordered by the cursor's key, and the feed is one index range
-- per item: a page costs at most (items asked) x (limit) index entries, whatever the size
-- of the table and the depth of the cursor (docs/intake.md, "The public feed").
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/feedback.sql.

-- The predicate is the feed's condition, word for word, so that the planner matches it.
CREATE INDEX IF NOT EXISTS feedback_public_idx ON feedback (log_index)
    WHERE state IN ('published', 'answered', 'closed') AND consent_publish;
CREATE INDEX IF NOT EXISTS feedback_public_item_idx ON feedback (item_id, log_index)
    WHERE state IN ('published', 'answered', 'closed') AND consent_publish;

