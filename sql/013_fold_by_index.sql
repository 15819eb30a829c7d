-- 013_fold_by_index.sql: the fold (011) reads the rows that wait as one range of log
-- indexes instead of as a list of their ids. The list was probed into feedback's primary
-- key one id at a time; the range is one scan of feedback_log_index_key over rows stored
-- in that order. Measured on 43,700 waiting rows: reading them 222 ms before, 84 ms after;
-- the fold as a whole 240-280 ms before, about 110 ms after. It runs each second beside
-- intake, which feels it (docs/intake.md, "Speed").
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/rollups.sql (the view pakn_rollup_source).

