-- catalog.sql: the plan catalog's functions (tables: 001_catalog.sql,
-- 009_catalog_version.sql): each item's and plan's public JSON, the importer's entry point,
-- and the version number that moves on every change of the catalog. docs/catalog.md.

-- The public JSON of one item. Kept in plan_item.doc so reads send stored text. An item
-- standing for a whole plan (scope 'plan') has no section and no kind; one standing for a
-- whole section (scope 'section') has its section and the section's kind.
CREATE OR REPLACE FUNCTION pakn_item_doc(item integer) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'code', it.code,
        'plan', p.code,
        'scope', it.scope,
        'kind', it.kind,
        'number', it.number,
        'section', CASE WHEN s.id IS NULL THEN NULL
                        ELSE json_build_object('code', s.code, 'title', s.title) END,
        'group', CASE WHEN it.group_code IS NULL THEN NULL
                      ELSE json_build_object('code', it.group_code, 'title', it.group_title) END,
        'title', it.title,
        'lead_agencies', (SELECT coalesce(json_agg(json_build_object('code', a.code, 'name', a.name)
                                                   ORDER BY x.position), '[]')
                          FROM plan_item_agency x JOIN agency a ON a.id = x.agency_id
                          WHERE x.item_id = it.id AND x.role = 'lead'),
        'coordinating_agencies', (SELECT coalesce(json_agg(json_build_object('code', a.code, 'name', a.name)
                                                           ORDER BY x.position), '[]')
                                  FROM plan_item_agency x JOIN agency a ON a.id = x.agency_id
                                  WHERE x.item_id = it.id AND x.role = 'coordinating'),
        -- Who answers feedback on it: its lead agencies, else the plan's default, else its
        -- coordinating agencies (the officials pakn_in_scope finds), else none (intake
        -- refuses feedback on it: item_unanswerable).
        'responsible', coalesce(
            (SELECT json_build_object('basis', x.role,
                                      'agencies', json_agg(json_build_object('code', a.code, 'name', a.name)
                                                           ORDER BY x.position))
             FROM plan_item_agency x JOIN agency a ON a.id = x.agency_id
             WHERE x.item_id = it.id
             GROUP BY x.role
             ORDER BY array_position(ARRAY['lead', 'plan_default', 'coordinating'], x.role)
             LIMIT 1),
            json_build_object('basis', 'none', 'agencies', '[]'::json)),
        'lead_text', it.lead_text,
        'coordinating_text', it.coordinating_text,
        'result', it.result,
        'deadline', json_build_object('text', it.deadline_text, 'kind', it.deadline_kind,
                                      'start', it.period_start, 'end', it.period_end),
        'unit', it.unit,
        'baseline', it.baseline,
        'target', it.target,
        'footnotes', to_json(it.footnotes))
    FROM plan_item it
    JOIN plan p ON p.id = it.plan_id
    LEFT JOIN plan_section s ON s.id = it.section_id
    WHERE it.id = item
$$;

-- The code of the item standing for a whole section (docs/catalog.md): LC-T-V, DB-I-II.
-- sql/031_plan_scope.sql writes it out for the plans loaded before it.
CREATE OR REPLACE FUNCTION pakn_section_item_code(p_prefix text, p_kind text, p_section text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT p_prefix || CASE p_kind WHEN 'task' THEN '-T-' ELSE '-I-' END || p_section
$$;

-- Folded text as `paknctl import-plan` stores it in search_text (server/core/text.h,
-- text_search_key: folded, ASCII punctuation made spaces, spaces collapsed), for the items
-- the importer makes itself. sql/031_plan_scope.sql writes it out too.
CREATE OR REPLACE FUNCTION pakn_search_text(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT trim(regexp_replace(pakn_fold(p_text), '[[:punct:][:space:]]+', ' ', 'g'))
$$;

-- Loads one plan document built by `paknctl import-plan` (docs/catalog.md): inserts or
-- updates the plan, its sections, agencies and items, and the items standing for the whole
-- plan and for each section that has items (scope 'plan', 'section'), replaces the
-- item-agency links (an item without a lead agency, and the plan's and sections' own items,
-- get the plan's default agency, role 'plan_default'), and removes items and sections the
-- new text no longer has (a section's own item with them). Returns {"items": <count>,
-- "default_agency": {"code", "name"} or null, "fallback": [codes of the items answered by
-- the default], "unanswerable": [codes of the items no agency answers]}.
CREATE OR REPLACE FUNCTION pakn_import_plan(src json) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    p_id  integer;
    d_id  integer;
    n     integer;
    d_doc json := CASE WHEN json_typeof(src->'plan'->'default_agency') = 'object'
                       THEN src->'plan'->'default_agency' END;
BEGIN
    INSERT INTO plan (code, province, title, prefix, source)
    VALUES (src->'plan'->>'code', src->'plan'->>'province', src->'plan'->>'title',
            src->'plan'->>'prefix', src->'plan'->>'source')
    ON CONFLICT (code) DO UPDATE
        SET province = EXCLUDED.province, title = EXCLUDED.title, prefix = EXCLUDED.prefix,
            source = EXCLUDED.source, imported_at = now()
    RETURNING id INTO p_id;

    INSERT INTO plan_section (plan_id, kind, code, title, position)
    SELECT p_id, s->>'kind', s->>'code', s->>'title', (s->>'position')::integer
    FROM json_array_elements(src->'sections') s
    ON CONFLICT (plan_id, kind, code) DO UPDATE
        SET title = EXCLUDED.title, position = EXCLUDED.position;

    -- The whole plan's item and each section's: titled as the plan and the section, in
    -- their order. A code taken by another plan's item is refused, as for items.
    WITH wanted AS (
        SELECT NULL::integer AS section_id, src->'plan'->>'code' AS code, NULL AS kind,
               '' AS number, src->'plan'->>'title' AS title, 0 AS position, 'plan' AS scope
        UNION ALL
        SELECT s.id, pakn_section_item_code(src->'plan'->>'prefix', s.kind, s.code), s.kind,
               s.code, s.title, s.position, 'section'
        FROM plan_section s
        WHERE s.plan_id = p_id
          AND EXISTS (SELECT 1 FROM json_array_elements(src->'items') i
                      WHERE i->>'kind' = s.kind AND i->>'section' = s.code)),
    stored AS (
        INSERT INTO plan_item (plan_id, section_id, code, kind, number, title, deadline_kind,
                               position, search_text, scope)
        SELECT p_id, w.section_id, w.code, w.kind, w.number, w.title, 'none', w.position,
               pakn_search_text(w.code || ' ' || w.title), w.scope
        FROM wanted w
        ON CONFLICT (code) DO UPDATE
            SET section_id = EXCLUDED.section_id, kind = EXCLUDED.kind,
                number = EXCLUDED.number, title = EXCLUDED.title,
                position = EXCLUDED.position, search_text = EXCLUDED.search_text
            WHERE plan_item.plan_id = EXCLUDED.plan_id AND plan_item.scope = EXCLUDED.scope
        RETURNING 1)
    SELECT (SELECT count(*) FROM wanted) - (SELECT count(*) FROM stored) INTO n;
    IF n <> 0 THEN
        RAISE EXCEPTION 'plan %: % of its plan and section codes belong to another item',
            src->'plan'->>'code', n;
    END IF;

    -- One row per code: two spellings of a name ("Công nghệ", "công nghệ") share one.
    INSERT INTO agency (code, province, name)
    SELECT DISTINCT ON (a->>'code') a->>'code', src->'plan'->>'province', a->>'name'
    FROM (SELECT a FROM json_array_elements(src->'items') i,
                        jsonb_array_elements((i->'lead')::jsonb || (i->'coordinating')::jsonb) a
          UNION ALL
          SELECT d_doc::jsonb WHERE d_doc IS NOT NULL) named(a)
    ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name;
    SELECT id INTO d_id FROM agency WHERE code = d_doc->>'code';
    UPDATE plan SET default_agency_id = d_id
    WHERE id = p_id AND default_agency_id IS DISTINCT FROM d_id;
    -- The plan's own deadlines (.meta action_days, answer_days; null: the service's), for
    -- the feedback that arrives from now on.
    UPDATE plan SET action_days = (src->'plan'->>'action_days')::integer,
                    answer_days = (src->'plan'->>'answer_days')::integer
    WHERE id = p_id
      AND (action_days IS DISTINCT FROM (src->'plan'->>'action_days')::integer
           OR answer_days IS DISTINCT FROM (src->'plan'->>'answer_days')::integer);

    INSERT INTO plan_item (plan_id, section_id, code, kind, number, group_code, group_title,
                           title, result, deadline_text, deadline_kind, period_start,
                           period_end, unit, baseline, target, footnotes, lead_text,
                           coordinating_text, position, search_text)
    SELECT p_id, s.id, i->>'code', i->>'kind', i->>'number', i->>'group', i->>'group_title',
           i->>'title', i->>'result', i->>'deadline_text', i->>'deadline_kind',
           (i->>'period_start')::date, (i->>'period_end')::date, i->>'unit', i->>'baseline',
           i->>'target', ARRAY(SELECT json_array_elements_text(i->'footnotes')),
           i->>'lead_text', i->>'coordinating_text', (i->>'position')::integer,
           i->>'search_text'
    FROM json_array_elements(src->'items') i
    JOIN plan_section s ON s.plan_id = p_id AND s.kind = i->>'kind' AND s.code = i->>'section'
    ON CONFLICT (code) DO UPDATE
        SET section_id = EXCLUDED.section_id, kind = EXCLUDED.kind, number = EXCLUDED.number,
            group_code = EXCLUDED.group_code, group_title = EXCLUDED.group_title,
            title = EXCLUDED.title, result = EXCLUDED.result,
            deadline_text = EXCLUDED.deadline_text, deadline_kind = EXCLUDED.deadline_kind,
            period_start = EXCLUDED.period_start, period_end = EXCLUDED.period_end,
            unit = EXCLUDED.unit, baseline = EXCLUDED.baseline, target = EXCLUDED.target,
            footnotes = EXCLUDED.footnotes, lead_text = EXCLUDED.lead_text,
            coordinating_text = EXCLUDED.coordinating_text, position = EXCLUDED.position,
            search_text = EXCLUDED.search_text
        WHERE plan_item.plan_id = EXCLUDED.plan_id AND plan_item.scope = 'item';

    DELETE FROM plan_item_agency
    WHERE item_id IN (SELECT id FROM plan_item WHERE plan_id = p_id);
    INSERT INTO plan_item_agency (item_id, agency_id, role, position)
    SELECT it.id, ag.id, r.role, min(a.ord)
    FROM json_array_elements(src->'items') i
    JOIN plan_item it ON it.code = i->>'code' AND it.plan_id = p_id
    CROSS JOIN LATERAL (VALUES ('lead', i->'lead'), ('coordinating', i->'coordinating')) r(role, list)
    CROSS JOIN LATERAL json_array_elements(r.list) WITH ORDINALITY a(v, ord)
    JOIN agency ag ON ag.code = a.v->>'code'
    GROUP BY it.id, ag.id, r.role;
    INSERT INTO plan_item_agency (item_id, agency_id, role, position)
    SELECT it.id, d_id, 'plan_default', 1
    FROM json_array_elements(src->'items') i
    JOIN plan_item it ON it.code = i->>'code' AND it.plan_id = p_id
    WHERE d_id IS NOT NULL AND json_array_length(i->'lead') = 0;
    -- The plan's responsible agency answers for the plan and its sections as a whole.
    INSERT INTO plan_item_agency (item_id, agency_id, role, position)
    SELECT it.id, d_id, 'plan_default', 1
    FROM plan_item it
    WHERE d_id IS NOT NULL AND it.plan_id = p_id AND it.scope <> 'item';

    -- Feedback on an item keeps it: its delete fails, and the import with it (the
    -- foreign key of feedback.item_id), for a section's own item as for any item.
    DELETE FROM plan_item
    WHERE plan_id = p_id AND scope = 'item'
      AND code NOT IN (SELECT i->>'code' FROM json_array_elements(src->'items') i);
    DELETE FROM plan_item w
    WHERE w.plan_id = p_id AND w.scope = 'section'
      AND NOT EXISTS (SELECT 1 FROM plan_item it
                      WHERE it.section_id = w.section_id AND it.scope = 'item');
    DELETE FROM plan_section s
    WHERE s.plan_id = p_id AND NOT EXISTS (SELECT 1 FROM plan_item it WHERE it.section_id = s.id);
    DELETE FROM agency a
    WHERE NOT EXISTS (SELECT 1 FROM plan_item_agency x WHERE x.agency_id = a.id)
      AND NOT EXISTS (SELECT 1 FROM plan p WHERE p.default_agency_id = a.id);

    UPDATE plan_item SET doc = pakn_item_doc(id) WHERE plan_id = p_id AND scope <> 'item';
    UPDATE plan_item SET doc = pakn_item_doc(id) WHERE plan_id = p_id AND scope = 'item';
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n <> json_array_length(src->'items') THEN
        RAISE EXCEPTION 'plan %: % of % items stored (an item code belongs to another plan?)',
            src->'plan'->>'code', n, json_array_length(src->'items');
    END IF;
    RETURN json_build_object(
        'items', n,
        'default_agency', (SELECT json_build_object('code', a.code, 'name', a.name)
                           FROM agency a WHERE a.id = d_id),
        'fallback', (SELECT coalesce(json_agg(it.code ORDER BY it.position), '[]')
                     FROM plan_item it JOIN plan_item_agency x ON x.item_id = it.id
                     WHERE it.plan_id = p_id AND it.scope = 'item' AND x.role = 'plan_default'),
        'unanswerable', (SELECT coalesce(json_agg(it.code ORDER BY it.position), '[]')
                         FROM plan_item it
                         WHERE it.plan_id = p_id AND it.scope = 'item'
                           AND NOT EXISTS (SELECT 1 FROM plan_item_agency x
                                           WHERE x.item_id = it.id)));
END
$$;

-- The public JSON of one plan: its sections with their item counts (of real items, scope
-- 'item'), and the codes that take feedback on the plan and on each section as a whole.
CREATE OR REPLACE FUNCTION pakn_plan_doc(plan integer) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'code', p.code,
        'title', p.title,
        'province', p.province,
        'feedback_code', (SELECT it.code FROM plan_item it
                          WHERE it.plan_id = p.id AND it.scope = 'plan'),
        'default_agency', (SELECT json_build_object('code', a.code, 'name', a.name)
                           FROM agency a WHERE a.id = p.default_agency_id),
        'item_count', (SELECT count(*) FROM plan_item it
                       WHERE it.plan_id = p.id AND it.scope = 'item'),
        'task_count', (SELECT count(*) FROM plan_item it
                       WHERE it.plan_id = p.id AND it.scope = 'item' AND it.kind = 'task'),
        'indicator_count', (SELECT count(*) FROM plan_item it
                            WHERE it.plan_id = p.id AND it.scope = 'item'
                              AND it.kind = 'indicator'),
        'sections', (SELECT coalesce(json_agg(json_build_object(
                                 'kind', s.kind, 'code', s.code, 'title', s.title,
                                 'feedback_code', (SELECT it.code FROM plan_item it
                                                   WHERE it.section_id = s.id
                                                     AND it.scope = 'section'),
                                 'item_count', (SELECT count(*) FROM plan_item it
                                                WHERE it.section_id = s.id
                                                  AND it.scope = 'item'))
                             ORDER BY s.position), '[]')
                     FROM plan_section s WHERE s.plan_id = p.id),
        'imported_at', p.imported_at)
    FROM plan p
    WHERE p.id = plan
$$;

-- Documents a migration left empty (sql/031_plan_scope.sql: every document gains "scope",
-- and the plans loaded before it gain their plan's and sections' items) are built here,
-- once pakn_item_doc is defined; on a later migrate there are none, and nothing changes.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM plan_item WHERE doc IS NULL) THEN
        UPDATE plan_item SET doc = pakn_item_doc(id) WHERE doc IS NULL;
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION pakn_catalog_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET v = v + 1 WHERE one;
    RETURN NULL;
END
$$;

-- The service keeps catalog replies in memory (server/db/reply_cache.c) and drops them when
-- catalog_version moves: any change to these tables moves it.
CREATE OR REPLACE TRIGGER catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON plan FOR EACH STATEMENT EXECUTE FUNCTION pakn_catalog_changed();
CREATE OR REPLACE TRIGGER catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON plan_section FOR EACH STATEMENT EXECUTE FUNCTION pakn_catalog_changed();
CREATE OR REPLACE TRIGGER catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON agency FOR EACH STATEMENT EXECUTE FUNCTION pakn_catalog_changed();
CREATE OR REPLACE TRIGGER catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON plan_item FOR EACH STATEMENT EXECUTE FUNCTION pakn_catalog_changed();
CREATE OR REPLACE TRIGGER catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON plan_item_agency FOR EACH STATEMENT EXECUTE FUNCTION pakn_catalog_changed();
