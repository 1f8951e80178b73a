#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what it needs, starts
# a throw-away PostgreSQL, builds once (debug), runs the Swift tests, the tests
# against the Python reference peers (pycrdt, realtime, python-bidi, pyte), and
# a bounded fuzzing run of every decoder.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
swift build --build-tests
export QALAM_BIN="$PWD/.build/debug/qalam"

scripts/with-postgres.sh bash -c '
    set -euo pipefail
    swift test --skip-build
    python3 -m pytest -q Tests/python
'
scripts/fuzz.sh "${QALAM_FUZZ_SECONDS:-60}"
