"""tlog_check.py URL N - checks the service's transparency log from outside, with hashlib and
no project code: reads the entries and hashes each of version 2 from its fields as
docs/tlog.md and RFC 9162 §2.1 say (leaf 0x00 || entry, node 0x01 || left || right; of a
version 1 entry the API gives only its leaf hash, taken as given), computes the root of
every tree of 1..N entries itself, and checks every inclusion proof and every consistency
proof the service returns for those trees against its own roots (RFC 9162 §2.1.3.2 and
§2.1.4.2). Also checks that the newest checkpoint's root is its own root of that size.
Prints one line; exit 0 when all hold."""
import base64
import hashlib
import json
import sys
import urllib.request

URL, N = sys.argv[1], int(sys.argv[2])


def get(path):
    with urllib.request.urlopen(URL + path) as r:
        body = r.read()
    return body.decode() if path.endswith("checkpoint") else json.loads(body)


def leaf(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node(mth(leaves[:k]), mth(leaves[k:]))


def inclusion_ok(index, size, h, proof, root):
    fn, sn, r = index, size - 1, h
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def consistency_ok(m, n, old, new, proof):
    if m == n:
        return not proof and old == new
    if not proof:
        return False
    path = ([old] if m & (m - 1) == 0 else []) + proof
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old and sr == new


def hashes(doc):
    return [base64.b64decode(h) for h in doc["proof"]]


checkpoint = get("/api/v1/log/checkpoint").split("\n")
size, root = int(checkpoint[1]), base64.b64decode(checkpoint[2])
leaves = []
versions = {1: 0, 2: 0}
while len(leaves) < size:
    page = get(f"/api/v1/log/entries?start={len(leaves)}&end={size}")
    for e in page["entries"]:
        assert e["index"] == len(leaves), f"entry {e['index']} out of order"
        if e["version"] == 1:
            # its bytes name a tracking code: the API gives only its leaf hash
            assert sorted(e) == ["index", "leaf_hash", "version"], f"entry {e['index']}"
            leaves.append(base64.b64decode(e["leaf_hash"]))
            versions[1] += 1
            continue
        assert e["version"] == 2, f"entry {e['index']}: version {e['version']}"
        assert sorted(e) == ["at", "commitment", "entry", "handle", "index", "kind",
                             "leaf_hash", "version"], f"entry {e['index']}: {sorted(e)}"
        assert e["kind"] in ("submission", "moderation", "answer"), f"entry {e['index']}"
        assert len(e["handle"]) == 32 and len(e["commitment"]) == 64, f"entry {e['index']}"
        entry = ("pakn57-log-entry/2\n%s\n%s\n%s\n%s\n" % (
            e["kind"], e["handle"], e["at"], e["commitment"])).encode()
        assert base64.b64decode(e["entry"]) == entry, f"entry {e['index']}"
        assert base64.b64decode(e["leaf_hash"]) == leaf(entry), f"leaf {e['index']}"
        leaves.append(leaf(entry))
        versions[2] += 1
assert mth(leaves) == root, "the checkpoint's root is not the root of its entries"
assert size >= N, f"only {size} entries"
roots = [None] + [mth(leaves[:n]) for n in range(1, N + 1)]
proofs = 0
for n in range(1, N + 1):
    for m in range(n):
        doc = get(f"/api/v1/log/proof/inclusion?index={m}&size={n}")
        assert base64.b64decode(doc["leaf_hash"]) == leaves[m]
        assert inclusion_ok(m, n, leaves[m], hashes(doc), roots[n]), f"inclusion {m} in {n}"
        proofs += 1
    for m in range(1, n + 1):
        doc = get(f"/api/v1/log/proof/consistency?from={m}&to={n}")
        assert consistency_ok(m, n, roots[m], roots[n], hashes(doc)), f"consistency {m}-{n}"
        proofs += 1
print(f"ok: {size} entries ({versions[2]} of version 2 hashed independently, "
      f"{versions[1]} of version 1 taken by leaf hash), checkpoint root matches; "
      f"{proofs} proofs for trees of 1 to {N} entries verify")
