#!/usr/bin/env bash
# The harness for the crash journal's record decoder: the dependency-free
# framing of Sources/Persistence (JournalFormat.swift, CRC32.swift).
# Usage: Fuzz/journal-records/build.sh OUTDIR (the binary is OUTDIR/fuzzer).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
exec "$here/../build-harness.sh" JournalFuzz "${1:?usage: build.sh OUTDIR}" "$here/main.swift" \
    "$root/Sources/Persistence/JournalFormat.swift" "$root/Sources/Persistence/CRC32.swift"
