-- 002_feedback.sql: submissions, their history, the log counter, and the duplicate look-ups.
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/intake.sql and feedback.sql.

-- Feedback ids are handed out in blocks of 256 (one nextval per block) so that a worker
-- knows a row's id before it stores it: the id is the associated data of the encrypted
-- personal fields. Unused ids of a block are simply never used.
CREATE SEQUENCE IF NOT EXISTS feedback_id_block INCREMENT BY 256 MINVALUE 1 START 1;

-- The size of the transparency log: the next index to assign. One row, locked by each
-- intake batch, so indexes are gap-free and in commit order.
CREATE TABLE IF NOT EXISTS tlog_state (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    size bigint NOT NULL CHECK (size >= 0)
);
INSERT INTO tlog_state (one, size) VALUES (true, 0) ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS feedback (
    id              bigint PRIMARY KEY,
    tracking_code   text NOT NULL UNIQUE,
    item_id         integer NOT NULL REFERENCES plan_item,
    rating          smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    kind            text NOT NULL CHECK (kind IN ('opinion', 'proposal', 'report', 'question')),
    body            text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 5000),
    submitter_type  text CHECK (submitter_type IN ('individual', 'organization', 'business')),
    personal_enc    bytea,          -- nonce || XChaCha20-Poly1305 ciphertext; AD: "feedback:<id>"
    consent_publish boolean NOT NULL,
    consent_contact boolean NOT NULL,
    state           text NOT NULL DEFAULT 'received'
                    CHECK (state IN ('received', 'published', 'rejected', 'answered', 'closed', 'hidden')),
    submission_hash text NOT NULL,  -- hex BLAKE2b-256 of the canonical submission
    secret_hash     text NOT NULL,  -- hex BLAKE2b-256 of the submitter's secret
    log_index       bigint NOT NULL UNIQUE,
    key_id          text NOT NULL,  -- the key that signed the receipt
    idempotency_key text UNIQUE,    -- hex BLAKE2b-256 of the client's key
    created_at      timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_item_idx ON feedback (item_id, created_at);

-- Changes of state after "received" (moderation fills it).
CREATE TABLE IF NOT EXISTS feedback_event (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feedback_id bigint NOT NULL REFERENCES feedback,
    at          timestamptz NOT NULL DEFAULT now(),
    from_state  text NOT NULL,
    to_state    text NOT NULL,
    public_note text
);
CREATE INDEX IF NOT EXISTS feedback_event_feedback_idx ON feedback_event (feedback_id, at);

-- Recent submissions by keyed hash of the client address, for "the same client sent the
-- same text for the same item within 10 minutes". Kept only 10 minutes.
CREATE TABLE IF NOT EXISTS intake_recent (
    client_hash     text NOT NULL,
    submission_hash text NOT NULL,
    feedback_id     bigint NOT NULL REFERENCES feedback ON DELETE CASCADE,
    created_at      timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS intake_recent_key_idx ON intake_recent (client_hash, submission_hash);
CREATE INDEX IF NOT EXISTS intake_recent_time_idx ON intake_recent (created_at);
