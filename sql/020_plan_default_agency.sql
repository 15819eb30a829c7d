-- 020_plan_default_agency.sql: every item has an agency to answer it (issue 22). A plan
-- names a default responsible agency (its .meta file, `default_agency`); an item whose text
-- names no lead agency is linked to it with the role 'plan_default', so the scope of
-- officials (pakn_in_scope), the queue's and the feed's agency filters and the catalog see
-- it as they see a lead. docs/catalog.md, "Who answers an item".
--
-- A database that holds plans gets the default when each plan is imported again
-- (`paknctl import-plan`, which is idempotent): the .meta file is where it is named.
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/catalog.sql.

ALTER TABLE plan ADD COLUMN IF NOT EXISTS default_agency_id integer REFERENCES agency;

ALTER TABLE plan_item_agency DROP CONSTRAINT IF EXISTS plan_item_agency_role_check;
ALTER TABLE plan_item_agency ADD CONSTRAINT plan_item_agency_role_check
    CHECK (role IN ('lead', 'coordinating', 'plan_default'));

-- It answers {"items", "default_agency", "fallback", "unanswerable"} instead of a count.
DROP FUNCTION IF EXISTS pakn_import_plan(json);
