#!/usr/bin/env python3
"""pycrdt (yrs) baseline for the Swift `Benchmarks` executable.

Usage: python3 bench_pycrdt.py TRACE.json.gz [--runs N]

Replays one editing trace (format: Fixtures/traces/README.md) with pycrdt the
way the Swift benchmark replays it with YCRDT, and prints ONE JSON object:

    {"trace": ..., "kind": "sequential"|"concurrent", "patches": N,
     "apply_ms": ..., "events": N, "encode_ms": ..., "bytes": N, "load_ms": ...,
     "doc_mb": ..., "loaded_mb": ..., "maxrss_mb": ..., "ok": true|false, "error": "..."?}

Times are CPU time of this thread (time.thread_time), the least of N runs
(default 3); encode and load repeat on past N until they have taken 250 ms in
all (at most 200 times), as the Swift side does. Sequential traces: one transaction (and so one update event) per
patch, the same work the Swift side does; this is one Python call per edit, so
"apply_ms" includes Python's per-call cost (pycrdt cannot replay many edits in
one call). Concurrent traces: one doc per agent, the updates of missing
ancestor txns applied before each txn. "encode_ms" is one get_update call and
"load_ms" one apply_update of the full state into a fresh doc (transaction
included): both run inside yrs. "doc_mb" is the heap in use (glibc mallinfo2;
yrs allocates with malloc, Python's small objects do not) held by the replayed
doc, "loaded_mb" that of one doc loaded from the state.

Trace positions count code points; yrs (as pycrdt exposes it) indexes text by
UTF-8 bytes, so every patch is converted before timing starts.
"""
from __future__ import annotations

import bisect
import ctypes
import gc
import gzip
import json
import os
import resource
import sys
import time

from pycrdt import Doc, Text


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


try:
    _libc = ctypes.CDLL("libc.so.6")
    _libc.mallinfo2.restype = _MallInfo2
except (OSError, AttributeError):
    _libc = None


def heap_bytes() -> int | None:
    """Bytes malloc has handed out and not taken back (in arenas and mmapped)."""
    if _libc is None:
        return None
    gc.collect()
    info = _libc.mallinfo2()
    return info.uordblks + info.hblkhd


def heap_mb(before: int | None, after: int | None) -> float | None:
    return None if before is None or after is None else (after - before) / 1e6


def cpu_ms(start: float) -> float:
    return (time.thread_time() - start) * 1000


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class ByteOffsets:
    """Maps code-point positions of the document being replayed to UTF-8 byte
    offsets. Only non-ASCII characters are tracked (sorted code-point positions
    with their extra byte counts), so ASCII-heavy traces stay cheap."""

    def __init__(self) -> None:
        self.pos: list[int] = []
        self.extra: list[int] = []

    def to_bytes(self, cp: int) -> int:
        k = bisect.bisect_left(self.pos, cp)
        return cp + sum(self.extra[:k])

    def splice(self, cp: int, deleted: int, inserted: str) -> None:
        lo = bisect.bisect_left(self.pos, cp)
        hi = bisect.bisect_left(self.pos, cp + deleted)
        shift = len(inserted) - deleted
        tail_pos = [p + shift for p in self.pos[hi:]]
        tail_extra = self.extra[hi:]
        new_pos, new_extra = [], []
        for i, ch in enumerate(inserted):
            n = len(ch.encode("utf-8"))
            if n > 1:
                new_pos.append(cp + i)
                new_extra.append(n - 1)
        self.pos[lo:] = new_pos + tail_pos
        self.extra[lo:] = new_extra + tail_extra


def to_byte_patches(patches_by_txn):
    """[[ [pos, del, ins], ...], ...] in code points -> same in UTF-8 bytes."""
    offsets = ByteOffsets()
    out = []
    for patches in patches_by_txn:
        converted = []
        for pos, dele, ins in patches:
            start = offsets.to_bytes(pos)
            end = offsets.to_bytes(pos + dele) if dele else start
            converted.append((start, end - start, ins))
            offsets.splice(pos, dele, ins)
        out.append(converted)
    return out


def replay_sequential(patches) -> tuple[Doc, Text, int, float]:
    doc = Doc(client_id=1)
    text = doc.get("content", type=Text)
    events = [0]

    def on_update(event) -> None:
        events[0] += 1
        event.update  # materialise the update bytes, as a provider would

    doc.observe(on_update)
    integrated = text.integrated
    start = time.thread_time()
    for pos, dele, ins in patches:
        with doc.transaction() as txn:
            if dele:
                integrated.remove_range(txn._txn, pos, dele)
            if ins:
                integrated.insert(txn._txn, pos, ins)
    return doc, text, events[0], cpu_ms(start)


def bench_sequential(trace: dict, runs: int) -> dict:
    txns = to_byte_patches([t["patches"] for t in trace["txns"]])
    patches = [p for t in txns for p in t]
    best, doc, text, events, doc_mb = float("inf"), None, None, 0, None
    for _ in range(runs):
        doc = text = None
        before = heap_bytes()
        doc, text, events, ms = replay_sequential(patches)
        doc_mb = heap_mb(before, heap_bytes())
        best = min(best, ms)
    result = {"kind": "sequential", "patches": len(patches), "apply_ms": best, "events": events,
              "doc_mb": doc_mb}
    ok = str(text) == trace["endContent"]
    result.update(encode_and_load(doc, trace["endContent"], runs))
    result["ok"] = ok and result.pop("load_ok")
    if not ok:
        result["error"] = "final text differs from endContent"
    return result


# Encode and load repeat at least `runs` times, then on until they have taken this much CPU
# in all (at most MAX_REPETITIONS): the rule of the Swift side's `Measure.keepRepeating`.
BUDGET_MS = 250.0
MAX_REPETITIONS = 200


def keep_repeating(done: int, spent_ms: float, runs: int) -> bool:
    return done < runs or (spent_ms < BUDGET_MS and done < MAX_REPETITIONS)


def encode_and_load(doc: Doc, expected: str, runs: int) -> dict:
    """Timed inside yrs: one get_update call, and one apply_update (with its transaction)."""
    raw = doc._doc
    encode_ms, state = float("inf"), b""
    done, spent = 0, 0.0
    while keep_repeating(done, spent, runs):
        txn = raw.create_transaction()
        start = time.thread_time()
        state = raw.get_update(txn, b"\x00")
        ms = cpu_ms(start)
        encode_ms = min(encode_ms, ms)
        done, spent = done + 1, spent + ms
        txn.commit()
        txn.drop()
    load_ms, loaded_mb, loaded = float("inf"), None, None
    done, spent = 0, 0.0
    while keep_repeating(done, spent, runs):
        loaded = fresh = raw_fresh = txn = None  # the previous run's doc is freed before measuring
        before = heap_bytes()
        fresh = Doc(client_id=2)
        raw_fresh = fresh._doc
        start = time.thread_time()
        txn = raw_fresh.create_transaction()
        raw_fresh.apply_update(txn, state)
        txn.commit()
        ms = cpu_ms(start)
        load_ms = min(load_ms, ms)
        done, spent = done + 1, spent + ms
        txn.drop()
        loaded = fresh
        loaded_mb = heap_mb(before, heap_bytes())
    text = loaded.get("content", type=Text)
    return {"encode_ms": encode_ms, "bytes": len(state), "load_ms": load_ms, "loaded_mb": loaded_mb,
            "load_ok": str(text) == expected}


def bench_concurrent(trace: dict, runs: int) -> dict:
    best, result = float("inf"), None
    for _ in range(runs):
        result, docs = concurrent_once(trace)
        if "apply_ms" not in result:
            return result
        best = min(best, result["apply_ms"])
    result["apply_ms"] = best
    result.update(encode_and_load(docs[0], trace["endContent"], runs))
    result["ok"] = result["ok"] and result.pop("load_ok")
    return result


def concurrent_once(trace: dict):
    txns = trace["txns"]
    if not trace["endContent"].isascii():
        return {"kind": "concurrent", "ok": False, "error": "non-ASCII concurrent traces are not converted"}, []
    agents = trace["numAgents"]
    # The replay's own bookkeeping is allocated before the heap is read and still
    # allocated (emptied) when it is read again, as in the Swift benchmark: doc_mb is
    # the documents' heap only (the docs themselves included).
    known = [bytearray(len(txns)) for _ in range(agents)]
    updates: list[bytes] = [b""] * len(txns)
    before = heap_bytes()
    docs = [Doc(client_id=a + 1) for a in range(agents)]
    texts = [d.get("content", type=Text) for d in docs]
    current = [None]

    def make_observer(agent: int):
        def observer(event) -> None:
            if current[0] is not None:
                updates[current[0]] = event.update
        return observer

    for a, d in enumerate(docs):
        d.observe(make_observer(a))

    def catch_up(agent: int, roots) -> None:
        missing, stack = [], list(roots)
        seen = known[agent]
        while stack:
            t = stack.pop()
            if seen[t]:
                continue
            seen[t] = 1
            missing.append(t)
            stack.extend(txns[t]["parents"])
        for t in sorted(missing):
            docs[agent].apply_update(updates[t])

    npatches = sum(len(t["patches"]) for t in txns)
    start = time.thread_time()
    for i, txn in enumerate(txns):
        agent = txn["agent"]
        catch_up(agent, txn["parents"])
        doc, integrated = docs[agent], texts[agent].integrated
        current[0] = i
        with doc.transaction() as t:
            for pos, dele, ins in txn["patches"]:
                if dele:
                    integrated.remove_range(t._txn, pos, dele)
                if ins:
                    integrated.insert(t._txn, pos, ins)
        current[0] = None
        known[agent][i] = 1
    for agent in range(agents):
        catch_up(agent, range(len(txns)))
    apply_ms = cpu_ms(start)
    for i in range(len(updates)):
        updates[i] = b""
    doc_mb = heap_mb(before, heap_bytes())
    updates.clear()
    ok = all(str(t) == trace["endContent"] for t in texts)
    result = {"kind": "concurrent", "patches": npatches, "apply_ms": apply_ms, "events": len(txns),
              "doc_mb": doc_mb, "ok": ok}
    if not ok:
        result["error"] = "replicas did not converge to endContent"
    return result, docs


def pycrdt_version() -> str:
    try:
        from importlib.metadata import version
        return version("pycrdt")
    except Exception:
        return "?"


def main(argv: list[str]) -> int:
    args = argv[1:]
    runs = 3
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 1 or runs < 1:
        print(json.dumps({"ok": False, "error": "usage: bench_pycrdt.py TRACE.json.gz [--runs N]"}))
        return 2
    path = args[0]
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            trace = json.load(f)
    except (OSError, ValueError) as exc:
        print(json.dumps({"trace": path, "ok": False, "error": f"cannot read trace: {exc}"}))
        return 1
    if trace.get("kind") == "concurrent":
        result = bench_concurrent(trace, runs)
    else:
        result = bench_sequential(trace, runs)
    del trace
    result["trace"] = path
    result["pycrdt"] = pycrdt_version()
    result["maxrss_mb"] = maxrss_mb()
    print(json.dumps(result))
    return 0 if result.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
