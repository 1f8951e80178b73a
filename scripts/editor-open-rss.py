#!/usr/bin/env python3
"""The real `qalam edit` process, measured from outside: how long it takes from
starting to its "ready" event, and how much memory a document costs it.

For mixed Arabic/English documents of 1 MB and 10 MB (UTF-8), imported with
`qalam import` into a fresh SQLite store (and into PostgreSQL when DATABASE_URL is
set, e.g. under scripts/with-postgres.sh), it runs `qalam edit NAME --headless`
with its own embedded relay on a free loopback port and records:

- open: process start -> the headless "ready" event (store read, merge with the
  journal, the provider's replica, the editor's document; the ready event also
  prints the whole text as JSON). Baseline in the same run: the same command on
  an empty document (process start, relay, session, nothing to load).
- RSS: VmRSS once ready and idle, minus the empty document's, against the
  document's UTF-16 size (the issue's goal: at most 4x).

usage: scripts/editor-open-rss.py [--qalam .build/release/qalam] [--runs 3]
                                  [--sizes 1000000,10000000]
Standard library only; build first with `swift build -c release`.
"""

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ARABIC = ("السَّلامُ عَلَيْكُمْ كِتَابٌ الْعَرَبِيَّةُ لا إِلَّا مَدْرَسَةٌ قَالَ الْقَلَمُ فِي مِنْ إِلَى "
          "الْمَحَرِّرُ النَّصُّ سَرِيعٌ جَمِيلٌ كتابة نص الشاشة تحرير مشترك الوثيقة الفقرة سلام لأن مؤتمر").split()
ENGLISH = ("the editor draft shared document with meeting notes and a terminal quick brown fox "
           "Yjs CRDT layout chapter section review of is").split()
NUMBERS = ["12", "345", "2026", "3.14", "٢٠٢٦", "١٢", "٣٤٥", "#7", "50%", "1,000"]


def mixed_text(size, seed=0x51A1A4):
    """At least `size` UTF-8 bytes of bilingual paragraphs, the same for a seed."""
    rng = random.Random(seed)
    paragraphs, total = [], 0
    while total < size:
        sentences = []
        for _ in range(1 + rng.randrange(12)):
            arabic = rng.randrange(3) != 0
            words = []
            for _ in range(3 + rng.randrange(14)):
                roll = rng.randrange(20)
                if roll < 2:
                    words.append(rng.choice(NUMBERS))
                elif roll < 5:
                    words.append(rng.choice(ENGLISH if arabic else ARABIC))
                else:
                    words.append(rng.choice(ARABIC if arabic else ENGLISH))
            sentences.append(" ".join(words) + ("،" if arabic else "."))
        paragraph = " ".join(sentences) + "\n"
        paragraphs.append(paragraph)
        total += len(paragraph.encode())
    return "".join(paragraphs)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Editor:
    """One `qalam edit NAME --headless` process, read line by line."""

    def __init__(self, qalam, name, env):
        self.start = time.monotonic()
        self.process = subprocess.Popen(
            [qalam, "edit", name, "--headless", "--relay-url", f"http://127.0.0.1:{free_port()}"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)

    def wait_for(self, event, timeout=300):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"qalam exited before {event}: {self.process.stderr.read()[-2000:]}")
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            if message.get("event") == event:
                return message
        raise RuntimeError(f"no {event} event within {timeout} s")

    def quit(self):
        try:
            self.process.stdin.write('{"cmd":"quit"}\n')
            self.process.stdin.flush()
            self.process.wait(timeout=60)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


def measure(qalam, name, env, expected_units):
    """(seconds to ready, RSS KiB once idle) of one editor on `name`."""
    editor = Editor(qalam, name, env)
    try:
        ready = editor.wait_for("ready")
        elapsed = time.monotonic() - editor.start
        units = len(ready["text"].encode("utf-16-le")) // 2
        if units != expected_units:
            raise RuntimeError(f"{name}: the editor holds {units} UTF-16 units, not {expected_units}")
        time.sleep(1.0)  # let the session connect and settle
        return elapsed, rss_kib(editor.process.pid)
    finally:
        editor.quit()


def spread(values):
    return f"{statistics.median(values):.0f} ({min(values):.0f}–{max(values):.0f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qalam", default=".build/release/qalam")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="1000000,10000000")
    args = parser.parse_args()
    qalam = os.path.abspath(args.qalam)
    stores = ["sqlite"] + (["postgres"] if os.environ.get("DATABASE_URL") else [])
    print(f"load: {open('/proc/loadavg').read().split()[:3]} on {os.cpu_count()} cores")
    print("| store | document | UTF-16 MB | open ms median (min–max) | empty doc ms (same run) | × "
          "| RSS above empty MB | ÷ UTF-16 size | goal ≤ 4× |")
    print("|---|---|--:|--:|--:|--:|--:|--:|---|")
    for store in stores:
        with tempfile.TemporaryDirectory(prefix="qalam-open-rss-") as home:
            env = {k: v for k, v in os.environ.items() if not k.startswith("SUPABASE_") and k != "QALAM_ACCESS_TOKEN"}
            for xdg in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
                env[xdg] = os.path.join(home, xdg.lower())
                os.makedirs(env[xdg])
            env["HOME"] = home
            if store == "sqlite":
                env.pop("DATABASE_URL", None)
            else:
                subprocess.run([qalam, "db", "migrate"], env=env, check=True, capture_output=True)
            empty = f"empty-{os.getpid()}"
            for size in (int(s) for s in args.sizes.split(",")):
                text = mixed_text(size)
                name = f"doc-{size}-{os.getpid()}"
                path = os.path.join(home, f"{name}.txt")
                with open(path, "w") as f:
                    f.write(text)
                subprocess.run([qalam, "import", name, path], env=env, check=True, capture_output=True)
                units = len(text.encode("utf-16-le")) // 2
                opens, rss, base_opens, base_rss = [], [], [], []
                for _ in range(args.runs):
                    # Alternate, so both see the same machine load.
                    seconds, kib = measure(qalam, empty, env, 0)
                    base_opens.append(seconds * 1000)
                    base_rss.append(kib)
                    seconds, kib = measure(qalam, name, env, units)
                    opens.append(seconds * 1000)
                    rss.append(kib)
                above = (statistics.median(rss) - statistics.median(base_rss)) * 1024
                ratio = above / (units * 2)
                print(f"| {store} | {size / 1e6:.0f} MB mixed | {units * 2 / 1e6:.1f} | {spread(opens)} "
                      f"| {spread(base_opens)} | {statistics.median(opens) / statistics.median(base_opens):.1f} "
                      f"| {above / 1e6:.1f} | {ratio:.1f}× | {'met' if ratio <= 4 else 'MISSED'} |")
                sys.stdout.flush()
    print(f"load after: {open('/proc/loadavg').read().split()[:3]}")


if __name__ == "__main__":
    main()
