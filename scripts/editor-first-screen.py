#!/usr/bin/env python3
"""The real `qalam edit` on a pseudo-terminal, timed from process start to its
first drawn status bar (the caret's "Ln …, Col …"), for a mixed Arabic/English
document and, as the same-run baseline, an empty one.

The document is imported with `qalam import` into a fresh SQLite store under a
temporary home; each editor dials a free loopback port, so it hosts its own
relay. The screen is read through Tests/python/tui_harness.py (pyte), so run it
with the test virtual environment (.venv, made by scripts/install-deps.sh --test).

usage: scripts/editor-first-screen.py [--qalam .build/release/qalam] [--runs 5]
                                      [--size 1000000]
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
    parser.add_argument("--size", type=int, default=1_000_000, help="UTF-8 bytes of the document")
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="qalam-first-screen-")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["HOME"] = home
    for xdg in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
        env[xdg] = os.path.join(home, xdg.lower())
        os.makedirs(env[xdg])
    source = os.path.join(home, "document.txt")
    with open(source, "w", encoding="utf-8") as f:
        f.write(mixed_text(args.size))
    subprocess.run([args.qalam, "import", "document", source], env=env, check=True, capture_output=True)

    print(f"load: {['%.2f' % x for x in os.getloadavg()]} on {os.cpu_count()} cores")
    medians = {}
    for name in ("empty", "document"):
        times = [first_screen_ms(args.qalam, name, env) for _ in range(args.runs)]
        medians[name] = statistics.median(times)
        print(f"{name:9} first screen ms: median {medians[name]:.0f} (min {min(times):.0f}, max {max(times):.0f})")
    print(f"{args.size / 1e6:g} MB document ÷ empty (same run): {medians['document'] / medians['empty']:.1f}×; "
          f"goal < 300 ms: {'met' if medians['document'] < 300 else 'MISSED'}")


if __name__ == "__main__":
    main()
