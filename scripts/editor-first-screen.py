#!/usr/bin/env python3
"""The real `qalam edit` on a pseudo-terminal, timed from process start to its
first drawn status bar (the caret's "Ln …, Col …"), for mixed Arabic/English
documents of 1 MB and 10 MB and, as the same-run baseline, an empty one: the
store read, the merge with the crash journal, the provider, the editor's
document and its layout, all in the time.

The documents are imported with `qalam import` into a fresh SQLite store under a
temporary home, and into PostgreSQL too when DATABASE_URL is set (run it under
scripts/with-postgres.sh); each editor dials a free loopback port, so it hosts
its own relay. The screen is read through Tests/python/tui_harness.py (pyte), so
run it with the test virtual environment (.venv, made by
scripts/install-deps.sh --test).

usage: scripts/editor-first-screen.py [--qalam .build/release/qalam] [--runs 5]
                                      [--sizes 1000000,10000000]
"""

import argparse
import importlib.util
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "Tests" / "python"))
from tui_harness import TUI, free_port  # noqa: E402


def mixed_text(size):
    """The documents scripts/editor-open-rss.py measures, byte for byte."""
    spec = importlib.util.spec_from_file_location("open_rss", ROOT / "scripts" / "editor-open-rss.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.mixed_text(size)


def first_screen_ms(qalam, name, env):
    began = time.monotonic()
    tui = TUI([qalam, "edit", name, "--relay-url", f"http://127.0.0.1:{free_port()}"], env=env)
    try:
        while time.monotonic() - began < 30:
            tui.pump(quiet=0.005, limit=0.005)
            if ", Col " in tui.line(23):
                return (time.monotonic() - began) * 1000
        raise SystemExit(f"no first screen for {name!r} within 30 s")
    finally:
        tui.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--qalam", default=str(ROOT / ".build" / "release" / "qalam"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", "--size", default="1000000,10000000",
                        help="UTF-8 bytes of each document, comma-separated")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    stores = ["sqlite"] + (["postgres"] if os.environ.get("DATABASE_URL") else [])

    print(f"load: {['%.2f' % x for x in os.getloadavg()]} on {os.cpu_count()} cores")
    print("| store | document | first screen ms, median (min–max) | empty document ms (same run) | × |")
    print("|---|---|--:|--:|--:|")
    for store in stores:
        home = tempfile.mkdtemp(prefix="qalam-first-screen-")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUPABASE_") and k != "QALAM_ACCESS_TOKEN"}
        if store == "sqlite":
            # Empty rather than absent: the pty harness starts from this process's
            # environment, where DATABASE_URL names the PostgreSQL server.
            env["DATABASE_URL"] = ""
        env["HOME"] = home
        for xdg in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            env[xdg] = os.path.join(home, xdg.lower())
            os.makedirs(env[xdg])
        if store == "postgres":
            subprocess.run([args.qalam, "db", "migrate"], env=env, check=True, capture_output=True)
        empty = f"empty-{os.getpid()}"
        for size in sizes:
            name = f"document-{size}-{os.getpid()}"
            source = os.path.join(home, f"{name}.txt")
            with open(source, "w", encoding="utf-8") as f:
                f.write(mixed_text(size))
            subprocess.run([args.qalam, "import", name, source], env=env, check=True, capture_output=True)
            document, baseline = [], []
            for _ in range(args.runs):
                # Alternated, so both see the same machine load.
                baseline.append(first_screen_ms(args.qalam, empty, env))
                document.append(first_screen_ms(args.qalam, name, env))
            ratio = statistics.median(document) / statistics.median(baseline)
            print(f"| {store} | {size / 1e6:g} MB mixed | {statistics.median(document):.0f} "
                  f"({min(document):.0f}–{max(document):.0f}) | {statistics.median(baseline):.0f} "
                  f"({min(baseline):.0f}–{max(baseline):.0f}) | {ratio:.1f} |")


if __name__ == "__main__":
    main()
