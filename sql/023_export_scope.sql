-- 023_export_scope.sql: feedback forwarded to an agency, found by the agency.
--
-- The export (pakn_export, docs/moderation.md "Export") reads an official's scope from
-- their agencies to the rows: items listing the agency (plan_item_agency_agency_idx, then
-- feedback_item_idx) and feedback forwarded to it, which feedback_forward's primary key
-- (feedback_id, agency_id) cannot find by agency.
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/officials.sql.

CREATE INDEX IF NOT EXISTS feedback_forward_agency_idx ON feedback_forward (agency_id, feedback_id);
