-- tlog.sql: the transparency log's functions (tables: 010_tlog.sql; docs/tlog.md). Every
-- accepted submission, moderation action and official answer is one entry, at the gap-free
-- index its transaction took from tlog_state; the Merkle tree over the entries is RFC 9162
-- §2.1 (SHA-256, leaf 0x00 || entry, node 0x01 || left || right). Intake and moderation
-- only take their indexes: a submission is its feedback row (log_index), an action its
-- audit event (log_index). The service's checkpointer (server/tlog/tlog_publish.c) copies the new
-- entries into tlog_entry, hashes the new part of the tree (pakn_tlog_advance) and signs a
-- checkpoint.

-- An entry's bytes: no personal data, only what identifies the event and a commitment to
-- its content, so erasing personal data later leaves the log intact.
-- STABLE as convert_to is: declared IMMUTABLE it could not be inlined, and each call ran
-- as a query of its own (measured in 012_tlog_copy.sql).
CREATE OR REPLACE FUNCTION pakn_tlog_entry(p_kind text, p_tracking text, p_item text,
                                           p_at text, p_commitment text) RETURNS bytea
LANGUAGE sql STABLE AS $$
    SELECT convert_to('pakn57-log-entry/1' || E'\n' || p_kind || E'\n' || p_tracking || E'\n'
                      || p_item || E'\n' || p_at || E'\n' || p_commitment || E'\n', 'UTF8')
$$;

-- What a moderation event's entry commits to: the event's audit hash (officials.sql), and
-- for an answer also the answer's text.
CREATE OR REPLACE FUNCTION pakn_tlog_event_commitment(e moderation_event) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF e.action = 'answer' THEN
        RETURN encode(sha256(convert_to(pakn_event_hash(e) || E'\n' ||
                                        (SELECT text FROM feedback_response
                                         WHERE feedback_id = e.feedback_id), 'UTF8')), 'hex');
    END IF;
    RETURN pakn_event_hash(e);
END
$$;

CREATE OR REPLACE FUNCTION pakn_tlog_event_kind(p_action text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_action WHEN 'answer' THEN 'answer' ELSE 'moderation' END
$$;

-- Moderation actions and answers: each takes the next index in the action's transaction
-- (the lock on tlog_state keeps indexes gap-free and in commit order).
CREATE OR REPLACE FUNCTION pakn_tlog_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ix bigint;
BEGIN
    SELECT size INTO ix FROM tlog_state WHERE one FOR UPDATE;
    UPDATE moderation_event SET log_index = ix WHERE id = NEW.id;
    UPDATE tlog_state SET size = ix + 1 WHERE one;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER moderation_event_tlog AFTER INSERT ON moderation_event FOR EACH ROW
    WHEN (NEW.feedback_id IS NOT NULL
          AND NEW.action IN ('publish', 'reject', 'hide', 'forward', 'answer', 'close'))
    EXECUTE FUNCTION pakn_tlog_event();

-- The entries [p_from, p_to) as their sources give them now: submissions from feedback,
-- actions from the audit trail. The checkpointer copies them; the audit recomputes them.
CREATE OR REPLACE FUNCTION pakn_tlog_sources(p_from bigint, p_to bigint)
RETURNS TABLE (idx bigint, kind text, tracking_code text, item_code text, at text,
               commitment text)
LANGUAGE sql STABLE AS $$
    SELECT f.log_index, 'submission', f.tracking_code, it.code, pakn_utc_text(f.created_at),
           f.submission_hash
    FROM feedback f JOIN plan_item it ON it.id = f.item_id
    WHERE f.log_index >= p_from AND f.log_index < p_to
    UNION ALL
    SELECT e.log_index, pakn_tlog_event_kind(e.action), f.tracking_code, it.code,
           pakn_utc_text(e.at), pakn_tlog_event_commitment(e)
    FROM moderation_event e JOIN feedback f ON f.id = e.feedback_id
    JOIN plan_item it ON it.id = f.item_id
    WHERE e.log_index >= p_from AND e.log_index < p_to
$$;

-- The largest power of two below n (n > 1).
CREATE OR REPLACE FUNCTION pakn_tlog_split(n bigint) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    k bigint := 1;
BEGIN
    WHILE k * 2 < n LOOP
        k := k * 2;
    END LOOP;
    RETURN k;
END
$$;

-- MTH(D[lo:hi]) from the leaves and the stored perfect subtrees (hi <= tlog_tree.size).
CREATE OR REPLACE FUNCTION pakn_tlog_mth(p_lo bigint, p_hi bigint) RETURNS bytea
LANGUAGE plpgsql STABLE AS $$
DECLARE
    n     bigint := p_hi - p_lo;
    k     bigint;
    lvl   integer := 0;
    h     bytea;
BEGIN
    IF n = 0 THEN
        RETURN sha256(''::bytea);
    END IF;
    IF n = 1 THEN
        SELECT leaf INTO h FROM tlog_entry WHERE idx = p_lo;
        IF h IS NULL THEN
            RAISE EXCEPTION 'tlog: entry % missing', p_lo;
        END IF;
        RETURN h;
    END IF;
    IF n >= 16 AND n & (n - 1) = 0 AND p_lo % n = 0 THEN
        WHILE (1::bigint << lvl) < n LOOP
            lvl := lvl + 1;
        END LOOP;
        SELECT hash INTO h FROM tlog_node WHERE level = lvl AND idx = p_lo / n;
        IF h IS NULL THEN
            RAISE EXCEPTION 'tlog: node (%, %) missing', lvl, p_lo / n;
        END IF;
        RETURN h;
    END IF;
    k := pakn_tlog_split(n);
    RETURN sha256('\x01'::bytea || pakn_tlog_mth(p_lo, p_lo + k) || pakn_tlog_mth(p_lo + k, p_hi));
END
$$;

-- RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]), m counted from lo.
CREATE OR REPLACE FUNCTION pakn_tlog_path(p_m bigint, p_lo bigint, p_hi bigint) RETURNS bytea[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
    n bigint := p_hi - p_lo;
    k bigint;
BEGIN
    IF n <= 1 THEN
        RETURN '{}';
    END IF;
    k := pakn_tlog_split(n);
    IF p_m < k THEN
        RETURN pakn_tlog_path(p_m, p_lo, p_lo + k) || pakn_tlog_mth(p_lo + k, p_hi);
    END IF;
    RETURN pakn_tlog_path(p_m - k, p_lo + k, p_hi) || pakn_tlog_mth(p_lo, p_lo + k);
END
$$;

-- RFC 9162 §2.1.4.1 SUBPROOF(m, D[lo:hi], b).
CREATE OR REPLACE FUNCTION pakn_tlog_subproof(p_m bigint, p_lo bigint, p_hi bigint,
                                              p_b boolean) RETURNS bytea[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
    n bigint := p_hi - p_lo;
    k bigint;
BEGIN
    IF p_m = n THEN
        RETURN CASE WHEN p_b THEN '{}'::bytea[] ELSE ARRAY[pakn_tlog_mth(p_lo, p_hi)] END;
    END IF;
    k := pakn_tlog_split(n);
    IF p_m <= k THEN
        RETURN pakn_tlog_subproof(p_m, p_lo, p_lo + k, p_b) || pakn_tlog_mth(p_lo + k, p_hi);
    END IF;
    RETURN pakn_tlog_subproof(p_m - k, p_lo + k, p_hi, false) || pakn_tlog_mth(p_lo, p_lo + k);
END
$$;

CREATE OR REPLACE FUNCTION pakn_tlog_b64(p bytea[]) RETURNS json
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(json_agg(encode(h, 'base64') ORDER BY n), '[]') FROM unnest(p) WITH ORDINALITY t(h, n)
$$;

-- The inclusion proof of entry p_index in the tree of p_size, or NULL if the tree is not
-- hashed that far.
CREATE OR REPLACE FUNCTION pakn_tlog_inclusion(p_index bigint, p_size bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_index < 0 OR p_index >= p_size OR p_size > (SELECT size FROM tlog_tree) THEN
        RETURN NULL;
    END IF;
    RETURN json_build_object('index', p_index, 'size', p_size,
                             'leaf_hash', encode(pakn_tlog_mth(p_index, p_index + 1), 'base64'),
                             'proof', pakn_tlog_b64(pakn_tlog_path(p_index, 0, p_size)));
END
$$;

-- The consistency proof between the trees of sizes p_from and p_to (0 < from <= to).
CREATE OR REPLACE FUNCTION pakn_tlog_consistency(p_from bigint, p_to bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_from < 1 OR p_from > p_to OR p_to > (SELECT size FROM tlog_tree) THEN
        RETURN NULL;
    END IF;
    RETURN json_build_object('from', p_from, 'to', p_to, 'proof',
                             pakn_tlog_b64(CASE WHEN p_from = p_to THEN '{}'::bytea[]
                                                ELSE pakn_tlog_subproof(p_from, 0, p_to, true) END));
END
$$;

-- Hashes what was appended since the last call: the leaves and every perfect subtree they
-- complete. Returns the tree's size and root and the newest checkpoint, for the
-- checkpointer to check and sign. Checkpointers of several instances take turns.
--
-- The entries are copied by a plain insert of those not copied yet: ON CONFLICT would make
-- every insert speculative, about a third of the copy's time, to cover a case that only a
-- hand on the tables makes: the tree reset below entries already copied (a rewrite of the
-- log, which the checkpointer must then find and refuse, tests/integration/
-- test_tlog_api.c). Those entries stay as they are, and are counted with the new ones.
CREATE OR REPLACE FUNCTION pakn_tlog_advance() RETURNS json
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    done   bigint;
    target bigint;
    copied bigint;  -- entries below this index are in tlog_entry already
    lvl    integer := 5;
    n      bigint;
    last   tlog_checkpoint;
BEGIN
    SELECT size INTO done FROM tlog_tree WHERE one FOR UPDATE;
    SELECT size INTO target FROM tlog_state WHERE one;
    IF target > done THEN
        SELECT least(greatest(coalesce(max(idx) + 1, 0), done), target) INTO copied
        FROM tlog_entry;
        INSERT INTO tlog_entry (idx, kind, tracking_code, item_code, at, commitment, leaf)
        SELECT s.*, sha256('\x00'::bytea || pakn_tlog_entry(s.kind, s.tracking_code,
                                                            s.item_code, s.at, s.commitment))
        FROM pakn_tlog_sources(copied, target) s;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF copied > done THEN
            n := n + (SELECT count(*) FROM tlog_entry WHERE idx >= done AND idx < copied);
        END IF;
        IF n <> target - done THEN
            -- A source went missing between its commit and this copy: the log stops here,
            -- loudly, rather than sign a tree with a hole (paknctl log audit says which).
            RAISE EXCEPTION 'tlog: % entries between % and % where % were expected',
                            n, done, target, target - done;
        END IF;
        -- Level 4: each run of 16 leaves completed now, hashed up in one pass.
        WITH l0 AS (SELECT idx AS i, leaf AS h FROM tlog_entry
                    WHERE idx >= (done >> 4) << 4 AND idx < (target >> 4) << 4),
             l1 AS (SELECT i >> 1 AS i, sha256('\x01'::bytea || string_agg(h, ''::bytea ORDER BY i)) AS h
                    FROM l0 GROUP BY 1),
             l2 AS (SELECT i >> 1 AS i, sha256('\x01'::bytea || string_agg(h, ''::bytea ORDER BY i)) AS h
                    FROM l1 GROUP BY 1),
             l3 AS (SELECT i >> 1 AS i, sha256('\x01'::bytea || string_agg(h, ''::bytea ORDER BY i)) AS h
                    FROM l2 GROUP BY 1)
        INSERT INTO tlog_node (level, idx, hash)
        SELECT 4, i >> 1, sha256('\x01'::bytea || string_agg(h, ''::bytea ORDER BY i))
        FROM l3 GROUP BY 2
        ON CONFLICT DO NOTHING;
        WHILE (1::bigint << lvl) <= target LOOP
            INSERT INTO tlog_node (level, idx, hash)
            SELECT lvl, j, sha256('\x01'::bytea || a.hash || b.hash)
            FROM generate_series(done >> lvl, (target >> lvl) - 1) j
            JOIN tlog_node a ON a.level = lvl - 1 AND a.idx = 2 * j
            JOIN tlog_node b ON b.level = lvl - 1 AND b.idx = 2 * j + 1
            ON CONFLICT DO NOTHING;
            lvl := lvl + 1;
        END LOOP;
        UPDATE tlog_tree SET size = target WHERE one;
    END IF;
    SELECT * INTO last FROM tlog_checkpoint ORDER BY size DESC LIMIT 1;
    RETURN json_build_object(
        'size', target,
        'root', encode(pakn_tlog_mth(0, target), 'base64'),
        'last', CASE WHEN last.size IS NOT NULL THEN json_build_object(
                    'size', last.size, 'root', encode(last.root, 'base64')) END);
END
$$;

-- The entries [p_start, p_end) of the hashed tree, at most 1000.
CREATE OR REPLACE FUNCTION pakn_tlog_entries(p_start bigint, p_end bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'start', p_start,
        'end', least(p_end, p_start + 1000, (SELECT size FROM tlog_tree)),
        'size', (SELECT size FROM tlog_tree),
        'entries', coalesce(json_agg(json_build_object(
            'index', e.idx, 'kind', e.kind, 'tracking_code', e.tracking_code,
            'item_code', e.item_code, 'at', e.at, 'commitment', e.commitment,
            'entry', translate(encode(pakn_tlog_entry(e.kind, e.tracking_code, e.item_code,
                                                      e.at, e.commitment), 'base64'), E'\n', ''),
            'leaf_hash', encode(e.leaf, 'base64')) ORDER BY e.idx), '[]'))
    FROM tlog_entry e
    WHERE e.idx >= p_start AND e.idx < least(p_end, p_start + 1000, (SELECT size FROM tlog_tree))
$$;
