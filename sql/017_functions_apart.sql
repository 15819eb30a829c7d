-- 017_functions_apart.sql: from here on the numbered migrations create and change tables
-- only; every function, trigger and view is defined once, in sql/functions/, and applied
-- again by each `paknctl migrate` after the migrations (sql/README.md). Before, each file
-- redefined what it changed, and the version that ran was the last file's.
--
-- What a database migrated before keeps and the files no longer define goes here:
-- pakn_tlog_time, an entry's time as text, is pakn_utc_text now (sql/functions/common.sql),
-- the one format of receipts, answers, audit events and log entries.
DROP FUNCTION IF EXISTS pakn_tlog_time(timestamptz);
