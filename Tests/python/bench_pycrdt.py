#!/usr/bin/env python3
"""pycrdt (yrs) baseline for the Swift `Benchmarks` executable.

Usage: python3 bench_pycrdt.py TRACE.json.gz

Replays one editing trace (format: Fixtures/traces/README.md) with pycrdt the
way the Swift benchmark replays it with YCRDT, and prints ONE JSON object:

    {"trace": ..., "kind": "sequential"|"concurrent", "patches": N,
     "apply_ms": ..., "events": N, "encode_ms": ..., "bytes": N, "load_ms": ...,
     "doc_mb": ..., "maxrss_mb": ..., "ok": true|false, "error": "..."?}

Sequential traces: one transaction (and so one update event) per patch, the
same work the Swift side does. Concurrent traces: one doc per agent, the
updates of missing ancestor txns applied before each txn.

Trace positions count code points; yrs (as pycrdt exposes it) indexes text by
UTF-8 bytes, so every patch is converted before timing starts.
"""
from __future__ import annotations

import bisect
import gzip
import json
import os
import resource
import sys
import time

from pycrdt import Doc, Text


def rss_mb() -> float:
    """Current resident set size (not the peak), from /proc."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return 0.0


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


def bench_sequential(trace: dict) -> dict:
    txns = to_byte_patches([t["patches"] for t in trace["txns"]])
    patches = [p for t in txns for p in t]
    doc = Doc(client_id=1)
    text = doc.get("content", type=Text)
    events = [0]

    def on_update(event) -> None:
        events[0] += 1
        event.update  # materialise the update bytes, as a provider would

    doc.observe(on_update)
    integrated = text.integrated
    rss_before = rss_mb()
    start = time.perf_counter()
    for pos, dele, ins in patches:
        with doc.transaction() as txn:
            if dele:
                integrated.remove_range(txn._txn, pos, dele)
            if ins:
                integrated.insert(txn._txn, pos, ins)
    apply_ms = (time.perf_counter() - start) * 1000
    doc_mb = rss_mb() - rss_before
    result = {"kind": "sequential", "patches": len(patches), "apply_ms": apply_ms, "events": events[0],
              "doc_mb": doc_mb}
    ok = str(text) == trace["endContent"]
    result.update(encode_and_load(doc, trace["endContent"]))
    result["ok"] = ok and result.pop("load_ok")
    if not ok:
        result["error"] = "final text differs from endContent"
    return result


def encode_and_load(doc: Doc, expected: str) -> dict:
    start = time.perf_counter()
    state = doc.get_update()
    encode_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    fresh = Doc(client_id=2)
    fresh.apply_update(state)
    loaded = fresh.get("content", type=Text)
    load_ms = (time.perf_counter() - start) * 1000
    return {"encode_ms": encode_ms, "bytes": len(state), "load_ms": load_ms,
            "load_ok": str(loaded) == expected}


def bench_concurrent(trace: dict) -> dict:
    txns = trace["txns"]
    if not trace["endContent"].isascii():
        return {"kind": "concurrent", "ok": False, "error": "non-ASCII concurrent traces are not converted"}
    agents = trace["numAgents"]
    docs = [Doc(client_id=a + 1) for a in range(agents)]
    texts = [d.get("content", type=Text) for d in docs]
    known = [bytearray(len(txns)) for _ in range(agents)]
    updates: list[bytes] = [b""] * len(txns)
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
    rss_before = rss_mb()
    start = time.perf_counter()
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
    apply_ms = (time.perf_counter() - start) * 1000
    doc_mb = rss_mb() - rss_before
    ok = all(str(t) == trace["endContent"] for t in texts)
    result = {"kind": "concurrent", "patches": npatches, "apply_ms": apply_ms, "events": len(txns),
              "doc_mb": doc_mb}
    result.update(encode_and_load(docs[0], trace["endContent"]))
    result["ok"] = ok and result.pop("load_ok")
    if not ok:
        result["error"] = "replicas did not converge to endContent"
    return result


def pycrdt_version() -> str:
    try:
        from importlib.metadata import version
        return version("pycrdt")
    except Exception:
        return "?"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(json.dumps({"ok": False, "error": "usage: bench_pycrdt.py TRACE.json.gz"}))
        return 2
    path = argv[1]
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            trace = json.load(f)
    except (OSError, ValueError) as exc:
        print(json.dumps({"trace": path, "ok": False, "error": f"cannot read trace: {exc}"}))
        return 1
    if trace.get("kind") == "concurrent":
        result = bench_concurrent(trace)
    else:
        result = bench_sequential(trace)
    del trace
    result["trace"] = path
    result["pycrdt"] = pycrdt_version()
    result["maxrss_mb"] = maxrss_mb()
    print(json.dumps(result))
    return 0 if result.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
