-- 021_publish_consent.sql: the state table of docs/moderation.md ("The queue and actions")
-- as the law's process has it (issue 22): answering no longer waits for publication, so
-- whether a feedback was published is kept apart from its state; publishing needs the
-- sender's consent; and an official may hold several roles, so that one person may publish
-- and answer in one step where the agency gives them both.
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/officials.sql and feedback.sql.

-- An official's roles, a set (admin, moderator, responder, analyst) in place of one role.
ALTER TABLE official ADD COLUMN IF NOT EXISTS roles text[];
UPDATE official SET roles = ARRAY[role] WHERE roles IS NULL;
ALTER TABLE official ALTER COLUMN roles SET NOT NULL;
ALTER TABLE official ADD CONSTRAINT official_roles_check
    CHECK (cardinality(roles) >= 1
           AND roles <@ ARRAY['admin', 'moderator', 'responder', 'analyst']::text[]);
ALTER TABLE official DROP COLUMN role;

-- When an official published the feedback (with the sender's consent); NULL: never. Before,
-- the states published, answered and closed meant it; now a feedback may be answered (and
-- closed) without being published, and published after it is answered. A hidden feedback
-- keeps the time it was first published.
ALTER TABLE feedback ADD COLUMN IF NOT EXISTS published_at timestamptz;
UPDATE feedback f
SET published_at = coalesce((SELECT min(e.at) FROM feedback_event e
                             WHERE e.feedback_id = f.id AND e.to_state = 'published'),
                            f.created_at)
WHERE f.published_at IS NULL
  AND (f.state IN ('published', 'answered', 'closed')
       OR EXISTS (SELECT 1 FROM feedback_event e
                  WHERE e.feedback_id = f.id AND e.to_state = 'published'));

-- The public feed's indexes (016_public_feed_index.sql) with the feed's new condition, word
-- for word (pakn_public_feed, sql/functions/feedback.sql).
DROP INDEX IF EXISTS feedback_public_idx;
DROP INDEX IF EXISTS feedback_public_item_idx;
CREATE INDEX IF NOT EXISTS feedback_public_idx ON feedback (log_index)
    WHERE state IN ('published', 'answered', 'closed') AND consent_publish
          AND published_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS feedback_public_item_idx ON feedback (item_id, log_index)
    WHERE state IN ('published', 'answered', 'closed') AND consent_publish
          AND published_at IS NOT NULL;
