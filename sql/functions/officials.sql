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
-- takes an official who has the feedback in scope (p_assignee, a username). Returns
-- {"status": ok | not_found | conflict | no_publish_consent | unknown_agency |
-- unknown_official, "state": …}.
CREATE OR REPLACE FUNCTION pakn_moderate(p_official integer, p_role text, p_feedback bigint,
                                         p_action text, p_from text[], p_to text,
                                         p_reason text, p_note text, p_agency text,
                                         p_text text, p_answered_at timestamptz,
                                         p_key_id text, p_signature text,
                                         p_assignee text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    f      feedback;
    cur    text;
    nxt    text;
    agency integer;
    who    integer;
    reason text := CASE WHEN p_action = 'forward' THEN p_agency ELSE p_reason END;
BEGIN
    IF NOT pakn_in_scope(p_official, p_feedback) THEN
        PERFORM pakn_audit(p_official, p_role,
                           (SELECT id FROM feedback WHERE id = p_feedback),
                           'denied', p_action, NULL, NULL, NULL);
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
    -- An action that entered the log: the head the service signs (pakn_tlog_event).
    RETURN json_build_object('status', 'ok', 'state', nxt,
                             'log', nullif(current_setting('pakn.tlog_head', true), '')::json);
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
                                               p_signature text, p_assignee text) RETURNS json
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
                               p_signature, p_assignee);
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

-- The work list of one official (docs/moderation.md, "Search and filters"): feedback in
-- scope, oldest first (log index: commit order; ids come in blocks per worker and are not in
-- time order), after the cursor (a log index, so a page never moves when feedback arrives),
-- filtered. p_q is looked for in the folded body (body_folded, 025_search.sql) as a substring,
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
RETURNS json LANGUAGE plpgsql STABLE AS $$
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
    IF p_from IS NOT NULL THEN
        cond := cond || ' AND f.created_at >= ($8::timestamp AT TIME ZONE ''Asia/Ho_Chi_Minh'')';
    END IF;
    IF p_to IS NOT NULL THEN
        cond := cond || ' AND f.created_at < (($9 + 1)::timestamp AT TIME ZONE ''Asia/Ho_Chi_Minh'')';
    END IF;
    IF p_q IS NOT NULL THEN
        cond := cond || $c$ AND f.body_folded LIKE '%' || replace(replace(replace(
                 pakn_fold(normalize($10, NFC)), '\', '\\'), '%', '\%'), '_', '\_') || '%'$c$;
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
                   f.published_at, f.personal_enc IS NOT NULL AS has_contact,
                   (SELECT o.username FROM official o WHERE o.id = f.assigned_to)
                       AS assigned_to,
                   f.due_action, f.due_answer, f.escalated_step, f.escalated_at,
                   f.channel
            FROM feedback f
            JOIN plan_item it ON it.id = f.item_id
            WHERE (f.item_id IN (SELECT x.item_id FROM plan_item_agency x
                                 WHERE x.agency_id IN (SELECT agency_id FROM mine))
                   OR f.id IN (SELECT w.feedback_id FROM feedback_forward w
                               WHERE w.agency_id IN (SELECT agency_id FROM mine)))
              %s
            ORDER BY f.log_index
            LIMIT $14)
        SELECT json_build_object(
            'items', coalesce((SELECT json_agg(page ORDER BY log_index) FROM page), '[]'),
            'next_cursor', CASE WHEN (SELECT count(*) FROM page) = $14
                                THEN (SELECT max(log_index)::text FROM page) END)
        $q$, cond)
    INTO r
    USING p_official, p_state, p_agency, p_item, p_kind, p_rating_min, p_rating_max,
          p_from, p_to, p_q, p_plan, (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date,
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
        'events', coalesce((SELECT json_agg(json_build_object(
                      'id', e.id, 'at', e.at, 'official', o.username, 'role', e.role,
                      'action', e.action, 'reason', e.reason, 'note', e.note,
                      'from_state', e.from_state, 'to_state', e.to_state, 'hash', e.hash)
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
          AND (p_from IS NULL OR f.created_at >= p_from)
          AND (p_to IS NULL OR f.created_at < p_to + 1)
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
