-- 008_intake_speed.sql: the intake path without planning on every call, and a batch
-- stored with one INSERT.
--
-- A LANGUAGE sql function that PostgreSQL cannot inline (one with a sub-select, or an
-- INSERT) is parsed and planned again on each call; PL/pgSQL keeps its statements' plans
-- for the session. On the intake path, called once per row or per batch, that planning was
-- half the database's time (perf, docs/intake.md "Speed"). These keep their bodies and
-- change only their language.
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/intake.sql, deadlines.sql and rollups.sql.

-- What one feedback contributes to the rollups, as pakn_rollup_src (007) gives it.
DO $$ BEGIN
    CREATE TYPE pakn_rollup_row AS (
        item_id integer, plan_id integer, kind text, counted boolean, rating smallint,
        day date, acted_late boolean, waits_action boolean, due_action date, due_answer date,
        answered_at timestamptz, answer_rating smallint, answered_late boolean,
        bucket smallint);
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

-- 002's row-by-row pakn_intake, replaced by pakn_intake_batch.
DROP FUNCTION IF EXISTS pakn_intake(json);
