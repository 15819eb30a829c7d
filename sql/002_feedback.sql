-- 002_feedback.sql: submissions, their history, the log counter, and the intake batch.

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

CREATE OR REPLACE FUNCTION pakn_receipt_fields(f feedback) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', f.id,
        'tracking_code', f.tracking_code,
        'item_code', (SELECT code FROM plan_item WHERE id = f.item_id),
        'committed_at', to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'submission_hash', f.submission_hash,
        'log_index', f.log_index,
        'key_id', f.key_id)
$$;

-- Stores one batch of submissions in the calling transaction (docs/intake.md). Input: a
-- JSON array of rows built by intake_queue.c. Output: a JSON array, one element per input
-- row in the same order, with "status":
--   created       stored now; the receipt fields follow
--   existing      the same idempotency key, or the same client, item and text within
--                 10 minutes: the first submission's receipt fields follow
--   conflict      the idempotency key was used for a different submission
--   unknown_item  no item has that code
CREATE OR REPLACE FUNCTION pakn_intake(batch json) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    r       json;
    f       feedback;
    item    integer;
    next_ix bigint;
    out     json[] := '{}';
BEGIN
    -- A receipt promises a durable row, whatever the server's default.
    PERFORM set_config('synchronous_commit', 'on', true);
    -- Taking the log row first serialises batches: indexes follow commit order.
    SELECT size INTO next_ix FROM tlog_state WHERE one FOR UPDATE;
    DELETE FROM intake_recent WHERE created_at < now() - interval '10 minutes';

    FOR r IN SELECT value FROM json_array_elements(batch) LOOP
        f := NULL;
        IF r->>'idempotency_key' IS NOT NULL THEN
            SELECT * INTO f FROM feedback WHERE idempotency_key = r->>'idempotency_key';
            IF FOUND AND f.submission_hash <> r->>'submission_hash' THEN
                out := out || json_build_object('status', 'conflict');
                CONTINUE;
            END IF;
        END IF;
        -- Without a key only: a key says "a new submission unless it is this key's".
        IF f.id IS NULL AND r->>'client_hash' IS NOT NULL AND r->>'idempotency_key' IS NULL THEN
            SELECT fb.* INTO f
            FROM intake_recent ir JOIN feedback fb ON fb.id = ir.feedback_id
            WHERE ir.client_hash = r->>'client_hash'
              AND ir.submission_hash = r->>'submission_hash'
            ORDER BY ir.created_at LIMIT 1;
        END IF;
        IF f.id IS NOT NULL THEN
            out := out || (jsonb_build_object('status', 'existing')
                           || pakn_receipt_fields(f)::jsonb)::json;
            CONTINUE;
        END IF;

        SELECT id INTO item FROM plan_item WHERE code = r->>'item_code';
        IF NOT FOUND THEN
            out := out || json_build_object('status', 'unknown_item');
            CONTINUE;
        END IF;

        INSERT INTO feedback (id, tracking_code, item_id, rating, kind, body, submitter_type,
                              personal_enc, consent_publish, consent_contact,
                              submission_hash, secret_hash, log_index, key_id,
                              idempotency_key, created_at)
        VALUES ((r->>'id')::bigint, r->>'tracking_code', item, (r->>'rating')::smallint,
                r->>'kind', r->>'body', r->>'submitter_type',
                decode(r->>'personal_enc', 'base64'), (r->>'consent_publish')::boolean,
                (r->>'consent_contact')::boolean, r->>'submission_hash', r->>'secret_hash',
                next_ix, r->>'key_id', r->>'idempotency_key', now())
        RETURNING * INTO f;
        next_ix := next_ix + 1;
        IF r->>'client_hash' IS NOT NULL THEN
            INSERT INTO intake_recent VALUES (r->>'client_hash', f.submission_hash, f.id, now());
        END IF;
        out := out || (jsonb_build_object('status', 'created') || pakn_receipt_fields(f)::jsonb)::json;
    END LOOP;

    UPDATE tlog_state SET size = next_ix WHERE one;
    RETURN array_to_json(out);
END
$$;

-- The official answer of a feedback as the public sees it; answers arrive with
-- sql/003_officials.sql, which replaces this.
CREATE OR REPLACE FUNCTION pakn_feedback_answer(p_feedback bigint) RETURNS json
LANGUAGE sql STABLE AS $$ SELECT NULL::json $$;

-- What the submitter sees by tracking code: never personal data.
CREATE OR REPLACE FUNCTION pakn_feedback_status(p_tracking_code text) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'tracking_code', f.tracking_code,
        'state', f.state,
        'item', json_build_object('code', it.code, 'title', it.title, 'plan', p.code),
        'kind', f.kind,
        'rating', f.rating,
        'received_at', f.created_at,
        'log_index', f.log_index,
        'answer', pakn_feedback_answer(f.id),
        'history', (SELECT json_agg(h ORDER BY h.at) FROM (
                        SELECT 'received' AS state, f.created_at AS at, NULL AS note
                        UNION ALL
                        SELECT e.to_state, e.at, e.public_note FROM feedback_event e
                        WHERE e.feedback_id = f.id) h))
    FROM feedback f
    JOIN plan_item it ON it.id = f.item_id
    JOIN plan p ON p.id = it.plan_id
    WHERE f.tracking_code = p_tracking_code
$$;
