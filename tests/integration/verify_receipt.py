#!/usr/bin/python3
"""An independent receipt verifier written from docs/receipts.md alone, with hashlib and
PyNaCl (Debian's python3-nacl). Usage: verify_receipt.py RECEIPT.json KEYS.json [BODY.txt]
Version 1: the Ed25519 signature of the signed bytes. Version 2: the SHA-256 commitment of
the salt and the canonical lines, the entry and its leaf hash, the signed note's signature
(C2SP signed-note key hash) and the RFC 9162 inclusion proof into its root; with BODY.txt,
the body hash of the text sent. Exit 0 if valid, 1 if not (one line says why), 2 on bad
input."""
import base64
import hashlib
import json
import sys

import nacl.exceptions
import nacl.signing

V1_FIELDS = ("tracking_code", "feedback_id", "item_code", "committed_at",
             "submission_blake2b", "log_index", "key_id")


def verify_v1(receipt, keys):
    if receipt.get("key_id") not in keys:
        return "unknown key"
    msg = "pakn57-receipt-v1\n"
    msg += "".join("%s:%s\n" % (f, receipt[f]) for f in V1_FIELDS)
    key = nacl.signing.VerifyKey(base64.b64decode(keys[receipt["key_id"]]))
    try:
        key.verify(msg.encode("utf-8"), base64.b64decode(receipt["signature"]))
    except nacl.exceptions.BadSignatureError:
        return "bad signature"
    return None


def sha256(data):
    return hashlib.sha256(data).digest()


def node(left, right):
    return sha256(b"\x01" + left + right)


def root_from_inclusion(index, size, leaf, proof):
    """RFC 9162 §2.1.3.2; None if the proof has the wrong shape."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def open_note(note, pks):
    """The origin, size and root of a signed checkpoint with a signature by one of pks;
    a reason (str) if there is none."""
    text, sep, sigs = note.partition("\n\n")
    if not sep:
        return "the checkpoint has no signature"
    lines = text.split("\n")
    if len(lines) < 3:
        return "the checkpoint is not origin, size, root"
    origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2])
    body = (text + "\n").encode()
    for line in sigs.split("\n"):
        if not line.startswith("\u2014 " + origin + " "):
            continue
        blob = base64.b64decode(line.rsplit(" ", 1)[1])
        for pk in pks:
            key_hash = sha256(origin.encode() + b"\n\x01" + pk)[:4]
            if blob[:4] != key_hash:
                continue
            try:
                nacl.signing.VerifyKey(pk).verify(body, blob[4:])
                return origin, size, root
            except nacl.exceptions.BadSignatureError:
                return "the tree head's signature is bad"
    return "no known key signed the tree head"


def verify_v2(receipt, keys, body):
    salt = bytes.fromhex(receipt["salt"])
    if len(salt) != 32:
        return "the salt is not 32 bytes"
    if body is not None and \
            sha256(salt + b"pakn57-body-v2\n" + body).hex() != receipt["body_hash"]:
        return "the text is not the one of the receipt"
    lines = "pakn57-submission-v2\n" + "".join("%s:%s\n" % (f, v) for f, v in (
        ("tracking_code", receipt["tracking_code"]), ("item_code", receipt["item_code"]),
        ("rating", receipt["rating"]), ("kind", receipt["kind"]),
        ("submitter_type", receipt["submitter_type"]),
        ("consent_publish", "true" if receipt["consent_publish"] else "false"),
        ("consent_contact", "true" if receipt["consent_contact"] else "false"),
        ("body_hash", receipt["body_hash"])))
    if sha256(salt + lines.encode()).hex() != receipt["commitment"]:
        return "bad commitment"
    entry = "pakn57-log-entry/2\nsubmission\n%s\n%s\n%s\n" % (
        receipt["handle"], receipt["committed_at"], receipt["commitment"])
    leaf = sha256(b"\x00" + entry.encode())
    head = open_note(receipt["checkpoint"], [base64.b64decode(k) for k in keys.values()])
    if isinstance(head, str):
        return head
    _, size, root = head
    proof = [base64.b64decode(h) for h in receipt["proof"]]
    if root_from_inclusion(receipt["log_index"], size, leaf, proof) != root:
        return "not in the signed tree"
    return None


def main():
    if len(sys.argv) not in (3, 4):
        return 2
    receipt = json.load(open(sys.argv[1]))
    receipt = receipt.get("receipt", receipt)
    keys = {k["key_id"]: k["public_key"] for k in json.load(open(sys.argv[2]))["keys"]}
    body = open(sys.argv[3], "rb").read() if len(sys.argv) == 4 else None
    try:
        if receipt["version"] == 1:
            why = verify_v1(receipt, keys)
        elif receipt["version"] == 2:
            why = verify_v2(receipt, keys, body)
        else:
            why = "unknown version"
    except (KeyError, ValueError, TypeError, IndexError) as e:
        why = "malformed: %r" % (e,)
    print(why or "valid")
    return 1 if why else 0


if __name__ == "__main__":
    sys.exit(main())
