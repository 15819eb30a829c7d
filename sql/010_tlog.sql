-- 010_tlog.sql: the transparency log (docs/tlog.md). Every accepted submission, moderation
-- action and official answer is one entry, at the gap-free index its transaction took from
-- tlog_state; the Merkle tree over the entries is RFC 9162 §2.1 (SHA-256, leaf 0x00 || entry,
-- node 0x01 || left || right). Intake and moderation only take their indexes: a submission
-- is its feedback row (log_index), an action its audit event (log_index), so intake does no
-- more than before. The service's checkpointer (server/log_publish.c) copies the new
-- entries into tlog_entry, hashes the new part of the tree (pakn_tlog_advance) and signs a
-- checkpoint.
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/tlog.sql.

CREATE TABLE IF NOT EXISTS tlog_entry (
    idx           bigint PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('submission', 'moderation', 'answer')),
    tracking_code text NOT NULL,
    item_code     text NOT NULL,
    at            text NOT NULL,     -- as in the entry: UTC, microseconds
    commitment    text NOT NULL,     -- hex
    leaf          bytea NOT NULL     -- SHA-256(0x00 || entry)
);

-- Perfect subtrees: level l, index j covers leaves [j * 2^l, (j + 1) * 2^l). Only levels 4
-- and up are kept (a sixteenth of a node per entry); a subtree below that is hashed from
-- its at most 16 leaves when a proof needs it. Filled up to tlog_tree.size by
-- pakn_tlog_advance.
CREATE TABLE IF NOT EXISTS tlog_node (
    level smallint NOT NULL,
    idx   bigint NOT NULL,
    hash  bytea NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE IF NOT EXISTS tlog_tree (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    size bigint NOT NULL
);
INSERT INTO tlog_tree VALUES (true, 0) ON CONFLICT DO NOTHING;

-- Signed checkpoints (C2SP tlog-checkpoint in a signed note), newest is the largest size.
CREATE TABLE IF NOT EXISTS tlog_checkpoint (
    size      bigint PRIMARY KEY,
    root      bytea NOT NULL,
    note      text NOT NULL,
    signed_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE moderation_event ADD COLUMN IF NOT EXISTS log_index bigint UNIQUE;

-- Actions from before this migration take indexes after the submissions, in the order they
-- happened; pakn_tlog_advance then copies and hashes everything.
DO $$
DECLARE
    e  moderation_event;
    ix bigint;
BEGIN
    SELECT size INTO ix FROM tlog_state WHERE one FOR UPDATE;
    FOR e IN SELECT * FROM moderation_event
             WHERE log_index IS NULL AND feedback_id IS NOT NULL
               AND action IN ('publish', 'reject', 'hide', 'forward', 'answer', 'close')
             ORDER BY id LOOP
        UPDATE moderation_event SET log_index = ix WHERE id = e.id;
        ix := ix + 1;
    END LOOP;
    UPDATE tlog_state SET size = ix WHERE one;
END
$$;
