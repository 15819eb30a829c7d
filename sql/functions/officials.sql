-- officials.sql: moderation (tables: 003_officials.sql; docs/moderation.md): the
-- hash-chained audit trail, an official's scope, moderation actions (one, or several as one,
-- assignment among them), the work list, the overdue list, a feedback's history, the
-- audited reading of contact details and the audited export.

-- The bytes an event's hash covers (docs/moderation.md): every field as its length in
-- bytes, a colon, the bytes and a line feed, so no field's end can be moved.
CREATE OR REPLACE FUNCTION pakn_event_hash(e moderation_event) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(string_agg(convert_to(octet_length(convert_to(f, 'UTF8'))::text || ':', 'UTF8')
                                    || convert_to(f, 'UTF8') || '\x0a'::bytea, ''::bytea ORDER BY n)), 'hex')
    FROM unnest(ARRAY['pakn57-event-v2', e.prev_hash, e.id::text,
                      pakn_utc_text(e.at),
                      coalesce(e.official_id::text, ''), coalesce(e.role, ''),
                      coalesce(e.feedback_id::text, ''), e.action, coalesce(e.reason, ''),
                      coalesce(e.note, ''), coalesce(e.from_state, ''), coalesce(e.to_state, '')])
         WITH ORDINALITY AS t(f, n)
$$;

-- Appends one event to the chain (in the caller's transaction) and returns its id.
CREATE OR REPLACE FUNCTION pakn_audit(p_official integer, p_role text, p_feedback bigint,
                                      p_action text, p_reason text, p_note text,
                                      p_from text, p_to text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    head text;
    e    moderation_event;
BEGIN
    SELECT hash INTO head FROM audit_head WHERE one FOR UPDATE;
    INSERT INTO moderation_event (official_id, role, feedback_id, action, reason, note,
                                  from_state, to_state, prev_hash, hash)
    VALUES (p_official, p_role, p_feedback, p_action, p_reason, p_note, p_from, p_to, head, '')
    RETURNING * INTO e;
    e.hash := pakn_event_hash(e);
    UPDATE moderation_event SET hash = e.hash WHERE id = e.id;
    UPDATE audit_head SET hash = e.hash WHERE one;
    RETURN e.id;
END
$$;

-- Is feedback f within the scope of official o? Moderators and responders see feedback on
-- items that list one of their agencies (lead or coordinating) or that was forwarded to one.
CREATE OR REPLACE FUNCTION pakn_in_scope(p_official integer, p_feedback bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1
        FROM official o
        JOIN official_agency oa ON oa.official_id = o.id
        JOIN feedback f ON f.id = p_feedback
        WHERE o.id = p_official AND NOT o.disabled
          AND o.roles && ARRAY['moderator', 'responder']::text[]
          AND (EXISTS (SELECT 1 FROM plan_item_agency x
                       WHERE x.item_id = f.item_id AND x.agency_id = oa.agency_id)
               OR EXISTS (SELECT 1 FROM feedback_forward w
                          WHERE w.feedback_id = f.id AND w.agency_id = oa.agency_id)))
$$;

-- One moderation action (docs/moderation.md). The C side decides from its transition table
-- which states the action applies to (p_from) and where it leads (p_to; NULL: unchanged),
-- and whether the role may take it; this checks scope, state and the sender's consent to
-- publication under a row lock and records everything in the same transaction. Assigning
-- takes an official who has the feedback in scope (p_assignee, a username). Linking takes
-- the original (p_of), also in scope; a link to a duplicate is a link to its original.
-- An answer, and a link to an answered original, also answers the duplicates it reaches
-- (pakn_answer_duplicate): each such answer is signed by the service over its own
-- feedback's id, which only the C side can do, so when p_signatures ({"<id>": signature,
-- made over p_answered_at and p_key_id}) lacks one, nothing is written and the reply is
-- {"status": "sign", "answers": [{"id", "text"}]}: the caller signs those and calls again.
-- Returns {"status": ok | not_found | conflict | no_publish_consent | unknown_agency |
-- unknown_official | has_duplicates | sign, "state": …, and with ok "log" and
-- "duplicates_answered": [{"id", "state"}] (only when some were)}.
CREATE OR REPLACE FUNCTION pakn_moderate(p_official integer, p_role text, p_feedback bigint,
                                         p_action text, p_from text[], p_to text,
                                         p_reason text, p_note text, p_agency text,
                                         p_text text, p_answered_at timestamptz,
                                         p_key_id text, p_signature text,
                                         p_assignee text, p_of bigint DEFAULT NULL,
                                         p_signatures json DEFAULT NULL) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    f      feedback;
    cur    text;
    nxt    text;
    agency integer;
    who    integer;
    orig   bigint;
    need   json;
    d      json;
    done   jsonb := '[]';
    reason text := CASE WHEN p_action = 'forward' THEN p_agency ELSE p_reason END;
BEGIN
    IF p_action = 'link_duplicate' THEN
        -- A link to a duplicate goes to its original. The original is locked first, then the
        -- two rows in id order: the order an answer takes (the original, then its
        -- duplicates), so that a link and an answer at once wait for each other instead of
        -- deadlocking. Should the original have changed before its lock, again.
        LOOP
            orig := coalesce((SELECT original_id FROM feedback_duplicate
                              WHERE feedback_id = p_of), p_of);
            PERFORM 1 FROM feedback WHERE id = orig FOR UPDATE;
            PERFORM 1 FROM feedback WHERE id IN (p_feedback, p_of) AND id <> orig
            ORDER BY id FOR UPDATE;
            EXIT WHEN orig = coalesce((SELECT original_id FROM feedback_duplicate
                                       WHERE feedback_id = p_of), p_of);
        END LOOP;
    END IF;
    IF NOT pakn_in_scope(p_official, p_feedback)
       OR (p_action = 'link_duplicate'
           AND NOT (pakn_in_scope(p_official, p_of) AND pakn_in_scope(p_official, orig))) THEN
        PERFORM pakn_audit(p_official, p_role,
                           (SELECT id FROM feedback WHERE id = p_feedback),
                           'denied', p_action, CASE WHEN p_of IS NOT NULL THEN 'of ' || p_of END,
                           NULL, NULL);
        RETURN json_build_object('status', 'not_found');
    END IF;
    SELECT * INTO f FROM feedback WHERE id = p_feedback FOR UPDATE;
    cur := f.state;
    -- Publishing again is for a hidden feedback; an answered one is published once.
    IF NOT cur = ANY (p_from)
       OR (p_action = 'publish' AND cur <> 'hidden' AND f.published_at IS NOT NULL) THEN
        RETURN json_build_object('status', 'conflict', 'state', cur);
    END IF;
    IF p_action = 'publish' AND NOT f.consent_publish THEN
        RETURN json_build_object('status', 'no_publish_consent', 'state', cur);
    END IF;
    nxt := coalesce(p_to, cur);
    -- One answer per feedback; a hidden feedback that had one comes back as answered.
    IF EXISTS (SELECT 1 FROM feedback_response WHERE feedback_id = p_feedback) THEN
        IF p_action = 'answer' THEN
            RETURN json_build_object('status', 'conflict', 'state', cur);
        END IF;
        IF p_action = 'publish' THEN
            nxt := 'answered';
        END IF;
    END IF;
    IF p_action = 'link_duplicate' THEN
        -- Not to itself, not twice, not to a rejected one (nothing will answer it), and
        -- no chains: one that has duplicates is an original.
        IF orig = p_feedback
           OR EXISTS (SELECT 1 FROM feedback_duplicate WHERE feedback_id = p_feedback)
           OR (SELECT state FROM feedback WHERE id = orig) = 'rejected' THEN
            RETURN json_build_object('status', 'conflict', 'state', cur);
        END IF;
        IF EXISTS (SELECT 1 FROM feedback_duplicate WHERE original_id = p_feedback) THEN
            RETURN json_build_object('status', 'has_duplicates', 'state', cur);
        END IF;
        -- An answered original answers the new duplicate at once, unless it has its own.
        SELECT json_agg(json_build_object('id', p_feedback, 'text', r.text)) INTO need
        FROM feedback_response r
        WHERE r.feedback_id = orig
          AND NOT EXISTS (SELECT 1 FROM feedback_response WHERE feedback_id = p_feedback);
    ELSIF p_action = 'unlink_duplicate' THEN
        SELECT original_id INTO orig FROM feedback_duplicate WHERE feedback_id = p_feedback;
        IF orig IS NULL THEN
            RETURN json_build_object('status', 'conflict', 'state', cur);
        END IF;
    ELSIF p_action = 'answer' THEN
        -- Its open duplicates without an answer, locked until the end: linking locks the
        -- original first, so none can join or leave meanwhile.
        SELECT json_agg(json_build_object('id', x.id, 'text', p_text) ORDER BY x.id) INTO need
        FROM (SELECT x.id FROM feedback x JOIN feedback_duplicate l ON l.feedback_id = x.id
              WHERE l.original_id = p_feedback
                AND x.state IN ('received', 'published', 'hidden')
                AND NOT EXISTS (SELECT 1 FROM feedback_response r WHERE r.feedback_id = x.id)
              ORDER BY x.id FOR UPDATE OF x) x;
    END IF;
    IF EXISTS (SELECT 1 FROM json_array_elements(need) n
               WHERE p_signatures->>(n->>'id') IS NULL) THEN
        RETURN json_build_object('status', 'sign', 'state', cur, 'answers', need);
    END IF;
    IF p_action = 'forward' THEN
        SELECT id INTO agency FROM agency WHERE code = p_agency;
        IF agency IS NULL THEN
            RETURN json_build_object('status', 'unknown_agency', 'state', cur);
        END IF;
        INSERT INTO feedback_forward (feedback_id, agency_id) VALUES (p_feedback, agency)
        ON CONFLICT DO NOTHING;
    ELSIF p_action = 'assign' THEN
        -- Someone who can act on it: an official of an agency that has it in scope.
        SELECT id INTO who FROM official WHERE username = p_assignee;
        IF who IS NULL OR NOT pakn_in_scope(who, p_feedback) THEN
            RETURN json_build_object('status', 'unknown_official', 'state', cur);
        END IF;
        UPDATE feedback SET assigned_to = who WHERE id = p_feedback;
        reason := p_assignee;
    ELSIF p_action = 'unassign' THEN
        IF f.assigned_to IS NULL THEN
            RETURN json_build_object('status', 'conflict', 'state', cur);
        END IF;
        UPDATE feedback SET assigned_to = NULL WHERE id = p_feedback;
        reason := (SELECT username FROM official WHERE id = f.assigned_to);
    ELSIF p_action = 'answer' THEN
        INSERT INTO feedback_response (feedback_id, official_id, text, answered_at, key_id,
                                       signature)
        VALUES (p_feedback, p_official, p_text, p_answered_at, p_key_id, p_signature);
    ELSIF p_action = 'link_duplicate' THEN
        INSERT INTO feedback_duplicate (feedback_id, original_id, official_id)
        VALUES (p_feedback, orig, p_official);
        reason := orig::text;
    ELSIF p_action = 'unlink_duplicate' THEN
        DELETE FROM feedback_duplicate WHERE feedback_id = p_feedback;
        reason := orig::text;
    END IF;
    UPDATE feedback
    SET state = nxt,
        published_at = CASE WHEN p_action = 'publish' THEN coalesce(published_at, now())
                            ELSE published_at END
    WHERE id = p_feedback;
    IF nxt <> cur THEN
        INSERT INTO feedback_event (feedback_id, from_state, to_state, public_note)
        VALUES (p_feedback, cur, nxt, CASE WHEN p_action = 'reject' THEN p_reason END);
    END IF;
    PERFORM pakn_audit(p_official, p_role, p_feedback, p_action, reason, p_note, cur, nxt);
    -- After the action's own event, so that its log entry is the one the reply proves.
    FOR d IN SELECT * FROM json_array_elements(need) LOOP
        done := done || jsonb_build_object('id', (d->>'id')::bigint, 'state',
            pakn_answer_duplicate(p_official, p_role, (d->>'id')::bigint,
                                  CASE WHEN p_action = 'answer' THEN p_feedback ELSE orig END,
                                  d->>'text', p_answered_at, p_key_id,
                                  p_signatures->>(d->>'id')));
    END LOOP;
    -- An action that entered the log: the head the service signs (pakn_tlog_event).
    RETURN (jsonb_build_object('status', 'ok', 'state', nxt,
                               'log', nullif(current_setting('pakn.tlog_head', true), '')::jsonb)
            || CASE WHEN need IS NOT NULL THEN jsonb_build_object('duplicates_answered', done)
                    ELSE '{}' END)::json;
END
$$;

-- Gives duplicate p_feedback the answer of its original p_via (pakn_moderate, under the
-- rows' locks): its own signed answer (the original's author and text, p_via noted), its
-- own audit event "answer" (reason: the original's id) and so its own log entry. A hidden
-- duplicate keeps its state, as one hidden after its answer does: the answer is on its
-- submitter's tracking page, and publishing it again shows it. Returns the new state.
CREATE OR REPLACE FUNCTION pakn_answer_duplicate(p_official integer, p_role text,
                                                 p_feedback bigint, p_via bigint, p_text text,
                                                 p_answered_at timestamptz, p_key_id text,
                                                 p_signature text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    cur text := (SELECT state FROM feedback WHERE id = p_feedback);
    nxt text := CASE WHEN cur = 'hidden' THEN 'hidden' ELSE 'answered' END;
BEGIN
    INSERT INTO feedback_response (feedback_id, official_id, text, answered_at, key_id,
                                   signature, via)
    VALUES (p_feedback,
            coalesce((SELECT official_id FROM feedback_response WHERE feedback_id = p_via),
                     p_official),
            p_text, p_answered_at, p_key_id, p_signature, p_via);
    IF nxt <> cur THEN
        UPDATE feedback SET state = nxt WHERE id = p_feedback;
        INSERT INTO feedback_event (feedback_id, from_state, to_state)
        VALUES (p_feedback, cur, nxt);
    END IF;
    PERFORM pakn_audit(p_official, p_role, p_feedback, 'answer', p_via::text, NULL, cur, nxt);
    RETURN nxt;
END
$$;

-- The actions of one request, in order, all or none (docs/moderation.md: publish_answer is
-- publish, then answer). p_steps is [{"action", "role", "from": "{states}", "to"}], from the C
-- side's transition table; each step is one pakn_moderate, so each is audited and enters
-- the log on its own, as its own role. When a step after the first is refused, the earlier
-- ones are undone (the block's subtransaction) and the refusal is the reply; the first
-- step's refusal is returned as it is (out of scope, its denial stays in the trail). Returns
-- the last step's reply, its "log" the head proving every step's entry from "start" on, and
-- with more than one step "steps": [{"action", "state"}].
CREATE OR REPLACE FUNCTION pakn_moderate_steps(p_official integer, p_feedback bigint,
                                               p_steps json, p_reason text, p_note text,
                                               p_agency text, p_text text,
                                               p_answered_at timestamptz, p_key_id text,
                                               p_signature text, p_assignee text,
                                               p_of bigint DEFAULT NULL,
                                               p_signatures json DEFAULT NULL) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    s     json;
    r     json;
    n     integer := 0;
    steps jsonb := '[]';
BEGIN
    BEGIN
        FOR s IN SELECT * FROM json_array_elements(p_steps) LOOP
            r := pakn_moderate(p_official, s->>'role', p_feedback, s->>'action',
                               (s->>'from')::text[], s->>'to',
                               p_reason, p_note, p_agency, p_text, p_answered_at, p_key_id,
                               p_signature, p_assignee, p_of, p_signatures);
            IF r->>'status' <> 'ok' THEN
                IF n = 0 THEN
                    RETURN r;
                END IF;
                RAISE EXCEPTION 'step refused' USING ERRCODE = 'P5701';
            END IF;
            n := n + 1;
            steps := steps || jsonb_build_object('action', s->>'action', 'state', r->>'state');
        END LOOP;
    EXCEPTION WHEN SQLSTATE 'P5701' THEN
        RETURN r;
    END;
    IF n > 1 THEN
        r := (r::jsonb || jsonb_build_object('steps', steps))::json;
    END IF;
    RETURN r;
END
$$;

-- Makes feedback_day's row for p_day cover log indexes p_first to p_last.
CREATE OR REPLACE FUNCTION pakn_day_widen(p_day date, p_first bigint, p_last bigint)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO feedback_day AS d (day, first_index, last_index) VALUES (p_day, p_first, p_last)
    ON CONFLICT (day) DO UPDATE SET first_index = least(d.first_index, EXCLUDED.first_index),
                                    last_index = greatest(d.last_index, EXCLUDED.last_index)
$$;

-- A feedback's received time changed (never by the service; by hand, or a test's fixture):
-- its new day must cover it too, or a search by date would not find it.
CREATE OR REPLACE FUNCTION pakn_feedback_day_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pakn_day_widen(pakn_local_day(NEW.created_at), NEW.log_index, NEW.log_index);
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER feedback_day_moved AFTER UPDATE OF created_at ON feedback
    FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION pakn_feedback_day_moved();

-- Folds the text of the feedback committed since the last fold into feedback_search, and
-- widens feedback_day to their log indexes (026_search_apart.sql), so that intake never
-- does. Called each second by the checkpointer's job and by every search by text or date
-- before it looks (pakn_queue), so a search finds what was stored before it (but for the
-- rows that a fold under way at that moment is folding, at most a second or so of intake:
-- they appear when it commits; nobody waits for a fold). Intake stores rows with log indexes taken under tlog_state's row lock, so every index below the size is
-- committed (sql/functions/rollups.sql); the moderation events that share the index space
-- are simply not found. Returns the rows folded; 0 on a replica, which cannot write (the
-- primary's rows reach it folded).
CREATE OR REPLACE FUNCTION pakn_search_fold() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    from_ix bigint;
    to_ix   bigint;
    n       bigint;
    days    bigint;
BEGIN
    IF pg_is_in_recovery() OR current_setting('transaction_read_only')::boolean THEN
        RETURN 0;
    END IF;
    -- Without a lock first: a search with nothing to fold writes nothing.
    SELECT s.folded, t.size INTO from_ix, to_ix FROM search_state s, tlog_state t;
    IF from_ix >= to_ix THEN
        RETURN 0;
    END IF;
    -- Another fold under way (the job's, or another search's) is folding these rows: a
    -- search does not wait for it, and finds them when it commits.
    SELECT folded INTO from_ix FROM search_state WHERE one FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    SELECT size INTO to_ix FROM tlog_state WHERE one;
    IF from_ix >= to_ix THEN
        RETURN 0;
    END IF;
    -- The new rows read once, for their texts and their days.
    WITH new AS MATERIALIZED (
        SELECT id, body, log_index, pakn_local_day(created_at) AS day FROM feedback
        WHERE log_index >= from_ix AND log_index < to_ix),
    folded AS (
        INSERT INTO feedback_search (feedback_id, body_folded)
        SELECT id, pakn_fold(body) FROM new),
    widened AS (
        SELECT pakn_day_widen(day, min(log_index), max(log_index)) FROM new GROUP BY day)
    SELECT (SELECT count(*) FROM new), (SELECT count(*) FROM widened) INTO n, days;
    UPDATE search_state SET folded = to_ix WHERE one;
    RETURN n;
END
$$;

-- The work list of one official (docs/moderation.md, "Search and filters"): feedback in
-- scope, oldest first (log index: commit order; ids come in blocks per worker and are not in
-- time order), after the cursor (a log index, so a page never moves when feedback arrives),
-- filtered. p_q is looked for in the folded body (feedback_search, 026_search_apart.sql) as a
-- substring,
-- its % _ \ taken literally; the trigram index serves it. The statement is built from the
-- filters given, so each search is planned with its own values: one static statement would
-- be one plan for every combination. Scope is pakn_in_scope's (the items of the official's
-- agencies, and what was forwarded to one), as two sets rather than a call per row.
-- p_assigned: only the feedback assigned to that official ("my queue").
CREATE OR REPLACE FUNCTION pakn_queue(p_official integer, p_state text, p_agency text,
                                      p_item text, p_kind text, p_rating_min integer,
                                      p_rating_max integer, p_from date, p_to date,
                                      p_q text, p_plan text, p_overdue boolean,
                                      p_after bigint, p_limit integer, p_assigned integer)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    cond text := '';
    r    json;
BEGIN
    IF p_state IS NOT NULL THEN cond := cond || ' AND f.state = $2'; END IF;
    IF p_item IS NOT NULL THEN
        cond := cond || ' AND f.item_id = (SELECT id FROM plan_item WHERE code = $4)';
    END IF;
    IF p_plan IS NOT NULL THEN
        cond := cond || ' AND f.item_id IN (SELECT i.id FROM plan_item i JOIN plan p'
                     || ' ON p.id = i.plan_id WHERE p.code = $11)';
    END IF;
    IF p_kind IS NOT NULL THEN cond := cond || ' AND f.kind = $5'; END IF;
    IF p_rating_min IS NOT NULL THEN cond := cond || ' AND f.rating >= $6'; END IF;
    IF p_rating_max IS NOT NULL THEN cond := cond || ' AND f.rating <= $7'; END IF;
    IF p_q IS NOT NULL OR p_from IS NOT NULL OR p_to IS NOT NULL THEN
        PERFORM pakn_search_fold();
    END IF;
    -- Dates also bound the log indexes (feedback_day), so the walk in log order starts and
    -- ends with those days' stretch; no day in range, no row.
    IF p_from IS NOT NULL THEN
        cond := cond || ' AND f.created_at >= pakn_day_start($8) AND f.log_index >= coalesce(
                 (SELECT min(d.first_index) FROM feedback_day d WHERE d.day >= $8),
                 9223372036854775807)';
    END IF;
    IF p_to IS NOT NULL THEN
        cond := cond || ' AND f.created_at < pakn_day_start($9 + 1) AND f.log_index <= coalesce(
                 (SELECT max(d.last_index) FROM feedback_day d WHERE d.day <= $9), -1)';
    END IF;
    IF p_q IS NOT NULL THEN
        cond := cond || $c$ AND f.id IN (SELECT s.feedback_id FROM feedback_search s
                 WHERE s.body_folded LIKE '%' || replace(replace(replace(
                 pakn_fold(normalize($10, NFC)), '\', '\\'), '%', '\%'), '_', '\_') || '%')$c$;
    END IF;
    IF p_overdue IS NOT NULL THEN
        -- Still open past a deadline: not acted on by its action deadline, or not answered
        -- by its answer deadline (docs/metrics.md).
        cond := cond || CASE WHEN p_overdue THEN ' AND ' ELSE ' AND NOT ' END
                     || $c$(f.state IN ('received', 'published', 'hidden') AND
                           ((f.first_action_at IS NULL AND f.due_action < $12)
                            OR f.due_answer < $12))$c$;
    END IF;
    IF p_after IS NOT NULL THEN cond := cond || ' AND f.log_index > $13'; END IF;
    IF p_assigned IS NOT NULL THEN cond := cond || ' AND f.assigned_to = $15'; END IF;
    IF p_agency IS NOT NULL THEN
        cond := cond || $c$ AND (f.item_id IN (SELECT x.item_id FROM plan_item_agency x
                                               JOIN agency a ON a.id = x.agency_id
                                               WHERE a.code = $3)
                                 OR f.id IN (SELECT w.feedback_id FROM feedback_forward w
                                             JOIN agency a ON a.id = w.agency_id
                                             WHERE a.code = $3))$c$;
    END IF;
    EXECUTE format($q$
        WITH mine AS (
            SELECT oa.agency_id
            FROM official o JOIN official_agency oa ON oa.official_id = o.id
            WHERE o.id = $1 AND NOT o.disabled
              AND o.roles && ARRAY['moderator', 'responder']::text[]),
        page AS (
            SELECT f.id, f.log_index, f.tracking_code, f.state, it.code AS item_code, f.kind,
                   f.rating, f.body, f.created_at, f.consent_publish, f.consent_contact,
                   -- The item in words for the console (docs/moderation.md, "The queue").
                   it.title AS item_title, it.kind AS item_kind, it.scope AS item_scope,
                   (SELECT s.title FROM plan_section s WHERE s.id = it.section_id)
                       AS section_title,
                   pl.code AS plan_code, pl.title AS plan_title,
                   (f.state IN ('received', 'published', 'hidden') AND
                    ((f.first_action_at IS NULL AND f.due_action < $12)
                     OR f.due_answer < $12)) AS overdue,
                   f.published_at, f.personal_enc IS NOT NULL AS has_contact,
                   (SELECT o.username FROM official o WHERE o.id = f.assigned_to)
                       AS assigned_to,
                   f.due_action, f.due_answer, f.escalated_step, f.escalated_at,
                   f.channel, f.received_on
            FROM feedback f
            JOIN plan_item it ON it.id = f.item_id
            JOIN plan pl ON pl.id = it.plan_id
            WHERE (f.item_id IN (SELECT x.item_id FROM plan_item_agency x
                                 WHERE x.agency_id IN (SELECT agency_id FROM mine))
                   OR f.id IN (SELECT w.feedback_id FROM feedback_forward w
                               WHERE w.agency_id IN (SELECT agency_id FROM mine)))
              %s
            ORDER BY f.log_index
            LIMIT $14)
        SELECT json_build_object(
            'items', coalesce((SELECT json_agg(x ORDER BY x.log_index)
                               FROM (SELECT page.*, d.*, pakn_similar_count(page.id) AS similar
                                     FROM page, pakn_duplicate_of(page.id) d) x), '[]'),
            'next_cursor', CASE WHEN (SELECT count(*) FROM page) = $14
                                THEN (SELECT max(log_index)::text FROM page) END)
        $q$, cond)
    INTO r
    USING p_official, p_state, p_agency, p_item, p_kind, p_rating_min, p_rating_max,
          p_from, p_to, p_q, p_plan, pakn_local_day(now()),
          p_after, p_limit, p_assigned;
    RETURN r;
END
$$;

-- The feedback whose deadline has passed without its step, for one official: a moderator
-- or responder sees those in scope, an admin those on the items of their agencies (or
-- forwarded to them) without the text, so that they can see who is late. In log order, at
-- most p_limit, after the cursor (a log index).
-- Returns {"as_of", "items": [{…, "late": "action" | "answer", "escalated_step",
-- "escalated_at", "assigned_to"}], "next_cursor"}.
CREATE OR REPLACE FUNCTION pakn_overdue(p_official integer, p_after bigint, p_limit integer)
RETURNS json LANGUAGE sql STABLE AS $$
    WITH me AS (
        SELECT o.id, 'admin' = ANY (o.roles) AS admin,
               o.roles && ARRAY['moderator', 'responder']::text[] AS handles
        FROM official o WHERE o.id = p_official AND NOT o.disabled
    ), page AS (
        SELECT f.id, f.log_index, f.tracking_code, f.state, it.code AS item_code, f.kind,
               f.created_at, f.due_action, f.due_answer,
               CASE WHEN f.due_answer < pakn_local_day(now())
                         AND f.state IN ('received', 'published', 'hidden') THEN 'answer'
                    ELSE 'action' END AS late,
               f.escalated_step, f.escalated_at,
               (SELECT o.username FROM official o WHERE o.id = f.assigned_to) AS assigned_to
        FROM feedback f
        JOIN plan_item it ON it.id = f.item_id, me
        WHERE ((f.first_action_at IS NULL AND f.due_action < pakn_local_day(now()))
               OR (f.state IN ('received', 'published', 'hidden')
                   AND f.due_answer < pakn_local_day(now())))
          AND (p_after IS NULL OR f.log_index > p_after)
          AND ((me.handles AND pakn_in_scope(p_official, f.id))
               OR (me.admin AND EXISTS (
                       SELECT 1 FROM official_agency oa
                       WHERE oa.official_id = p_official
                         AND (EXISTS (SELECT 1 FROM plan_item_agency x
                                      WHERE x.item_id = f.item_id AND x.agency_id = oa.agency_id)
                              OR EXISTS (SELECT 1 FROM feedback_forward w
                                         WHERE w.feedback_id = f.id
                                           AND w.agency_id = oa.agency_id)))))
        ORDER BY f.log_index
        LIMIT p_limit)
    SELECT json_build_object(
        'as_of', pakn_local_day(now()),
        'items', coalesce((SELECT json_agg(page ORDER BY log_index) FROM page), '[]'),
        'next_cursor', CASE WHEN (SELECT count(*) FROM page) = p_limit
                            THEN (SELECT max(log_index)::text FROM page) END)
$$;

-- The audit trail of one feedback, for an official in scope; NULL (and a "denied" event)
-- otherwise.
CREATE OR REPLACE FUNCTION pakn_history(p_official integer, p_role text, p_feedback bigint)
RETURNS json LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pakn_in_scope(p_official, p_feedback) THEN
        PERFORM pakn_audit(p_official, p_role, (SELECT id FROM feedback WHERE id = p_feedback),
                           'denied', 'history', NULL, NULL, NULL);
        RETURN NULL;
    END IF;
    RETURN json_build_object(
        'feedback_id', p_feedback,
        -- The answer as given, so that the console shows it beside the history.
        'answer', (SELECT json_build_object('text', r.text, 'answered_at', r.answered_at,
                                            'official', o.username)
                   FROM feedback_response r LEFT JOIN official o ON o.id = r.official_id
                   WHERE r.feedback_id = p_feedback),
        'events', coalesce((SELECT json_agg(json_build_object(
                      'id', e.id, 'at', e.at, 'official', o.username, 'role', e.role,
                      'action', e.action, 'reason', e.reason, 'note', e.note,
                      'from_state', e.from_state, 'to_state', e.to_state, 'hash', e.hash,
                      -- an answer given because the original was answered (its id)
                      'via', CASE WHEN e.action = 'answer' AND e.reason ~ '^[0-9]+$'
                                  THEN e.reason::bigint END)
                      ORDER BY e.id)
                   FROM moderation_event e LEFT JOIN official o ON o.id = e.official_id
                   WHERE e.feedback_id = p_feedback), '[]'));
END
$$;

-- Contact details for an official in scope, only with the submitter's consent; every
-- attempt is audited. Returns {"status": ok | not_found | no_consent, "personal_enc": …}.
CREATE OR REPLACE FUNCTION pakn_contact(p_official integer, p_role text, p_feedback bigint)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    f feedback;
BEGIN
    IF NOT pakn_in_scope(p_official, p_feedback) THEN
        PERFORM pakn_audit(p_official, p_role, (SELECT id FROM feedback WHERE id = p_feedback),
                           'denied', 'contact', NULL, NULL, NULL);
        RETURN json_build_object('status', 'not_found');
    END IF;
    SELECT * INTO f FROM feedback WHERE id = p_feedback;
    IF NOT f.consent_contact OR f.personal_enc IS NULL THEN
        PERFORM pakn_audit(p_official, p_role, p_feedback, 'contact_refused',
                           CASE WHEN f.consent_contact THEN 'none_given' ELSE 'no_consent' END,
                           NULL, f.state, f.state);
        RETURN json_build_object('status', 'no_consent');
    END IF;
    PERFORM pakn_audit(p_official, p_role, p_feedback, 'contact_read', NULL, NULL, f.state, f.state);
    RETURN json_build_object('status', 'ok', 'personal_enc', encode(f.personal_enc, 'base64'));
END
$$;

-- Feedback on items that list one of the agencies (lead or coordinating) or forwarded to
-- one of them: pakn_in_scope's rule read from the agencies to the rows, so that a narrow
-- scope is found through indexes (plan_item_agency_agency_idx, feedback_item_idx,
-- feedback_forward_agency_idx) instead of by testing every row, and a wide one (a fifth of
-- the table) by one scan. Each row once: a forwarded one only if its item is not listed.
CREATE OR REPLACE FUNCTION pakn_agency_feedback(p_agencies integer[]) RETURNS SETOF feedback
LANGUAGE sql STABLE AS $$
    SELECT f.* FROM feedback f
    WHERE f.item_id IN (SELECT x.item_id FROM plan_item_agency x WHERE x.agency_id = ANY (p_agencies))
    UNION ALL
    SELECT f.* FROM feedback f
    WHERE f.id IN (SELECT w.feedback_id FROM feedback_forward w WHERE w.agency_id = ANY (p_agencies))
      AND f.item_id NOT IN (SELECT x.item_id FROM plan_item_agency x
                            WHERE x.agency_id = ANY (p_agencies))
$$;

-- The export of one official (docs/moderation.md, "Export"): the feedback in scope that
-- the queue's filters select, oldest first (log index), at most p_limit + 1 rows (the one
-- more tells the caller the cap was reached; it sends p_limit). personal_enc (base64) only
-- when p_contact and the submitter consented to be contacted, as pakn_contact; the caller
-- decrypts it and never sends it as it is. Appends one 'export' event to the audit trail in
-- the same transaction: reason with_contact or without_contact, note p_note followed by the
-- rows sent and whether the cap cut them. The page is chosen on (id, log index) alone, so
-- its sort holds two numbers a row (in memory), and only its rows are read whole. JIT off:
-- compiling this plan cost more (2.3 s at 1,000,000 rows) than running it.
CREATE OR REPLACE FUNCTION pakn_export(p_official integer, p_role text, p_state text,
                                       p_agency text, p_item text, p_kind text,
                                       p_rating integer, p_from date, p_to date,
                                       p_limit integer, p_contact boolean, p_note text)
RETURNS TABLE (id bigint, tracking_code text, plan text, item_code text, item_title text,
               kind text, rating integer, state text, received_at text, agency text,
               body text, answer text, answered_at text, answered_by text,
               personal_enc text)
LANGUAGE plpgsql SET jit = off AS $$
#variable_conflict use_column
DECLARE
    mine    integer[] := ARRAY(SELECT oa.agency_id FROM official o
                               JOIN official_agency oa ON oa.official_id = o.id
                               WHERE o.id = p_official AND NOT o.disabled
                                 AND o.roles && ARRAY['moderator', 'responder']::text[]);
    chosen  integer[] := ARRAY(SELECT a.id FROM agency a WHERE a.code = p_agency);
    item    integer := (SELECT it.id FROM plan_item it WHERE it.code = p_item);
    n       bigint;
BEGIN
    RETURN QUERY
    WITH page AS MATERIALIZED (
        SELECT f.id, f.log_index
        FROM pakn_agency_feedback(mine) f
        WHERE (p_state IS NULL OR f.state = p_state)
          AND (p_item IS NULL OR f.item_id = item)
          AND (p_kind IS NULL OR f.kind = p_kind)
          AND (p_rating IS NULL OR f.rating = p_rating)
          AND (p_from IS NULL OR f.created_at >= pakn_day_start(p_from))
          AND (p_to IS NULL OR f.created_at < pakn_day_start(p_to + 1))
          AND (p_agency IS NULL OR f.id IN (SELECT c.id FROM pakn_agency_feedback(chosen) c))
        ORDER BY f.log_index
        LIMIT p_limit + 1),
    lead AS (
        SELECT x.item_id, string_agg(a.code, ' ' ORDER BY x.position) AS codes
        FROM plan_item_agency x JOIN agency a ON a.id = x.agency_id
        WHERE x.role IN ('lead', 'plan_default') -- who answers it (catalog.md)
        GROUP BY x.item_id)
    SELECT f.id, f.tracking_code, p.code, it.code, it.title, f.kind, f.rating::integer,
           f.state, pakn_utc_text(f.created_at), lead.codes,
           f.body, r.text, pakn_utc_text(r.answered_at), ro.username,
           CASE WHEN p_contact AND f.consent_contact THEN encode(f.personal_enc, 'base64') END
    FROM page
    JOIN feedback f ON f.id = page.id
    JOIN plan_item it ON it.id = f.item_id
    JOIN plan p ON p.id = it.plan_id
    LEFT JOIN lead ON lead.item_id = it.id
    LEFT JOIN feedback_response r ON r.feedback_id = f.id
    LEFT JOIN official ro ON ro.id = r.official_id
    ORDER BY page.log_index;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM pakn_audit(p_official, p_role, NULL, 'export',
                       CASE WHEN p_contact THEN 'with_contact' ELSE 'without_contact' END,
                       concat_ws(' ', p_note, 'rows=' || least(n, p_limit),
                                 CASE WHEN n > p_limit THEN 'truncated' END),
                       NULL, NULL);
END
$$;

-- --- Duplicates and similar feedback (docs/moderation.md, "Duplicates"; tables:
-- 029_duplicates.sql) ---------------------------------------------------------------------

-- The feedback most like p_feedback, found for it after intake: on the same item, stored
-- before it (log order) and at most 90 days earlier, of those the 500 nearest in time, with
-- trigram similarity (pg_trgm) of the folded texts of at least 0.4, most similar first, at
-- most p_limit. The only reader of the folded text for this, so that it changes in one
-- place. The item's index (feedback_item_idx) finds the candidates and their number is
-- bounded, so a busy item costs at most 500 comparisons; the trigram index is no help
-- here: "similar" has to read the long lists of trigrams that every text has.
-- 0.4: in tests/integration/test_duplicates.c the same words in another order, case or
-- without diacritics score 1.00, the same complaint in other words 0.50, a different
-- complaint about the same item 0.16.
CREATE OR REPLACE FUNCTION pakn_similar(p_feedback bigint, p_limit integer)
RETURNS TABLE (id bigint, similarity real)
LANGUAGE sql STABLE AS $$
    SELECT c.id, similarity(c.body_folded, t.body_folded) AS s
    FROM feedback f
    JOIN feedback_search t ON t.feedback_id = f.id,
         LATERAL (SELECT o.id, os.body_folded FROM feedback o
                  JOIN feedback_search os ON os.feedback_id = o.id
                  WHERE o.item_id = f.item_id AND o.created_at <= f.created_at
                    AND o.created_at > f.created_at - interval '90 days'
                    AND o.log_index < f.log_index
                  ORDER BY o.created_at DESC
                  LIMIT 500) c
    WHERE f.id = p_feedback AND similarity(c.body_folded, t.body_folded) >= 0.4
    ORDER BY s DESC, c.id
    LIMIT p_limit
$$;

-- Finds the similar feedback of the feedback stored since the last pass, at most p_limit of
-- them in log order, into feedback_similar (20 each at most). Each second from the
-- checkpointer (server/tlog/tlog_publish.c) on its own connection, never in the intake
-- transaction. Two services on one database: the second skips the pass. Does nothing on a
-- replica or in a read-only transaction. Returns how many feedback it looked at. It runs
-- after pakn_search_fold, in a transaction of its own, and stops at the first feedback whose
-- folded text is not there yet. At most p_limit (50) a second: a burst above that rate is
-- caught up in the seconds after it.
CREATE OR REPLACE FUNCTION pakn_similar_scan(p_limit integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    mark bigint;
    f    record;
    n    integer := 0;
BEGIN
    IF pg_is_in_recovery() OR current_setting('transaction_read_only')::boolean THEN
        RETURN 0;
    END IF;
    SELECT after INTO mark FROM similar_scan WHERE one FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    -- Only what pakn_search_fold has folded: the texts it compares are there.
    FOR f IN SELECT x.id, x.log_index FROM feedback x
             WHERE x.log_index > mark AND x.log_index < (SELECT folded FROM search_state)
             ORDER BY x.log_index LIMIT p_limit LOOP
        INSERT INTO feedback_similar (feedback_id, other_id, similarity)
        SELECT f.id, s.id, s.similarity FROM pakn_similar(f.id, 20) s
        ON CONFLICT DO NOTHING;
        mark := f.log_index;
        n := n + 1;
    END LOOP;
    IF n > 0 THEN
        UPDATE similar_scan SET after = mark WHERE one;
    END IF;
    RETURN n;
END
$$;

-- How many feedback were found similar to p_feedback, either way (the queue's "similar").
CREATE OR REPLACE FUNCTION pakn_similar_count(p_feedback bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT (SELECT count(*) FROM feedback_similar WHERE feedback_id = p_feedback)
         + (SELECT count(*) FROM feedback_similar WHERE other_id = p_feedback)
$$;

-- A queue row's links: the original it duplicates (or NULL) and how many duplicate it.
CREATE OR REPLACE FUNCTION pakn_duplicate_of(p_feedback bigint)
RETURNS TABLE (duplicate_of bigint, duplicates bigint)
LANGUAGE sql STABLE AS $$
    SELECT (SELECT original_id FROM feedback_duplicate WHERE feedback_id = p_feedback),
           (SELECT count(*) FROM feedback_duplicate WHERE original_id = p_feedback)
$$;

-- GET /api/v1/moderation/{id}/similar: the feedback found similar to p_feedback that the
-- official has in scope, most similar first, at most 20, then those linked to it or that
-- it is linked to (their similarity as the pair was found, or computed now from the texts
-- when it was not). NULL (and a "denied" event) when p_feedback is out of scope.
CREATE OR REPLACE FUNCTION pakn_similar_list(p_official integer, p_role text,
                                             p_feedback bigint) RETURNS json
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pakn_in_scope(p_official, p_feedback) THEN
        PERFORM pakn_audit(p_official, p_role, (SELECT id FROM feedback WHERE id = p_feedback),
                           'denied', 'similar', NULL, NULL, NULL);
        RETURN NULL;
    END IF;
    RETURN json_build_object('items', coalesce((
        WITH found AS (
            SELECT other_id AS id, similarity FROM feedback_similar WHERE feedback_id = p_feedback
            UNION ALL
            SELECT feedback_id, similarity FROM feedback_similar WHERE other_id = p_feedback),
        top AS (
            SELECT id, similarity FROM found WHERE pakn_in_scope(p_official, id)
            ORDER BY similarity DESC, id LIMIT 20),
        linked AS (
            SELECT original_id AS id FROM feedback_duplicate WHERE feedback_id = p_feedback
            UNION
            SELECT feedback_id FROM feedback_duplicate WHERE original_id = p_feedback),
        rows AS (
            SELECT id, similarity, 0 AS part FROM top
            UNION ALL
            SELECT l.id, coalesce((SELECT max(similarity) FROM found WHERE found.id = l.id),
                                  (SELECT similarity(pakn_fold(a.body), pakn_fold(b.body))
                                   FROM feedback a, feedback b
                                   WHERE a.id = l.id AND b.id = p_feedback)), 1
            FROM linked l
            WHERE l.id NOT IN (SELECT id FROM top) AND pakn_in_scope(p_official, l.id))
        SELECT json_agg(json_build_object(
                   'id', f.id, 'tracking_code', f.tracking_code, 'state', f.state,
                   'kind', f.kind, 'rating', f.rating, 'body', f.body,
                   'created_at', f.created_at,
                   'similarity', round(r.similarity::numeric, 3),
                   'duplicate_of', (SELECT original_id FROM feedback_duplicate
                                    WHERE feedback_id = f.id))
                   ORDER BY r.part, r.similarity DESC, f.id)
        FROM rows r JOIN feedback f ON f.id = r.id), '[]'));
END
$$;
