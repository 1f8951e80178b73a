"""Differential test of YCRDT (Swift) against pycrdt (yrs, the Rust port of Yjs).

Every session puts 2-4 replicas, a mix of YCRDT replicas (in one long-lived
YCRDTPeer process) and pycrdt docs, through random inserts, deletes and formats
of Arabic with harakat, English and emoji (surrogate pairs kept whole, as yrs
does not replace split halves: docs/reference/yjs-format.md §11.2), with updates delivered in
random order across senders but each sender's in order (yrs fills same-client
holes instead of keeping them pending: §11.1), with duplicates and state
exchanges. All replicas must end with identical text, delta and state vector,
and every replica's full state must load into the other implementation.

A failure names its seed and prints a shrunk reproduction. Re-run one seed:
    python3 Tests/python/test_crdt_differential.py SEED
(with YCRDT_PEER_BIN pointing at a built YCRDTPeer if it is not in .build/debug).
"""
from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from crdt_peers import PeerProcess, peer_binary  # noqa: E402
from crdt_sessions import Runner, failure_of, generate, shrink  # noqa: E402

SESSIONS = int(os.environ.get("QALAM_DIFF_SESSIONS", "1200"))
BATCH = 100


@pytest.fixture(scope="module")
def runner():
    binary = peer_binary()
    if not binary.exists():
        pytest.fail(f"YCRDTPeer not found at {binary}: run `swift build` (or set YCRDT_PEER_BIN)")
    peer = PeerProcess(binary)
    yield Runner(peer)
    peer.close()


def report(runner: Runner, seed: int, message: str) -> str:
    small, small_message = shrink(runner, generate(seed))
    return (f"seed {seed} diverged: {message}\n"
            f"shrunk to {len(small.actions)} of {len(generate(seed).actions)} actions: {small_message}\n"
            f"reproduction (kinds/clients/gc per replica, then actions):\n{small.to_json()}\n"
            f"re-run: python3 Tests/python/test_crdt_differential.py {seed}")


@pytest.mark.parametrize("first", range(0, SESSIONS, BATCH))
def test_random_sessions_converge(runner, first):
    for seed in range(first, min(first + BATCH, SESSIONS)):
        message = failure_of(runner, generate(seed))
        if message is not None:
            pytest.fail(report(runner, seed, message), pytrace=False)


def test_sessions_really_mix_implementations():
    """Guards the generator: every session pairs both implementations, and the
    pool covers astral characters and Arabic marks."""
    sessions = [generate(seed) for seed in range(200)]
    assert all({"swift", "pycrdt"} <= set(s.kinds) for s in sessions)
    texts = "".join(a[3] for s in sessions for a in s.actions if a[0] == "ins")
    assert any(ord(ch) > 0xFFFF for ch in texts)
    assert "\u064e" in texts or "\u064b" in texts  # fatha / fathatan
    assert sum(a[0] == "fmt" for s in sessions for a in s.actions) > 100


def test_a_divergence_is_detected_and_shrunk(runner):
    """The harness itself must be able to fail: a planted divergence is
    reported, and shrinking cuts the session down to the one action that
    triggers it."""
    from crdt_sessions import Divergence, Session

    class Lying(Runner):
        def run(self, session):
            super().run(session)
            if any(a[0] == "ins" for a in session.actions):
                raise Divergence("planted")

    liar = Lying(runner.peer)
    session = generate(7)
    small, message = shrink(liar, session)
    assert "planted" in message
    assert len(small.actions) == 1 and small.actions[0][0] == "ins"


def test_a_wrong_local_format_is_caught(runner, monkeypatch):
    """Mutation check: a Swift replica that formats with the wrong attribute
    converges with everyone (the op is legal) but breaks its local promise;
    the harness must catch it and shrink it to insert + format."""
    from crdt_peers import SwiftReplica

    original = SwiftReplica.format

    def swapped(self, index, length, attrs):
        return original(self, index, length, {("italic" if k == "bold" else k): v for k, v in attrs.items()})

    monkeypatch.setattr(SwiftReplica, "format", swapped)
    seed = next(s for s in range(200) if failure_of(runner, generate(s)) is not None)
    small, message = shrink(runner, generate(seed))
    assert "expected bold=True" in message
    assert [a[0] for a in small.actions] == ["ins", "fmt"]


if __name__ == "__main__":
    seeds = [int(a) for a in sys.argv[1:]] or list(range(SESSIONS))
    peer = PeerProcess()
    r = Runner(peer)
    failed = 0
    for seed in seeds:
        msg = failure_of(r, generate(seed))
        if msg is not None:
            failed += 1
            print(report(r, seed, msg))
    peer.close()
    print(f"{len(seeds) - failed}/{len(seeds)} sessions converged")
    sys.exit(1 if failed else 0)
