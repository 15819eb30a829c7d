#!/usr/bin/python3
"""An independent receipt verifier written from docs/receipts.md alone, with PyNaCl
(Debian's python3-nacl). Usage: verify_receipt.py RECEIPT.json KEYS.json
Exit 0 if the signature is valid, 1 if not, 2 on bad input."""
import base64
import json
import sys

import nacl.exceptions
import nacl.signing

FIELDS = ("tracking_code", "feedback_id", "item_code", "committed_at",
          "submission_blake2b", "log_index", "key_id")


def main():
    if len(sys.argv) != 3:
        return 2
    receipt = json.load(open(sys.argv[1]))
    receipt = receipt.get("receipt", receipt)
    keys = {k["key_id"]: k["public_key"] for k in json.load(open(sys.argv[2]))["keys"]}
    if receipt.get("key_id") not in keys:
        print("unknown key")
        return 1
    msg = "pakn57-receipt-v%d\n" % receipt["version"]
    msg += "".join("%s:%s\n" % (f, receipt[f]) for f in FIELDS)
    key = nacl.signing.VerifyKey(base64.b64decode(keys[receipt["key_id"]]))
    try:
        key.verify(msg.encode("utf-8"), base64.b64decode(receipt["signature"]))
    except nacl.exceptions.BadSignatureError:
        print("bad signature")
        return 1
    print("valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
