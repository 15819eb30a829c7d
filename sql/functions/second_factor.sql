-- second_factor.sql: officials' second factor (tables: 022_totp.sql; docs/moderation.md,
-- "The second factor"). The C side checks codes (server/crypto/totp.c); these record what
-- a checked code allows, under a row lock, with its audit event.

-- Starts (or starts again) an enrolment with a new encrypted secret. Returns {"status": ok
-- | conflict}: conflict when the official has a second factor already (paknctl official
-- reset-2fa removes it).
CREATE OR REPLACE FUNCTION pakn_totp_begin(p_official integer, p_secret_enc text) RETURNS json
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO official_totp AS t (official_id, secret_enc)
    VALUES (p_official, p_secret_enc)
    ON CONFLICT (official_id) DO UPDATE SET secret_enc = excluded.secret_enc,
                                            created_at = now(), last_step = NULL
        WHERE t.enrolled_at IS NULL;
    IF NOT FOUND THEN
        RETURN json_build_object('status', 'conflict');
    END IF;
    RETURN json_build_object('status', 'ok');
END
$$;

-- Accepts a TOTP code the C side found right for time step p_step: refused (a replay) unless
-- the step is newer than every code accepted before. With p_recovery (the hashes of new
-- recovery codes) this ends a pending enrolment; without, the official must be enrolled.
-- The session passes its second factor. Returns {"status": ok | conflict | not_found}:
-- conflict for a replayed code, not_found when there is nothing to verify against.
CREATE OR REPLACE FUNCTION pakn_totp_accept(p_official integer, p_role text, p_session bigint,
                                            p_step bigint, p_recovery text[]) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    t official_totp;
BEGIN
    SELECT * INTO t FROM official_totp WHERE official_id = p_official FOR UPDATE;
    IF NOT FOUND OR (t.enrolled_at IS NULL) <> (p_recovery IS NOT NULL) THEN
        RETURN json_build_object('status', 'not_found');
    END IF;
    IF t.last_step IS NOT NULL AND p_step <= t.last_step THEN
        PERFORM pakn_audit(p_official, p_role, NULL, 'second_factor_failed', 'replay',
                           NULL, NULL, NULL);
        RETURN json_build_object('status', 'conflict');
    END IF;
    UPDATE official_totp SET last_step = p_step, enrolled_at = coalesce(enrolled_at, now())
    WHERE official_id = p_official;
    IF p_recovery IS NOT NULL THEN
        DELETE FROM official_recovery_code WHERE official_id = p_official;
        INSERT INTO official_recovery_code (official_id, code_hash)
        SELECT p_official, h FROM unnest(p_recovery) h;
    END IF;
    UPDATE official_session SET second_factor_at = now() WHERE id = p_session;
    PERFORM pakn_audit(p_official, p_role, NULL,
                       CASE WHEN p_recovery IS NULL THEN 'second_factor'
                            ELSE 'second_factor_enrolled' END, NULL, NULL, NULL, NULL);
    RETURN json_build_object('status', 'ok');
END
$$;

-- Uses one recovery code (its keyed hash) in place of a TOTP code. Returns {"status": ok |
-- not_found, "left": codes still unused}; a failure is audited.
CREATE OR REPLACE FUNCTION pakn_recovery_use(p_official integer, p_role text, p_session bigint,
                                             p_hash text) RETURNS json
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE official_recovery_code SET used_at = now()
    WHERE official_id = p_official AND code_hash = p_hash AND used_at IS NULL
      AND EXISTS (SELECT 1 FROM official_totp t
                  WHERE t.official_id = p_official AND t.enrolled_at IS NOT NULL);
    IF NOT FOUND THEN
        PERFORM pakn_audit(p_official, p_role, NULL, 'second_factor_failed', 'recovery_code',
                           NULL, NULL, NULL);
        RETURN json_build_object('status', 'not_found');
    END IF;
    UPDATE official_session SET second_factor_at = now() WHERE id = p_session;
    PERFORM pakn_audit(p_official, p_role, NULL, 'recovery_code_used', NULL, NULL, NULL, NULL);
    RETURN json_build_object('status', 'ok',
                             'left', (SELECT count(*) FROM official_recovery_code
                                      WHERE official_id = p_official AND used_at IS NULL));
END
$$;

-- paknctl official reset-2fa: removes an official's second factor and recovery codes and
-- ends its browser sessions, so its next sign-in must enrol again; audited with the note
-- "paknctl". Returns the official's id, or NULL when there is no such official.
CREATE OR REPLACE FUNCTION pakn_totp_reset(p_username text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    o official;
BEGIN
    SELECT * INTO o FROM official WHERE username = p_username FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    DELETE FROM official_totp WHERE official_id = o.id;
    DELETE FROM official_recovery_code WHERE official_id = o.id;
    UPDATE official_session SET revoked_at = now()
    WHERE official_id = o.id AND kind = 'browser' AND revoked_at IS NULL;
    PERFORM pakn_audit(o.id, array_to_string(o.roles, ','), NULL, 'second_factor_reset', NULL, 'paknctl', NULL, NULL);
    RETURN o.id;
END
$$;
