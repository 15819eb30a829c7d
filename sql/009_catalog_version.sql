-- 009_catalog_version.sql: a number that moves whenever the catalog changes. The service
-- keeps catalog replies in memory (server/reply_cache.c) and drops them when it moves.
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/catalog.sql.

CREATE TABLE IF NOT EXISTS catalog_version (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    v   bigint NOT NULL
);
INSERT INTO catalog_version (one, v) VALUES (true, 1) ON CONFLICT DO NOTHING;

