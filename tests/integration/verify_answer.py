#!/usr/bin/python3
"""An independent check of an official answer's signature, written from docs/moderation.md
("Signed answers") alone, with hashlib and PyNaCl (Debian's python3-nacl).
Usage: verify_answer.py STATUS.json KEYS.json FEEDBACK_ID
STATUS.json is GET /api/v1/feedback/{tracking_code}, KEYS.json GET /api/v1/keys. Exit 0 if
the answer is signed over feedback FEEDBACK_ID, 1 if not (one line says why), 2 on bad
input."""
import base64
import hashlib
import json
import sys

import nacl.exceptions
import nacl.signing


def main():
    if len(sys.argv) != 4:
        return 2
    answer = json.load(open(sys.argv[1])).get("answer")
    keys = {k["key_id"]: k["public_key"] for k in json.load(open(sys.argv[2]))["keys"]}
    if not answer:
        print("no answer")
        return 1
    if answer["key_id"] not in keys:
        print("unknown key")
        return 1
    text_hash = hashlib.blake2b(answer["text"].encode("utf-8"), digest_size=32).hexdigest()
    msg = ("pakn57-answer-v1\nfeedback_id:%s\nanswered_at:%s\ntext_blake2b:%s\nkey_id:%s\n"
           % (sys.argv[3], answer["answered_at"], text_hash, answer["key_id"]))
    key = nacl.signing.VerifyKey(base64.b64decode(keys[answer["key_id"]]))
    try:
        key.verify(msg.encode("utf-8"), base64.b64decode(answer["signature"]))
    except nacl.exceptions.BadSignatureError:
        print("bad signature")
        return 1
    print("valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
