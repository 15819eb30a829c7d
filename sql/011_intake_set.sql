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

-- What each feedback with an id in p_ids contributes (007), now read for every row intake
-- stores: the answer time's bucket (a numeric logarithm) only for an answer.
CREATE OR REPLACE FUNCTION pakn_rollup_src(p_ids bigint[])
RETURNS TABLE (item_id integer, plan_id integer, kind text, counted boolean, rating smallint,
               day date, acted_late boolean, waits_action boolean, due_action date,
               due_answer date, answered_at timestamptz, answer_rating smallint,
               answered_late boolean, bucket smallint)
LANGUAGE sql STABLE AS $$
    SELECT f.item_id, it.plan_id, f.kind, f.state <> 'rejected', f.rating,
           pakn_local_day(f.created_at), pakn_local_day(f.first_action_at) > f.due_action,
           f.first_action_at IS NULL, f.due_action, f.due_answer, r.answered_at, r.rating,
           pakn_local_day(r.answered_at) > f.due_answer,
           CASE WHEN r.answered_at IS NOT NULL
                THEN pakn_hours_bucket(extract(epoch FROM r.answered_at - f.created_at) / 3600) END
    FROM feedback f JOIN plan_item it ON it.id = f.item_id
    LEFT JOIN feedback_response r ON r.feedback_id = f.id
    WHERE f.id = ANY (p_ids)
$$;

-- 008's pakn_rollup_add_rows, with the rows counted per item, kind and day before those
-- counts go into their four grains: a fold brings thousands of rows for a few hundred
-- days' rows (a 30,000-row fold: 336 ms before).
CREATE OR REPLACE FUNCTION pakn_rollup_add_rows(p_rows pakn_rollup_row[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pakn_rollup_merge(ARRAY(
        SELECT ROW(g.grain, d.item_id, g.day, d.kind, sum(d.r1), sum(d.r2), sum(d.r3),
                   sum(d.r4), sum(d.r5), sum(d.received), sum(d.answered), sum(d.acted_late),
                   sum(d.answered_late), sum(d.answer_ratings), sum(d.answer_rating_sum))::feedback_rollup
        FROM (SELECT item_id, day, kind,
                     count(*) FILTER (WHERE counted AND rating = 1) AS r1,
                     count(*) FILTER (WHERE counted AND rating = 2) AS r2,
                     count(*) FILTER (WHERE counted AND rating = 3) AS r3,
                     count(*) FILTER (WHERE counted AND rating = 4) AS r4,
                     count(*) FILTER (WHERE counted AND rating = 5) AS r5,
                     count(*) AS received, count(answered_at) AS answered,
                     count(*) FILTER (WHERE acted_late) AS acted_late,
                     count(*) FILTER (WHERE counted AND answered_late) AS answered_late,
                     count(answer_rating) AS answer_ratings,
                     coalesce(sum(answer_rating), 0) AS answer_rating_sum
              FROM unnest(p_rows) GROUP BY 1, 2, 3) d, pakn_grains(d.day) g
        GROUP BY g.grain, d.item_id, g.day, d.kind));
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

-- Whether a feedback row with index p_log_index waits for the fold. A change to such a row
-- leaves the rollups alone: the fold counts the row as it then is. FOR SHARE makes a change
-- wait for a fold in progress and then see where it ended, and makes a fold wait for the
-- changes that decided to leave their rows to it.
CREATE OR REPLACE FUNCTION pakn_rollup_waits(p_log_index bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    from_ix bigint;
BEGIN
    SELECT folded INTO from_ix FROM rollup_state WHERE one FOR SHARE;
    RETURN p_log_index >= from_ix AND p_log_index < (SELECT size FROM tlog_state WHERE one);
END
$$;

-- Counts the rows that wait, and answers how many log indexes it passed. Does nothing on a
-- replica or in a read-only transaction.
CREATE OR REPLACE FUNCTION pakn_rollup_fold() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    from_ix bigint;
    to_ix   bigint;
BEGIN
    IF pg_is_in_recovery() OR current_setting('transaction_read_only')::boolean THEN
        RETURN 0;
    END IF;
    -- Without a lock first: a reader with nothing to fold writes nothing.
    SELECT s.folded, t.size INTO from_ix, to_ix FROM rollup_state s, tlog_state t;
    IF from_ix >= to_ix THEN
        RETURN 0;
    END IF;
    SELECT folded INTO from_ix FROM rollup_state WHERE one FOR UPDATE;
    -- Each statement reads a newer snapshot: every index below this size is committed and
    -- seen by the next one.
    SELECT size INTO to_ix FROM tlog_state WHERE one;
    IF from_ix >= to_ix THEN
        RETURN 0;
    END IF;
    PERFORM pakn_rollup_add_set(ARRAY(SELECT id FROM feedback
                                      WHERE log_index >= from_ix AND log_index < to_ix));
    UPDATE rollup_state SET folded = to_ix WHERE one;
    RETURN to_ix - from_ix;
END
$$;

-- 007's triggers, leaving the rows that wait to the fold.
CREATE OR REPLACE FUNCTION pakn_rollup_feedback_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r feedback_response;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF pakn_rollup_waits(OLD.log_index) THEN
            RETURN NULL;
        END IF;
        SELECT * INTO r FROM feedback_response WHERE feedback_id = OLD.id;
        PERFORM pakn_rollup_add(OLD, r.answered_at, r.rating, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pakn_rollup_add(NEW, r.answered_at, r.rating, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION pakn_rollup_response_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    f feedback;
BEGIN
    SELECT * INTO f FROM feedback WHERE id = coalesce(NEW.feedback_id, OLD.feedback_id);
    IF NOT FOUND OR pakn_rollup_waits(f.log_index) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM pakn_rollup_add(f, OLD.answered_at, OLD.rating, -1);
    ELSE
        PERFORM pakn_rollup_add(f, NULL, NULL, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pakn_rollup_add(f, NEW.answered_at, NEW.rating, 1);
    ELSE
        PERFORM pakn_rollup_add(f, NULL, NULL, 1);
    END IF;
    RETURN NULL;
END
$$;

-- The recount leaves the rows that wait to the fold, like the triggers: those are the rows
-- with an index from the size it starts with up to the size its statement sees.
CREATE OR REPLACE FUNCTION pakn_rollup_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    to_ix bigint;
BEGIN
    PERFORM 1 FROM rollup_state WHERE one FOR UPDATE;
    SELECT size INTO to_ix FROM tlog_state WHERE one;
    TRUNCATE feedback_rollup, answer_time_rollup, answer_time_kind_rollup, response_pending;
    PERFORM pakn_rollup_add_set(ARRAY(
        SELECT f.id FROM feedback f, tlog_state t
        WHERE t.one AND NOT (f.log_index >= to_ix AND f.log_index < t.size)));
    UPDATE rollup_state SET folded = to_ix WHERE one;
END
$$;

-- What becomes of one row of a batch: its status (as pakn_intake_batch answers it), and for
-- "existing" either the stored receipt fields or the position of the earlier row of the
-- same batch that it repeats.
DO $$ BEGIN
    CREATE TYPE pakn_intake_fate AS (status text, receipt jsonb, same_as integer);
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

-- The batch's rows as the service sends them (server/intake_queue.c), with their positions.
CREATE OR REPLACE FUNCTION pakn_intake_rows(batch json) RETURNS TABLE (
    ord integer, id bigint, tracking_code text, item_code text, rating smallint, kind text,
    body text, submitter_type text, personal_enc text, consent_publish boolean,
    consent_contact boolean, submission_hash text, secret_hash text, key_id text,
    idempotency_key text, client_hash text)
LANGUAGE sql STABLE AS $$
    SELECT x.ord::integer, x.id, x.tracking_code, x.item_code, x.rating, x.kind, x.body,
           x.submitter_type, x.personal_enc, x.consent_publish, x.consent_contact,
           x.submission_hash, x.secret_hash, x.key_id, x.idempotency_key, x.client_hash
    FROM ROWS FROM (json_to_recordset(batch) AS (
             id bigint, tracking_code text, item_code text, rating smallint, kind text,
             body text, submitter_type text, personal_enc text, consent_publish boolean,
             consent_contact boolean, submission_hash text, secret_hash text, key_id text,
             idempotency_key text, client_hash text)) WITH ORDINALITY AS x(
             id, tracking_code, item_code, rating, kind, body, submitter_type, personal_enc,
             consent_publish, consent_contact, submission_hash, secret_hash, key_id,
             idempotency_key, client_hash, ord)
$$;

-- The fates of any batch, row after row: a row sees the rows before it as stored, exactly
-- as if each had come in a batch of its own (002).
CREATE OR REPLACE FUNCTION pakn_intake_fates_serial(batch json) RETURNS pakn_intake_fate[]
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off SET jit = off
AS $$
DECLARE
    r        record;
    by_key   jsonb;  -- stored before: idempotency key -> {"hash", "receipt"}
    by_sent  jsonb;  -- stored before: client hash || ' ' || submission hash -> receipt
    items    text[];
    seen     jsonb;
    i        integer;
    fate     pakn_intake_fate;
    fates    pakn_intake_fate[] := '{}';
    -- The rows this batch creates: how a later row finds them, and where they are.
    new_key  text[] := '{}';
    new_sent text[] := '{}';
    new_hash text[] := '{}';
    new_ord  integer[] := '{}';
BEGIN
    SELECT coalesce(jsonb_object_agg(f.idempotency_key, jsonb_build_object(
               'hash', f.submission_hash, 'receipt', pakn_receipt_fields(f))), '{}')
    INTO by_key FROM feedback f
    WHERE f.idempotency_key IN (SELECT b.idempotency_key FROM pakn_intake_rows(batch) b);
    SELECT coalesce(jsonb_object_agg(k, rc), '{}') INTO by_sent FROM (
        SELECT DISTINCT ON (ir.client_hash, ir.submission_hash)
               ir.client_hash || ' ' || ir.submission_hash AS k, pakn_receipt_fields(f)::jsonb AS rc
        FROM pakn_intake_rows(batch) b
        JOIN intake_recent ir ON ir.client_hash = b.client_hash
                             AND ir.submission_hash = b.submission_hash
        JOIN feedback f ON f.id = ir.feedback_id
        ORDER BY ir.client_hash, ir.submission_hash, ir.created_at) s;
    SELECT array_agg(p.code) INTO items FROM plan_item p
    WHERE p.code IN (SELECT b.item_code FROM pakn_intake_rows(batch) b);

    FOR r IN SELECT * FROM pakn_intake_rows(batch) ORDER BY ord LOOP
        fate := NULL;
        IF r.idempotency_key IS NOT NULL THEN
            i := array_position(new_key, r.idempotency_key);
            IF i IS NOT NULL THEN
                fate := CASE WHEN new_hash[i] <> r.submission_hash THEN ROW('conflict', NULL, NULL)
                             ELSE ROW('existing', NULL, new_ord[i]) END;
            ELSE
                seen := by_key -> r.idempotency_key;
                fate := CASE WHEN seen->>'hash' <> r.submission_hash THEN ROW('conflict', NULL, NULL)
                             WHEN seen IS NOT NULL THEN ROW('existing', seen -> 'receipt', NULL) END;
            END IF;
        ELSIF r.client_hash IS NOT NULL THEN
            -- Without a key only: a key says "a new submission unless it is this key's".
            i := array_position(new_sent, r.client_hash || ' ' || r.submission_hash);
            seen := by_sent -> (r.client_hash || ' ' || r.submission_hash);
            fate := CASE WHEN i IS NOT NULL THEN ROW('existing', NULL, new_ord[i])
                         WHEN seen IS NOT NULL THEN ROW('existing', seen, NULL) END;
        END IF;
        IF fate IS NULL AND array_position(items, r.item_code) IS NULL THEN
            fate := ROW('unknown_item', NULL, NULL);
        ELSIF fate IS NULL THEN
            fate := ROW('created', NULL, NULL);
            new_key := new_key || r.idempotency_key;
            new_sent := new_sent || (r.client_hash || ' ' || r.submission_hash);
            new_hash := new_hash || r.submission_hash;
            new_ord := new_ord || r.ord;
        END IF;
        fates := fates || fate;
    END LOOP;
    RETURN fates;
END
$$;

-- An intake batch (server/intake_queue.c; docs/intake.md): the fates of its rows and the
-- created rows stored, in one statement; their counts wait for pakn_rollup_fold. Answers a
-- JSON array, one element per input row in the same order, with "status":
--   created       stored now; the receipt fields follow
--   existing      the same idempotency key, or the same client, item and text within
--                 10 minutes: the first submission's receipt fields follow
--   conflict      the idempotency key was used for a different submission
--   unknown_item  no item has that code
-- Its statements take JSON and arrays the planner cannot see into, so one plan serves every
-- batch (plan_cache_mode); why enable_seqscan and jit are off is told in 008.
CREATE OR REPLACE FUNCTION pakn_intake_batch(batch json) RETURNS json
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off SET jit = off
AS $$
DECLARE
    fates   pakn_intake_fate[];  -- NULL: decided in the statement below
    next_ix bigint;
    due_a   date;
    due_r   date;
    created bigint;
    answer  json;
BEGIN
    -- A receipt promises a durable row, whatever the server's default.
    PERFORM set_config('synchronous_commit', 'on', true);
    -- Taking the log row first serialises batches: indexes follow commit order.
    SELECT size INTO next_ix FROM tlog_state WHERE one FOR UPDATE;
    DELETE FROM intake_recent WHERE created_at < now() - interval '10 minutes';
    -- Every row of the batch is received now, so all have the same deadlines: those of
    -- pakn_working_day_after (005), both in one statement.
    SELECT max(w.day) FILTER (WHERE w.n = t.n + d.action_days),
           max(w.day) FILTER (WHERE w.n = t.n + d.answer_days)
    INTO due_a, due_r
    FROM response_deadline d
    JOIN work_day t ON t.day = (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
    JOIN work_day w ON w.working AND w.n IN (t.n + d.action_days, t.n + d.answer_days);

    -- The row trigger (007) stands aside: these rows wait for the fold.
    PERFORM set_config('pakn.rollup_deferred', 'on', true);
    -- Once, or twice for a batch that repeats itself: the first time finds that out and
    -- stores nothing, and the second takes the fates decided row by row.
    LOOP
        WITH batch_rows AS (
            SELECT * FROM pakn_intake_rows(batch)
        ), repeats AS (
            -- Whether a row could be decided by an earlier row of the batch: two rows with
            -- one key, or with one client and submission.
            SELECT fates IS NULL
                   AND (count(DISTINCT idempotency_key) <> count(idempotency_key)
                        OR count(DISTINCT client_hash || ' ' || submission_hash) <> count(client_hash))
                   AS repeated
            FROM batch_rows
        ), fated AS (
            SELECT b.*, p.id AS item_id, f.same_as,
                   coalesce(f.status, CASE WHEN k.hash <> b.submission_hash THEN 'conflict'
                                           WHEN coalesce(k.receipt, s.receipt) IS NOT NULL THEN 'existing'
                                           WHEN p.id IS NULL THEN 'unknown_item'
                                           ELSE 'created' END) AS status,
                   coalesce(f.receipt, k.receipt, s.receipt) AS receipt
            FROM batch_rows b
            LEFT JOIN unnest(fates) WITH ORDINALITY AS f(status, receipt, same_as, ord) ON f.ord = b.ord
            -- The look-ups are LATERAL with LIMIT so that each stays an index probe whatever
            -- the batch's size (the plan is generic, made for no particular batch).
            LEFT JOIN LATERAL (SELECT p.id FROM plan_item p WHERE p.code = b.item_code LIMIT 1) p ON true
            LEFT JOIN LATERAL (SELECT d.submission_hash AS hash, pakn_receipt_fields(d)::jsonb AS receipt
                               FROM feedback d
                               WHERE fates IS NULL AND d.idempotency_key = b.idempotency_key
                               LIMIT 1) k ON true
            LEFT JOIN LATERAL (SELECT pakn_receipt_fields(d)::jsonb AS receipt
                               FROM intake_recent ir JOIN feedback d ON d.id = ir.feedback_id
                               WHERE fates IS NULL AND b.idempotency_key IS NULL
                                 AND ir.client_hash = b.client_hash
                                 AND ir.submission_hash = b.submission_hash
                               ORDER BY ir.created_at LIMIT 1) s ON true
        ), numbered AS (
            SELECT fated.*,
                   next_ix - 1 + count(*) FILTER (WHERE status = 'created') OVER (ORDER BY ord)
                       AS log_index
            FROM fated
        ), answered AS (
            SELECT numbered.*, CASE status
                       WHEN 'created' THEN json_build_object(
                           'status', status, 'id', id, 'tracking_code', tracking_code,
                           'item_code', item_code,
                           'committed_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                           'submission_hash', submission_hash, 'log_index', log_index, 'key_id', key_id)
                       WHEN 'existing' THEN (receipt || '{"status": "existing"}')::json
                       ELSE json_build_object('status', status) END AS answer
            FROM numbered
            WHERE NOT (SELECT repeated FROM repeats)
        ), stored AS (
            INSERT INTO feedback (id, tracking_code, item_id, rating, kind, body, submitter_type,
                                  personal_enc, consent_publish, consent_contact,
                                  submission_hash, secret_hash, log_index, key_id,
                                  idempotency_key, created_at, due_action, due_answer)
            SELECT id, tracking_code, item_id, rating, kind, body, submitter_type,
                   decode(personal_enc, 'base64'), consent_publish, consent_contact,
                   submission_hash, secret_hash, log_index, key_id, idempotency_key, now(),
                   due_a, due_r
            FROM answered WHERE status = 'created'
        ), recent AS (
            INSERT INTO intake_recent (client_hash, submission_hash, feedback_id, created_at)
            SELECT client_hash, submission_hash, id, now() FROM answered
            WHERE status = 'created' AND client_hash IS NOT NULL
        )
        SELECT json_agg(CASE WHEN r.same_as IS NULL THEN r.answer
                             ELSE (earlier.answer::jsonb || '{"status": "existing"}')::json END
                        ORDER BY r.ord),
               count(*) FILTER (WHERE r.status = 'created')
        INTO answer, created
        FROM answered r LEFT JOIN answered earlier ON earlier.ord = r.same_as;
        EXIT WHEN answer IS NOT NULL OR fates IS NOT NULL;
        fates := pakn_intake_fates_serial(batch);
    END LOOP;
    PERFORM set_config('pakn.rollup_deferred', 'off', true);
    UPDATE tlog_state SET size = next_ix + created WHERE one AND created > 0;
    RETURN answer;
END
$$;
