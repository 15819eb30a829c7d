-- templates.sql: answer templates (table: 027_answer_templates.sql; docs/moderation.md,
-- "Answer templates"): the templates of an official's agencies, their changes (each
-- audited), and the values a template's placeholders take for one feedback. The filling
-- itself is the C side's (server/officials/templates.c), in one pass, so a value that
-- holds "{today}" is not filled again.

-- The agencies whose templates official o reads and changes: their own, while enabled.
-- Which roles may is the C side's (auth_require); an analyst never gets here.
CREATE OR REPLACE FUNCTION pakn_template_agencies(p_official integer) RETURNS SETOF integer
LANGUAGE sql STABLE AS $$
    SELECT oa.agency_id FROM official o JOIN official_agency oa ON oa.official_id = o.id
    WHERE o.id = p_official AND NOT o.disabled
$$;

-- A template as the API shows it.
CREATE OR REPLACE FUNCTION pakn_template_doc(t answer_template) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', t.id, 'agency', (SELECT code FROM agency WHERE id = t.agency_id),
                             'title', t.title, 'text', t.text,
                             'updated_at', pakn_utc_text(t.updated_at))
$$;

-- {"items": [...]}: the templates of the official's agencies, by agency, then oldest first.
CREATE OR REPLACE FUNCTION pakn_template_list(p_official integer) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('items', coalesce(json_agg(pakn_template_doc(t)
                                                        ORDER BY a.code, t.id), '[]'))
    FROM answer_template t JOIN agency a ON a.id = t.agency_id
    WHERE t.agency_id IN (SELECT pakn_template_agencies(p_official))
$$;

-- How many templates an agency keeps at most (docs/moderation.md).
CREATE OR REPLACE FUNCTION pakn_template_max() RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT 100 $$;

-- Creates (p_id NULL: for agency p_agency) or changes (p_id: title and text) a template of
-- one of the official's agencies, and appends 'template_create' or 'template_update' to the
-- audit trail (reason: the agency, note: the template's id and title). The C side has
-- checked the lengths. Returns {"status": ok | not_found | unknown_agency | too_many,
-- "template": {...}}: not_found for a template of no agency of theirs (audited as denied),
-- unknown_agency for an agency not theirs, too_many when the agency has pakn_template_max()
-- already (counted under a lock on the agency's row, so two at once cannot pass it).
CREATE OR REPLACE FUNCTION pakn_template_save(p_official integer, p_role text, p_id integer,
                                              p_agency text, p_title text, p_text text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    t      answer_template;
    agency integer;
BEGIN
    IF p_id IS NULL THEN
        SELECT id INTO agency FROM agency
        WHERE code = p_agency AND id IN (SELECT pakn_template_agencies(p_official))
        FOR UPDATE;
        IF agency IS NULL THEN
            RETURN json_build_object('status', 'unknown_agency');
        END IF;
        IF (SELECT count(*) FROM answer_template WHERE agency_id = agency)
           >= pakn_template_max() THEN
            RETURN json_build_object('status', 'too_many');
        END IF;
        INSERT INTO answer_template (agency_id, title, text, created_by)
        VALUES (agency, p_title, p_text, p_official) RETURNING * INTO t;
    ELSE
        UPDATE answer_template SET title = p_title, text = p_text, updated_at = now()
        WHERE id = p_id AND agency_id IN (SELECT pakn_template_agencies(p_official))
        RETURNING * INTO t;
        IF t.id IS NULL THEN
            PERFORM pakn_audit(p_official, p_role, NULL, 'denied', 'template_update',
                               'template ' || p_id, NULL, NULL);
            RETURN json_build_object('status', 'not_found');
        END IF;
    END IF;
    PERFORM pakn_audit(p_official, p_role, NULL,
                       CASE WHEN p_id IS NULL THEN 'template_create' ELSE 'template_update' END,
                       (SELECT code FROM agency WHERE id = t.agency_id),
                       'template ' || t.id || ': ' || t.title, NULL, NULL);
    RETURN json_build_object('status', 'ok', 'template', pakn_template_doc(t));
END
$$;

-- Deletes a template of one of the official's agencies, audited as 'template_delete' (as
-- pakn_template_save). Returns {"status": ok | not_found, "deleted": id}.
CREATE OR REPLACE FUNCTION pakn_template_delete(p_official integer, p_role text, p_id integer)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    t answer_template;
BEGIN
    DELETE FROM answer_template
    WHERE id = p_id AND agency_id IN (SELECT pakn_template_agencies(p_official))
    RETURNING * INTO t;
    IF t.id IS NULL THEN
        PERFORM pakn_audit(p_official, p_role, NULL, 'denied', 'template_delete',
                           'template ' || p_id, NULL, NULL);
        RETURN json_build_object('status', 'not_found');
    END IF;
    PERFORM pakn_audit(p_official, p_role, NULL, 'template_delete',
                       (SELECT code FROM agency WHERE id = t.agency_id),
                       'template ' || t.id || ': ' || t.title, NULL, NULL);
    RETURN json_build_object('status', 'ok', 'deleted', t.id);
END
$$;

-- What template p_template says for feedback p_feedback, before the action p_action that
-- answers with it: {"status": "ok", "text": <the template's text>, "values": {placeholder:
-- value}}. unknown_template when it is no template of the official's agencies (checked
-- first: a bulk action learns from its first row whether the template is there at all);
-- not_found for a feedback out of scope, whose denial is audited as pakn_moderate would,
-- since pakn_moderate is then not called. Dates are Vietnam days, dd/mm/yyyy.
CREATE OR REPLACE FUNCTION pakn_template_fill(p_official integer, p_role text,
                                              p_feedback bigint, p_template integer,
                                              p_action text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    t answer_template;
    v json;
BEGIN
    SELECT * INTO t FROM answer_template
    WHERE id = p_template AND agency_id IN (SELECT pakn_template_agencies(p_official));
    IF t.id IS NULL THEN
        RETURN json_build_object('status', 'unknown_template');
    END IF;
    IF NOT pakn_in_scope(p_official, p_feedback) THEN
        PERFORM pakn_audit(p_official, p_role, (SELECT id FROM feedback WHERE id = p_feedback),
                           'denied', p_action, NULL, NULL, NULL);
        RETURN json_build_object('status', 'not_found');
    END IF;
    SELECT json_build_object('item_title', it.title, 'item_code', it.code, 'plan', p.title,
                             'received_date', to_char(coalesce(f.received_on, pakn_local_day(f.created_at)), 'DD/MM/YYYY'),
                             'today', to_char(pakn_local_day(now()), 'DD/MM/YYYY'),
                             'tracking_code', f.tracking_code)
    INTO v
    FROM feedback f JOIN plan_item it ON it.id = f.item_id JOIN plan p ON p.id = it.plan_id
    WHERE f.id = p_feedback;
    RETURN json_build_object('status', 'ok', 'text', t.text, 'values', v);
END
$$;
