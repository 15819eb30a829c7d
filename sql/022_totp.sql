-- 022_totp.sql: officials' second factor (docs/moderation.md, "The second factor"): a TOTP
-- secret (RFC 6238), encrypted at rest with a key derived from the key directory, its
-- single-use recovery codes, stored as keyed hashes, and the moment each browser session
-- passed its second factor.
--
-- Functions are not defined here (sql/README.md): see sql/functions/second_factor.sql.

-- One secret per official. enrolled_at is NULL while the enrolment waits for its first
-- code; last_step is the time step of the newest code accepted, so no code is taken twice.
CREATE TABLE IF NOT EXISTS official_totp (
    official_id integer PRIMARY KEY REFERENCES official ON DELETE CASCADE,
    secret_enc  text NOT NULL,        -- base64 of nonce || XChaCha20-Poly1305 ciphertext
    enrolled_at timestamptz,
    last_step   bigint,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Recovery codes, each usable once: keyed BLAKE2b-256 (hex) of the code, never the code.
CREATE TABLE IF NOT EXISTS official_recovery_code (
    official_id integer NOT NULL REFERENCES official ON DELETE CASCADE,
    code_hash   text NOT NULL,
    used_at     timestamptz,
    PRIMARY KEY (official_id, code_hash)
);

-- When the session passed its second factor; NULL: not (yet), so it may only enrol or
-- verify (sessions made before this migration must pass it too).
ALTER TABLE official_session ADD COLUMN IF NOT EXISTS second_factor_at timestamptz;
