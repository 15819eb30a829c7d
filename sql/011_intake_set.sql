-- 011_intake_set.sql: an intake batch decided as a set when it does not repeat itself, and
-- its rows counted in the metrics rollups after the commit instead of inside it.
--
-- Measured with the intake backend's CPU time on 32-row batches (docs/intake.md "Speed"):
-- 5.8 ms a batch as 008 left it, 4.8 ms decided as a set, 3.6 ms without the rollups.
--
-- Decided as a set: 008 decided each row's fate in a PL/pgSQL loop, because a row must see
-- the rows before it in the batch as stored (the same key twice, the same client and text
-- twice). Such a batch is rare (a double click that lands in one batch) and keeps the loop;
-- in the others no row knows another, and their fates are part of the one statement that
-- stores them.
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/intake.sql and rollups.sql.

-- intake_recent is a look-up of the last ten minutes, read only joined to feedback, so a
-- row whose feedback is gone matches nothing. Its foreign key cost a check per stored row.
ALTER TABLE intake_recent DROP CONSTRAINT IF EXISTS intake_recent_feedback_id_fkey;

-- Most submissions come without a key: they need no entry in the key's index.
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'feedback_idempotency_key_key') THEN
        ALTER TABLE feedback DROP CONSTRAINT feedback_idempotency_key_key;
    END IF;
END $$;
CREATE UNIQUE INDEX IF NOT EXISTS feedback_idempotency_key_idx ON feedback (idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- Counted after the commit: the rollups (004, 007) were kept in the intake transaction,
-- about a quarter of a batch's time in the database, paid once per batch for up to four
-- grains of every item and kind in it, while the batches run one after another. Folded in
-- later by log index, the same rows cost one pass per fold, whatever the number of batches.
--
-- Which rows wait: intake stores each batch's rows with log indexes taken from tlog_state
-- under its row lock, so every index below the committed size is committed, in order. The
-- rows with folded <= log_index < tlog_state.size are the ones not yet in the rollups; the
-- moderation events that share the index space are not feedback and are simply not found.
-- Every other insert into feedback (the row trigger of 007) is counted at once, as before.
--
-- Readers fold first (pakn_rollup_fold, from the metrics handlers), so figures are exact;
-- on a replica, which cannot write, they are those of the last fold on the primary, which
-- the checkpointer makes each second (server/log_publish.c).

CREATE TABLE IF NOT EXISTS rollup_state (
    one    boolean PRIMARY KEY DEFAULT true CHECK (one),
    folded bigint NOT NULL CHECK (folded >= 0)  -- intake rows below this index are counted
);
-- Until now intake counted its rows in its own transaction: all of them are in.
INSERT INTO rollup_state (one, folded) SELECT true, size FROM tlog_state ON CONFLICT DO NOTHING;

-- What becomes of one row of a batch: its status (as pakn_intake_batch answers it), and for
-- "existing" either the stored receipt fields or the position of the earlier row of the
-- same batch that it repeats.
DO $$ BEGIN
    CREATE TYPE pakn_intake_fate AS (status text, receipt jsonb, same_as integer);
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
