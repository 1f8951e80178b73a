"""Random editing sessions for the CRDT differential test: generation from a
seed, execution over a mix of YCRDT (Swift) and pycrdt replicas, and shrinking
of a failing session to a minimal list of actions.

A session is plain data (`Session`), independent of the replicas' state:
positions are fractions of the current text, delivery actions pick among the
updates waiting at that moment. So any sub-list of the actions is itself a valid
session, which is what makes shrinking possible.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

from crdt_peers import PeerProcess, PyReplica, SwiftReplica, utf16_len

# Arabic with harakat and shadda, Latin, astral emoji (surrogate pairs in
# UTF-16), emoji with modifiers and ZWJ sequences, mixed-direction snippets.
PIECES = [
    "مَرْحَبًا", "كِتَابٌ", "السَّلَامُ عَلَيْكُمْ", "قلم", "بِسْمِ", "ّ", "ً", "ع", "لا",
    "hello", " ", "the quick fox", "x", "Qalam", "\n", ".",
    "😀", "👍🏽", "👨\u200d👩\u200d👧", "🇸🇦", "𝕏", "é", "e\u0301",
    "Ali علي 😀", "(١٢٣)",
]
FORMATS = [
    {"bold": True}, {"bold": None}, {"italic": True}, {"italic": None},
    {"color": "#e00"}, {"color": None}, {"bold": True, "italic": True},
]


@dataclass
class Session:
    seed: int
    kinds: list[str]          # "swift" | "pycrdt" per replica
    clients: list[int]
    gc: list[bool]
    actions: list[list] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"seed": self.seed, "kinds": self.kinds, "clients": self.clients, "gc": self.gc,
                           "actions": self.actions}, ensure_ascii=False)


def generate(seed: int, max_actions: int = 40) -> Session:
    rng = random.Random(seed)
    n = rng.randint(2, 4)
    kinds = [rng.choice(["swift", "pycrdt"]) for _ in range(n)]
    if len(set(kinds)) == 1:
        kinds[rng.randrange(n)] = "pycrdt" if kinds[0] == "swift" else "swift"
    clients: list[int] = []
    while len(clients) < n:
        c = rng.choice([rng.randint(1, 60), rng.randint(1 << 31, (1 << 32) - 1), rng.randint(61, 1 << 20)])
        if c not in clients:
            clients.append(c)
    gc = [rng.random() < 0.7 for _ in range(n)]
    actions = []
    for _ in range(rng.randint(4, max_actions)):
        r = rng.randrange(n)
        kind = rng.choices(["ins", "del", "fmt", "dlv", "dup", "sync"], weights=[34, 14, 10, 32, 5, 5])[0]
        if kind == "ins":
            text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 3)))
            attrs = rng.choice(FORMATS) if rng.random() < 0.15 else None
            actions.append(["ins", r, round(rng.random(), 4), text, attrs])
        elif kind == "del":
            actions.append(["del", r, round(rng.random(), 4), rng.randint(1, 8)])
        elif kind == "fmt":
            actions.append(["fmt", r, round(rng.random(), 4), rng.randint(1, 10), rng.choice(FORMATS)])
        elif kind == "dlv":
            actions.append(["dlv", r, rng.randrange(1000)])
        elif kind == "dup":
            actions.append(["dup", r, rng.randrange(1000)])
        else:
            other = rng.randrange(n - 1)
            actions.append(["sync", other if other < r else other + 1, r])
    return Session(seed, kinds, clients, gc, actions)


class Divergence(AssertionError):
    pass


def utf16_index(text: str, cp: int) -> int:
    return utf16_len(text[:cp])


def check_attributes(delta, span: tuple[int, int], attrs: dict, where: str) -> None:
    """Every character in `span` (code points) must carry the non-null
    attributes of `attrs` and none of its null ones: what a local format, or an
    insert with attributes, promises whatever else is active there."""
    position = 0
    for text, chunk_attrs in delta:
        start, stop = position, position + len(text)
        position = stop
        if stop <= span[0] or start >= span[1]:
            continue
        for key, value in attrs.items():
            if chunk_attrs.get(key) != value:
                raise Divergence(f"{where}: {text!r} has attributes {chunk_attrs}, expected {key}={value!r}")


class Runner:
    """Executes sessions; one peer process serves every Swift replica."""

    def __init__(self, peer: PeerProcess) -> None:
        self.peer = peer

    def run(self, session: Session) -> None:
        """Raises Divergence (or PeerError/PeerCrashed) when the replicas disagree."""
        self.peer.call(cmd="reset")
        replicas = []
        for i, (kind, client, gc) in enumerate(zip(session.kinds, session.clients, session.gc)):
            name = f"r{i}"
            replicas.append(SwiftReplica(self.peer, name, client, gc) if kind == "swift" else PyReplica(name, client, gc))
        n = len(replicas)
        # inbox[q][s]: updates from replica s not yet delivered to q, in emission order
        # (pycrdt needs each client's updates in order: docs/reference/yjs-format.md §11.1).
        inbox = [[[] for _ in range(n)] for _ in range(n)]
        delivered: list[list[bytes]] = [[] for _ in range(n)]
        rng = random.Random(session.seed ^ 0x5EED)

        def broadcast(sender: int, updates: list[bytes]) -> None:
            for u in updates:
                for q in range(n):
                    if q != sender:
                        inbox[q][sender].append(u)

        def deliver(q: int, sender: int) -> None:
            update = inbox[q][sender].pop(0)
            delivered[q].append(update)
            broadcast(q, replicas[q].apply(update))

        for step, action in enumerate(session.actions):
            kind, r = action[0], action[1]
            rep = replicas[r]
            if kind in ("ins", "del", "fmt"):
                before = rep.text()
                cp_len = len(before)
                if kind == "ins":
                    cp = min(int(action[2] * (cp_len + 1)), cp_len)
                    updates = rep.insert(utf16_index(before, cp), action[3], action[4])
                    expected = before[:cp] + action[3] + before[cp:]
                else:
                    if cp_len == 0:
                        continue
                    cp = min(int(action[2] * cp_len), cp_len - 1)
                    end = min(cp + action[3], cp_len)
                    start16, len16 = utf16_index(before, cp), utf16_len(before[cp:end])
                    if kind == "del":
                        updates = rep.delete(start16, len16)
                        expected = before[:cp] + before[end:]
                    else:
                        updates = rep.format(start16, len16, action[4])
                        expected = before
                after = rep.text()
                if after != expected:
                    raise Divergence(f"step {step} {action}: local {kind} on {rep.kind} replica {r} gave "
                                     f"{after!r}, expected {expected!r}")
                attrs = action[4] if kind != "del" else None
                if attrs is not None:
                    span = (cp, cp + len(action[3])) if kind == "ins" else (cp, end)
                    check_attributes(rep.snapshot()["delta"], span, attrs,
                                     f"step {step} {action}: local {kind} on {rep.kind} replica {r}")
                broadcast(r, updates)
            elif kind == "dlv":
                senders = [s for s in range(n) if inbox[r][s]]
                if senders:
                    deliver(r, senders[action[2] % len(senders)])
            elif kind == "dup":
                if delivered[r]:
                    broadcast(r, rep.apply(delivered[r][action[2] % len(delivered[r])]))
            elif kind == "sync":
                source = replicas[r]
                target = replicas[action[2]]
                broadcast(action[2], target.apply(source.state(target.state_vector())))

        # Deliver everything still in flight, each sender's updates in order,
        # senders interleaved at random; deliveries can emit more updates.
        while True:
            waiting = [(q, s) for q in range(n) for s in range(n) if inbox[q][s]]
            if not waiting:
                break
            deliver(*rng.choice(waiting))
        snapshots = [rep.snapshot() for rep in replicas]
        self.check_converged(session, replicas, snapshots, "after delivering every update")

        # A full state exchange must change nothing more, and every replica's
        # full state must load into a fresh doc of the other implementation.
        for a in range(n):
            for b in range(n):
                if a != b:
                    replicas[b].apply(replicas[a].state(replicas[b].state_vector()))
        snapshots = [rep.snapshot() for rep in replicas]
        self.check_converged(session, replicas, snapshots, "after a full state exchange")
        self.check_cross_load(replicas, snapshots[0]["text"])

    def check_converged(self, session: Session, replicas, snapshots, when: str) -> None:
        first = snapshots[0]
        for i, snap in enumerate(snapshots):
            if snap["pending"]:
                raise Divergence(f"{when}: replica {i} ({replicas[i].kind}) still has pending structs")
            if snap["length"] != utf16_len(snap["text"]):
                raise Divergence(f"{when}: replica {i} reports length {snap['length']} for a text of "
                                 f"{utf16_len(snap['text'])} UTF-16 units")
            for key in ("text", "delta", "sv"):
                if snap[key] != first[key]:
                    raise Divergence(f"{when}: {key} of replica {i} ({replicas[i].kind}) differs from replica 0 "
                                     f"({replicas[0].kind}):\n  {snap[key]!r}\n  {first[key]!r}")

    def check_cross_load(self, replicas, expected: str) -> None:
        for rep in replicas:
            state = rep.state()
            if rep.kind == "swift":
                fresh = PyReplica("check", 424242, True)
                fresh.apply(state)
            else:
                self.peer.call(cmd="drop", doc="check")
                fresh = SwiftReplica(self.peer, "check", 424242, True)
                fresh.apply(state)
            if fresh.text() != expected:
                raise Divergence(f"the full state of a {rep.kind} replica loads into a fresh {fresh.kind} doc as "
                                 f"{fresh.text()!r}, expected {expected!r}")
            if rep.kind == "pycrdt":
                self.peer.call(cmd="drop", doc="check")


def failure_of(runner: Runner, session: Session) -> str | None:
    """The failure message of a session, or None when it passes. A crashed peer
    is restarted so the next session starts clean."""
    from crdt_peers import PeerCrashed, PeerError
    try:
        runner.run(session)
        return None
    except PeerCrashed as exc:
        runner.peer.restart()
        return f"PeerCrashed: {exc}"
    except (Divergence, PeerError) as exc:
        return f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # pycrdt raising is a finding too (e.g. on a Swift update)
        return f"{type(exc).__name__}: {exc}"


def shrink(runner: Runner, session: Session, budget: int = 400) -> tuple[Session, str]:
    """Removes chunks of actions, then single actions, while the session still
    fails; returns the smallest failing session found and its message."""
    message = failure_of(runner, session)
    assert message is not None
    actions = list(session.actions)
    chunk = max(1, len(actions) // 2)
    while chunk >= 1 and budget > 0:
        i, removed = 0, False
        while i < len(actions) and budget > 0:
            candidate = actions[:i] + actions[i + chunk:]
            budget -= 1
            trial = Session(session.seed, session.kinds, session.clients, session.gc, candidate)
            result = failure_of(runner, trial)
            if result is not None:
                actions, message, removed = candidate, result, True
            else:
                i += chunk
        if not removed:
            chunk //= 2
    return Session(session.seed, session.kinds, session.clients, session.gc, actions), message
