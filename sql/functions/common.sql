-- common.sql: the constants and conversions every other file of sql/functions/ uses, each
-- named once. Applied first (see ORDER). Each is a one-line LANGUAGE sql function that
-- PostgreSQL inlines into its caller, so a plan sees the constant itself.

-- Vietnam's time zone: a local day, month, quarter or year (metrics, deadlines) is one in
-- this zone.
CREATE OR REPLACE FUNCTION pakn_tz() RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT 'Asia/Ho_Chi_Minh' $$;

-- How long the same client sending the same text for the same item is answered with the
-- first submission's receipt instead of a new one (docs/intake.md); intake_recent keeps
-- its look-ups this long.
CREATE OR REPLACE FUNCTION pakn_duplicate_window() RETURNS interval
LANGUAGE sql IMMUTABLE AS $$ SELECT interval '10 minutes' $$;

-- The local date of a moment.
CREATE OR REPLACE FUNCTION pakn_local_day(p_at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE AS $$ SELECT (p_at AT TIME ZONE pakn_tz())::date $$;

-- The moment a local date begins: a filter "from day A to day B" is
-- [pakn_day_start(A), pakn_day_start(B + 1)), days as people in Vietnam count them.
CREATE OR REPLACE FUNCTION pakn_day_start(p_day date) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$ SELECT p_day::timestamp AT TIME ZONE pakn_tz() $$;

-- A moment as receipts, answers, audit events and log entries write it: UTC with
-- microseconds, 2026-04-01T02:30:00.123456Z. STABLE as to_char is; IMMUTABLE would keep it
-- from being inlined, and a call would run as a query of its own.
CREATE OR REPLACE FUNCTION pakn_utc_text(p_at timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;
