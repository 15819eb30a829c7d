-- 001_catalog.sql: the plan catalog - plans, their sections, items (tasks and indicators),
-- and the agencies responsible for them.
-- Applied once by `paknctl migrate`, which records it in schema_migrations.
--
-- Functions, triggers and views are not defined here (sql/README.md): see
-- sql/functions/catalog.sql.

CREATE TABLE IF NOT EXISTS plan (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{1,31}$'),
    province    text NOT NULL,
    title       text NOT NULL,
    prefix      text NOT NULL UNIQUE,  -- item code prefix: LC gives LC-T25
    source      text,                  -- file the plan was imported from
    imported_at timestamptz NOT NULL DEFAULT now()
);

-- A plan's table has sections (Roman numerals); an appendix of indicators and one of tasks
-- each number their sections from I, hence kind in the key.
CREATE TABLE IF NOT EXISTS plan_section (
    id       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id  integer NOT NULL REFERENCES plan ON DELETE CASCADE,
    kind     text NOT NULL CHECK (kind IN ('task', 'indicator')),
    code     text NOT NULL,
    title    text NOT NULL,
    position integer NOT NULL,
    UNIQUE (plan_id, kind, code)
);

CREATE TABLE IF NOT EXISTS agency (
    id       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code     text NOT NULL UNIQUE,     -- province prefix + folded name: lc-so-khoa-hoc-va-cong-nghe
    province text NOT NULL,
    name     text NOT NULL,
    UNIQUE (province, name)
);

CREATE TABLE IF NOT EXISTS plan_item (
    id                integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id           integer NOT NULL REFERENCES plan ON DELETE CASCADE,
    section_id        integer NOT NULL REFERENCES plan_section,
    code              text NOT NULL UNIQUE,
    kind              text NOT NULL CHECK (kind IN ('task', 'indicator')),
    number            text NOT NULL,
    group_code        text,
    group_title       text,
    title             text NOT NULL,
    result            text,
    deadline_text     text,
    deadline_kind     text NOT NULL CHECK (deadline_kind IN
                          ('none', 'month', 'quarter', 'date', 'year', 'quarterly', 'ongoing', 'other')),
    period_start      date,
    period_end        date CHECK (period_end >= period_start),
    unit              text,
    baseline          text,
    target            text,
    footnotes         text[] NOT NULL DEFAULT '{}',
    lead_text         text,            -- the cells as written, before splitting
    coordinating_text text,
    position          integer NOT NULL,
    search_text       text NOT NULL,   -- folded (no case, no diacritics) for ?q=
    doc               json             -- the item as the API returns it, built by pakn_item_doc
);
CREATE INDEX IF NOT EXISTS plan_item_plan_idx ON plan_item (plan_id, position);

CREATE TABLE IF NOT EXISTS plan_item_agency (
    item_id   integer NOT NULL REFERENCES plan_item ON DELETE CASCADE,
    agency_id integer NOT NULL REFERENCES agency,
    role      text NOT NULL CHECK (role IN ('lead', 'coordinating')),
    position  integer NOT NULL,
    PRIMARY KEY (item_id, agency_id, role)
);
CREATE INDEX IF NOT EXISTS plan_item_agency_agency_idx ON plan_item_agency (agency_id);
