-- 009_catalog_version.sql: a number that moves whenever the catalog changes. The service
-- keeps catalog replies in memory (server/reply_cache.c) and drops them when it moves.

CREATE TABLE IF NOT EXISTS catalog_version (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    v   bigint NOT NULL
);
INSERT INTO catalog_version (one, v) VALUES (true, 1) ON CONFLICT DO NOTHING;

CREATE OR REPLACE FUNCTION pakn_catalog_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET v = v + 1 WHERE one;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['plan', 'plan_section', 'agency', 'plan_item', 'plan_item_agency'] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS catalog_changed ON %I', t);
        EXECUTE format('CREATE TRIGGER catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                       'ON %I FOR EACH STATEMENT EXECUTE FUNCTION pakn_catalog_changed()', t);
    END LOOP;
END
$$;
