#!/usr/bin/env python3
"""Seeds the fuzz corpora (fuzz/corpus/<target>/) from the official test
vectors (tests/vectors/*.json, or $CONCLAVE_VECTORS). The corpora are not
committed (.gitignore); run this script before fuzzing:

    python3 fuzz/seed_corpus.py

Each seed is the hex value of a vector field, named by its SHA-1 like
libFuzzer's own corpus entries, so re-running adds nothing twice."""

import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.environ.get("CONCLAVE_VECTORS", os.path.join(HERE, "..", "tests", "vectors"))
CORPUS = os.path.join(HERE, "corpus")

# MLSMessage header: ProtocolVersion (u16) and WireFormat (u16).
HEADER = 4
WIRE_FORMAT = {1: "public", 2: "private", 3: "welcome", 4: "group_info", 5: "key_package"}

# Vector fields holding a whole MLSMessage.
MESSAGE_FIELDS = {
    "mls_welcome", "mls_group_info", "mls_key_package", "public_message_application",
    "public_message_proposal", "public_message_commit", "private_message", "welcome",
    "key_package", "commit", "proposal_pub", "proposal_priv", "commit_pub", "commit_priv",
    "application_priv", "proposals",
}
# Vector fields holding a bare ratchet tree.
TREE_FIELDS = {"ratchet_tree", "tree", "tree_before", "tree_after"}


def add(target, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, hashlib.sha1(data).hexdigest())
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)


def message(data):
    add("mls_message", data)
    add("framing_unprotect", b"\x00" + data)
    if len(data) < HEADER:
        return
    body = data[HEADER:]
    kind = WIRE_FORMAT.get(int.from_bytes(data[2:4], "big"))
    if kind == "key_package":
        add("key_package", body)
        add("key_package_validate", body)
    elif kind in ("welcome", "group_info"):
        add(kind, body)
        if kind == "welcome":
            add("welcome_open", b"\x00" + body)
    elif kind == "public":
        # The body starts with a FramedContent: the structured mode of the
        # framing target (public, then private protection).
        add("framing_unprotect", b"\x01" + body)
        add("framing_unprotect", b"\x03" + body)


def walk(value, field=None):
    if isinstance(value, dict) and "group_secrets" in value and "mls_group_info" in value:
        # The structured mode of welcome_open: GroupSecrets then GroupInfo.
        info = bytes.fromhex(value["mls_group_info"])[HEADER:]
        add("welcome_open", b"\x01" + bytes.fromhex(value["group_secrets"]) + info)
    if isinstance(value, dict):
        for k, v in value.items():
            walk(v, k)
    elif isinstance(value, list):
        for v in value:
            walk(v, field)
    elif isinstance(value, str) and field is not None:
        try:
            data = bytes.fromhex(value)
        except ValueError:
            return
        if field in MESSAGE_FIELDS:
            message(data)
        elif field in TREE_FIELDS:
            add("ratchet_tree", data)


def group_process():
    """Seeds of group_process, whose group is built at run time (its real
    messages are chosen by index, so no vector bytes carry over): each real
    message unmutated (mode 1, with and without the follow-up commit), and
    for each sender a message of each kind made and signed by the sender
    (modes 2 and 3: application data, a proposal of each of the ten kinds
    the target offers, a commit with one such proposal)."""
    for pick in range(14):
        add("group_process", bytes([0x01, pick]))
        add("group_process", bytes([0x81, pick]))
    for mode in (0x02, 0x03, 0x82, 0x83):
        add("group_process", bytes([mode, 0, 4, 1, 2, 3, 4, 5, 6, 7]))
        for kind in range(10):
            add("group_process", bytes([mode, 1, kind] + [7] * 24))
            add("group_process", bytes([mode, 2, 1, kind] + [3] * 24))


def main():
    group_process()
    files = sorted(f for f in os.listdir(VECTORS) if f.endswith(".json"))
    if not files:
        sys.exit(f"no vectors in {VECTORS}")
    for name in files:
        with open(os.path.join(VECTORS, name)) as f:
            walk(json.load(f))
    for target in sorted(os.listdir(CORPUS)):
        entries = os.listdir(os.path.join(CORPUS, target))
        size = sum(os.path.getsize(os.path.join(CORPUS, target, e)) for e in entries)
        print(f"{target}: {len(entries)} seeds, {size} bytes")


if __name__ == "__main__":
    main()
