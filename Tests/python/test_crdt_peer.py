"""The YCRDTPeer line protocol itself, and YCRDT's bad-input rule seen through
it: a rejected request (malformed JSON, out-of-range index, malformed update)
gets an error reply and leaves the replica exactly as it was."""
from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from crdt_peers import PeerError, PeerProcess, PyReplica, SwiftReplica, peer_binary  # noqa: E402


@pytest.fixture(scope="module")
def peer():
    binary = peer_binary()
    if not binary.exists():
        pytest.fail(f"YCRDTPeer not found at {binary}: run `swift build` (or set YCRDT_PEER_BIN)")
    process = PeerProcess(binary)
    yield process
    process.close()


@pytest.fixture()
def replica(peer):
    peer.call(cmd="reset")
    return SwiftReplica(peer, "a", 77, True)


def raw(peer: PeerProcess, line: bytes) -> dict:
    import json
    peer.proc.stdin.write(line + b"\n")
    return json.loads(peer.proc.stdout.readline())


def test_local_edits_emit_one_update_each_and_load_in_pycrdt(replica):
    updates = replica.insert(0, "سَلام 😀", None)
    updates += replica.insert(2, "X", {"bold": True})
    updates += replica.delete(0, 1)
    assert len(updates) == 3
    py = PyReplica("p", 78, True)
    for update in updates:
        py.apply(update)
    assert py.text() == replica.text() == "َXلام 😀"
    assert py.snapshot()["delta"] == replica.snapshot()["delta"]


def test_malformed_json_gets_an_error_and_the_peer_keeps_going(peer, replica):
    reply = raw(peer, b"{not json")
    assert reply["ok"] is False and "JSON" in reply["error"]
    reply = raw(peer, b'{"cmd":"frobnicate","id":5}')
    assert reply["ok"] is False and reply["id"] == 5 and "frobnicate" in reply["error"]
    replica.insert(0, "still here", None)
    assert replica.text() == "still here"


def test_out_of_range_edits_are_rejected_without_change(replica):
    replica.insert(0, "abc", None)
    before = replica.snapshot()
    for bad in (lambda: replica.insert(4, "x", None), lambda: replica.delete(2, 5),
                lambda: replica.format(3, 1, {"bold": True})):
        with pytest.raises(PeerError, match="outside the text"):
            bad()
    assert replica.snapshot() == before


def test_malformed_update_is_rejected_without_change(replica):
    replica.insert(0, "keep me", {"italic": True})
    good = replica.state()
    before = replica.snapshot()
    for bad in (b"\x00\x01", good[:-3], good + b"\x07", b"\x01\x01\xff\xff\xff\xff\xff\xff\xff\xff\x7f"):
        with pytest.raises(PeerError, match="YCRDT"):
            replica.apply(bad)
        assert replica.snapshot() == before
    assert replica.state() == good


def test_merge_diff_and_state_vector_commands(peer):
    peer.call(cmd="reset")
    a, b = SwiftReplica(peer, "a", 1, True), SwiftReplica(peer, "b", 2, True)
    u1 = a.insert(0, "one ", None)[0]
    b.apply(u1)
    u2 = b.insert(4, "two", None)[0]
    merged = bytes.fromhex(peer.call(cmd="merge", updates=[u1.hex(), u2.hex()])["update"])
    fresh = PyReplica("p", 3, True)
    fresh.apply(merged)
    assert fresh.text() == "one two"
    sv_of = bytes.fromhex(peer.call(cmd="svOf", update=merged.hex())["sv"])
    assert sv_of == b.state_vector()
    diff = bytes.fromhex(peer.call(cmd="diff", update=merged.hex(), sv=a.state_vector().hex())["update"])
    a.apply(diff)
    assert a.text() == "one two"
