#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what it needs, starts a
# throw-away PostgreSQL, builds once (debug), and runs the Swift tests, the tests
# against the Python reference peers (pycrdt, realtime, python-bidi, pyte) and a
# bounded, seeded fuzzing run of every decoder.
#
# Knobs: QALAM_TEST_PG_PORT (the throw-away PostgreSQL's port, default 55432),
# QALAM_FUZZ_SECONDS (per fuzz target, default 60), QALAM_FUZZ_SEED (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-true}"
started=$SECONDS
step() { printf '\n[test %s, %ds] %s\n' "$(date +%H:%M:%S)" "$((SECONDS - started))" "$*"; }

step "installing dependencies"
scripts/install-deps.sh --test
# The Python peers, for pytest and for the Swift tests that start them.
export PATH="$PWD/.venv/bin:$PATH"

step "checking formatting (swift format lint --strict)"
swift format lint --strict -r Sources Tests Fuzz Package.swift

step "building (debug, tests included; the first build takes 7-15 minutes on 2 cores)"
swift build --build-tests
export QALAM_BIN="$PWD/.build/debug/qalam"

step "Swift tests and pytest against a throw-away PostgreSQL"
scripts/with-postgres.sh bash -c '
    set -euo pipefail
    swift test --skip-build
    printf "\n[test %s] pytest\n" "$(date +%H:%M:%S)"
    python3 -m pytest -q Tests/python
'

step "fuzzing every decoder"
scripts/fuzz.sh "${QALAM_FUZZ_SECONDS:-60}" "${QALAM_FUZZ_SEED:-1}"
step "all passed"
