-- 008_intake_speed.sql: the intake path without planning on every call, and a batch
-- stored with one INSERT.
--
-- A LANGUAGE sql function that PostgreSQL cannot inline (one with a sub-select, or an
-- INSERT) is parsed and planned again on each call; PL/pgSQL keeps its statements' plans
-- for the session. On the intake path, called once per row or per batch, that planning was
-- half the database's time (perf, docs/intake.md "Speed"). These keep their bodies and
-- change only their language.

CREATE OR REPLACE FUNCTION pakn_rollup_merge(p_rows feedback_rollup[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO feedback_rollup AS t SELECT * FROM unnest(p_rows)
    ON CONFLICT (grain, item_id, day, kind) DO UPDATE SET
        r1 = t.r1 + EXCLUDED.r1, r2 = t.r2 + EXCLUDED.r2, r3 = t.r3 + EXCLUDED.r3,
        r4 = t.r4 + EXCLUDED.r4, r5 = t.r5 + EXCLUDED.r5,
        received = t.received + EXCLUDED.received, answered = t.answered + EXCLUDED.answered,
        acted_late = t.acted_late + EXCLUDED.acted_late,
        answered_late = t.answered_late + EXCLUDED.answered_late,
        answer_ratings = t.answer_ratings + EXCLUDED.answer_ratings,
        answer_rating_sum = t.answer_rating_sum + EXCLUDED.answer_rating_sum;
END
$$;

CREATE OR REPLACE FUNCTION pakn_receipt_fields(f feedback) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN json_build_object(
        'id', f.id,
        'tracking_code', f.tracking_code,
        'item_code', (SELECT code FROM plan_item WHERE id = f.item_id),
        'committed_at', to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'submission_hash', f.submission_hash,
        'log_index', f.log_index,
        'key_id', f.key_id);
END
$$;

CREATE OR REPLACE FUNCTION pakn_working_day_after(p_at timestamptz, p_days integer) RETURNS date
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT w.day FROM work_day w
            WHERE w.working
              AND w.n = (SELECT n FROM work_day
                         WHERE day = (p_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date) + p_days);
END
$$;

-- A batch's statements take JSON and arrays whose contents the planner cannot use: a plan
-- made once serves every batch.
ALTER FUNCTION pakn_intake_batch(json) SET plan_cache_mode = force_generic_plan;

-- The batch as one INSERT: the loop decides each row's fate from lookups made once for
-- the whole batch, so a row costs expressions in memory and its share of a few set
-- statements, not an executor start per statement per row. The result is the same as
-- row-by-row (002): a row sees the rows before it in the batch as stored.
CREATE OR REPLACE FUNCTION pakn_intake(batch json) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    rows     jsonb := batch::jsonb;
    r        jsonb;
    by_key   jsonb;  -- idempotency key -> {"hash", "receipt"}
    by_sent  jsonb;  -- client hash || ' ' || submission hash -> receipt
    items    jsonb;  -- item code -> id
    seen     jsonb;
    receipt  jsonb;
    item     integer;
    next_ix  bigint;
    at_text  text := to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
    fresh    jsonb[] := '{}';
    out      jsonb[] := '{}';
BEGIN
    -- A receipt promises a durable row, whatever the server's default.
    PERFORM set_config('synchronous_commit', 'on', true);
    -- Taking the log row first serialises batches: indexes follow commit order.
    SELECT size INTO next_ix FROM tlog_state WHERE one FOR UPDATE;
    DELETE FROM intake_recent WHERE created_at < now() - interval '10 minutes';

    SELECT coalesce(jsonb_object_agg(f.idempotency_key, jsonb_build_object(
               'hash', f.submission_hash, 'receipt', pakn_receipt_fields(f))), '{}')
    INTO by_key FROM feedback f
    WHERE f.idempotency_key IN (SELECT e->>'idempotency_key' FROM jsonb_array_elements(rows) e);
    SELECT coalesce(jsonb_object_agg(k, rc), '{}') INTO by_sent FROM (
        SELECT DISTINCT ON (ir.client_hash, ir.submission_hash)
               ir.client_hash || ' ' || ir.submission_hash AS k, pakn_receipt_fields(f)::jsonb AS rc
        FROM jsonb_array_elements(rows) e
        JOIN intake_recent ir ON ir.client_hash = e->>'client_hash'
                             AND ir.submission_hash = e->>'submission_hash'
        JOIN feedback f ON f.id = ir.feedback_id
        ORDER BY ir.client_hash, ir.submission_hash, ir.created_at) s;
    SELECT coalesce(jsonb_object_agg(code, id), '{}') INTO items FROM plan_item
    WHERE code IN (SELECT e->>'item_code' FROM jsonb_array_elements(rows) e);

    FOR r IN SELECT value FROM jsonb_array_elements(rows) LOOP
        IF r->>'idempotency_key' IS NOT NULL THEN
            seen := by_key -> (r->>'idempotency_key');
            IF seen IS NOT NULL AND seen->>'hash' <> r->>'submission_hash' THEN
                out := out || jsonb_build_object('status', 'conflict');
                CONTINUE;
            END IF;
            receipt := seen -> 'receipt';
        ELSIF r->>'client_hash' IS NOT NULL THEN
            -- Without a key only: a key says "a new submission unless it is this key's".
            receipt := by_sent -> (r->>'client_hash' || ' ' || (r->>'submission_hash'));
        ELSE
            receipt := NULL;
        END IF;
        IF receipt IS NOT NULL THEN
            out := out || (jsonb_build_object('status', 'existing') || receipt);
            CONTINUE;
        END IF;

        item := (items ->> (r->>'item_code'))::integer;
        IF item IS NULL THEN
            out := out || jsonb_build_object('status', 'unknown_item');
            CONTINUE;
        END IF;

        receipt := jsonb_build_object(
            'id', (r->>'id')::bigint, 'tracking_code', r->'tracking_code',
            'item_code', r->'item_code', 'committed_at', at_text,
            'submission_hash', r->'submission_hash', 'log_index', next_ix, 'key_id', r->'key_id');
        fresh := fresh || (r || jsonb_build_object('item_id', item, 'log_index', next_ix));
        next_ix := next_ix + 1;
        IF r->>'idempotency_key' IS NOT NULL THEN
            by_key := by_key || jsonb_build_object(r->>'idempotency_key', jsonb_build_object(
                          'hash', r->>'submission_hash', 'receipt', receipt));
        END IF;
        IF r->>'client_hash' IS NOT NULL THEN
            by_sent := by_sent || jsonb_build_object(
                           r->>'client_hash' || ' ' || (r->>'submission_hash'), receipt);
        END IF;
        out := out || (jsonb_build_object('status', 'created') || receipt);
    END LOOP;

    INSERT INTO feedback (id, tracking_code, item_id, rating, kind, body, submitter_type,
                          personal_enc, consent_publish, consent_contact,
                          submission_hash, secret_hash, log_index, key_id,
                          idempotency_key, created_at)
    SELECT x.id, x.tracking_code, x.item_id, x.rating, x.kind, x.body, x.submitter_type,
           decode(x.personal_enc, 'base64'), x.consent_publish, x.consent_contact,
           x.submission_hash, x.secret_hash, x.log_index, x.key_id, x.idempotency_key, now()
    FROM unnest(fresh) e, jsonb_to_record(e) AS x(
             id bigint, tracking_code text, item_id integer, rating smallint, kind text,
             body text, submitter_type text, personal_enc text, consent_publish boolean,
             consent_contact boolean, submission_hash text, secret_hash text, log_index bigint,
             key_id text, idempotency_key text);
    INSERT INTO intake_recent
    SELECT e->>'client_hash', e->>'submission_hash', (e->>'id')::bigint, now()
    FROM unnest(fresh) e WHERE e->>'client_hash' IS NOT NULL;

    UPDATE tlog_state SET size = next_ix WHERE one;
    RETURN to_json(out);
END
$$;
