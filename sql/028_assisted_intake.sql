-- 028_assisted_intake.sql: feedback that an official enters for a citizen who sent it by
-- phone, letter, e-mail or at the desk (issue 22, point 8; docs/moderation.md, "Assisted
-- intake"; Decision 31/2021 asks that feedback from other channels be entered in the
-- system). The row records the channel, the official who entered it and the day it reached
-- the agency, from which its deadlines count (pakn_due_trigger).
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/intake.sql, deadlines.sql and officials.sql.

-- 'web': the citizen's own, through the form or the API; the default, so adding the column
-- rewrites nothing.
ALTER TABLE feedback ADD COLUMN IF NOT EXISTS channel text NOT NULL DEFAULT 'web'
    CHECK (channel IN ('web', 'phone', 'letter', 'desk', 'email', 'other'));
ALTER TABLE feedback ADD COLUMN IF NOT EXISTS entered_by integer REFERENCES official;
-- The day (Vietnam) the feedback reached the agency; NULL for 'web' (the day of created_at).
ALTER TABLE feedback ADD COLUMN IF NOT EXISTS received_on date;
ALTER TABLE feedback DROP CONSTRAINT IF EXISTS feedback_assisted_check;
ALTER TABLE feedback ADD CONSTRAINT feedback_assisted_check
    CHECK ((channel = 'web') = (entered_by IS NULL) AND (channel = 'web') = (received_on IS NULL));

-- Its columns change (channel, received_on, entered_by, entered_role).
DROP FUNCTION IF EXISTS pakn_intake_rows(json);
