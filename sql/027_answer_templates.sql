-- 027_answer_templates.sql: answer templates (issue 22, point 6; docs/moderation.md, "Answer
-- templates"): texts an agency's officials answer with, their placeholders filled per
-- feedback when used. At most 100 per agency and the lengths are checked by the functions
-- (pakn_template_save), which answer a client in words; the checks here are the backstop.
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/templates.sql.

CREATE TABLE IF NOT EXISTS answer_template (
    id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id  integer NOT NULL REFERENCES agency,
    title      text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    text       text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 5000),
    created_by integer NOT NULL REFERENCES official,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS answer_template_agency_idx ON answer_template (agency_id, id);
