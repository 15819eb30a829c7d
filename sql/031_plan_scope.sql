-- 031_plan_scope.sql: the national channel's scope (issue 23). pakn.nq57.vn takes "phản ánh,
-- kiến nghị, sáng kiến, giải pháp", on a plan or a mechanism as a whole as well as on one
-- task: feedback gets two more kinds, and feedback on a whole plan or a whole section gets
-- an item of its own (docs/catalog.md, "Feedback on a whole plan or section").
--
-- Such an item is a row of plan_item with scope 'plan' (code: the plan's code, no section,
-- no kind) or 'section' (code <prefix>-<T|I>-<section>, its section and the section's kind),
-- answered by the plan's default agency (role 'plan_default'). Being an item, intake,
-- moderation scope (pakn_in_scope), deadlines, rollups, the log and metrics take it as they
-- take any item. pakn_import_plan makes and updates them; this makes them for the plans
-- already loaded.
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/catalog.sql.

ALTER TABLE feedback DROP CONSTRAINT IF EXISTS feedback_kind_check;
ALTER TABLE feedback ADD CONSTRAINT feedback_kind_check
    CHECK (kind IN ('opinion', 'proposal', 'report', 'question', 'initiative', 'solution'));

ALTER TABLE plan_item ADD COLUMN IF NOT EXISTS scope text NOT NULL DEFAULT 'item';
ALTER TABLE plan_item ALTER COLUMN section_id DROP NOT NULL,
                      ALTER COLUMN kind DROP NOT NULL;
ALTER TABLE plan_item DROP CONSTRAINT IF EXISTS plan_item_scope_check;
ALTER TABLE plan_item ADD CONSTRAINT plan_item_scope_check
    CHECK (scope IN ('item', 'section', 'plan'));
-- Only the whole plan's item lacks a section and a kind.
ALTER TABLE plan_item DROP CONSTRAINT IF EXISTS plan_item_scope_section_check;
ALTER TABLE plan_item ADD CONSTRAINT plan_item_scope_section_check
    CHECK ((scope = 'plan') = (section_id IS NULL) AND (scope = 'plan') = (kind IS NULL));
-- One whole-plan item per plan, one whole-section item per section.
CREATE UNIQUE INDEX IF NOT EXISTS plan_item_plan_scope_idx ON plan_item (plan_id)
    WHERE scope = 'plan';
CREATE UNIQUE INDEX IF NOT EXISTS plan_item_section_scope_idx ON plan_item (section_id)
    WHERE scope = 'section';

-- The plans already loaded. A migration cannot call sql/functions/, so the code and the
-- folded search text are written out here as pakn_import_plan writes them. Without plans
-- nothing is written, so the catalog's version (a statement trigger) does not move on a new
-- database.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM plan) THEN
        RETURN;
    END IF;
    INSERT INTO plan_item (plan_id, section_id, code, kind, number, title, deadline_kind,
                           position, search_text, scope)
    SELECT p.id, NULL, p.code, NULL, '', p.title, 'none', 0,
           trim(regexp_replace(pakn_fold(p.code || ' ' || p.title), '[[:punct:][:space:]]+',
                               ' ', 'g')),
           'plan'
    FROM plan p
    WHERE NOT EXISTS (SELECT 1 FROM plan_item it WHERE it.plan_id = p.id AND it.scope = 'plan');

    INSERT INTO plan_item (plan_id, section_id, code, kind, number, title, deadline_kind,
                           position, search_text, scope)
    SELECT p.id, s.id, c.code, s.kind, s.code, s.title, 'none', s.position,
           trim(regexp_replace(pakn_fold(c.code || ' ' || s.title), '[[:punct:][:space:]]+',
                               ' ', 'g')),
           'section'
    FROM plan_section s
    JOIN plan p ON p.id = s.plan_id
    CROSS JOIN LATERAL (SELECT p.prefix || CASE s.kind WHEN 'task' THEN '-T-' ELSE '-I-' END
                               || s.code AS code) c
    WHERE NOT EXISTS (SELECT 1 FROM plan_item it
                      WHERE it.section_id = s.id AND it.scope = 'section');

    INSERT INTO plan_item_agency (item_id, agency_id, role, position)
    SELECT it.id, p.default_agency_id, 'plan_default', 1
    FROM plan_item it JOIN plan p ON p.id = it.plan_id
    WHERE it.scope <> 'item' AND p.default_agency_id IS NOT NULL
    ON CONFLICT DO NOTHING;

    -- Every item's document gains "scope" and the new ones need one:
    -- sql/functions/catalog.sql builds the documents left empty, once it has defined
    -- pakn_item_doc.
    UPDATE plan_item SET doc = NULL;
END
$$;

-- The metrics' rows say which of these a row is (scope, last column): a new return type.
DROP FUNCTION IF EXISTS pakn_groups(text, text);
DROP FUNCTION IF EXISTS pakn_satisfaction(text, text, text, date, date, integer);
DROP FUNCTION IF EXISTS pakn_responses(text, text, date, date, date);
