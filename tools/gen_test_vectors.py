#!/usr/bin/python3
"""gen_test_vectors.py - writes the test vectors of docs/test-vectors/ from what
docs/receipts.md and docs/tlog.md say, with Python's hashlib and PyNaCl (Debian's
python3-nacl) and no project code, so that the C code's tests (tests/unit/tlog/
test_vectors.c) check it against the spec and not against itself.

    tools/gen_test_vectors.py            write docs/test-vectors/*.json
    tools/gen_test_vectors.py --check    exit 1 if the files differ from what it would write

Every "random" value (salts, handles, tracking codes, the signing key's seed) is the
SHA-256 of a fixed label, so the files come out the same on every run; Ed25519 (RFC 8032)
is deterministic. The generator also checks every vector it writes with its own verifier
(the receipts' tampers must fail for the reason they name)."""

import base64
import hashlib
import json
import os
import sys

import nacl.exceptions
import nacl.signing

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "test-vectors")


def sha256(b):
    return hashlib.sha256(b).digest()


def label(text, n=32):
    """n bytes that stand for random ones: SHA-256 of a label."""
    return sha256(("pakn57 test vectors: " + text).encode())[:n]


def b64(b):
    return base64.b64encode(b).decode()


# --- keys (docs/receipts.md "Keys"; the C2SP signed-note key hash) -------------------------

class Key:
    def __init__(self, name):
        self.seed = label("ed25519 seed " + name)
        self.signing = nacl.signing.SigningKey(self.seed)
        self.pk = bytes(self.signing.verify_key)
        self.key_id = hashlib.sha256(self.pk).hexdigest()[:16]

    def note_key_hash(self, name):
        return sha256(name.encode() + b"\n\x01" + self.pk)[:4]

    def sign(self, msg):
        return self.signing.sign(msg).signature

    def json(self, origin):
        return {"seed": self.seed.hex(), "public_key": b64(self.pk), "key_id": self.key_id,
                "note_name": origin, "note_key_hash": self.note_key_hash(origin).hex(),
                "vkey": "%s+%s+%s" % (origin, self.note_key_hash(origin).hex(),
                                      b64(b"\x01" + self.pk))}


ORIGIN = "pakn57.example/log"
KEY = Key("service")
OTHER = Key("another service")


# --- tracking codes (docs/receipts.md, version 1's table) ---------------------------------

SYMBOLS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECKS = SYMBOLS + "*~$=U"


def tracking_code(raw10):
    v = int.from_bytes(raw10, "big")
    syms = "".join(SYMBOLS[(v >> (5 * (15 - i))) & 31] for i in range(16))
    return "-".join(syms[i:i + 4] for i in range(0, 16, 4)) + "-" + CHECKS[v % 37]


# --- entries and commitments (docs/tlog.md "Entries", docs/receipts.md) -------------------

def entry_v1(kind, code, item, at, commitment):
    return "pakn57-log-entry/1\n%s\n%s\n%s\n%s\n%s\n" % (kind, code, item, at, commitment)


def entry_v2(kind, handle, at, commitment):
    return "pakn57-log-entry/2\n%s\n%s\n%s\n%s\n" % (kind, handle, at, commitment)


def leaf_hash(entry_bytes):
    return sha256(b"\x00" + entry_bytes)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def body_hash_v2(salt, body):
    return hashlib.sha256(salt + b"pakn57-body-v2\n" + body.encode()).hexdigest()


def canonical_lines_v2(s):
    return ("pakn57-submission-v2\n"
            "tracking_code:%s\nitem_code:%s\nrating:%d\nkind:%s\nsubmitter_type:%s\n"
            "consent_publish:%s\nconsent_contact:%s\nbody_hash:%s\n" % (
                s["tracking_code"], s["item_code"], s["rating"], s["kind"], s["submitter_type"],
                "true" if s["consent_publish"] else "false",
                "true" if s["consent_contact"] else "false", s["body_hash"]))


def commitment_v2(salt, lines):
    return hashlib.sha256(salt + lines.encode()).hexdigest()


def canonical_submission_v1(s):
    body = s["body"].encode()
    return ("pakn57-submission-v1\nitem_code:%s\nrating:%d\nkind:%s\nsubmitter_type:%s\n"
            "consent_publish:%s\nconsent_contact:%s\nbody_bytes:%d\n" % (
                s["item_code"], s["rating"], s["kind"], s["submitter_type"],
                "true" if s["consent_publish"] else "false",
                "true" if s["consent_contact"] else "false", len(body))).encode() + body


EVENT_FIELDS = ("prev_hash", "id", "at", "official_id", "role", "feedback_id", "action",
                "reason", "note", "from_state", "to_state")


def audit_hash(event):
    """docs/moderation.md "The audit trail": each field (absent ones empty) as its length
    in bytes, a colon, its UTF-8 bytes and a line feed, after the version line."""
    fields = ["pakn57-event-v2"] + ["" if event[f] is None else str(event[f])
                                    for f in EVENT_FIELDS]
    return hashlib.sha256(b"".join(b"%d:%s\n" % (len(f.encode()), f.encode())
                                   for f in fields)).hexdigest()


def event_commitment_v2(salt, audit_hash, answer=None):
    body = audit_hash if answer is None else audit_hash + "\n" + answer
    return hashlib.sha256(salt + ("pakn57-log-event/2\n" + body).encode()).hexdigest()


def event_commitment_v1(audit_hash, answer=None):
    if answer is None:
        return audit_hash
    return hashlib.sha256((audit_hash + "\n" + answer).encode()).hexdigest()


# --- the tree (RFC 9162 §2.1, read as written) --------------------------------------------

def split(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m, leaves):
    """RFC 9162 §2.1.3.1 PATH(m, D[n]): the leaf's sibling first."""
    if len(leaves) <= 1:
        return []
    k = split(len(leaves))
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m, leaves, b):
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b)."""
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = split(n)
    if m <= k:
        return subproof(m, leaves[:k], b) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def frontier(leaves):
    """The roots of the perfect subtrees of the tree, largest first (one per one bit of its
    size): what an appending transaction starts from (server/tlog/tlog.h, tlog_span)."""
    out, lo, n = [], 0, len(leaves)
    for bit in reversed(range(64)):
        if n & (1 << bit):
            out.append(mth(leaves[lo:lo + (1 << bit)]))
            lo += 1 << bit
    return out


def inclusion_ok(index, size, leaf, proof, root):
    """RFC 9162 §2.1.3.2, step by step."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def consistency_ok(m, n, old_root, new_root, proof):
    """RFC 9162 §2.1.4.2, step by step."""
    if m == 0 or m > n:
        return False
    if m == n:
        return not proof and old_root == new_root
    if not proof:
        return False
    if m & (m - 1) == 0:
        proof = [old_root] + proof
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# --- signed notes and checkpoints (C2SP signed-note, tlog-checkpoint) ---------------------

DASH = "\u2014 "


def checkpoint_text(origin, size, root):
    return "%s\n%d\n%s\n" % (origin, size, b64(root))


def note_sign(text, name, key):
    sig = key.note_key_hash(name) + key.sign(text.encode())
    return text + "\n" + DASH + name + " " + b64(sig) + "\n"


def note_lines(note):
    """(text, signature lines) of a well-formed C2SP signed note, else None: UTF-8 with no
    control character but the newline, a last blank line, then whole signature lines
    "— name base64" with a name without spaces or '+' and at least 5 bytes of base64."""
    if any((c < " " and c != "\n") or c == "\x7f" for c in note) or "\n\n" not in note:
        return None
    text, sigs = note.rsplit("\n\n", 1)
    if not sigs or not sigs.endswith("\n"):
        return None
    lines = sigs[:-1].split("\n")
    for line in lines:
        name, _, b64s = line[len(DASH):].partition(" ")
        try:
            ok = len(base64.b64decode(b64s, validate=True)) >= 5
        except ValueError:
            ok = False
        if not line.startswith(DASH) or not name or "+" in name or not ok:
            return None
    return text + "\n", lines


def note_open(note, name, pk):
    """The note's text if a signature line by the key (name, pk) verifies, else None."""
    parts = note_lines(note)
    if parts is None:
        return None
    text, sigs = parts
    want = sha256(name.encode() + b"\n\x01" + pk)[:4]
    for line in sigs:
        if not line.startswith(DASH + name + " "):
            continue
        sig = base64.b64decode(line[len(DASH + name + " "):])
        if len(sig) != 68 or sig[:4] != want:
            continue
        try:
            nacl.signing.VerifyKey(pk).verify(text.encode(), sig[4:])
            return text
        except nacl.exceptions.BadSignatureError:
            return None
    return None


def checkpoint_open(note, pk):
    """(origin, size, root) of a checkpoint signed by pk under its origin, else None."""
    lines = note.split("\n")
    if len(lines) < 4 or not lines[1].isdigit() or (lines[1][0] == "0" and lines[1] != "0"):
        return None
    try:
        root = base64.b64decode(lines[2], validate=True)
    except ValueError:
        return None
    if len(root) != 32 or note_open(note, lines[0], pk) is None:
        return None
    return lines[0], int(lines[1]), root


# --- the files ----------------------------------------------------------------------------

def hexes(hashes):
    return [h.hex() for h in hashes]


def keys_file():
    return {"about": "The Ed25519 keys the vectors are signed with: seed is the 32-byte "
                     "RFC 8032 private key (libsodium's crypto_sign_seed_keypair), key_id the "
                     "receipts' key id, note_key_hash the C2SP signed-note key hash under "
                     "note_name, vkey the signed-note verifier key. 'other' signs what the "
                     "service's key did not.",
            "service": KEY.json(ORIGIN), "other": OTHER.json(ORIGIN)}


def sample_entries():
    """Entries of each version and kind, with what their commitments are made from."""
    out = []
    salt = label("salt of feedback A")
    handle = label("handle of feedback A", 16).hex()
    answer = "Sở GTVT đã tiếp nhận.\nCảm ơn ông/bà."
    events = {
        "moderation": {"prev_hash": hashlib.sha256(b"the event before").hexdigest(),
                       "id": 41, "at": "2026-12-07T15:10:00.000001Z", "official_id": 3,
                       "role": "moderator", "feedback_id": 1207, "action": "publish",
                       "reason": None, "note": "Nội dung phù hợp", "from_state": "received",
                       "to_state": "published"},
        "answer": {"prev_hash": hashlib.sha256(b"the event before an answer").hexdigest(),
                   "id": 42, "at": "2026-12-07T15:10:00.000001Z", "official_id": 5,
                   "role": "agency", "feedback_id": 1207, "action": "answer",
                   "reason": None, "note": None, "from_state": "published",
                   "to_state": "answered"},
    }
    for kind, text in (("moderation", None), ("answer", answer)):
        audit = audit_hash(events[kind])
        c = event_commitment_v2(salt, audit, text)
        out.append({"version": 2, "kind": kind, "handle": handle,
                    "at": "2026-12-07T15:10:00.000001Z", "commitment": c,
                    "commitment_from": {"salt": salt.hex(), "event": events[kind],
                                        "audit_hash": audit, "answer_text": text},
                    "entry": entry_v2(kind, handle, "2026-12-07T15:10:00.000001Z", c)})
    code = tracking_code(label("tracking code of feedback A", 10))
    sub = {"item_code": "LC-T25", "rating": 2, "kind": "report", "submitter_type": "",
           "consent_publish": False, "consent_contact": True, "body": "Đường hỏng."}
    c1 = hashlib.blake2b(canonical_submission_v1(sub), digest_size=32).hexdigest()
    out.append({"version": 1, "kind": "submission", "tracking_code": code,
                "item_code": "LC-T25", "at": "2026-11-24T08:51:47.587978Z", "commitment": c1,
                "commitment_from": {"submission": sub},
                "entry": entry_v1("submission", code, "LC-T25", "2026-11-24T08:51:47.587978Z",
                                  c1)})
    for kind, text in (("moderation", None), ("answer", answer)):
        audit = audit_hash(events[kind])
        c = event_commitment_v1(audit, text)
        out.append({"version": 1, "kind": kind, "tracking_code": code, "item_code": "LC-T25",
                    "at": "2026-11-25T01:02:03.000000Z", "commitment": c,
                    "commitment_from": {"event": events[kind], "audit_hash": audit,
                                        "answer_text": text},
                    "entry": entry_v1(kind, code, "LC-T25", "2026-11-25T01:02:03.000000Z", c)})
    for e in out:
        e["leaf_hash"] = leaf_hash(e["entry"].encode()).hex()
        if e["commitment_from"].get("answer_text") is None:
            e["commitment_from"].pop("answer_text", None)
    return out


def entries_file():
    return {"about": "Log entries of both versions and each kind (docs/tlog.md): entry is the "
                     "entry's bytes as UTF-8 text, leaf_hash SHA-256(0x00 || entry) in hex; "
                     "commitment_from says what the commitment is computed from: the "
                     "feedback's salt (hex), the moderation event (docs/moderation.md, 'The "
                     "audit trail'; null fields are empty) and its audit_hash, the answer's "
                     "text; a version 1 submission's from the stored submission (a version 2 "
                     "submission's is in receipts-v2.json).",
            "entries": sample_entries()}


TREE_N = 20


def tree_leaves():
    kinds = ("submission", "moderation", "answer")
    entries = [entry_v2(kinds[i % 3], label("tree handle %d" % (i // 3), 16).hex(),
                        "2026-12-07T16:00:%02d.%06dZ" % (i, 1000 * i),
                        hashlib.sha256(label("tree commitment %d" % i)).hexdigest())
               for i in range(TREE_N)]
    return entries, [leaf_hash(e.encode()) for e in entries]


def trees_file():
    entries, leaves = tree_leaves()
    roots = [mth(leaves[:n]) for n in range(TREE_N + 1)]
    inclusion, consistency = [], []
    for n in range(1, TREE_N + 1):
        for m in range(n):
            p = path(m, leaves[:n])
            assert inclusion_ok(m, n, leaves[m], p, roots[n])
            inclusion.append({"index": m, "size": n, "proof": hexes(p)})
        for m in range(1, n + 1):
            p = subproof(m, leaves[:n], True) if m < n else []
            assert consistency_ok(m, n, roots[m], roots[n], p)
            consistency.append({"from": m, "to": n, "proof": hexes(p)})
    return {"about": "One log of %d version 2 entries (entries, as UTF-8 text; leaves, their "
                     "leaf hashes), RFC 9162 §2.1 with SHA-256, hashes in hex. roots[n] is the "
                     "root of the first n entries (n = 0 is SHA-256 of nothing); frontiers[n] "
                     "the roots of the perfect subtrees of the first n, largest first; "
                     "inclusion: every PATH(index, size), the leaf's sibling first; "
                     "consistency: every PROOF(from, to)." % TREE_N,
            "entries": entries, "leaves": hexes(leaves), "roots": hexes(roots),
            "frontiers": [hexes(frontier(leaves[:n])) for n in range(TREE_N + 1)],
            "inclusion": inclusion, "consistency": consistency}


def notes_file():
    _, leaves = tree_leaves()
    checkpoints = []
    for n in (1, 7, 16, TREE_N):
        root = mth(leaves[:n])
        text = checkpoint_text(ORIGIN, n, root)
        note = note_sign(text, ORIGIN, KEY)
        assert checkpoint_open(note, KEY.pk) == (ORIGIN, n, root)
        checkpoints.append({"origin": ORIGIN, "size": n, "root": b64(root), "text": text,
                            "note": note})
    good = checkpoints[-1]["note"]
    sig_at = good.index(DASH) + len(DASH + ORIGIN + " ")
    sig = bytearray(base64.b64decode(good[sig_at:].strip()))
    sig[10] ^= 1
    bad_sig = good[:sig_at] + b64(bytes(sig)) + "\n"
    rejects = [
        {"what": "the size changed", "note": good.replace("\n%d\n" % TREE_N,
                                                           "\n%d\n" % (TREE_N + 1), 1)},
        {"what": "one bit of the signature changed", "note": bad_sig},
        {"what": "signed by another key under the same name",
         "note": note_sign(checkpoints[-1]["text"], ORIGIN, OTHER)},
        {"what": "signed under another name",
         "note": note_sign(checkpoints[-1]["text"], "pakn57.example/other", KEY)},
        {"what": "a hyphen for the em dash", "note": good.replace(DASH, "- ")},
        {"what": "a size with a plus sign, signed",
         "note": note_sign("%s\n+%d\n%s\n" % (ORIGIN, TREE_N, checkpoints[-1]["root"]),
                           ORIGIN, KEY)},
        {"what": "a size with a leading space, signed",
         "note": note_sign("%s\n %d\n%s\n" % (ORIGIN, TREE_N, checkpoints[-1]["root"]),
                           ORIGIN, KEY)},
        {"what": "a root in unpadded base64, signed",
         "note": note_sign("%s\n%d\n%s\n" % (ORIGIN, TREE_N,
                                                 checkpoints[-1]["root"].rstrip("=")),
                           ORIGIN, KEY)},
        {"what": "no blank line before the signature", "note": good.replace("\n\n", "\n")},
        {"what": "bytes after the last signature line", "note": good + "\xff\xff"},
        {"what": "a last signature line without its newline", "note": good[:-1]},
        {"what": "a line after the signatures that is not one",
         "note": good + "not a signature\n"},
        {"what": "a signature line whose base64 is too short",
         "note": good + DASH + "witness.example/w1 AAAA\n"},
        {"what": "a tab in the text, signed",
         "note": note_sign("%s\n%d\n%s\nextension\tline\n" % (ORIGIN, TREE_N,
                                                              checkpoints[-1]["root"]),
                           ORIGIN, KEY)},
    ]
    for r in rejects:
        assert checkpoint_open(r["note"], KEY.pk) is None, r["what"]
    # Other signatures on the same text (a witness's, another key's) are skipped.
    text = checkpoints[-1]["text"]
    witness_line = note_sign(text, "witness.example/w1", OTHER)[len(text) + 1:]
    other_line = note_sign(text, ORIGIN, OTHER)[len(text) + 1:]
    own_line = good[len(text) + 1:]
    accepts = [
        {"what": "a witness's signature line first", "note": text + "\n" + witness_line +
         own_line},
        {"what": "another key's line under the same name first",
         "note": text + "\n" + other_line + own_line},
        {"what": "a witness's signature line after", "note": good + witness_line},
    ]
    for a in accepts:
        assert checkpoint_open(a["note"], KEY.pk) == (ORIGIN, TREE_N, mth(leaves)), a["what"]
    return {"about": "C2SP checkpoints of the log of trees.json, signed as C2SP signed notes "
                     "by keys.json's service key under the origin: text is the checkpoint, "
                     "note the signed note, root base64. Every note in accepts (the last "
                     "checkpoint with other signature lines too) must open with the service "
                     "key and origin %s, giving that checkpoint; every note in rejects must be "
                     "refused." % ORIGIN,
            "checkpoints": checkpoints, "accepts": accepts, "rejects": rejects}


# --- receipts -----------------------------------------------------------------------------

def receipt_v1(code, feedback_id, sub, at, log_index, key):
    r = {"version": 1, "tracking_code": code, "feedback_id": feedback_id,
         "item_code": sub["item_code"], "committed_at": at,
         "submission_blake2b": hashlib.blake2b(canonical_submission_v1(sub),
                                               digest_size=32).hexdigest(),
         "log_index": log_index, "key_id": key.key_id}
    r["signature"] = b64(key.sign(signed_bytes_v1(r)))
    return r


def signed_bytes_v1(r):
    return ("pakn57-receipt-v1\n" + "".join("%s:%s\n" % (k, r[k]) for k in (
        "tracking_code", "feedback_id", "item_code", "committed_at", "submission_blake2b",
        "log_index", "key_id"))).encode()


def check_v1(r, keys):
    for k in keys:
        if k.key_id == r["key_id"]:
            try:
                nacl.signing.VerifyKey(k.pk).verify(signed_bytes_v1(r),
                                                    base64.b64decode(r["signature"]))
                return "valid"
            except nacl.exceptions.BadSignatureError:
                return "signature"
    return "key"


def check_v2(r, keys):
    """docs/receipts.md "Checking a version 2 receipt", steps 1-4."""
    salt = bytes.fromhex(r["salt"])
    if commitment_v2(salt, canonical_lines_v2(r)) != r["commitment"]:
        return "commitment"
    opened = next((o for o in (checkpoint_open(r["checkpoint"], k.pk) for k in keys) if o),
                  None)
    if not opened:
        return "head"
    _, size, root = opened
    leaf = leaf_hash(entry_v2("submission", r["handle"], r["committed_at"],
                              r["commitment"]).encode())
    proof = [base64.b64decode(p) for p in r["proof"]]
    return "valid" if inclusion_ok(r["log_index"], size, leaf, proof, root) else "proof"


def flip(b64text, byte=0):
    raw = bytearray(base64.b64decode(b64text))
    raw[byte] ^= 1
    return b64(bytes(raw))


def receipts_v1_file():
    out = []
    for i, (sub, at) in enumerate((
            ({"item_code": "LC-T25", "rating": 4, "kind": "opinion", "submitter_type": "",
              "consent_publish": False, "consent_contact": False,
              "body": "Rất không hài lòng"}, "2026-11-24T08:51:47.587978Z"),
            ({"item_code": "DB-T-V.3.2", "rating": 5, "kind": "proposal",
              "submitter_type": "organization", "consent_publish": True,
              "consent_contact": True, "body": "Đề nghị mở rộng giờ tiếp dân.\n\nXin cảm ơn."},
             "2026-11-30T23:59:59.000000Z"))):
        code = tracking_code(label("v1 tracking code %d" % i, 10))
        r = receipt_v1(code, 17 + i * 1000, sub, at, 3 + i * 500, KEY)
        assert check_v1(r, [KEY]) == "valid"
        tampers = [
            {"what": "another tracking code", "set": {
                "tracking_code": tracking_code(label("v1 other code %d" % i, 10))},
             "expect": "signature"},
            {"what": "another feedback id", "set": {"feedback_id": r["feedback_id"] + 1},
             "expect": "signature"},
            {"what": "another item", "set": {"item_code": "LC-T26"}, "expect": "signature"},
            {"what": "another time", "set": {"committed_at": at.replace(":5", ":4", 1)},
             "expect": "signature"},
            {"what": "another submission hash", "set": {
                "submission_blake2b": hashlib.sha256(b"x").hexdigest()}, "expect": "signature"},
            {"what": "another log index", "set": {"log_index": r["log_index"] + 1},
             "expect": "signature"},
            {"what": "one bit of the signature", "set": {"signature": flip(r["signature"])},
             "expect": "signature"},
            {"what": "an unknown key id", "set": {"key_id": OTHER.key_id}, "expect": "key"},
        ]
        for t in tampers:
            assert check_v1({**r, **t["set"]}, [KEY]) == t["expect"], t["what"]
        out.append({"submission": sub,
                    "canonical_submission": canonical_submission_v1(sub).decode(),
                    "signed_bytes": signed_bytes_v1(r).decode(), "receipt": r,
                    "entry": entry_v1("submission", code, sub["item_code"], at,
                                      r["submission_blake2b"]),
                    "tampers": tampers})
    return {"about": "Version 1 receipts signed by keys.json's service key (docs/receipts.md "
                     "\"Version 1\"): submission is what was stored (body as stored), "
                     "canonical_submission what submission_blake2b hashes, signed_bytes what "
                     "the signature covers, entry its log entry. Each tamper sets one field "
                     "of the receipt; the check must then fail: expect 'signature' (the "
                     "signature does not match) or 'key' (no key with that id).",
            "receipts": out}


def receipts_v2_file():
    """One log: entries 0-4 made before, then a batch of three submissions (5-7) whose
    receipts carry the head of the tree of 8 and their proofs into it; and a first batch of
    one submission alone (a tree of 1, an empty proof)."""
    subs = [
        {"item_code": "LC-T25", "rating": 1, "kind": "opinion", "submitter_type": "",
         "consent_publish": False, "consent_contact": False, "body": "Rất không hài lòng"},
        {"item_code": "DB-I03", "rating": 5, "kind": "proposal", "submitter_type": "business",
         "consent_publish": True, "consent_contact": False,
         "body": "Thủ tục nhanh.\nNhân viên nhiệt tình."},
        {"item_code": "DB-T-V.3.2", "rating": 3, "kind": "question",
         "submitter_type": "individual", "consent_publish": False, "consent_contact": True,
         "body": "Khi nào có kết quả?"},
    ]
    before = [entry_v2("submission", label("earlier handle %d" % i, 16).hex(),
                       "2026-12-07T14:00:0%d.000000Z" % i,
                       hashlib.sha256(label("earlier commitment %d" % i)).hexdigest())
              for i in range(5)]
    logs = [(0, subs[:1], []), (5, subs, before)]
    out = []
    for batch, (start, batch_subs, prior) in enumerate(logs):
        receipts = []
        for i, s in enumerate(batch_subs):
            salt = label("v2 salt %d.%d" % (batch, i))
            r = {"version": 2,
                 "tracking_code": tracking_code(label("v2 tracking code %d.%d" % (batch, i),
                                                      10)),
                 "item_code": s["item_code"], "rating": s["rating"], "kind": s["kind"],
                 "submitter_type": s["submitter_type"],
                 "consent_publish": s["consent_publish"],
                 "consent_contact": s["consent_contact"],
                 "body_hash": body_hash_v2(salt, s["body"]),
                 "committed_at": "2026-12-07T15:05:17.93%04dZ" % (batch * 10 + i),
                 "handle": label("v2 handle %d.%d" % (batch, i), 16).hex(), "salt": salt.hex()}
            lines = canonical_lines_v2(r)
            r["commitment"] = commitment_v2(salt, lines)
            r["log_index"] = start + i
            receipts.append((s, lines, r))
        entries = prior + [entry_v2("submission", r["handle"], r["committed_at"],
                                    r["commitment"]) for _, _, r in receipts]
        leaves = [leaf_hash(e.encode()) for e in entries]
        size, root = len(leaves), mth(leaves)
        head = note_sign(checkpoint_text(ORIGIN, size, root), ORIGIN, KEY)
        for s, lines, r in receipts:
            r["checkpoint"] = head
            r["proof"] = [b64(h) for h in path(r["log_index"], leaves)]
            assert check_v2(r, [KEY]) == "valid"
            entry = entries[r["log_index"]]
            out.append({"body": s["body"], "canonical_lines": lines, "entry": entry,
                        "leaf_hash": leaf_hash(entry.encode()).hex(), "receipt": r,
                        "batch": {"start": start, "frontier": b64s(frontier(leaves[:start])),
                                  "size": size, "root": b64(root),
                                  "leaves": b64s(leaves[start:])},
                        "tampers": tampers_v2(r)})
    return {"about": "Version 2 receipts (docs/receipts.md \"Version 2\"), their heads signed "
                     "by keys.json's service key: body is the text as stored, canonical_lines "
                     "what the commitment hashes after the salt, entry the log entry (UTF-8 "
                     "text), leaf_hash its leaf hash in hex; batch is the appending "
                     "transaction that made the head: the frontier of the log before it "
                     "(base64, largest subtree first) and the leaf hashes it appended "
                     "(base64). Each tamper sets one field of the receipt; the check must "
                     "then fail: expect 'commitment' (step 1), 'head' (step 3: no good "
                     "signature by a known key) or 'proof' (step 4).",
            "receipts": out}


def b64s(hashes):
    return [b64(h) for h in hashes]


def tampers_v2(r):
    other_head = note_sign(r["checkpoint"].split("\n\n")[0] + "\n", ORIGIN, OTHER)
    lines = r["checkpoint"].split("\n")
    lines[1] = str(int(lines[1]) + 1)
    resized = "\n".join(lines)
    lines = r["checkpoint"].split("\n")
    lines[2] = flip(lines[2], 31)
    rerooted = "\n".join(lines)
    t = [
        {"what": "another tracking code", "set": {"tracking_code": tracking_code(
            label("another tracking code", 10))}, "expect": "commitment"},
        {"what": "another item", "set": {"item_code": "LC-T1"}, "expect": "commitment"},
        {"what": "another rating", "set": {"rating": r["rating"] % 5 + 1},
         "expect": "commitment"},
        {"what": "another kind", "set": {"kind": "report"}, "expect": "commitment"},
        {"what": "another submitter type",
         "set": {"submitter_type": "" if r["submitter_type"] else "individual"},
         "expect": "commitment"},
        {"what": "consent to publish flipped",
         "set": {"consent_publish": not r["consent_publish"]}, "expect": "commitment"},
        {"what": "consent to contact flipped",
         "set": {"consent_contact": not r["consent_contact"]}, "expect": "commitment"},
        {"what": "another body hash", "set": {"body_hash": hashlib.sha256(b"").hexdigest()},
         "expect": "commitment"},
        {"what": "another salt", "set": {"salt": label("another salt").hex()},
         "expect": "commitment"},
        {"what": "another commitment", "set": {"commitment": hashlib.sha256(b"c").hexdigest()},
         "expect": "commitment"},
        {"what": "another time", "set": {"committed_at": "2026-12-07T15:05:18.000000Z"},
         "expect": "proof"},
        {"what": "another handle", "set": {"handle": label("another handle", 16).hex()},
         "expect": "proof"},
        {"what": "another log index", "set": {"log_index": r["log_index"] ^ 1},
         "expect": "proof"},
        {"what": "a log index past the tree", "set": {"log_index": 1 << 20},
         "expect": "proof"},
        {"what": "the head signed by another key", "set": {"checkpoint": other_head},
         "expect": "head"},
        {"what": "the head's size changed", "set": {"checkpoint": resized}, "expect": "head"},
        {"what": "the head's root changed", "set": {"checkpoint": rerooted},
         "expect": "head"},
        {"what": "one more hash in the proof",
         "set": {"proof": r["proof"] + [b64(sha256(b"extra"))]}, "expect": "proof"},
    ]
    if r["proof"]:
        t += [{"what": "one bit of the proof's first hash",
               "set": {"proof": [flip(r["proof"][0])] + r["proof"][1:]}, "expect": "proof"},
              {"what": "the proof's last hash left out", "set": {"proof": r["proof"][:-1]},
               "expect": "proof"}]
    for x in t:
        got = check_v2({**r, **x["set"]}, [KEY])
        assert got == x["expect"], (x["what"], got)
    return t


# --- witness cosignatures (C2SP tlog-cosignature v1, tlog-witness add-checkpoint) ----------

WITNESS = "witness.example/w1"


def cosign_key_id(name, pk):
    return sha256(name.encode() + b"\n\x04" + pk)[:4]


def cosign_message(text, timestamp):
    return ("cosignature/v1\ntime %d\n" % timestamp + text).encode()


def cosign_line(text, key, timestamp, name=WITNESS):
    sig = key.sign(cosign_message(text, timestamp))
    blob = cosign_key_id(name, key.pk) + timestamp.to_bytes(8, "big") + sig
    return "%s %s %s\n" % (DASH.strip(), name, b64(blob))


def cosign_check(note, name, pk):
    """The timestamp of a good cosignature by (name, pk) on the note, else None."""
    text, _, sigs = note.rpartition("\n\n")
    text += "\n"
    for line in sigs.split("\n"):
        prefix = DASH + name + " "
        if not line.startswith(prefix):
            continue
        blob = base64.b64decode(line[len(prefix):])
        if len(blob) != 76 or blob[:4] != cosign_key_id(name, pk):
            continue
        ts = int.from_bytes(blob[4:12], "big")
        try:
            nacl.signing.VerifyKey(pk).verify(cosign_message(text, ts), blob[12:])
            return ts
        except nacl.exceptions.BadSignatureError:
            return None
    return None


def cosignatures_file():
    _, leaves = tree_leaves()
    witness = Key("witness w1")
    text = checkpoint_text(ORIGIN, TREE_N, mth(leaves))
    note = note_sign(text, ORIGIN, KEY)
    ts = 1765108800  # 2025-12-07T12:00:00Z
    line = cosign_line(text, witness, ts)
    cosigned = note + line
    assert cosign_check(cosigned, WITNESS, witness.pk) == ts
    blob = bytearray(base64.b64decode(line.split(" ")[2]))
    blob[20] ^= 1
    rejects = [
        {"what": "one bit of the signature changed",
         "note": note + "%s %s %s\n" % (DASH.strip(), WITNESS, b64(bytes(blob)))},
        {"what": "the timestamp changed", "note": note + "%s %s %s\n" % (
            DASH.strip(), WITNESS, b64(bytes(base64.b64decode(line.split(" ")[2])[:4]) +
                                       (ts + 1).to_bytes(8, "big") +
                                       base64.b64decode(line.split(" ")[2])[12:]))},
        {"what": "the checkpoint's size changed",
         "note": cosigned.replace("\n%d\n" % TREE_N, "\n%d\n" % (TREE_N + 1), 1)},
    ]
    for r in rejects:
        assert cosign_check(r["note"], WITNESS, witness.pk) is None, r["what"]
    # Not by this witness: its name with another key (a different key ID), so none is found.
    other = note + cosign_line(text, OTHER, ts)
    assert cosign_check(other, WITNESS, witness.pk) is None
    # The add-checkpoint body for the tree of 7 entries after the one of 4.
    proof = subproof(4, leaves[:7], True)
    old_note = note_sign(checkpoint_text(ORIGIN, 7, mth(leaves[:7])), ORIGIN, KEY)
    body = "old 4\n" + "".join(b64(h) + "\n" for h in proof) + "\n" + old_note
    return {"about": "C2SP tlog-cosignature v1 by an Ed25519 witness on the checkpoint of the "
                     "log of trees.json (notes.json), and a C2SP tlog-witness add-checkpoint "
                     "request body (docs/witness.md)",
            "witness": {"name": WITNESS, "seed": witness.seed.hex(), "public_key": b64(witness.pk),
                        "key_id": cosign_key_id(WITNESS, witness.pk).hex(),
                        "vkey": "%s+%s+%s" % (WITNESS, cosign_key_id(WITNESS, witness.pk).hex(),
                                              b64(b"\x04" + witness.pk))},
            "checkpoint": note, "timestamp": ts,
            "signed_message": cosign_message(text, ts).decode(),
            "cosignature_line": line, "cosigned_checkpoint": cosigned,
            "rejects": rejects,
            "not_this_witness": {"what": "the witness's name with another key",
                                 "note": other},
            "add_checkpoint": {"old_size": 4, "proof": hexes(proof), "note": old_note,
                               "body": body}}


FILES = {
    "keys.json": keys_file,
    "entries.json": entries_file,
    "trees.json": trees_file,
    "cosignatures.json": cosignatures_file,
    "notes.json": notes_file,
    "receipts-v1.json": receipts_v1_file,
    "receipts-v2.json": receipts_v2_file,
}


def dump(doc):
    """JSON with each vector of a long list on one line (trees.json's hundreds of proofs)."""
    def one(v):
        return json.dumps(v, ensure_ascii=False)
    parts = []
    for k, v in doc.items():
        if isinstance(v, list) and len(v) > 1:
            v = "[\n  " + ",\n  ".join(one(x) for x in v) + "\n ]"
        elif isinstance(v, dict) and len(v) > 1:
            v = "{\n  " + ",\n  ".join(one(a) + ": " + one(b) for a, b in v.items()) + "\n }"
        else:
            v = one(v)
        parts.append(" " + one(k) + ": " + v)
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main():
    check = sys.argv[1:] == ["--check"]
    if sys.argv[1:] and not check:
        sys.exit("usage: gen_test_vectors.py [--check]")
    stale = []
    for name, make in FILES.items():
        text = dump(make()) if name == "trees.json" else \
            json.dumps(make(), indent=1, ensure_ascii=False) + "\n"
        path_ = os.path.join(OUT, name)
        if check:
            try:
                with open(path_, encoding="utf-8") as f:
                    if f.read() != text:
                        stale.append(name)
            except FileNotFoundError:
                stale.append(name)
        else:
            os.makedirs(OUT, exist_ok=True)
            with open(path_, "w", encoding="utf-8") as f:
                f.write(text)
    if stale:
        sys.exit("gen_test_vectors: differs from docs/test-vectors/: " + ", ".join(stale))


if __name__ == "__main__":
    main()
