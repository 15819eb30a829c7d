-- 016_public_feed_index.sql: the public feed reads an index of the public rows only.
--
-- pakn_public_feed (003) walked feedback's log_index index backwards and tested every row
-- for being public: with few rows public (moderation publishes a small share), a page, and
-- above all a filtered page or a deep cursor, read most of the table (0.3 s at 131,000 rows,
-- and 16 clients asking slowed everything else on the database). Now the public rows have
-- partial indexes of their own, ordered by the cursor's key, and the feed is one index range
-- per item: a page costs at most (items asked) x (limit) index entries, whatever the size
-- of the table and the depth of the cursor (docs/intake.md, "The public feed").

-- The predicate is the feed's condition, word for word, so that the planner matches it.
CREATE INDEX IF NOT EXISTS feedback_public_idx ON feedback (log_index)
    WHERE state IN ('published', 'answered', 'closed') AND consent_publish;
CREATE INDEX IF NOT EXISTS feedback_public_item_idx ON feedback (item_id, log_index)
    WHERE state IN ('published', 'answered', 'closed') AND consent_publish;

-- The public feed: published feedback whose submitter agreed to publication, newest first,
-- with the official answer. No personal data. The page's log indexes come first, from the
-- indexes alone: with an item or an agency, merged from the newest entries of each of its
-- items (LATERAL ... LIMIT, one index range each); without, the newest of the whole public
-- index. Only the page's rows are then read. PL/pgSQL keeps the plan for the session
-- (planning the statement took longer than running it), and one generic plan serves every
-- call: the filters that are absent switch their branch off when it runs.
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
                  AND f.log_index < coalesce(p_before, 9223372036854775807)
                ORDER BY f.log_index DESC LIMIT p_limit) f
            WHERE p_item IS NOT NULL OR p_agency IS NOT NULL
            UNION ALL
            SELECT * FROM (
                SELECT f.log_index FROM feedback f
                WHERE p_item IS NULL AND p_agency IS NULL
                  AND f.state IN ('published', 'answered', 'closed') AND f.consent_publish
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
                         to_char(answered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                         'key_id', key_id, 'signature', signature,
                         'rating', answer_rating) END)
                     ORDER BY log_index DESC) FROM page), '[]'),
        'next_cursor', CASE WHEN (SELECT count(*) FROM page) = p_limit
                            THEN (SELECT min(log_index)::text FROM page) END));
END
$$;
