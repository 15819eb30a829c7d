-- tlog.sql: the transparency log's functions (tables: 010_tlog.sql; docs/tlog.md). Every
-- accepted submission, moderation action and official answer is one entry, at the gap-free
-- index its transaction took from tlog_state; the Merkle tree over the entries is RFC 9162
-- §2.1 (SHA-256, leaf 0x00 || entry, node 0x01 || left || right). Intake and moderation
-- only take their indexes: a submission is its feedback row (log_index), an action its
-- audit event (log_index). The service's checkpointer (server/tlog/tlog_publish.c) copies the new
-- entries into tlog_entry, hashes the new part of the tree (pakn_tlog_advance) and signs a
-- checkpoint.

-- An entry's bytes: no personal data, so erasing personal data later leaves the log
-- intact. Version 1 (before 018_receipts_v2.sql) names the feedback by its tracking code
-- and item; version 2 only by its random handle, and its commitment is blinded with the
-- feedback's salt, so a reader of the public log learns nothing about the feedback.
-- STABLE as convert_to is: declared IMMUTABLE it could not be inlined, and each call ran
-- as a query of its own (measured in 012_tlog_copy.sql).
CREATE OR REPLACE FUNCTION pakn_tlog_entry(p_version smallint, p_kind text, p_tracking text,
                                           p_item text, p_handle text, p_at text,
                                           p_commitment text) RETURNS bytea
LANGUAGE sql STABLE AS $$
    SELECT convert_to(CASE WHEN p_version = 1
        THEN 'pakn57-log-entry/1' || E'\n' || p_kind || E'\n' || p_tracking || E'\n'
             || p_item || E'\n' || p_at || E'\n' || p_commitment || E'\n'
        ELSE 'pakn57-log-entry/2' || E'\n' || p_kind || E'\n' || p_handle || E'\n'
             || p_at || E'\n' || p_commitment || E'\n' END, 'UTF8')
$$;

CREATE OR REPLACE FUNCTION pakn_tlog_leaf(p_entry bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256('\x00'::bytea || p_entry)
$$;

CREATE OR REPLACE FUNCTION pakn_tlog_node(p_left bytea, p_right bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256('\x01'::bytea || p_left || p_right)
$$;

-- What a moderation event's entry commits to: the event's audit hash (officials.sql), and
-- for an answer also the answer's text. Version 2 blinds it with the feedback's salt.
CREATE OR REPLACE FUNCTION pakn_tlog_event_commitment(e moderation_event, p_version smallint,
                                                      p_salt bytea) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    body text := pakn_event_hash(e);
BEGIN
    IF e.action = 'answer' THEN
        body := body || E'\n' || (SELECT text FROM feedback_response
                                  WHERE feedback_id = e.feedback_id);
    END IF;
    IF p_version = 1 THEN
        RETURN CASE WHEN e.action = 'answer' THEN encode(sha256(convert_to(body, 'UTF8')), 'hex')
                    ELSE body END;
    END IF;
    RETURN encode(sha256(p_salt || convert_to('pakn57-log-event/2' || E'\n' || body, 'UTF8')),
                  'hex');
END
$$;

CREATE OR REPLACE FUNCTION pakn_tlog_event_kind(p_action text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_action WHEN 'answer' THEN 'answer' ELSE 'moderation' END
$$;

-- The frontier of the tree of p_size entries from the hashed tree (tlog_node), hashing
-- what is appended first if need be: the roots of its perfect subtrees, largest first.
CREATE OR REPLACE FUNCTION pakn_tlog_frontier_at(p_size bigint) RETURNS bytea[]
LANGUAGE plpgsql AS $$
DECLARE
    out bytea[] := '{}';
    lo  bigint := 0;
    b   integer;
BEGIN
    IF (SELECT size FROM tlog_tree) < p_size THEN
        PERFORM pakn_tlog_advance();
    END IF;
    FOR b IN REVERSE 62..0 LOOP
        IF p_size & (1::bigint << b) <> 0 THEN
            out := out || pakn_tlog_mth(lo, lo + (1::bigint << b));
            lo := lo + (1::bigint << b);
        END IF;
    END LOOP;
    RETURN out;
END
$$;

-- Appends the leaves of one transaction's new entries (indexes from tlog_state.size on) to
-- the frontier, under tlog_state's row lock, and remembers where the transaction started.
-- Returns {"start", "frontier": the frontier before, base64, "size", "root": after}: all a
-- signer needs to sign the new head and to prove each new entry in it (server/tlog/tlog.c,
-- tlog_span).
CREATE OR REPLACE FUNCTION pakn_tlog_append(p_leaves bytea[]) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    st     tlog_state;
    before bytea[];
    fr     bytea[];
    n      bigint;
    k      bigint;
    h      bytea;
    leaf   bytea;
    i      integer;
BEGIN
    SELECT * INTO st FROM tlog_state WHERE one FOR UPDATE;
    before := coalesce(st.frontier, pakn_tlog_frontier_at(st.size));
    fr := before;
    n := st.size;
    FOREACH leaf IN ARRAY p_leaves LOOP
        -- each trailing one bit of the size is a perfect subtree the new leaf completes
        h := leaf;
        k := n;
        WHILE k & 1 = 1 LOOP
            h := pakn_tlog_node(fr[cardinality(fr)], h);
            fr := fr[1:cardinality(fr) - 1];
            k := k >> 1;
        END LOOP;
        fr := fr || h;
        n := n + 1;
    END LOOP;
    h := fr[cardinality(fr)];
    FOR i IN REVERSE cardinality(fr) - 1..1 LOOP
        h := pakn_tlog_node(fr[i], h);
    END LOOP;
    INSERT INTO tlog_batch (start, size, frontier, root) VALUES (st.size, n, before, h);
    UPDATE tlog_state SET size = n, frontier = fr WHERE one;
    RETURN json_build_object('start', st.size, 'frontier', pakn_tlog_b64(before), 'size', n,
                             'root', encode(h, 'base64'));
END
$$;

-- Moderation actions and answers: each takes the next index in the action's transaction
-- (the lock on tlog_state keeps indexes gap-free and in commit order) and is appended to
-- the frontier at once; what the head needs is left in the setting pakn.tlog_head, local
-- to the transaction, for pakn_moderate's reply. A transaction of several actions
-- (pakn_moderate_steps) keeps its first entry's start and frontier and every leaf since,
-- so one head proves each of its entries.
CREATE OR REPLACE FUNCTION pakn_tlog_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ix   bigint;
    f    feedback;
    leaf bytea;
    head jsonb;
    prev jsonb := nullif(current_setting('pakn.tlog_head', true), '')::jsonb;
BEGIN
    SELECT size INTO ix FROM tlog_state WHERE one FOR UPDATE;
    SELECT * INTO f FROM feedback WHERE id = NEW.feedback_id;
    NEW.log_index := ix;
    UPDATE moderation_event SET log_index = ix WHERE id = NEW.id;
    leaf := pakn_tlog_leaf(pakn_tlog_entry(
        2::smallint, pakn_tlog_event_kind(NEW.action), NULL, NULL, f.handle,
        pakn_utc_text(NEW.at), pakn_tlog_event_commitment(NEW, 2::smallint, f.salt)));
    -- For the action's reply (pakn_moderate): the service signs the head that ends it.
    head := pakn_tlog_append(ARRAY[leaf])::jsonb
        || jsonb_build_object('leaves', jsonb_build_array(encode(leaf, 'base64')));
    IF prev IS NOT NULL THEN
        head := head || jsonb_build_object('start', prev->'start', 'frontier', prev->'frontier',
                                           'leaves', (prev->'leaves') || (head->'leaves'));
    END IF;
    PERFORM set_config('pakn.tlog_head', head::text, true);
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER moderation_event_tlog AFTER INSERT ON moderation_event FOR EACH ROW
    WHEN (NEW.feedback_id IS NOT NULL
          AND NEW.action IN ('publish', 'reject', 'hide', 'forward', 'answer', 'close',
                             'assign', 'unassign', 'link_duplicate', 'unlink_duplicate'))
    EXECUTE FUNCTION pakn_tlog_event();

-- The entries [p_from, p_to) as their sources give them now: submissions from feedback,
-- actions from the audit trail. The checkpointer copies them; the audit recomputes them.
CREATE OR REPLACE FUNCTION pakn_tlog_sources(p_from bigint, p_to bigint)
RETURNS TABLE (idx bigint, version smallint, kind text, tracking_code text, item_code text,
               handle text, at text, commitment text)
LANGUAGE sql STABLE AS $$
    WITH st AS (SELECT v2_from FROM tlog_state)
    SELECT f.log_index, v.version, 'submission',
           CASE WHEN v.version = 1 THEN f.tracking_code END,
           CASE WHEN v.version = 1 THEN it.code END,
           CASE WHEN v.version = 2 THEN f.handle END,
           pakn_utc_text(f.created_at),
           CASE WHEN v.version = 1 THEN f.submission_hash ELSE f.commitment END
    FROM feedback f JOIN plan_item it ON it.id = f.item_id, st,
         LATERAL (SELECT CASE WHEN f.log_index < st.v2_from THEN 1 ELSE 2 END::smallint
                  AS version) v
    WHERE f.log_index >= p_from AND f.log_index < p_to
    UNION ALL
    SELECT e.log_index, v.version, pakn_tlog_event_kind(e.action),
           CASE WHEN v.version = 1 THEN f.tracking_code END,
           CASE WHEN v.version = 1 THEN it.code END,
           CASE WHEN v.version = 2 THEN f.handle END,
           pakn_utc_text(e.at), pakn_tlog_event_commitment(e, v.version, f.salt)
    FROM moderation_event e JOIN feedback f ON f.id = e.feedback_id
    JOIN plan_item it ON it.id = f.item_id, st,
         LATERAL (SELECT CASE WHEN e.log_index < st.v2_from THEN 1 ELSE 2 END::smallint
                  AS version) v
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

-- The appending transaction that entry p_index was part of, to prove it again:
-- {"start", "frontier", "size", "root", "leaves"} (the leaves of [start, size), base64; the
-- root as it was appended, which they must still make). A retry of a stored submission
-- asks for it inside pakn_intake_batch, under the log's row lock, so it reads the leaves
-- the checkpointer has already copied into tlog_entry (an index range) and hashes from
-- their sources only the entries of the last seconds it has not reached: about half the
-- time of hashing them all again (some 140 µs instead of 250 for a batch of 64 on the
-- 2-core machine), and the same answer (compared for every batch of 23,700 entries).
CREATE OR REPLACE FUNCTION pakn_tlog_batch_of(p_index bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    b      tlog_batch;
    copied bigint := (SELECT size FROM tlog_tree);
BEGIN
    SELECT * INTO b FROM tlog_batch WHERE start <= p_index ORDER BY start DESC LIMIT 1;
    IF NOT FOUND OR p_index >= b.size THEN
        RETURN NULL;
    END IF;
    -- Bounds as plain values: as one inlined statement with the batch's bounds from a join,
    -- the planner hashed every entry's sources first (0.6 s at 21,000 entries). The entries
    -- not copied yet are the last ones, after those that are.
    RETURN json_build_object(
        'start', b.start, 'frontier', pakn_tlog_b64(b.frontier), 'size', b.size,
        'root', encode(b.root, 'base64'),
        'leaves', pakn_tlog_b64(ARRAY(
                      SELECT e.leaf FROM tlog_entry e
                      WHERE e.idx >= b.start AND e.idx < least(b.size, copied) ORDER BY e.idx)
                  || CASE WHEN copied < b.size THEN ARRAY(
                      SELECT pakn_tlog_leaf(pakn_tlog_entry(s.version, s.kind, s.tracking_code,
                                                            s.item_code, s.handle, s.at,
                                                            s.commitment))
                      FROM pakn_tlog_sources(greatest(b.start, copied), b.size) s
                      ORDER BY s.idx) END));
END
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
        INSERT INTO tlog_entry (idx, version, kind, tracking_code, item_code, handle, at,
                                commitment, leaf)
        SELECT s.*, pakn_tlog_leaf(pakn_tlog_entry(s.version, s.kind, s.tracking_code,
                                                   s.item_code, s.handle, s.at, s.commitment))
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

-- The entries [p_start, p_end) of the hashed tree, at most 1000. A version 2 entry is
-- given whole; of a version 1 entry only its leaf hash, since its bytes name a tracking
-- code and an item (docs/tlog.md, "What a reader learns").
CREATE OR REPLACE FUNCTION pakn_tlog_entries(p_start bigint, p_end bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'start', p_start,
        'end', least(p_end, p_start + 1000, (SELECT size FROM tlog_tree)),
        'size', (SELECT size FROM tlog_tree),
        'entries', coalesce(json_agg(CASE WHEN e.version = 1
            THEN json_build_object('index', e.idx, 'version', 1,
                                   'leaf_hash', encode(e.leaf, 'base64'))
            ELSE json_build_object(
                'index', e.idx, 'version', e.version, 'kind', e.kind, 'handle', e.handle,
                'at', e.at, 'commitment', e.commitment,
                'entry', translate(encode(pakn_tlog_entry(e.version, e.kind, NULL, NULL,
                                                          e.handle, e.at, e.commitment),
                                          'base64'), E'\n', ''),
                'leaf_hash', encode(e.leaf, 'base64')) END ORDER BY e.idx), '[]'))
    FROM tlog_entry e
    WHERE e.idx >= p_start AND e.idx < least(p_end, p_start + 1000, (SELECT size FROM tlog_tree))
$$;
