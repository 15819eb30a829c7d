-- 001_catalog.sql: the plan catalog - plans, their sections, items (tasks and indicators),
-- the agencies responsible for them, and the importer's entry point.
-- Applied once by `paknctl migrate`, which records it in schema_migrations.

CREATE TABLE IF NOT EXISTS plan (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{1,31}$'),
    province    text NOT NULL,
    title       text NOT NULL,
    prefix      text NOT NULL UNIQUE,  -- item code prefix: LC gives LC-T25
    source      text,                  -- file the plan was imported from
    imported_at timestamptz NOT NULL DEFAULT now()
);

-- A plan's table has sections (Roman numerals); an appendix of indicators and one of tasks
-- each number their sections from I, hence kind in the key.
CREATE TABLE IF NOT EXISTS plan_section (
    id       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id  integer NOT NULL REFERENCES plan ON DELETE CASCADE,
    kind     text NOT NULL CHECK (kind IN ('task', 'indicator')),
    code     text NOT NULL,
    title    text NOT NULL,
    position integer NOT NULL,
    UNIQUE (plan_id, kind, code)
);

CREATE TABLE IF NOT EXISTS agency (
    id       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code     text NOT NULL UNIQUE,     -- province prefix + folded name: lc-so-khoa-hoc-va-cong-nghe
    province text NOT NULL,
    name     text NOT NULL,
    UNIQUE (province, name)
);

CREATE TABLE IF NOT EXISTS plan_item (
    id                integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id           integer NOT NULL REFERENCES plan ON DELETE CASCADE,
    section_id        integer NOT NULL REFERENCES plan_section,
    code              text NOT NULL UNIQUE,
    kind              text NOT NULL CHECK (kind IN ('task', 'indicator')),
    number            text NOT NULL,
    group_code        text,
    group_title       text,
    title             text NOT NULL,
    result            text,
    deadline_text     text,
    deadline_kind     text NOT NULL CHECK (deadline_kind IN
                          ('none', 'month', 'quarter', 'date', 'year', 'quarterly', 'ongoing', 'other')),
    period_start      date,
    period_end        date CHECK (period_end >= period_start),
    unit              text,
    baseline          text,
    target            text,
    footnotes         text[] NOT NULL DEFAULT '{}',
    lead_text         text,            -- the cells as written, before splitting
    coordinating_text text,
    position          integer NOT NULL,
    search_text       text NOT NULL,   -- folded (no case, no diacritics) for ?q=
    doc               json             -- the item as the API returns it, built by pakn_item_doc
);
CREATE INDEX IF NOT EXISTS plan_item_plan_idx ON plan_item (plan_id, position);

CREATE TABLE IF NOT EXISTS plan_item_agency (
    item_id   integer NOT NULL REFERENCES plan_item ON DELETE CASCADE,
    agency_id integer NOT NULL REFERENCES agency,
    role      text NOT NULL CHECK (role IN ('lead', 'coordinating')),
    position  integer NOT NULL,
    PRIMARY KEY (item_id, agency_id, role)
);
CREATE INDEX IF NOT EXISTS plan_item_agency_agency_idx ON plan_item_agency (agency_id);

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
-- updates the plan, its sections, agencies and items, replaces the item-agency links, and
-- removes items and sections the new text no longer has. Returns the number of items.
CREATE OR REPLACE FUNCTION pakn_import_plan(src json) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    p_id integer;
    n    integer;
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
    FROM json_array_elements(src->'items') i,
         jsonb_array_elements((i->'lead')::jsonb || (i->'coordinating')::jsonb) a
    ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name;

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

    DELETE FROM plan_item
    WHERE plan_id = p_id
      AND code NOT IN (SELECT i->>'code' FROM json_array_elements(src->'items') i);
    DELETE FROM plan_section s
    WHERE s.plan_id = p_id AND NOT EXISTS (SELECT 1 FROM plan_item it WHERE it.section_id = s.id);
    DELETE FROM agency a
    WHERE NOT EXISTS (SELECT 1 FROM plan_item_agency x WHERE x.agency_id = a.id);

    UPDATE plan_item SET doc = pakn_item_doc(id) WHERE plan_id = p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n <> json_array_length(src->'items') THEN
        RAISE EXCEPTION 'plan %: % of % items stored (an item code belongs to another plan?)',
            src->'plan'->>'code', n, json_array_length(src->'items');
    END IF;
    RETURN n;
END
$$;

-- The public JSON of one plan: its sections with their item counts.
CREATE OR REPLACE FUNCTION pakn_plan_doc(plan integer) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'code', p.code,
        'title', p.title,
        'province', p.province,
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
