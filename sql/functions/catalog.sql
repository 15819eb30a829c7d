-- catalog.sql: the plan catalog's functions (tables: 001_catalog.sql,
-- 009_catalog_version.sql): each item's and plan's public JSON, the importer's entry point,
-- and the version number that moves on every change of the catalog. docs/catalog.md.

-- The public JSON of one item. Kept in plan_item.doc so reads send stored text.
CREATE OR REPLACE FUNCTION pakn_item_doc(item integer) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'code', it.code,
        'plan', p.code,
        'kind', it.kind,
        'number', it.number,
        'section', json_build_object('code', s.code, 'title', s.title),
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
    JOIN plan_section s ON s.id = it.section_id
    WHERE it.id = item
$$;

-- Loads one plan document built by `paknctl import-plan` (docs/catalog.md): inserts or
-- updates the plan, its sections, agencies and items, replaces the item-agency links (an
-- item without a lead agency gets the plan's default agency, role 'plan_default'), and
-- removes items and sections the new text no longer has. Returns {"items": <count>,
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
        WHERE plan_item.plan_id = EXCLUDED.plan_id;

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

    DELETE FROM plan_item
    WHERE plan_id = p_id
      AND code NOT IN (SELECT i->>'code' FROM json_array_elements(src->'items') i);
    DELETE FROM plan_section s
    WHERE s.plan_id = p_id AND NOT EXISTS (SELECT 1 FROM plan_item it WHERE it.section_id = s.id);
    DELETE FROM agency a
    WHERE NOT EXISTS (SELECT 1 FROM plan_item_agency x WHERE x.agency_id = a.id)
      AND NOT EXISTS (SELECT 1 FROM plan p WHERE p.default_agency_id = a.id);

    UPDATE plan_item SET doc = pakn_item_doc(id) WHERE plan_id = p_id;
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
                     WHERE it.plan_id = p_id AND x.role = 'plan_default'),
        'unanswerable', (SELECT coalesce(json_agg(it.code ORDER BY it.position), '[]')
                         FROM plan_item it
                         WHERE it.plan_id = p_id
                           AND NOT EXISTS (SELECT 1 FROM plan_item_agency x
                                           WHERE x.item_id = it.id)));
END
$$;

-- The public JSON of one plan: its sections with their item counts.
CREATE OR REPLACE FUNCTION pakn_plan_doc(plan integer) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'code', p.code,
        'title', p.title,
        'province', p.province,
        'default_agency', (SELECT json_build_object('code', a.code, 'name', a.name)
                           FROM agency a WHERE a.id = p.default_agency_id),
        'item_count', (SELECT count(*) FROM plan_item it WHERE it.plan_id = p.id),
        'task_count', (SELECT count(*) FROM plan_item it WHERE it.plan_id = p.id AND it.kind = 'task'),
        'indicator_count', (SELECT count(*) FROM plan_item it
                            WHERE it.plan_id = p.id AND it.kind = 'indicator'),
        'sections', (SELECT coalesce(json_agg(json_build_object(
                                 'kind', s.kind, 'code', s.code, 'title', s.title,
                                 'item_count', (SELECT count(*) FROM plan_item it
                                                WHERE it.section_id = s.id))
                             ORDER BY s.position), '[]')
                     FROM plan_section s WHERE s.plan_id = p.id),
        'imported_at', p.imported_at)
    FROM plan p
    WHERE p.id = plan
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
