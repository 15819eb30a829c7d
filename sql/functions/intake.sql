-- intake.sql: storing a batch of submissions (tables: 002_feedback.sql, 011_intake_set.sql;
-- docs/intake.md). The service's intake queue (server/intake/intake_queue.c) sends each batch to
-- pakn_intake_batch in a transaction of its own; the checkpointer expires old duplicate
-- look-ups each second (pakn_intake_expire).

-- The receipt fields of a stored feedback, as an "existing" row's answer carries them.
-- PL/pgSQL, not sql: a LANGUAGE sql function that cannot be inlined (this one has a
-- sub-select) is parsed and planned on every call, PL/pgSQL keeps its plans per session.
CREATE OR REPLACE FUNCTION pakn_receipt_fields(f feedback) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN json_build_object(
        'id', f.id,
        'tracking_code', f.tracking_code,
        'item_code', (SELECT code FROM plan_item WHERE id = f.item_id),
        'committed_at', pakn_utc_text(f.created_at),
        'submission_hash', f.submission_hash,
        'log_index', f.log_index,
        'key_id', f.key_id,
        'handle', f.handle,
        'salt', encode(f.salt, 'hex'),
        'commitment', f.commitment,
        -- a version 2 receipt is proven again in the tree its batch ended
        'tree', CASE WHEN f.commitment IS NOT NULL THEN pakn_tlog_batch_of(f.log_index) END);
END
$$;

-- The batch's rows as the service sends them (server/intake/intake_queue.c), with their
-- positions. channel, received_on, entered_by and entered_role only in an official's entry
-- (assisted intake); NULL otherwise.
CREATE OR REPLACE FUNCTION pakn_intake_rows(batch json) RETURNS TABLE (
    ord integer, id bigint, tracking_code text, item_code text, rating smallint, kind text,
    body text, submitter_type text, personal_enc text, consent_publish boolean,
    consent_contact boolean, submission_hash text, secret_hash text, key_id text,
    idempotency_key text, client_hash text, handle text, salt text, commitment text,
    channel text, received_on date, entered_by integer, entered_role text)
LANGUAGE sql STABLE AS $$
    SELECT x.ord::integer, x.id, x.tracking_code, x.item_code, x.rating, x.kind, x.body,
           x.submitter_type, x.personal_enc, x.consent_publish, x.consent_contact,
           x.submission_hash, x.secret_hash, x.key_id, x.idempotency_key, x.client_hash,
           x.handle, x.salt, x.commitment, x.channel, x.received_on, x.entered_by,
           x.entered_role
    FROM ROWS FROM (json_to_recordset(batch) AS (
             id bigint, tracking_code text, item_code text, rating smallint, kind text,
             body text, submitter_type text, personal_enc text, consent_publish boolean,
             consent_contact boolean, submission_hash text, secret_hash text, key_id text,
             idempotency_key text, client_hash text, handle text, salt text,
             commitment text, channel text, received_on date, entered_by integer,
             entered_role text)) WITH ORDINALITY AS x(
             id, tracking_code, item_code, rating, kind, body, submitter_type, personal_enc,
             consent_publish, consent_contact, submission_hash, secret_hash, key_id,
             idempotency_key, client_hash, handle, salt, commitment, channel, received_on,
             entered_by, entered_role, ord)
$$;

-- The fates of any batch, row after row: a row sees the rows before it as stored, exactly
-- as if each had come in a batch of its own.
CREATE OR REPLACE FUNCTION pakn_intake_fates_serial(batch json) RETURNS pakn_intake_fate[]
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off SET jit = off
AS $$
DECLARE
    r        record;
    by_key   jsonb;  -- stored before: idempotency key -> {"hash", "receipt"}
    by_sent  jsonb;  -- stored before: client hash || ' ' || submission hash -> receipt
    items    text[];
    answered text[];  -- the items of items that an agency answers
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
    SELECT array_agg(p.code) FILTER (WHERE EXISTS (SELECT 1 FROM plan_item_agency x
                                                   WHERE x.item_id = p.id)),
           array_agg(p.code)
    INTO answered, items FROM plan_item p
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
        ELSIF fate IS NULL AND array_position(answered, r.item_code) IS NULL THEN
            fate := ROW('item_unanswerable', NULL, NULL);
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

-- An intake batch: the fates of its rows and the created rows stored, in one statement;
-- their counts wait for pakn_rollup_fold (rollups.sql). Answers {"committed_at": <the
-- transaction's time>, "rows": [...], "log": <pakn_tlog_append's answer (tlog.sql) when a
-- row was created: what the service needs to sign the tree head that ends the batch and to
-- prove each new entry in it>}, "rows" with one element per input row in the same order,
-- with "status":
--   created       stored now, with its "log_index"; the service fills in the rest of the
--                 receipt from the row it sent
--   existing      the same idempotency key, or the same client, item and text within
--                 pakn_duplicate_window(): the first submission's receipt fields follow,
--                 with the tree its batch ended ("tree", pakn_tlog_batch_of) unless it is
--                 a row of this batch
--   conflict      the idempotency key was used for a different submission
--   unknown_item  no item has that code
--   item_unanswerable  the item has no agency at all (no lead, no plan default, no
--                 coordinating agency): no official would ever see it, so it is not stored
--
-- Decided as a set: a row must see the rows before it in the batch as stored (the same
-- key twice, the same client and text twice). Such a batch is rare (a double click that
-- lands in one batch) and is decided row by row (pakn_intake_fates_serial); in the others
-- no row knows another, and their fates are part of the one statement that stores them.
--
-- Its statements take JSON and arrays the planner cannot see into, so one plan serves every
-- batch (plan_cache_mode). That plan is made on a session's first batch, maybe in a new
-- database without statistics, where a scan of a table that is still empty looks cheapest
-- and would then be kept while the table grows: every look-up here has its index, and
-- enable_seqscan = off makes the plan use it. The one-row tables have no index to use, and
-- the penalty that setting puts on their scans would otherwise start the JIT compiler.
-- docs/intake.md, "Speed", measures each step of how it got here.
CREATE OR REPLACE FUNCTION pakn_intake_batch(batch json) RETURNS json
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off SET jit = off
AS $$
DECLARE
    fates   pakn_intake_fate[];  -- NULL: decided in the statement below
    next_ix bigint;
    due_a   date;
    due_r   date;
    created bigint;
    answers json;
    leaves  bytea[];
    log     json;
    -- The time of the storing transaction, as every receipt of the batch gives it.
    committed text := pakn_utc_text(now());
    -- Whether an official entered a row (assisted intake): its audit event is written
    -- below. A look at the batch's text, not a parse: a citizen's text cannot contain the
    -- member name with its quotes unescaped, and a false alarm would only take a lock.
    assisted boolean := strpos(batch::text, '"entered_by":') > 0;
BEGIN
    -- A receipt promises a durable row, whatever the server's default.
    PERFORM set_config('synchronous_commit', 'on', true);
    -- The audit trail's head before the log's counter, in the order a moderation action
    -- takes them (pakn_audit, then the log trigger), so the two never wait on each other.
    IF assisted THEN
        PERFORM 1 FROM audit_head WHERE one FOR UPDATE;
    END IF;
    -- Taking the log row first serialises batches: indexes follow commit order.
    SELECT size INTO next_ix FROM tlog_state WHERE one FOR UPDATE;
    -- Every row of the batch is received now, so all have the same deadlines: those of
    -- pakn_working_day_after (deadlines.sql), both in one statement.
    SELECT max(w.day) FILTER (WHERE w.n = t.n + d.action_days),
           max(w.day) FILTER (WHERE w.n = t.n + d.answer_days)
    INTO due_a, due_r
    FROM response_deadline d
    JOIN work_day t ON t.day = pakn_local_day(now())
    JOIN work_day w ON w.working AND w.n IN (t.n + d.action_days, t.n + d.answer_days);

    -- The row trigger (feedback_rollup_ins) stands aside: these rows wait for the fold.
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
            SELECT b.*, p.id AS item_id, p.own_days, f.same_as,
                   coalesce(f.status, CASE WHEN k.hash <> b.submission_hash THEN 'conflict'
                                           WHEN coalesce(k.receipt, s.receipt) IS NOT NULL THEN 'existing'
                                           WHEN p.id IS NULL THEN 'unknown_item'
                                           WHEN NOT p.answered THEN 'item_unanswerable'
                                           ELSE 'created' END) AS status,
                   coalesce(f.receipt, k.receipt, s.receipt) AS receipt
            FROM batch_rows b
            LEFT JOIN unnest(fates) WITH ORDINALITY AS f(status, receipt, same_as, ord) ON f.ord = b.ord
            -- The look-ups are LATERAL with LIMIT so that each stays an index probe whatever
            -- the batch's size (the plan is generic, made for no particular batch).
            LEFT JOIN LATERAL (SELECT p.id, EXISTS (SELECT 1 FROM plan_item_agency x
                                                    WHERE x.item_id = p.id) AS answered,
                                      EXISTS (SELECT 1 FROM plan pl
                                              WHERE pl.id = p.plan_id
                                                AND (pl.action_days IS NOT NULL
                                                     OR pl.answer_days IS NOT NULL)) AS own_days
                               FROM plan_item p WHERE p.code = b.item_code LIMIT 1) p ON true
            LEFT JOIN LATERAL (SELECT d.submission_hash AS hash, pakn_receipt_fields(d)::jsonb AS receipt
                               FROM feedback d
                               WHERE fates IS NULL AND d.idempotency_key = b.idempotency_key
                               LIMIT 1) k ON true
            LEFT JOIN LATERAL (SELECT pakn_receipt_fields(d)::jsonb AS receipt
                               FROM intake_recent ir JOIN feedback d ON d.id = ir.feedback_id
                               WHERE fates IS NULL AND b.idempotency_key IS NULL
                                 AND ir.client_hash = b.client_hash
                                 AND ir.submission_hash = b.submission_hash
                                 AND ir.created_at >= now() - pakn_duplicate_window()
                               ORDER BY ir.created_at LIMIT 1) s ON true
        ), numbered AS (
            SELECT fated.*,
                   next_ix - 1 + count(*) FILTER (WHERE status = 'created') OVER (ORDER BY ord)
                       AS log_index
            FROM fated
        ), answered AS (
            SELECT numbered.*, CASE status
                       WHEN 'created' THEN json_build_object('status', status, 'log_index', log_index)
                       WHEN 'existing' THEN (receipt || '{"status": "existing"}')::json
                       ELSE json_build_object('status', status) END AS answer
            FROM numbered
            WHERE NOT (SELECT repeated FROM repeats)
        ), stored AS (
            INSERT INTO feedback (id, tracking_code, item_id, rating, kind, body, submitter_type,
                                  personal_enc, consent_publish, consent_contact,
                                  submission_hash, secret_hash, log_index, key_id,
                                  idempotency_key, created_at, due_action, due_answer,
                                  handle, salt, commitment, channel, received_on, entered_by)
            SELECT id, tracking_code, item_id, rating, kind, body, submitter_type,
                   decode(personal_enc, 'base64'), consent_publish, consent_contact,
                   submission_hash, secret_hash, log_index, key_id, idempotency_key, now(),
                   -- A plan with its own deadlines, or an official's entry received on
                   -- another day: the row trigger (pakn_due_trigger).
                   CASE WHEN NOT own_days AND received_on IS NULL THEN due_a END,
                   CASE WHEN NOT own_days AND received_on IS NULL THEN due_r END,
                   handle, decode(salt, 'hex'), commitment, coalesce(channel, 'web'),
                   received_on, entered_by
            FROM answered WHERE status = 'created'
        ), recent AS (
            INSERT INTO intake_recent (client_hash, submission_hash, feedback_id, created_at)
            SELECT client_hash, submission_hash, id, now() FROM answered
            WHERE status = 'created' AND client_hash IS NOT NULL
        )
        SELECT json_agg(CASE WHEN r.same_as IS NULL THEN r.answer
                             -- the receipt of the row it repeats, created just now
                             ELSE (SELECT json_build_object(
                                       'status', 'existing', 'id', e.id,
                                       'tracking_code', e.tracking_code, 'item_code', e.item_code,
                                       'committed_at', committed,
                                       'submission_hash', e.submission_hash,
                                       'log_index', e.log_index, 'key_id', e.key_id,
                                       'handle', e.handle, 'salt', e.salt,
                                       'commitment', e.commitment)
                                   FROM answered e WHERE e.ord = r.same_as) END
                        ORDER BY r.ord),
               count(*) FILTER (WHERE r.status = 'created'),
               -- the new entries' leaves, in index order (docs/tlog.md, version 2)
               array_agg(pakn_tlog_leaf(pakn_tlog_entry(2::smallint, 'submission', NULL, NULL,
                                                        r.handle, committed, r.commitment))
                         ORDER BY r.log_index) FILTER (WHERE r.status = 'created')
        INTO answers, created, leaves
        FROM answered r;
        EXIT WHEN answers IS NOT NULL OR fates IS NOT NULL;
        -- pakn_intake_fates_serial takes every look-up it finds as live.
        PERFORM pakn_intake_expire();
        fates := pakn_intake_fates_serial(batch);
    END LOOP;
    PERFORM set_config('pakn.rollup_deferred', 'off', true);
    -- Each row an official entered and this batch created (its reserved id is in feedback
    -- only then) is audited: who, which feedback, the channel and the day; no personal
    -- data. Not a log entry (pakn_tlog_event's trigger leaves this action out): the
    -- submission itself is one.
    IF assisted AND created > 0 THEN
        PERFORM pakn_audit(b.entered_by, b.entered_role, b.id, 'assisted_intake', b.channel,
                           'received_on ' || b.received_on, NULL, 'received')
        FROM pakn_intake_rows(batch) b JOIN feedback f ON f.id = b.id
        WHERE b.entered_by IS NOT NULL
        ORDER BY b.ord;
    END IF;
    IF created > 0 THEN
        log := pakn_tlog_append(leaves);
    END IF;
    RETURN json_build_object('committed_at', committed, 'rows', answers, 'log', log);
END
$$;

-- Removes the duplicate look-ups older than pakn_duplicate_window(), each second from the
-- checkpointer (server/tlog/tlog_publish.c) on its own connection, not in the serial intake
-- transaction; the batch's probe skips an old look-up that is still there, so the rule is
-- the same to the second. Does nothing on a replica or in a read-only transaction.
CREATE OR REPLACE FUNCTION pakn_intake_expire() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    IF pg_is_in_recovery() OR current_setting('transaction_read_only')::boolean THEN
        RETURN 0;
    END IF;
    DELETE FROM intake_recent WHERE created_at < now() - pakn_duplicate_window();
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
