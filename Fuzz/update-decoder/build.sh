#!/usr/bin/env bash
# The harness for YCRDT's decoders: every Swift file of Sources/YCRDT.
# Usage: Fuzz/update-decoder/build.sh OUTDIR (the binary is OUTDIR/fuzzer).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mapfile -t sources < <(find "$root/Sources/YCRDT" -name '*.swift' | LC_ALL=C sort)
exec "$here/../build-harness.sh" YCRDTFuzz "${1:?usage: build.sh OUTDIR}" "$here/main.swift" "${sources[@]}"
