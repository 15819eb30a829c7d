-- 025_search.sql: text search over feedback in the officials' queue (docs/moderation.md,
-- "Search and filters"). Bodies are searched folded (no case, no diacritics, đ as d), as
-- trigrams, so "so hoa" finds "Số hóa" anywhere in a text, from an index.
--
-- Both extensions ship with PostgreSQL (Debian's postgresql-15, the postgres image) and are
-- trusted: the database's owner may create them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- The queue takes more filters (sql/functions/officials.sql): both earlier signatures go,
-- before and after 024_assign_escalate.sql's assignee.
DROP FUNCTION IF EXISTS pakn_queue(integer, text, text, text, text, integer, date, date, bigint,
                                   integer);
DROP FUNCTION IF EXISTS pakn_queue(integer, text, text, text, text, integer, date, date, bigint,
                                   integer, integer);

-- The one definition of folded text in SQL. It is here, not in sql/functions/: an index is
-- built on it, so it changes only with a migration that rebuilds the index. unaccent with its
-- dictionary named does not depend on the search path, which is what lets it be IMMUTABLE
-- (the form PostgreSQL's documentation of unaccent suggests for an index); it maps every
-- Vietnamese letter, đ and Đ included, to its base letter. lower() under "C" folds ASCII,
-- which is all that is left, whatever the database's locale. Measured against translate()
-- of the 134 Vietnamese letters: 4 µs instead of 53 for 64 characters, 71 µs instead of
-- 4.4 ms for 4,800, which an index recheck pays per row.
CREATE OR REPLACE FUNCTION pakn_fold(s text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT lower(public.unaccent('public.unaccent'::regdictionary, s) COLLATE "C")
$$;

-- The folded text is stored beside the text, computed by PostgreSQL on every insert (no
-- change to intake's statement; about 4 µs for a usual text, 70 µs for the longest): a
-- search then compares stored text, both when it walks the queue in order (a common word)
-- and when it rechecks the index's candidates (a rare one), instead of folding each row
-- again. On 1,000,000 rows folding at query time made a search for a word in 2% of rows
-- take 24 ms at p50, and one combined with other filters 76 ms (bench/results/search-*).
ALTER TABLE feedback ADD COLUMN IF NOT EXISTS body_folded text
    GENERATED ALWAYS AS (pakn_fold(body)) STORED;
CREATE INDEX IF NOT EXISTS feedback_body_trgm_idx ON feedback USING gin (body_folded gin_trgm_ops);

