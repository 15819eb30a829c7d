-- 024_search.sql: text search over feedback in the officials' queue (docs/moderation.md,
-- "Search and filters"). Bodies are searched folded (no case, no diacritics, đ as d), as
-- trigrams, so "so hoa" finds "Số hóa" anywhere in a text, from an index.
--
-- pakn_fold is defined here, not in sql/functions/: an index is built on it, so it may only
-- change with a new migration that rebuilds the index. It folds the letters of Vietnamese
-- (stored text is NFC: intake_clean_text) and ASCII case; lower() under "C" does not depend
-- on the database's locale, which an IMMUTABLE function must not.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The queue takes more filters (sql/functions/officials.sql).
DROP FUNCTION IF EXISTS pakn_queue(integer, text, text, text, text, integer, date, date, bigint,
                                   integer);

CREATE OR REPLACE FUNCTION pakn_fold(s text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT lower(translate(s,
        'àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ',
        'aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyydaaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd')
        COLLATE "C")
$$;

CREATE INDEX IF NOT EXISTS feedback_body_trgm_idx ON feedback USING gin (pakn_fold(body) gin_trgm_ops);
