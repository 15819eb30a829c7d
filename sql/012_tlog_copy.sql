-- 012_tlog_copy.sql: the checkpointer's copy of new entries into the log (pakn_tlog_advance,
-- 010) made cheaper. It runs every log_interval seconds beside intake, and on the 2-core
-- machine its burst of work was the largest single cause of intake's slowest replies
-- (docs/intake.md, "Speed"). Measured on 46,800 new entries: 1.4-1.55 s before, 0.8 s after.
-- It also made an entry's time and bytes STABLE (inlined) instead of IMMUTABLE.
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/tlog.sql.

