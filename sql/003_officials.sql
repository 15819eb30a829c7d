-- 003_officials.sql: officials, their sessions and agencies, moderation with a hash-chained
-- audit trail, forwarded feedback, official answers. See docs/moderation.md.
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/officials.sql and feedback.sql.

CREATE TABLE IF NOT EXISTS official (
    id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    display_name  text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'moderator', 'responder', 'analyst')),
    password_hash text NOT NULL,            -- crypto_pwhash_str (Argon2id)
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS official_agency (
    official_id integer NOT NULL REFERENCES official ON DELETE CASCADE,
    agency_id   integer NOT NULL REFERENCES agency,
    PRIMARY KEY (official_id, agency_id)
);

-- Browser sessions and bearer tokens; only a hash of the token is kept.
CREATE TABLE IF NOT EXISTS official_session (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    official_id  integer NOT NULL REFERENCES official ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('browser', 'bearer')),
    token_hash   text NOT NULL UNIQUE,
    label        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);

-- Agencies a feedback was forwarded to: they gain scope over it.
CREATE TABLE IF NOT EXISTS feedback_forward (
    feedback_id bigint NOT NULL REFERENCES feedback,
    agency_id   integer NOT NULL REFERENCES agency,
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (feedback_id, agency_id)
);

-- The official answer (one per feedback), signed like a receipt, and the submitter's
-- rating of it.
CREATE TABLE IF NOT EXISTS feedback_response (
    feedback_id  bigint PRIMARY KEY REFERENCES feedback,
    official_id  integer NOT NULL REFERENCES official,
    agency_id    integer REFERENCES agency,
    text         text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 5000),
    answered_at  timestamptz NOT NULL,
    key_id       text NOT NULL,
    signature    text NOT NULL,
    rating       smallint CHECK (rating BETWEEN 1 AND 5),
    rated_at     timestamptz
);

-- The audit trail: every action, login, contact read and denial. Each event's hash covers
-- the previous event's hash, so removing or editing one breaks the chain after it.
CREATE TABLE IF NOT EXISTS moderation_event (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    official_id integer REFERENCES official,
    role        text,
    feedback_id bigint REFERENCES feedback,
    action      text NOT NULL,
    reason      text,
    note        text,
    from_state  text,
    to_state    text,
    prev_hash   text NOT NULL,
    hash        text NOT NULL
);
CREATE INDEX IF NOT EXISTS moderation_event_feedback_idx ON moderation_event (feedback_id, id);

CREATE TABLE IF NOT EXISTS audit_head (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    hash text NOT NULL
);
INSERT INTO audit_head VALUES (true, repeat('0', 64)) ON CONFLICT DO NOTHING;
