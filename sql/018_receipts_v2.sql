-- 018_receipts_v2.sql: a public log that reveals nothing, and receipts that are inclusion
-- proofs (docs/tlog.md, docs/receipts.md).
--
-- From the tree size at this migration on (tlog_state.v2_from), entries are version 2: no
-- tracking code and no item code, only a random per-feedback handle, and a commitment
-- blinded with a random per-feedback salt that only the receipt and this database hold.
-- Entries before it stay version 1 (the log is append-only), and the public API gives only
-- their leaf hashes.
--
-- tlog_state also keeps the log's frontier (its compact range: the roots of the perfect
-- subtrees of the tree, largest first) under the row lock every appending transaction
-- takes, so the tree head after an intake batch or a moderation action is exact when its
-- transaction commits. tlog_batch keeps the frontier each appending transaction started
-- from and the root it ended with, so a retried submission gets its proof again, in the
-- same tree.

ALTER TABLE feedback ADD COLUMN IF NOT EXISTS handle text;     -- 32 hex digits, random
ALTER TABLE feedback ADD COLUMN IF NOT EXISTS salt bytea;      -- 32 random bytes, private
ALTER TABLE feedback ADD COLUMN IF NOT EXISTS commitment text; -- v2 commitment, hex; NULL: v1

-- Rows from before: a handle and a salt for the entries their actions will make. The
-- random part of gen_random_uuid() comes from the server's strong random source.
UPDATE feedback SET handle = replace(gen_random_uuid()::text, '-', ''),
                    salt = decode(replace(gen_random_uuid()::text || gen_random_uuid()::text,
                                          '-', ''), 'hex')
WHERE handle IS NULL;
ALTER TABLE feedback ALTER COLUMN handle SET NOT NULL;
ALTER TABLE feedback ALTER COLUMN salt SET NOT NULL;
ALTER TABLE feedback ADD CONSTRAINT feedback_salt_len CHECK (octet_length(salt) = 32);

ALTER TABLE tlog_state ADD COLUMN IF NOT EXISTS v2_from bigint;
ALTER TABLE tlog_state ADD COLUMN IF NOT EXISTS frontier bytea[];
-- A log with entries gets its frontier from its tree on the first append after this
-- (pakn_tlog_frontier_at in sql/functions/tlog.sql): hashing needs the function files.
UPDATE tlog_state SET v2_from = size, frontier = CASE WHEN size = 0 THEN '{}'::bytea[] END;
ALTER TABLE tlog_state ALTER COLUMN v2_from SET NOT NULL;

CREATE TABLE IF NOT EXISTS tlog_batch (
    start    bigint PRIMARY KEY,  -- the first index the transaction appended
    size     bigint NOT NULL,     -- the tree's size after it
    frontier bytea[] NOT NULL,    -- the frontier of the tree of start entries
    root     bytea NOT NULL       -- the root of the tree of size entries, as appended
);

ALTER TABLE tlog_entry ADD COLUMN IF NOT EXISTS version smallint NOT NULL DEFAULT 1;
ALTER TABLE tlog_entry ALTER COLUMN version DROP DEFAULT;
ALTER TABLE tlog_entry ADD COLUMN IF NOT EXISTS handle text;
ALTER TABLE tlog_entry ALTER COLUMN tracking_code DROP NOT NULL;
ALTER TABLE tlog_entry ALTER COLUMN item_code DROP NOT NULL;

-- Their arguments or results change (sql/functions/tlog.sql).
DROP FUNCTION IF EXISTS pakn_tlog_entry(text, text, text, text, text);
DROP FUNCTION IF EXISTS pakn_tlog_sources(bigint, bigint);
DROP FUNCTION IF EXISTS pakn_intake_rows(json);
DROP FUNCTION IF EXISTS pakn_tlog_event_commitment(moderation_event);
