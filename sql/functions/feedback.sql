-- feedback.sql: what the public and the submitter read and do without signing in (tables:
-- 002_feedback.sql, 003_officials.sql): a feedback's status by tracking code with its
-- official answer, the rating of that answer, and the public feed.

-- The official answer in the status by tracking code, or NULL.
CREATE OR REPLACE FUNCTION pakn_feedback_answer(p_feedback bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'text', r.text,
        'answered_at', pakn_utc_text(r.answered_at),
        'key_id', r.key_id, 'signature', r.signature, 'rating', r.rating,
        -- given to this feedback because an official linked it to a similar one that was
        -- answered (docs/moderation.md, "Duplicates"): which one is not said
        'with_similar', r.via IS NOT NULL)
    FROM feedback_response r WHERE r.feedback_id = p_feedback
$$;

-- What the submitter sees by tracking code: never personal data. The code is a capability
-- (80 random bits, in no public place): whoever holds it may read the state, the answer and
-- which log entries are this feedback's.
CREATE OR REPLACE FUNCTION pakn_feedback_status(p_tracking_code text) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'tracking_code', f.tracking_code,
        'state', f.state,
        -- the answer is the submitter's alone until an official publishes the feedback
        'published_at', f.published_at,
        'item', json_build_object('code', it.code, 'title', it.title, 'plan', p.code, 'scope', it.scope),
        'kind', f.kind,
        'rating', f.rating,
        'received_at', f.created_at,
        -- the receipt's "who answers, by when" (docs/web.md, "The receipt"): the agencies
        -- that answer feedback on the item, and the answer's deadline, a local date
        'agencies', (SELECT coalesce(json_agg(a->>'name'), '[]')
                     FROM json_array_elements(it.doc->'responsible'->'agencies') a),
        'due_answer', f.due_answer,
        'log_index', f.log_index,
        -- the feedback's name in the public log (docs/tlog.md): its entries carry it
        'handle', f.handle,
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

-- The submitter rates the answer once, with the secret from the receipt.
-- Returns {"status": ok | not_found | no_answer | already_rated}.
CREATE OR REPLACE FUNCTION pakn_rate_answer(p_tracking_code text, p_secret_hash text,
                                            p_rating integer) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    f feedback;
    r feedback_response;
BEGIN
    SELECT * INTO f FROM feedback WHERE tracking_code = p_tracking_code;
    IF NOT FOUND OR f.secret_hash <> p_secret_hash THEN
        RETURN json_build_object('status', 'not_found');
    END IF;
    SELECT * INTO r FROM feedback_response WHERE feedback_id = f.id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN json_build_object('status', 'no_answer');
    END IF;
    IF r.rating IS NOT NULL THEN
        RETURN json_build_object('status', 'already_rated');
    END IF;
    UPDATE feedback_response SET rating = p_rating, rated_at = now() WHERE feedback_id = f.id;
    RETURN json_build_object('status', 'ok', 'rating', p_rating);
END
$$;

-- The public feed: feedback an official published, with the submitter's consent, and not
-- hidden since, newest first, with the official answer. No personal data. The page's log
-- indexes come first, from the indexes alone: with an item or an agency, merged from the newest entries of each of its
-- items (LATERAL ... LIMIT, one index range each); without, the newest of the whole public
-- index. Only the page's rows are then read. PL/pgSQL keeps the plan for the session
-- (planning the statement took longer than running it), and one generic plan serves every
-- call: the filters that are absent switch their branch off when it runs. Its condition on
-- state and consent is the predicate of feedback_public_idx and feedback_public_item_idx
-- (021_publish_consent.sql) word for word, so that the planner matches them.
CREATE OR REPLACE FUNCTION pakn_public_feed(p_item text, p_agency text, p_before bigint,
                                            p_limit integer) RETURNS json
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN (
    WITH items AS (
        SELECT it.id FROM plan_item it
        WHERE (p_item IS NULL OR it.code = p_item)
          AND (p_agency IS NULL OR it.id IN (
                  SELECT x.item_id FROM plan_item_agency x JOIN agency a ON a.id = x.agency_id
                  WHERE a.code = p_agency))
    ), newest AS (
        SELECT ix FROM (
            SELECT f.ix FROM items i, LATERAL (
                SELECT f.log_index AS ix FROM feedback f
                WHERE f.item_id = i.id
                  AND f.state IN ('published', 'answered', 'closed') AND f.consent_publish
                  AND f.published_at IS NOT NULL
                  AND f.log_index < coalesce(p_before, 9223372036854775807)
                ORDER BY f.log_index DESC LIMIT p_limit) f
            WHERE p_item IS NOT NULL OR p_agency IS NOT NULL
            UNION ALL
            SELECT * FROM (
                SELECT f.log_index FROM feedback f
                WHERE p_item IS NULL AND p_agency IS NULL
                  AND f.state IN ('published', 'answered', 'closed') AND f.consent_publish
                  AND f.published_at IS NOT NULL
                  AND f.log_index < coalesce(p_before, 9223372036854775807)
                ORDER BY f.log_index DESC LIMIT p_limit) everything
        ) candidates
        ORDER BY ix DESC LIMIT p_limit
    ), page AS (
        SELECT f.id, f.log_index, it.code AS item_code, f.kind, f.rating, f.body, f.created_at,
               f.state,
               r.text AS answer_text, r.answered_at, r.key_id, r.signature,
               r.rating AS answer_rating
        FROM newest n
        JOIN feedback f ON f.log_index = n.ix
        JOIN plan_item it ON it.id = f.item_id
        LEFT JOIN feedback_response r ON r.feedback_id = f.id)
    SELECT json_build_object(
        'items', coalesce((SELECT json_agg(json_build_object(
                     'id', id, 'item_code', item_code, 'kind', kind, 'rating', rating,
                     'body', body, 'received_at', created_at, 'state', state,
                     'answer', CASE WHEN answer_text IS NULL THEN NULL ELSE json_build_object(
                         'text', answer_text, 'answered_at',
                         pakn_utc_text(answered_at),
                         'key_id', key_id, 'signature', signature,
                         'rating', answer_rating) END)
                     ORDER BY log_index DESC) FROM page), '[]'),
        'next_cursor', CASE WHEN (SELECT count(*) FROM page) = p_limit
                            THEN (SELECT min(log_index)::text FROM page) END));
END
$$;
