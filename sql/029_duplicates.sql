-- 029_duplicates.sql: duplicates and similar feedback (docs/moderation.md, "Duplicates").
-- Nothing here is written by intake: links are made by officials, similar pairs by the
-- checkpointer's each-second job after the feedback has committed (pakn_similar_scan,
-- sql/functions/officials.sql), so the intake transaction does no more than before.

-- An official's link of a feedback to the one it duplicates (its original). One original per
-- feedback, and no chains (an original is never itself a duplicate): pakn_moderate checks
-- that under the rows' locks. Unlinking deletes the row; the audit trail keeps both.
CREATE TABLE IF NOT EXISTS feedback_duplicate (
    feedback_id bigint PRIMARY KEY REFERENCES feedback ON DELETE CASCADE,
    original_id bigint NOT NULL REFERENCES feedback ON DELETE CASCADE,
    official_id integer NOT NULL REFERENCES official,
    linked_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (original_id <> feedback_id)
);
CREATE INDEX IF NOT EXISTS feedback_duplicate_original_idx ON feedback_duplicate (original_id);

-- Similar recent feedback on the same item, found after intake: each pair once, from the
-- later feedback (log order) to the earlier one, with the trigram similarity of their
-- folded texts (pakn_similar).
-- No foreign keys: their checks would lock the feedback rows, so the scan would wait for
-- moderation actions that hold them (feedback is never deleted).
CREATE TABLE IF NOT EXISTS feedback_similar (
    feedback_id bigint NOT NULL,
    other_id    bigint NOT NULL,
    similarity  real NOT NULL CHECK (similarity BETWEEN 0 AND 1),
    PRIMARY KEY (feedback_id, other_id)
);
CREATE INDEX IF NOT EXISTS feedback_similar_other_idx ON feedback_similar (other_id);

-- How far the scan for similar feedback has come: the log index of the last feedback it
-- looked at. Log indexes are taken in commit order (tlog_state), so nothing committed later
-- can fall behind the mark. A database migrated with feedback in it starts 90 days back
-- (the window of "recent"), not at its first feedback.
CREATE TABLE IF NOT EXISTS similar_scan (
    one   boolean PRIMARY KEY DEFAULT true CHECK (one),
    after bigint NOT NULL
);
INSERT INTO similar_scan (one, after)
SELECT true, coalesce((SELECT max(log_index) FROM feedback
                       WHERE created_at < now() - interval '90 days'), -1)
ON CONFLICT DO NOTHING;

-- An answer given to a duplicate because its original was answered: the original's id.
ALTER TABLE feedback_response ADD COLUMN IF NOT EXISTS via bigint REFERENCES feedback ON DELETE SET NULL;

-- pakn_moderate and pakn_moderate_steps take the original of a link and the signatures of
-- the answers a link or an answer gives to duplicates.
DROP FUNCTION IF EXISTS pakn_moderate_steps(integer, bigint, json, text, text, text, text,
                                            timestamptz, text, text, text);
DROP FUNCTION IF EXISTS pakn_moderate(integer, text, bigint, text, text[], text, text, text,
                                      text, text, timestamptz, text, text, text);
