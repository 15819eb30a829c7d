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

-- What one feedback contributes to the rollups, as pakn_rollup_src (007) gives it.
DO $$ BEGIN
    CREATE TYPE pakn_rollup_row AS (
        item_id integer, plan_id integer, kind text, counted boolean, rating smallint,
        day date, acted_late boolean, waits_action boolean, due_action date, due_answer date,
        answered_at timestamptz, answer_rating smallint, answered_late boolean,
        bucket smallint);
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

-- Adds the contributions of p_rows to the rollups in one pass. Intake hands its new rows
-- over from memory; pakn_rollup_add_set reads them from the tables.
CREATE OR REPLACE FUNCTION pakn_rollup_add_rows(p_rows pakn_rollup_row[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pakn_rollup_merge(ARRAY(
        SELECT ROW(g.grain, s.item_id, g.day, s.kind,
                   count(*) FILTER (WHERE counted AND rating = 1),
                   count(*) FILTER (WHERE counted AND rating = 2),
                   count(*) FILTER (WHERE counted AND rating = 3),
                   count(*) FILTER (WHERE counted AND rating = 4),
                   count(*) FILTER (WHERE counted AND rating = 5), count(*), count(answered_at),
                   count(*) FILTER (WHERE acted_late),
                   count(*) FILTER (WHERE counted AND answered_late),
                   count(answer_rating), coalesce(sum(answer_rating), 0))::feedback_rollup
        FROM unnest(p_rows) s, pakn_grains(s.day) g
        GROUP BY g.grain, s.item_id, g.day, s.kind));
    INSERT INTO answer_time_rollup AS t (grain, item_id, day, bucket, n)
    SELECT g.grain, s.item_id, g.day, s.bucket, count(*)
    FROM unnest(p_rows) s, pakn_grains(s.day) g
    WHERE s.answered_at IS NOT NULL
    GROUP BY 1, 2, 3, 4
    ON CONFLICT (grain, item_id, day, bucket) DO UPDATE SET n = t.n + EXCLUDED.n;
    INSERT INTO answer_time_kind_rollup AS t (grain, plan_id, kind, day, bucket, n)
    SELECT g.grain, s.plan_id, s.kind, g.day, s.bucket, count(*)
    FROM unnest(p_rows) s, pakn_grains(s.day) g
    WHERE s.answered_at IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (grain, plan_id, kind, day, bucket) DO UPDATE SET n = t.n + EXCLUDED.n;
    INSERT INTO response_pending AS t (item_id, day, kind, what, due, n)
    SELECT s.item_id, s.day, s.kind, w.what, coalesce(w.due, 'infinity'), count(*)
    FROM unnest(p_rows) s,
         LATERAL (VALUES ('A', s.due_action, s.waits_action),
                         ('R', s.due_answer, s.answered_at IS NULL AND s.counted)) w(what, due, waiting)
    WHERE w.waiting
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (item_id, day, kind, what, due) DO UPDATE SET n = t.n + EXCLUDED.n;
END
$$;

CREATE OR REPLACE FUNCTION pakn_rollup_add_set(p_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pakn_rollup_add_rows(ARRAY(SELECT s::pakn_rollup_row FROM pakn_rollup_src(p_ids) s));
END
$$;

-- Deadlines are given by intake, computed once per batch; the trigger fills them for any
-- other insert.
DROP TRIGGER IF EXISTS feedback_due ON feedback;
CREATE TRIGGER feedback_due BEFORE INSERT ON feedback FOR EACH ROW
    WHEN (NEW.due_action IS NULL OR NEW.due_answer IS NULL)
    EXECUTE FUNCTION pakn_due_trigger();

-- An intake batch (server/intake_queue.c; docs/intake.md): the rows in one INSERT, then
-- into the rollups in one pass from memory. The loop decides each row's fate from lookups
-- made once for the whole batch, so a row costs expressions in memory and its share of a
-- few set statements, not an executor start per statement per row. The result is the same
-- as row by row (002): a row sees the rows before it in the batch as stored. Its
-- statements take JSON and arrays the planner cannot see into, so one plan serves every
-- batch (plan_cache_mode); that plan is made on a session's first batch, maybe in a new
-- database without statistics, where a scan of a table that is still empty looks cheapest
-- and would then be kept while the table grows: every look-up here has its index, and
-- enable_seqscan = off makes the plan use it. The one-row tables have no index to use, and
-- the penalty that setting puts on their scans would otherwise start the JIT compiler.
CREATE OR REPLACE FUNCTION pakn_intake_batch(batch json) RETURNS json
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off SET jit = off
AS $$
DECLARE
    rows     jsonb := batch::jsonb;
    r        jsonb;
    by_key   jsonb;  -- stored before: idempotency key -> {"hash", "receipt"}
    by_sent  jsonb;  -- stored before: client hash || ' ' || submission hash -> receipt
    items    jsonb;  -- item code -> [id, plan id]
    seen     jsonb;
    receipt  jsonb;
    item     jsonb;
    i        integer;
    due_a    date;
    due_r    date;
    next_ix  bigint;
    at_text  text := to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
    out      jsonb[] := '{}';
    -- The rows created by this batch, by position: what they are stored with, and how a
    -- later row of the batch finds them (arrays, not maps: growing a jsonb map copies it).
    new_rows jsonb[] := '{}';
    new_item integer[] := '{}';
    new_plan integer[] := '{}';
    new_ix   bigint[] := '{}';
    new_out  integer[] := '{}';  -- position in out
    new_key  text[] := '{}';
    new_sent text[] := '{}';
BEGIN
    -- A receipt promises a durable row, whatever the server's default.
    PERFORM set_config('synchronous_commit', 'on', true);
    -- Taking the log row first serialises batches: indexes follow commit order.
    SELECT size INTO next_ix FROM tlog_state WHERE one FOR UPDATE;
    DELETE FROM intake_recent WHERE created_at < now() - interval '10 minutes';
    -- Every row of the batch is received now, so all have the same deadlines.
    SELECT pakn_working_day_after(now(), d.action_days), pakn_working_day_after(now(), d.answer_days)
    INTO due_a, due_r FROM response_deadline d;

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
    SELECT coalesce(jsonb_object_agg(code, jsonb_build_array(id, plan_id)), '{}') INTO items
    FROM plan_item
    WHERE code IN (SELECT e->>'item_code' FROM jsonb_array_elements(rows) e);

    FOR r IN SELECT value FROM jsonb_array_elements(rows) LOOP
        receipt := NULL;
        IF r->>'idempotency_key' IS NOT NULL THEN
            i := array_position(new_key, r->>'idempotency_key');
            seen := CASE WHEN i IS NULL THEN by_key -> (r->>'idempotency_key')
                         ELSE jsonb_build_object('hash', new_rows[i]->>'submission_hash',
                                                 'receipt', out[new_out[i]]) END;
            IF seen->>'hash' <> r->>'submission_hash' THEN
                out := out || jsonb_build_object('status', 'conflict');
                CONTINUE;
            END IF;
            receipt := seen -> 'receipt';
        ELSIF r->>'client_hash' IS NOT NULL THEN
            -- Without a key only: a key says "a new submission unless it is this key's".
            i := array_position(new_sent, r->>'client_hash' || ' ' || (r->>'submission_hash'));
            receipt := CASE WHEN i IS NULL
                            THEN by_sent -> (r->>'client_hash' || ' ' || (r->>'submission_hash'))
                            ELSE out[new_out[i]] END;
        END IF;
        IF receipt IS NOT NULL THEN
            out := out || jsonb_set(receipt, '{status}', '"existing"');
            CONTINUE;
        END IF;

        item := items -> (r->>'item_code');
        IF item IS NULL THEN
            out := out || jsonb_build_object('status', 'unknown_item');
            CONTINUE;
        END IF;

        out := out || jsonb_build_object(
            'status', 'created', 'id', (r->>'id')::bigint, 'tracking_code', r->'tracking_code',
            'item_code', r->'item_code', 'committed_at', at_text,
            'submission_hash', r->'submission_hash', 'log_index', next_ix, 'key_id', r->'key_id');
        new_rows := new_rows || r;
        new_item := new_item || (item->>0)::integer;
        new_plan := new_plan || (item->>1)::integer;
        new_ix := new_ix || next_ix;
        new_out := new_out || cardinality(out);
        new_key := new_key || (r->>'idempotency_key');
        new_sent := new_sent || (r->>'client_hash' || ' ' || (r->>'submission_hash'));
        next_ix := next_ix + 1;
    END LOOP;

    -- The row trigger (007) stands aside: the rollups get the batch in one pass below.
    PERFORM set_config('pakn.rollup_deferred', 'on', true);
    INSERT INTO feedback (id, tracking_code, item_id, rating, kind, body, submitter_type,
                          personal_enc, consent_publish, consent_contact,
                          submission_hash, secret_hash, log_index, key_id,
                          idempotency_key, created_at, due_action, due_answer)
    SELECT x.id, x.tracking_code, n.item_id, x.rating, x.kind, x.body, x.submitter_type,
           decode(x.personal_enc, 'base64'), x.consent_publish, x.consent_contact,
           x.submission_hash, x.secret_hash, n.ix, x.key_id, x.idempotency_key, now(),
           due_a, due_r
    FROM unnest(new_rows, new_item, new_ix) n(r, item_id, ix), jsonb_to_record(n.r) AS x(
             id bigint, tracking_code text, rating smallint, kind text, body text,
             submitter_type text, personal_enc text, consent_publish boolean,
             consent_contact boolean, submission_hash text, secret_hash text, key_id text,
             idempotency_key text);
    INSERT INTO intake_recent
    SELECT e->>'client_hash', e->>'submission_hash', (e->>'id')::bigint, now()
    FROM unnest(new_rows) e WHERE e->>'client_hash' IS NOT NULL;
    PERFORM set_config('pakn.rollup_deferred', 'off', true);
    -- What pakn_rollup_src would read back: received now, counted, waiting for both.
    PERFORM pakn_rollup_add_rows(ARRAY(
        SELECT ROW(n.item_id, n.plan_id, n.r->>'kind', true, (n.r->>'rating')::smallint,
                   pakn_local_day(now()), NULL, true, due_a, due_r, NULL, NULL, NULL,
                   NULL)::pakn_rollup_row
        FROM unnest(new_rows, new_item, new_plan) n(r, item_id, plan_id)));

    UPDATE tlog_state SET size = next_ix WHERE one;
    RETURN to_json(out);
END
$$;
DROP FUNCTION IF EXISTS pakn_intake(json);
